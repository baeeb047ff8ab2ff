"""Delegated sign-off: who must approve a budget request, decided when it is submitted.

With the default settings (plugins.toml ``[plugins.elft.settings]``), for the request's total:

    total ≤ £250            one clinician
    £250 < total ≤ £750     one clinician, and a team lead co-signs (two distinct people)
    total > £750            the E-Approval panel: a lived-experience reviewer, a PHB lead
                            clinician and a commissioner (three distinct people)

"Stay Connected": a request whose every item is a phone or SIM card, of at most
``stay_connected_limit_pence`` in total, needs one clinician and is recorded as fast track.
Core fills each step with a different person, never the requester (see core/approvals.py).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from core.approvals import ApprovalStep

from .settings import ElftSettings

__all__ = [
    "CLINICIAN_ROLES",
    "SignOffRoute",
    "approval_steps_for",
    "is_stay_connected",
    "route_of_steps",
]

CARE_COORDINATOR = "elft.care_coordinator"
TEAM_LEAD = "elft.team_lead"
PHB_LEAD_CLINICIAN = "elft.phb_lead_clinician"
LIVED_EXPERIENCE_REVIEWER = "elft.lived_experience_reviewer"
COMMISSIONER = "elft.commissioner"

# Clinicians with delegated sign-off. A care coordinator raises requests and writes plans
# with the person; a team lead or PHB lead clinician signs them off.
CLINICIAN_ROLES = frozenset({TEAM_LEAD, PHB_LEAD_CLINICIAN})


class SignOffRoute(enum.StrEnum):
    SINGLE_CLINICIAN = "single_clinician"
    TEAM_LEAD_CO_SIGN = "team_lead_co_sign"
    PANEL = "panel"
    STAY_CONNECTED = "stay_connected"


# Step names are stable: queues find requests by them.
CLINICIAN = ApprovalStep("clinician", "A clinician signs off", CLINICIAN_ROLES)
CO_SIGN = ApprovalStep("team_lead_co_sign", "A team lead co-signs", frozenset({TEAM_LEAD}))
STAY_CONNECTED = ApprovalStep("stay_connected_fast_track",
                              "A clinician signs off (Stay Connected fast track)",
                              CLINICIAN_ROLES)
PANEL_STEPS = (
    ApprovalStep("panel_lived_experience", "E-Approval panel: a lived-experience reviewer",
                 frozenset({LIVED_EXPERIENCE_REVIEWER})),
    ApprovalStep("panel_phb_lead_clinician", "E-Approval panel: a PHB lead clinician",
                 frozenset({PHB_LEAD_CLINICIAN})),
    ApprovalStep("panel_commissioner", "E-Approval panel: a commissioner",
                 frozenset({COMMISSIONER})),
)
PANEL_STEP_NAMES = tuple(step.name for step in PANEL_STEPS)

_PHONE_OR_SIM = re.compile(
    r"\b(phones?|mobiles?|smartphones?|handsets?|sim|sims|sim[- ]?cards?|sim[- ]only)\b",
    re.IGNORECASE,
)


def is_stay_connected(descriptions: Sequence[str]) -> bool:
    """Every item is a phone or a SIM card (and there is at least one)."""
    return bool(descriptions) and all(_PHONE_OR_SIM.search(text) for text in descriptions)


def approval_steps_for(total_pence: int, descriptions: Sequence[str],
                       settings: ElftSettings) -> list[ApprovalStep]:
    if total_pence <= settings.stay_connected_limit_pence and is_stay_connected(descriptions):
        return [STAY_CONNECTED]
    if total_pence <= settings.single_clinician_limit_pence:
        return [CLINICIAN]
    if total_pence <= settings.team_lead_limit_pence:
        return [CLINICIAN, CO_SIGN]
    return list(PANEL_STEPS)


def route_of_steps(step_names: Sequence[str]) -> SignOffRoute | None:
    """Which route the steps recorded at submission are (None: not ELFT's steps)."""
    names = list(step_names)
    if names == [STAY_CONNECTED.name]:
        return SignOffRoute.STAY_CONNECTED
    if names == [CLINICIAN.name]:
        return SignOffRoute.SINGLE_CLINICIAN
    if names == [CLINICIAN.name, CO_SIGN.name]:
        return SignOffRoute.TEAM_LEAD_CO_SIGN
    if names == list(PANEL_STEP_NAMES):
        return SignOffRoute.PANEL
    return None
