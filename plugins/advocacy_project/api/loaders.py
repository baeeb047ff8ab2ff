"""The Advocacy Project's DataLoaders: one set per request and per policy, like core's
(schema/loaders.py, whose ``by_id_loader`` and ``pages_loader`` they use).

Core's ``Context`` knows nothing of plugins, so the set hangs off the context and is made
again whenever the context's policy is renewed (after a mutation commits).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.policy import AccessPolicy
from schema.context import Context
from schema.loaders import PageKey, by_id_loader, pages_loader

from ..cases import cases_of_requests, readable_by_ids, readable_statement
from ..models import Payment, PaymentCase, Receipt, RepaymentNotice, Review
from ..monitoring import flags_of_cases
from ..settings import AdvocacySettings
from ..views import first_payments

__all__ = ["AdvocacyLoaders", "loaders"]


class AdvocacyLoaders:
    def __init__(self, session: AsyncSession, policy: AccessPolicy,
                 settings: AdvocacySettings) -> None:
        self.policy = policy
        s, p = session, policy

        def by_id(model: type) -> DataLoader[int, Any]:
            return by_id_loader(lambda ids: readable_by_ids(s, p, model, ids))

        def pages(model: Any, parent: Any) -> DataLoader[PageKey, Any]:
            return pages_loader(s, parent, readable_statement(p, model))

        self.case = by_id(PaymentCase)
        self.payment = by_id(Payment)
        self.receipt = by_id(Receipt)
        self.review = by_id(Review)
        self.notice = by_id(RepaymentNotice)
        self.case_of_request = by_id_loader(lambda ids: cases_of_requests(s, p, ids))
        self.cases_of_person = pages(PaymentCase, PaymentCase.person_id)
        self.payments_of_case = pages(Payment, Payment.case_id)
        self.receipts_of_case = pages(Receipt, Receipt.case_id)
        self.receipts_of_payment = pages(Receipt, Receipt.payment_id)
        self.reviews_of_case = pages(Review, Review.case_id)
        self.notices_of_case = pages(RepaymentNotice, RepaymentNotice.case_id)
        self.flags = by_id_loader(lambda ids: flags_of_cases(s, p, ids, settings=settings))
        self.first_payment = by_id_loader(lambda ids: first_payments(s, p, ids))


def loaders(info: Info[Context, None]) -> AdvocacyLoaders:
    """This request's loaders, for the context's current policy."""
    context = info.context
    found: AdvocacyLoaders | None = getattr(context, "_advocacy_project_loaders", None)
    if found is None or found.policy is not context.policy:
        found = AdvocacyLoaders(context.session, context.policy,
                                context.uow.plugins.config.settings("advocacy_project"))
        context._advocacy_project_loaders = found  # type: ignore[attr-defined]
    return found
