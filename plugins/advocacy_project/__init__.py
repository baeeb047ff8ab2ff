"""The Advocacy Project: holds the fund and pays PHB direct payments, by the person's consent."""

from __future__ import annotations

from pathlib import Path

from core.categories import DataCategory as C
from core.events import BudgetRequestApproved, ConsentRevoked
from core.hookspecs import hookimpl
from core.models import PaymentRoute
from core.permissions import READ_ONLY, READ_WRITE, Role
from core.unit_of_work import UnitOfWork

from . import services
from .api.mutations import AdvocacyProjectMutations
from .api.queries import AdvocacyProjectQueries
from .api.types import TYPES
from .settings import AdvocacySettings

_MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_roles() -> list[Role]:
    return [
        Role(
            name="advocacy_project.phb_advisor",
            title="PHB advisor",
            description="Pays direct payments and monitors how they are spent.",
            permissions={
                C.IDENTITY: READ_ONLY,
                C.CONTACT: READ_ONLY,
                C.BUDGET: READ_WRITE,
            },
        )
    ]


@hookimpl
def register_settings() -> type:
    return AdvocacySettings


@hookimpl
async def budget_request_approved(event: BudgetRequestApproved, uow: UnitOfWork) -> None:
    """A direct-payment request was approved: its payment case opens."""
    if event.payment_route == PaymentRoute.DIRECT_PAYMENT.value:
        await services.open_case(uow, event.request_id)


@hookimpl
async def consent_revoked(event: ConsentRevoked, uow: UnitOfWork) -> None:
    """The person withdrew their consent to The Advocacy Project: payments stop."""
    await services.on_consent_revoked(uow, event.consent_id)


@hookimpl
def migration_directories() -> list[str]:
    return [str(_MIGRATIONS)]


@hookimpl
def register_types() -> list[type]:
    return list(TYPES)


@hookimpl
def register_queries() -> list[type]:
    return [AdvocacyProjectQueries]


@hookimpl
def register_mutations() -> list[type]:
    return [AdvocacyProjectMutations]
