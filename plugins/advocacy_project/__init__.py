"""The Advocacy Project: holds the fund and pays PHB direct payments, by the person's consent.

Its modules: ``cases`` (opening, reading, stopping), ``payments``, ``monitoring`` (receipts,
flags, reviews), ``repayment`` (regulation 15 notices and reconsideration), ``views`` (the
pipeline and the timeline), ``demo``; ``api`` is its GraphQL. docs/advocacy_project.md says
what each role sees and does.
"""

from __future__ import annotations

from pathlib import Path

from core.categories import DataCategory as C
from core.events import BudgetRequestApproved, BudgetRequestWithdrawn, ConsentRevoked
from core.hookspecs import FieldContribution, hookimpl
from core.jobs import Job
from core.models import PaymentRoute
from core.permissions import READ_ONLY, READ_WRITE, AccessRules, Role
from core.plugin_config import PluginConfig
from core.unit_of_work import UnitOfWork

from . import cases
from .api.fields import FIELDS
from .api.mutations import AdvocacyProjectMutations
from .api.queries import AdvocacyProjectQueries
from .api.types import TYPES
from .demo import load_advocacy_demo
from .flag_notices import MONITORING_FLAGS
from .settings import AdvocacySettings

PHB_ADVISOR = "advocacy_project.phb_advisor"
_MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_roles() -> list[Role]:
    return [
        Role(
            name=PHB_ADVISOR,
            title="PHB advisor",
            description="Pays direct payments from the fund their organisation holds, and "
                        "monitors how they are spent.",
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
        await cases.open_case(uow, event.request_id)


@hookimpl
async def budget_request_withdrawn(event: BudgetRequestWithdrawn, uow: UnitOfWork) -> None:
    """The care team withdrew the request: its case stops."""
    await cases.stop_when_request_withdrawn(uow, event.request_id)


@hookimpl
async def consent_revoked(event: ConsentRevoked, uow: UnitOfWork) -> None:
    """The person withdrew a consent: payments stop where nothing lets the fund holder see
    their budget any more."""
    await cases.stop_when_consent_ends(uow, event.person_id)


@hookimpl
def register_jobs() -> list[Job]:
    """Monitoring flags, told to the advisors once each (flag_notices.py)."""
    return [MONITORING_FLAGS]


@hookimpl
def migration_directories() -> list[str]:
    return [str(_MIGRATIONS)]


@hookimpl
def register_types() -> list[type]:
    return list(TYPES)


@hookimpl
def register_fields() -> list[FieldContribution]:
    return list(FIELDS)


@hookimpl
def register_queries() -> list[type]:
    return [AdvocacyProjectQueries]


@hookimpl
def register_mutations() -> list[type]:
    return [AdvocacyProjectMutations]


@hookimpl(trylast=True)
async def load_demo_data(uow: UnitOfWork, rules: AccessRules, config: PluginConfig) -> None:
    # After ELFT's demo data: its eligibility assessments let the demo request be submitted.
    await load_advocacy_demo(uow, rules, config.settings("advocacy_project"))
