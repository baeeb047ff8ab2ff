"""East London NHS Foundation Trust: PHB eligibility, the support plan ("Me and My Goals"),
delegated sign-off and the E-Approval panel, the "Stay Connected" fast track, what a PHB may not
buy, and start, midpoint and end reviews. docs/elft.md is the guide for ELFT's staff."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from core.approvals import ApprovalStep, ItemProblem
from core.categories import DataCategory as C
from core.hookspecs import FieldContribution, hookimpl
from core.jobs import Job
from core.models import Budget, BudgetItem, BudgetRequest
from core.permissions import READ_ONLY, READ_WRITE, AccessRules, Action, Role
from core.plugin_config import PluginConfig
from core.unit_of_work import UnitOfWork

from . import eligibility, purchases, sign_off
from .api.fields import FIELDS
from .api.mutations import ElftMutations
from .api.queries import ElftQueries
from .api.types import TYPES
from .demo import load_elft_demo
from .due import FALLING_DUE
from .settings import ElftSettings

_APPROVE = frozenset({Action.READ, Action.APPROVE})
_MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_roles() -> list[Role]:
    care_team = {
        C.IDENTITY: READ_ONLY,
        C.CONTACT: READ_WRITE,
        C.RECOVERY_PLAN: READ_WRITE,
        C.BUDGET: READ_WRITE,
        C.PHYSICAL_HEALTH: READ_ONLY,
        C.MENTAL_HEALTH: READ_WRITE,
        C.MEDICATION: READ_WRITE,
        C.WELLBEING: READ_ONLY,
        C.APPOINTMENTS: READ_WRITE,
        C.CONSENT: READ_WRITE,
    }
    return [
        Role(sign_off.CARE_COORDINATOR, "Care coordinator",
             permissions=care_team,
             description="Assesses eligibility, co-writes the support plan with the person, "
                         "raises budget requests and records reviews."),
        Role(sign_off.TEAM_LEAD, "Team lead",
             permissions={**care_team, C.BUDGET: READ_WRITE | {Action.APPROVE}},
             description="Signs off budget requests as a clinician, and co-signs those over "
                         "the single-clinician limit."),
        Role(sign_off.PHB_LEAD_CLINICIAN, "PHB lead clinician",
             permissions={C.IDENTITY: READ_ONLY, C.RECOVERY_PLAN: READ_ONLY,
                          C.MENTAL_HEALTH: READ_ONLY, C.BUDGET: _APPROVE},
             description="Signs off budgets; sits on the E-Approval panel."),
        Role(sign_off.LIVED_EXPERIENCE_REVIEWER, "Lived-experience reviewer",
             permissions={C.RECOVERY_PLAN: READ_ONLY, C.BUDGET: _APPROVE},
             description="Sits on the E-Approval panel; may belong to another organisation."),
        Role(sign_off.COMMISSIONER, "Commissioner",
             permissions={C.BUDGET: _APPROVE},
             description="Sits on the E-Approval panel; oversees the funding pot."),
    ]


@hookimpl
def register_settings() -> type:
    return ElftSettings


@hookimpl
def approval_steps(request: BudgetRequest, items: Sequence[BudgetItem],
                   config: PluginConfig) -> list[ApprovalStep]:
    """Delegated sign-off by the request's total (plugins/elft/sign_off.py)."""
    return sign_off.approval_steps_for(request.total_pence,
                                       [item.description for item in items],
                                       config.settings("elft"))


@hookimpl
def validate_budget_item(description: str) -> list[ItemProblem]:
    """Alcohol, tobacco, gambling, debt repayment, anything illegal, primary or emergency
    care (plugins/elft/purchases.py)."""
    return purchases.problems_with_item(description)


@hookimpl
async def check_submission(request: BudgetRequest, budget: Budget, session: AsyncSession,
                           config: PluginConfig) -> list[ItemProblem]:
    """No request without a current eligible assessment (plugins/elft/eligibility.py)."""
    assert request.submitted_at is not None  # core sets it before asking
    problem = await eligibility.submission_problem(session, budget.person_id,
                                                   request.submitted_at,
                                                   config.settings("elft"))
    return [problem] if problem else []


@hookimpl
def register_types() -> list[type]:
    return list(TYPES)


@hookimpl
def register_fields() -> list[FieldContribution]:
    return list(FIELDS)


@hookimpl
def register_queries() -> list[type]:
    return [ElftQueries]


@hookimpl
def register_mutations() -> list[type]:
    return [ElftMutations]


@hookimpl
def register_jobs() -> list[Job]:
    """Reviews and eligibility falling due, told to the care coordinator (plugins/elft/due.py)."""
    return [FALLING_DUE]


@hookimpl
def migration_directories() -> list[str]:
    return [str(_MIGRATIONS)]


@hookimpl
async def load_demo_data(uow: UnitOfWork, rules: AccessRules, config: PluginConfig) -> None:
    await load_elft_demo(uow, rules, config.settings("elft"))
