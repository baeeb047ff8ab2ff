"""East London NHS Foundation Trust: care coordination, PHB sign-off and the E-Approval panel."""

from __future__ import annotations

from core.categories import DataCategory as C
from core.hookspecs import hookimpl
from core.permissions import READ_ONLY, READ_WRITE, Action, Role

_APPROVE = frozenset({Action.READ, Action.APPROVE})


@hookimpl
def register_roles() -> list[Role]:
    care_team = {
        C.IDENTITY: READ_ONLY,
        C.CONTACT: READ_WRITE,
        C.RECOVERY_PLAN: READ_WRITE,
        C.BUDGET: READ_WRITE,
        C.PHYSICAL_HEALTH: READ_ONLY,
        C.MENTAL_HEALTH: READ_WRITE,
        C.WELLBEING: READ_ONLY,
        C.APPOINTMENTS: READ_WRITE,
        C.CONSENT: READ_WRITE,
    }
    return [
        Role("elft.care_coordinator", "Care coordinator",
             permissions=care_team,
             description="Co-writes the support plan and raises budget requests."),
        Role("elft.team_lead", "Team lead",
             permissions={**care_team, C.BUDGET: READ_WRITE | {Action.APPROVE}},
             description="Co-signs budget requests over the single-clinician limit."),
        Role("elft.phb_lead_clinician", "PHB lead clinician",
             permissions={C.IDENTITY: READ_ONLY, C.RECOVERY_PLAN: READ_ONLY,
                          C.MENTAL_HEALTH: READ_ONLY, C.BUDGET: _APPROVE},
             description="Signs off budgets; sits on the E-Approval panel."),
        Role("elft.lived_experience_reviewer", "Lived-experience reviewer",
             permissions={C.RECOVERY_PLAN: READ_ONLY, C.BUDGET: _APPROVE},
             description="Sits on the E-Approval panel; may belong to another organisation."),
        Role("elft.commissioner", "Commissioner",
             permissions={C.BUDGET: _APPROVE},
             description="Sits on the E-Approval panel; oversees the funding pot."),
    ]
