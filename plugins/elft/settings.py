"""ELFT's settings, read from ``[plugins.elft.settings]`` in plugins.toml.

Money is in pence, like everywhere else. The defaults are the City & Hackney pilot's delegated
limits: one clinician up to £250, a team lead co-signs up to £750, the E-Approval panel above.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.plugin_config import SettingError

__all__ = ["ElftSettings"]


@dataclass(frozen=True)
class ElftSettings:
    # A request of at most this total needs one clinician's sign-off.
    single_clinician_limit_pence: int = 25_000
    # Above the single-clinician limit and at most this: a clinician, and a team lead co-signs.
    # Above it: the E-Approval panel (lived-experience reviewer, PHB lead clinician,
    # commissioner).
    team_lead_limit_pence: int = 75_000
    # "Stay Connected": a phone and/or SIM card of at most this total needs one clinician.
    stay_connected_limit_pence: int = 30_000
    # An eligibility assessment is current for this many days.
    eligibility_valid_days: int = 365
    # The start review is due this many days into the plan (at the latest at its midpoint).
    start_review_within_days: int = 90
    # Care coordinators hear of a review, or of eligibility ending, this many days before.
    due_notice_days: int = 14

    def __post_init__(self) -> None:
        for key in ("single_clinician_limit_pence", "team_lead_limit_pence",
                    "stay_connected_limit_pence", "eligibility_valid_days",
                    "start_review_within_days", "due_notice_days"):
            if getattr(self, key) <= 0:
                raise SettingError(key, "a whole number above 0", getattr(self, key))
        if self.team_lead_limit_pence <= self.single_clinician_limit_pence:
            raise SettingError("team_lead_limit_pence",
                               "more than single_clinician_limit_pence "
                               f"({self.single_clinician_limit_pence})",
                               self.team_lead_limit_pence)
        if self.stay_connected_limit_pence > self.team_lead_limit_pence:
            raise SettingError("stay_connected_limit_pence",
                               f"at most team_lead_limit_pence ({self.team_lead_limit_pence})",
                               self.stay_connected_limit_pence)
