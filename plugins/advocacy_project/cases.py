"""Payment cases: one per approved direct-payment request, opened on approval, stopped when
the person withdraws their consent, when the request is withdrawn, or by the advisor
(regulation 17).

Who may do what is the policy engine's: reading needs ``budget`` for the person; changing a
case needs ``update`` on ``budget`` acting for the organisation that holds the funding pot
(``policy.require_acting_for``), so no other organisation's staff, and not the person, pay
from the fund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import record_access
from core.categories import DataCategory
from core.errors import InvalidTransition, NotFound
from core.inputs import required_text
from core.models import (
    Budget,
    BudgetRequest,
    BudgetRequestStatus,
    Consent,
    FundingPot,
    PaymentRoute,
    Team,
)
from core.paging import Page, page
from core.policy import AccessPolicy, Action
from core.unit_of_work import Transaction, UnitOfWork

from .models import CaseStatus, Payment, PaymentCase, PaymentStatus

__all__ = [
    "CATEGORY",
    "NOT_FUND_HOLDER",
    "audit",
    "case_for_update",
    "cases_of_requests",
    "open_case",
    "readable_by_ids",
    "readable_cases",
    "readable_statement",
    "stop_case",
    "stop_payments",
    "stop_when_consent_ends",
    "stop_when_request_withdrawn",
]

CATEGORY = DataCategory.BUDGET
NOT_FUND_HOLDER = ("NOT_FUND_HOLDER",
                   "Only the organisation that holds the funding pot pays from it.")
Row = TypeVar("Row")


# --- the case opens on approval (the platform, after the approval committed) -----------------


async def open_case(uow: UnitOfWork, request_id: int,
                    policy: AccessPolicy | None = None) -> PaymentCase | None:
    """Open a payment case for an approved direct-payment request (once), held by the
    organisation that holds the request's funding pot.

    The platform calls it when a request is approved (no ``policy``: a request that needs no
    case is passed over). An advisor calls it with their policy when that did not happen: only
    the fund holder may, and a request that cannot have a case is refused with a code."""
    async with uow.begin() as tx:
        session = tx.session
        existing = await session.scalar(
            select(PaymentCase).where(PaymentCase.request_id == request_id))
        request = await session.get(BudgetRequest, request_id)
        if request is None:
            if policy is None:
                return None
            raise NotFound("budget request", field="requestId")
        budget = await session.get_one(Budget, request.budget_id)
        pot = await session.get_one(FundingPot, budget.funding_pot_id)
        if policy is not None:
            await policy.require_acting_for(session, Action.UPDATE, request.person_id,
                                            CATEGORY, pot.holder_organisation_id,
                                            what="budget request", field="requestId",
                                            refusal=NOT_FUND_HOLDER)
        if existing is not None:
            return existing
        problem = None
        if budget.payment_route is not PaymentRoute.DIRECT_PAYMENT:
            problem = InvalidTransition("Only a direct payment is paid by The Advocacy "
                                        "Project.", code="WRONG_PAYMENT_ROUTE",
                                        field="requestId")
        elif request.status is not BudgetRequestStatus.APPROVED:
            problem = InvalidTransition(
                f"This request is {request.status.value.replace('_', ' ')}, not approved.",
                code="REQUEST_NOT_APPROVED", field="requestId")
        if problem is not None:
            if policy is None:
                return None
            raise problem
        case = PaymentCase(person_id=request.person_id, budget_id=budget.id,
                           request_id=request.id, organisation_id=pot.holder_organisation_id,
                           approved_pence=request.total_pence,
                           approved_at=request.decided_at or dt.datetime.now(dt.UTC),
                           status=CaseStatus.OPEN)
        session.add(case)
        await session.flush()
        if policy is not None:
            await audit(tx, policy, case.person_id, "open_case")
        return case


# --- reading: through the policy --------------------------------------------------------------


def readable_statement(policy: AccessPolicy, model: type[Row]) -> Select[tuple[Row]]:
    """Rows of one of the plugin's models, for people the principal may possibly read: a
    superset, checked exactly by ``policy.readable`` or by each field's category guard."""
    person_id: Any = model.person_id  # type: ignore[attr-defined]
    return select(model).where(policy.person_filter(person_id))


async def readable_by_ids(session: AsyncSession, policy: AccessPolicy, model: type[Row],
                          ids: Sequence[int]) -> dict[int, Row]:
    """Rows by id whose person's budget the principal may read; others are missing."""
    id_column: Any = model.id  # type: ignore[attr-defined]
    rows = await session.scalars(readable_statement(policy, model).where(id_column.in_(set(ids))))
    return {row.id: row  # type: ignore[attr-defined]
            for row in await policy.readable(session, rows, CATEGORY)}


async def readable_cases(
    session: AsyncSession, policy: AccessPolicy, *, first: int, after: int | None,
    person_id: int | None = None, status: CaseStatus | None = None,
) -> Page[PaymentCase]:
    """The cases the principal may read, oldest first: for an advisor, those of the people who
    consented; for a person, their own."""
    statement = readable_statement(policy, PaymentCase)
    if person_id is not None:
        statement = statement.where(PaymentCase.person_id == person_id)
    if status is not None:
        statement = statement.where(PaymentCase.status == status)
    found = await page(session, statement, PaymentCase.id, first=first, after=after)
    return Page(await policy.readable(session, found.items, CATEGORY), found.has_next)


async def cases_of_requests(session: AsyncSession, policy: AccessPolicy,
                            request_ids: Sequence[int]) -> dict[int, PaymentCase]:
    """Each request's case, where there is one and its person's budget is readable."""
    rows = await session.scalars(readable_statement(policy, PaymentCase)
                                 .where(PaymentCase.request_id.in_(set(request_ids))))
    return {row.request_id: row for row in await policy.readable(session, rows, CATEGORY)}


# --- changing a case ---------------------------------------------------------------------------


async def case_for_update(tx: Transaction, policy: AccessPolicy, case_id: int | None, *,
                          what: str = "payment case", field: str = "caseId") -> PaymentCase:
    """The case, locked for this transaction (every change to one case runs after the other),
    if the principal acts for the organisation holding its fund; else ``NotFound`` (may not
    see the person) or ``Forbidden``."""
    case = None if case_id is None else await tx.session.scalar(
        select(PaymentCase).where(PaymentCase.id == case_id).with_for_update()
        .execution_options(populate_existing=True))
    if case is None:
        raise NotFound(what, field=field)
    await policy.require_acting_for(tx.session, Action.UPDATE, case.person_id, CATEGORY,
                                    case.organisation_id, what=what, field=field,
                                    refusal=NOT_FUND_HOLDER)
    return case


def require_open(case: PaymentCase, *, field: str = "caseId") -> None:
    if case.status is not CaseStatus.OPEN:
        raise InvalidTransition("Payments on this case were stopped: "
                                f"{case.stop_reason or 'no reason recorded'}",
                                code="PAYMENTS_STOPPED", field=field)


async def audit(tx: Transaction, policy: AccessPolicy, person_id: int, operation: str) -> None:
    await record_access(tx.session, policy, person_id=person_id,
                        operation=f"advocacy_project.{operation}", categories=[CATEGORY])


async def stop_case(session: AsyncSession, case: PaymentCase, *, reason: str,
                    at: dt.datetime, by_staff_id: int | None) -> None:
    """Stop one case: no more payments; scheduled ones are cancelled. What is already paid
    stays paid (a repayment notice can reclaim it); what is unpaid stays committed to the
    request until the care team withdraws it, which gives it back to the pot."""
    case.status = CaseStatus.STOPPED
    case.stopped_at = at
    case.stop_reason = reason
    case.stopped_by_staff_id = by_staff_id
    for payment in await session.scalars(select(Payment).where(
            Payment.case_id == case.id, Payment.status == PaymentStatus.SCHEDULED)):
        payment.status = PaymentStatus.CANCELLED
        payment.cancelled_at = at
        payment.cancel_reason = reason


async def stop_payments(uow: UnitOfWork, policy: AccessPolicy, case_id: int, *,
                        reason: str) -> PaymentCase:
    """The advisor stops a case's payments (regulation 17), giving the reason in writing."""
    text = required_text(reason, field="reason", what="the reason for stopping",
                         max_length=2000)
    async with uow.begin() as tx:
        case = await case_for_update(tx, policy, case_id)
        require_open(case)
        await stop_case(tx.session, case, reason=text, at=policy.now,
                        by_staff_id=policy.principal.staff_member_id)
        await audit(tx, policy, case.person_id, "stop_payments")
    return case


def _consents_to(organisation_id: int, now: dt.datetime) -> ColumnElement[bool]:
    """Active consents naming the organisation or one of its teams."""
    return and_(
        Consent.revoked_at.is_(None), Consent.valid_from <= now,
        or_(Consent.valid_until.is_(None), Consent.valid_until > now),
        or_(Consent.grantee_organisation_id == organisation_id,
            Consent.grantee_team_id.in_(select(Team.id).where(
                Team.organisation_id == organisation_id))))


async def stop_when_consent_ends(uow: UnitOfWork, person_id: int) -> int:
    """After a consent of the person's was revoked: stop each open case whose organisation no
    longer has any active consent of theirs to ``budget`` (to it or to one of its teams; a
    second consent that still covers it keeps payments going). Returns how many stopped."""
    async with uow.begin() as tx:
        now = dt.datetime.now(dt.UTC)
        open_cases = list(await tx.session.scalars(
            select(PaymentCase).where(PaymentCase.person_id == person_id,
                                      PaymentCase.status == CaseStatus.OPEN)
            .with_for_update()))
        stopped = 0
        for organisation_id in sorted({case.organisation_id for case in open_cases}):
            still = await tx.session.scalars(
                select(Consent.categories).where(Consent.person_id == person_id,
                                                 _consents_to(organisation_id, now)))
            if any(CATEGORY in categories for categories in still):
                continue
            for case in open_cases:
                if case.organisation_id == organisation_id:
                    await stop_case(tx.session, case, at=now, by_staff_id=None,
                                    reason="The person withdrew their consent.")
                    stopped += 1
    return stopped


async def stop_when_request_withdrawn(uow: UnitOfWork, request_id: int) -> bool:
    """After the care team withdrew an approved request: its case stops."""
    async with uow.begin() as tx:
        case = await tx.session.scalar(
            select(PaymentCase).where(PaymentCase.request_id == request_id,
                                      PaymentCase.status == CaseStatus.OPEN).with_for_update())
        if case is None:
            return False
        await stop_case(tx.session, case, at=dt.datetime.now(dt.UTC), by_staff_id=None,
                        reason="The budget request was withdrawn.")
    return True
