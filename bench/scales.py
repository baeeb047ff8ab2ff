"""How big each scale is, and the named actors every scenario uses."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ACTORS", "HISTORY_ENDS", "PLUGINS_FILE", "SCALES", "Scale", "TeamSizes"]

# Run from the repository's root, like ``make run``.
PLUGINS_FILE = os.environ.get("RECOVERY_HUB_PLUGINS_FILE", str(Path.cwd() / "plugins.toml"))

# The generated history ends here (fixed, so the data is the same on every run); it spans the
# five years before. Nothing is dated after it, so nothing generated is "in the future".
HISTORY_ENDS = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
YEARS = 5


@dataclass(frozen=True)
class TeamSizes:
    """People with an active care-coordination relationship in each benchmark team."""

    small: int = 50  # a care coordinator's caseload of 50
    large: int = 500  # a CMHT of 500: caseload of 500 and the team lead's approval queue
    mutation: int = 100  # where the submit-and-approve drafts live


@dataclass(frozen=True)
class Scale:
    name: str
    people: int
    staff: int
    # Audit events per person over the five years, on average (the benchmark person has 1,000).
    audit_per_person: int
    # Draft budget requests kept for the mutation scenario (each is submitted once).
    drafts: int
    postgres_only: bool = False
    teams: TeamSizes = TeamSizes()
    access_log_events: int = 1_000  # the benchmark person's
    # People with a year of daily weight and mood (bench/tracking.py), the benchmark person
    # first: the series scenario charts a year of hers.
    tracked_people: int = 0

    @property
    def gp_practices(self) -> int:
        return max(2, round(self.people / 750))

    @property
    def trusts(self) -> int:
        return max(1, round(self.people / 30_000))

    @property
    def cmhts(self) -> int:
        """Community mental health teams: the three benchmark teams and the rest, ~450 each."""
        others = max(1, round((self.people * 0.7 - 650) / 450))
        return 3 + others

    @property
    def voluntary(self) -> int:
        return max(1, round(self.people / 30_000))


SCALES = {
    "quick": Scale("quick", people=2_000, staff=200, audit_per_person=20, drafts=4_000,
                   tracked_people=200),
    # A year of daily data for all 30,000 (issue #13): 21.9 million observations.
    "borough": Scale("borough", people=30_000, staff=2_000, audit_per_person=40,
                     drafts=16_000, tracked_people=30_000),
    "national": Scale("national", people=500_000, staff=50_000, audit_per_person=10,
                      drafts=16_000, postgres_only=True, tracked_people=30_000),
}

# Usernames of the accounts the scenarios act as.
ACTORS = {
    "person": "bench-person",  # dashboard and access log (1,000 events)
    "coordinator_small": "bench-cc-50",
    "coordinator_large": "bench-cc-500",
    "lead_large": "bench-lead-500",  # approval queue
    "coordinator_mutation": "bench-cc-mutation",  # submits
    "lead_mutation": "bench-lead-mutation",  # approves
}
ACCESS_LOG_EVENTS = 1_000  # the access-log scenario reads them all, 10 pages of 100
