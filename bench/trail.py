"""Five years of the audit trail: staff reading and changing records, in time order, chained.

Events are spread evenly over the five years (ids follow time), each about a random person and
made by someone in one of that person's teams, in the role they hold there. The benchmark
person gets exactly ``Scale.access_log_events``. Each event's ``prev_hash`` and ``hash`` are
computed with ``core.audit.event_hash``, in id order, so ``verify_chain`` accepts the trail.
"""

from __future__ import annotations

import datetime as dt
import random

from core.audit import event_hash

from .load import Rows
from .population import START, Population, TeamStaff
from .scales import HISTORY_ENDS

__all__ = ["write_trail"]

# team kind -> (operation, categories read or changed, rule), the common ones first
OPERATIONS = {
    "cmht": (("Caseload", ["budget", "identity", "recovery_plan"], "direct_care"),
             ("PersonRecord", ["consent", "contact", "identity", "recovery_plan"],
              "direct_care"),
             ("record_progress", ["recovery_plan"], "direct_care"),
             ("submit_budget_request", ["budget"], "direct_care"),
             ("approve_budget_request", ["budget"], "direct_care")),
    "gp": (("SmiRegister", ["identity", "physical_health"], "direct_care"),
           ("PersonRecord", ["contact", "identity", "recovery_plan"], "direct_care")),
    "arts": (("Sessions", ["identity", "wellbeing"], "consent"),),
    "tap": (("DirectPayments", ["budget", "identity"], "consent"),),
}


class _Event:
    """What ``event_hash`` reads, without building an ORM object per event."""

    __slots__ = ("occurred_at", "actor_kind", "actor_account_id", "actor_person_id",
                 "actor_staff_id", "actor_team_id", "actor_organisation_id", "client_id",
                 "person_id", "categories", "operation", "outcome", "purpose", "actor_roles",
                 "break_glass", "refused_categories", "rule", "prev_hash")

    def __init__(self) -> None:
        self.actor_kind = "staff"
        self.actor_person_id = None
        self.client_id = None
        self.outcome = "allowed"
        self.purpose = None
        self.break_glass = False
        self.refused_categories: list[str] = []


async def write_trail(population: Population, rows: Rows, rng: random.Random) -> int:
    """Write the trail and point the chain head at its end. Returns the number of events."""
    people = population.scale.people
    wanted = population.scale.access_log_events
    total = max(people * population.scale.audit_per_person, wanted * 4)
    bench_every = total // wanted
    teams = population.team_by_id()
    span_us = (HISTORY_ENDS - START) // dt.timedelta(microseconds=1)
    gap_us = span_us / total
    event = _Event()
    previous = ""
    bench_left = wanted
    for k in range(total):
        if k % bench_every == 0 and bench_left:
            person = population.bench_person
            bench_left -= 1
        else:
            person = rng.randrange(1, people + 1)
            if person == population.bench_person:
                person = person % people + 1
        index = person - 1
        choices = [population.gp_of[index], population.cmht_of[index],
                   population.cmht_of[index], population.cmht_of[index],
                   population.arts_of[index], population.tap_of[index]]
        team: TeamStaff = teams[rng.choice([c for c in choices if c])]
        operation, categories, rule = rng.choice(OPERATIONS[team.kind])
        staff = team.lead if operation == "approve_budget_request" else rng.choice(
            team.workers)
        assert staff is not None
        event.occurred_at = START + dt.timedelta(
            microseconds=int((k + rng.random() * 0.9) * gap_us))
        event.actor_account_id = population.staff_account[staff]
        event.actor_staff_id = staff
        event.actor_team_id = team.id
        event.actor_organisation_id = team.organisation_id
        event.person_id = person
        event.categories = categories
        event.operation = operation
        event.actor_roles = [population.roles_of[staff]]
        event.rule = rule
        event.prev_hash = previous
        digest = event_hash(event)  # type: ignore[arg-type]
        rows.add("audit_event", (
            rows.next_id("audit_event"), event.occurred_at, "staff", None, staff, team.id,
            event.actor_account_id, team.organisation_id, None, person, categories,
            operation, "allowed", None, event.actor_roles, [], False, rule, previous, digest))
        previous = digest
        if k % 50_000 == 49_999:
            await rows.flush()
    await rows.flush(full=True)
    await rows.writer.set_chain_head(rows.last_id["audit_event"], previous, total)
    return total
