"""Five years of one person's record: identity, care relationships, consents, goals, budgets,
budget requests with their items, sign-offs, history and money movements.

Every row obeys the domain's rules: valid NHS numbers, integer pence, UTC times in order, budget
requests whose history follows the state machine, one sign-off by a team lead or PHB lead
clinician who is never the requester, and pots whose ledger sums to what they have left.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from core.approvals import ApprovalStep
from core.models import Budget, BudgetItem, BudgetRequest
from core.plugins import Plugins

from .load import Rows
from .population import FAMILY, GIVEN, POSTCODES, START, STREETS, Population, TeamStaff
from .scales import ACTORS, HISTORY_ENDS

__all__ = ["PersonRecords", "Pots"]

END = HISTORY_ENDS
DAY = dt.timedelta(days=1)
# Above this a request goes to the E-Approval panel, whose members are not in a CMHT: the
# generator keeps requests at or under it (ELFT's default co-sign limit, £750).
MAX_TOTAL = 75_000
APPROVING_ROLES = ("elft.phb_lead_clinician", "elft.team_lead")
ELIGIBILITY = "elft_eligibility_assessment"
GOALS = (
    ("Lose weight", "Feeling well in my body again, and keeping up with my kids."),
    ("Join sports sessions", "Meeting people, and having somewhere to go on Tuesdays."),
    ("Keep on top of my medication", "Staying well and out of hospital."),
    ("Stay connected", "Being able to call my sister and my care coordinator."),
    ("Finish my GCSE English coursework", "Getting the qualification I missed."),
    ("Learn African clothes-making", "Making clothes like my grandmother did."),
    ("Sleep better", "Waking up rested, so the days feel shorter."),
    ("Get back into work", "Having a reason to get up and money of my own."),
    ("Cook for myself", "Eating properly and not living on takeaways."),
    ("Walk every day", "Getting out of the flat and clearing my head."),
)
STEPS = ("Walk to the shops instead of the bus", "Swap fizzy drinks for water",
         "Go to a taster session at Core Arts", "Book a review with my GP",
         "Write down how I slept each night", "Ask about a volunteering place",
         "Call my sister on Sundays", "Go to the library on Thursdays")
NOTES = ("Walked every day this week.", "Missed a few days, back on it now.",
         "Went to the session and enjoyed it.", "Feeling more settled.",
         "Hard week, but kept going.", "Halfway there.")
ITEMS = (("Table tennis bat and balls", 3_500), ("Mobile phone", 12_000),
         ("12 months SIM card", 6_000), ("Laptop", 60_000), ("Swimming lessons", 9_000),
         ("Gym membership, 3 months", 7_500), ("Art materials", 4_500),
         ("Clothes-making course", 45_000), ("Bus pass top-up", 3_000),
         ("Fitbit", 8_900), ("Cookery course", 15_000), ("Guitar lessons", 18_000))
PURPOSES = ("Stay Connected", "Table tennis at Core Arts", "A laptop to finish coursework",
            "Getting fit again", "Learning a craft", "Getting out of the house")
ROUTES = ("direct_payment", "notional", "notional", "third_party", "direct_payment")
# status -> the statuses it passed through after draft
PATHS = {
    "draft": [], "submitted": ["submitted"], "approved": ["submitted", "approved"],
    "paid": ["submitted", "approved", "paid"],
    "delivered": ["submitted", "approved", "delivered"],
    "reviewed": ["submitted", "approved", "*spent", "reviewed"],
    "rejected": ["submitted", "rejected"], "withdrawn": ["withdrawn"],
}
# days after the previous step, at most
GAPS = {"submitted": 7, "approved": 28, "rejected": 14, "paid": 30, "delivered": 30,
        "reviewed": 120, "withdrawn": 20}
PAST = (("reviewed", 45), ("paid", 25), ("rejected", 10), ("withdrawn", 10),
        ("approved", 5), ("submitted", 5))
CURRENT = (("draft", 15), ("submitted", 20), ("approved", 25), ("paid", 25),
           ("rejected", 5), ("withdrawn", 5), ("reviewed", 5))


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in options], [weight for _, weight in options])[0]


def _between(rng: random.Random, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    if high <= low:
        return low
    return low + dt.timedelta(seconds=rng.uniform(0, (high - low).total_seconds()))


@dataclass
class Pots:
    """One funding pot per year (held by the first Advocacy Project) and one for the
    mutation scenario; allocations are written first, totals when every request is known."""

    ids: list[int]
    bench: int
    holder: int
    committed: dict[int, int] = field(default_factory=dict)
    paid: dict[int, int] = field(default_factory=dict)
    allocated: dict[int, int] = field(default_factory=dict)

    @classmethod
    def open(cls, rows: Rows, population: Population) -> Pots:
        holder = population.taps[0].organisation_id
        ids = [rows.next_id("funding_pot") for _ in range(5)]
        pots = cls(ids=ids, bench=rows.next_id("funding_pot"), holder=holder)
        yearly = population.scale.people * 100_000  # £1,000 a person a year: never short
        for pid in [*ids, pots.bench]:
            pots.allocated[pid] = yearly if pid != pots.bench else 10_000_000_000
            pots.committed[pid] = pots.paid[pid] = 0
            rows.add("funding_pot_entry", (rows.next_id("funding_pot_entry"), pid,
                                           "allocation", pots.allocated[pid],
                                           pots.allocated[pid], None, START, None))
        return pots

    def close(self, rows: Rows) -> None:
        for year, pid in enumerate(self.ids):
            start = END.year - 1 - year
            rows.add("funding_pot", (pid, f"PHB fund {start}/{(start + 1) % 100:02d}",
                                     self.holder, self.allocated[pid], self.committed[pid],
                                     self.paid[pid], START))
        rows.add("funding_pot", (self.bench, "Benchmark pot (submit and approve)",
                                 self.holder, self.allocated[self.bench],
                                 self.committed[self.bench], self.paid[self.bench], START))


class PersonRecords:
    def __init__(self, population: Population, rows: Rows, pots: Pots,
                 plugins: Plugins) -> None:
        self.pop = population
        self.rows = rows
        self.pots = pots
        self.plugins = plugins
        # Mutation-team people and their budget in the benchmark pot, for the drafts.
        self.bench_budgets: list[tuple[int, int]] = []
        self._steps: dict[tuple[int, tuple[str, ...], str], list[ApprovalStep]] = {}

    def approval_steps(self, total: int, descriptions: tuple[str, ...],
                       route: str) -> list[ApprovalStep]:
        """The sign-offs the enabled plugins ask for, as ``submit_request`` fixes them."""
        key = (total, descriptions, route)
        if key not in self._steps:
            request = BudgetRequest(total_pence=total, status="draft")
            budget = Budget(payment_route=route)
            items = [BudgetItem(description=d, amount_pence=1) for d in descriptions]
            try:
                steps = self.plugins.approval_steps(request, budget, items)
            except TypeError:  # plugins whose hook takes no items
                steps = self.plugins.approval_steps(request, budget)  # type: ignore[call-arg]
            self._steps[key] = steps
        return self._steps[key]

    def sign_offs(self, steps: list[ApprovalStep], team: TeamStaff,
                  requester: int) -> list[tuple[int, str]] | None:
        """A different person for each step, never the requester (None: the team cannot)."""
        used = {requester}
        chosen = []
        for step in steps:
            for staff in [team.phb_lead, team.lead, *team.workers]:
                role = self.pop.roles_of.get(staff or 0)
                fits = role in (step.roles if step.roles is not None else APPROVING_ROLES)
                if staff is not None and staff not in used and fits:
                    used.add(staff)
                    chosen.append((staff, step.name))
                    break
            else:
                return None
        return chosen

    def _eligibility(self, rng: random.Random, pid: int, team: TeamStaff,
                     at: dt.datetime) -> None:
        """An eligible PHB assessment (ELFT's pilot criteria), when ELFT keeps them."""
        rows = self.rows
        if not rows.has(ELIGIBILITY):
            return
        rows.add(ELIGIBILITY, (rows.next_id(ELIGIBILITY), pid, rng.choice(team.workers), at,
                               True, rng.randint(4, 12), True, rng.random() < 0.05, True,
                               None, at))

    def add(self, rng: random.Random, index: int, cmht_index: int, nhs: str) -> None:
        pop, rows = self.pop, self.rows
        pid = index + 1
        registered = _between(rng, START - 365 * DAY, END - 30 * DAY)
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        age = rng.randint(18, 85)
        rows.add("person", (
            pid, nhs, given, family, given[:3] if rng.random() < 0.15 else None,
            dt.date(END.year - age, rng.randint(1, 12), rng.randint(1, 28)),
            f"{given}.{family}{pid}@example.org".lower() if rng.random() < 0.6 else None,
            f"07700 900{pid % 1000:03d}" if rng.random() < 0.8 else None,
            f"{rng.randint(1, 200)} {rng.choice(STREETS)}, London",
            rng.choice(POSTCODES), registered))
        username = ACTORS["person"] if pid == pop.bench_person else f"person{pid}"
        rows.add("user_account", (rows.next_id("user_account"), username, pid, None,
                                  f"{given} {family}", None, registered))

        gp = pop.gp_teams[index % len(pop.gp_teams)]
        self._relationship(gp, pid, "registered_practice", registered, None)
        cmht = pop.cmhts[cmht_index] if cmht_index >= 0 else None
        carer_staff = gp.workers[0]
        if cmht is not None:
            starts = _between(rng, registered, min(registered + 400 * DAY, END - 2 * DAY))
            if rng.random() < 0.1:  # moved from another team
                earlier = pop.cmhts[(cmht_index + 1 + index % 7) % len(pop.cmhts)]
                self._relationship(earlier, pid, "care_coordination", registered, starts)
            self._relationship(cmht, pid, "care_coordination", starts, None)
            carer_staff = rng.choice(cmht.workers)
        elif rng.random() < 0.2:  # discharged
            team = pop.cmhts[index % len(pop.cmhts)]
            self._relationship(team, pid, "care_coordination", registered,
                               _between(rng, registered + DAY, END - DAY))
        arts = None
        if rng.random() < 0.25 or pid == pop.bench_person:
            arts = pop.arts[index % len(pop.arts)]
            joined = _between(rng, registered, END - DAY)
            self._relationship(arts, pid, "community_membership", joined, None)
            if rng.random() < 0.05:  # gave consent, revoked it, gave it again
                revoked = _between(rng, joined, END - DAY)
                self._consent(pid, arts.organisation_id, None, ["identity", "wellbeing"],
                              "Sessions", joined, None, "online", pid, None, revoked=revoked)
                joined = revoked
            self._consent(pid, arts.organisation_id, None,
                          ["contact", "identity", "recovery_plan", "wellbeing"],
                          "Joining sessions and tracking how I feel", joined, None,
                          "online", pid, None)
        if rng.random() < 0.1 or pid == pop.bench_person:
            self._consent(pid, None, "moodwell-app", ["wellbeing"], "Mood tracking app",
                          _between(rng, registered, END - DAY), None, "online", pid, None)
        if rng.random() < 0.03:
            rows.add("restriction", (rows.next_id("restriction"), pid, None,
                                     gp.organisation_id, ["mental_health"],
                                     "I would rather my GP did not see my care notes",
                                     None, _between(rng, registered, END), pid, None))
        if rng.random() < 0.04:
            account = rows.next_id("user_account")
            rep = rows.next_id("representative")
            accepted = _between(rng, registered, END - DAY)
            rows.add("user_account", (account, f"carer{rep}", None, None,
                                      f"{rng.choice(GIVEN)} {family}", None, accepted))
            rows.add("representative", (
                rep, pid, account, f"{rng.choice(GIVEN)} {family}", "carer", "view",
                ["appointments", "identity", "recovery_plan"], None,
                accepted - 2 * DAY + 7 * DAY, accepted, None, accepted - 2 * DAY, pid, None))
        if cmht is not None and rng.random() < 0.002:
            other = pop.cmhts[(cmht_index + 5) % len(pop.cmhts)]
            opened = _between(rng, registered, END - DAY)
            rows.add("break_glass_access", (
                rows.next_id("break_glass_access"), other.workers[0], other.id, pid,
                "Seen in A&E out of hours; needed the crisis plan", opened + dt.timedelta(
                    hours=8), opened))

        goal_ids = self._goals(rng, pid, registered, cmht, arts)
        pop.gp_of.append(gp.id)
        pop.cmht_of.append(cmht.id if cmht else 0)
        pop.arts_of.append(arts.id if arts else 0)
        tap = None
        if cmht is not None and cmht_index == 2:
            self._bench_budget(rng, pid, cmht)
        elif cmht is not None and (rng.random() < 0.4 or pid == pop.bench_person):
            route = rng.choice(ROUTES)
            if route == "direct_payment":
                tap = pop.taps[index % len(pop.taps)]
            self._budgets(rng, pid, cmht, route, goal_ids)
            if tap is not None:
                since = END - 60 * DAY - 365 * DAY * 4
                self._relationship(tap, pid, "direct_payment_case", max(since, registered),
                                   None)
                self._consent(pid, tap.organisation_id, None, ["budget", "contact", "identity"],
                              "Paying my direct payment", max(since, registered), None,
                              "paper", None, carer_staff)
        pop.tap_of.append(tap.id if tap else 0)

    # --- pieces -------------------------------------------------------------------------

    def _relationship(self, team: TeamStaff, pid: int, basis: str, starts: dt.datetime,
                      ends: dt.datetime | None) -> None:
        rows = self.rows
        rows.add("care_relationship", (rows.next_id("care_relationship"), team.id, pid, basis,
                                       starts, ends, starts))

    def _consent(self, pid: int, organisation: int | None, client: str | None,
                 categories: list[str], purpose: str, starts: dt.datetime,
                 until: dt.datetime | None, how: str, by_person: int | None,
                 by_staff: int | None, *, revoked: dt.datetime | None = None) -> None:
        rows = self.rows
        rows.add("consent", (rows.next_id("consent"), pid, organisation, None, client,
                             categories, purpose, starts, until, how, revoked,
                             pid if revoked else None, None, starts, by_person, by_staff))

    def _goals(self, rng: random.Random, pid: int, registered: dt.datetime,
               cmht: TeamStaff | None, arts: TeamStaff | None) -> list[int]:
        rows = self.rows
        writers = (cmht.workers if cmht else []) + (arts.workers if arts else [])
        goal_ids = []
        for _ in range(rng.choices(range(7), (5, 15, 25, 25, 15, 10, 5))[0]):
            gid = rows.next_id("recovery_goal")
            goal_ids.append(gid)
            created = _between(rng, max(registered, START), END - DAY)
            by_person, by_staff = ((pid, None) if not writers or rng.random() < 0.4
                                   else (None, rng.choice(writers)))
            old = END - created > 365 * DAY
            status = (rng.choices(("completed", "abandoned", "active", "paused"),
                                  (50, 15, 25, 10))[0] if old else
                      rng.choices(("active", "paused", "completed"), (75, 10, 15))[0])
            changed = _between(rng, created, END) if status != "active" else created
            title, why = rng.choice(GOALS)
            rows.add("recovery_goal", (
                gid, pid, title, why, status, (created + rng.randint(90, 365) * DAY).date(),
                changed, changed if status == "completed" else None, created, by_person,
                by_staff))
            rows.add("goal_status_change", (rows.next_id("goal_status_change"), gid, None,
                                            "active", created, None, by_person, by_staff))
            if status != "active":
                rows.add("goal_status_change", (rows.next_id("goal_status_change"), gid,
                                                "active", status, changed, None, by_person,
                                                by_staff))
            for position in range(1, rng.randint(1, 4) + 1):
                done = status == "completed" or rng.random() < 0.3
                rows.add("goal_step", (rows.next_id("goal_step"), gid, rng.choice(STEPS),
                                       position, _between(rng, created, changed if done and
                                                          status == "completed" else END)
                                       if done else None, created, by_person, by_staff))
            percent = 0
            for _ in range(rng.randint(0, 4)):
                percent = min(100, percent + rng.randint(5, 30))
                rows.add("progress_note", (rows.next_id("progress_note"), gid,
                                           rng.choice(NOTES), percent,
                                           _between(rng, created, END), by_person, by_staff))
        return goal_ids

    def _bench_budget(self, rng: random.Random, pid: int, team: TeamStaff) -> None:
        rows = self.rows
        self._eligibility(rng, pid, team, END - 20 * DAY)
        bid = rows.next_id("budget")
        start = (END - 60 * DAY).date()
        rows.add("budget", (bid, pid, self.pots.bench, "notional", start,
                            start + 365 * DAY, END - 74 * DAY))
        self.bench_budgets.append((pid, bid))

    def _budgets(self, rng: random.Random, pid: int, cmht: TeamStaff, route: str,
                 goal_ids: list[int]) -> None:
        rows = self.rows
        for year in range(rng.randint(1, 5)):
            bid = rows.next_id("budget")
            start = END - 60 * DAY - year * 365 * DAY
            pot = self.pots.ids[year]
            self._eligibility(rng, pid, cmht, start - rng.randint(7, 30) * DAY)
            rows.add("budget", (bid, pid, pot, route, start.date(), (start + 365 * DAY).date(),
                                start - 14 * DAY))
            for _ in range(rng.randint(0, 3) if year == 0 else rng.randint(1, 4)):
                status = _weighted(rng, CURRENT if year == 0 else PAST)
                self._request(rng, pid, bid, pot, cmht, route, status, start,
                              min(start + 365 * DAY, END), goal_ids)

    def _request(self, rng: random.Random, pid: int, bid: int, pot: int, cmht: TeamStaff,
                 route: str, status: str, opens: dt.datetime, closes: dt.datetime,
                 goal_ids: list[int]) -> None:
        rows = self.rows
        items = []
        for _ in range(rng.randint(1, 3)):
            description, typical = rng.choice(ITEMS)
            amount = max(500, int(typical * rng.uniform(0.7, 1.2)))
            if sum(a for _, a in items) + amount > MAX_TOTAL:
                break
            items.append((description, amount))
        total = sum(amount for _, amount in items)
        requester = rng.choice(cmht.workers)
        steps = self.approval_steps(total, tuple(d for d, _ in items), route)
        signers = self.sign_offs(steps, cmht, requester)
        spent = "paid" if route == "direct_payment" else "delivered"
        if status in ("paid", "delivered"):
            status = spent
        path = [spent if step == "*spent" else step for step in PATHS[status]]
        if signers is None and "approved" in path:
            status, path = "submitted", ["submitted"]
        gaps = [rng.uniform(0.5, GAPS[step]) * DAY for step in path]
        room = closes - opens - sum(gaps, dt.timedelta()) - DAY
        if room.total_seconds() <= 0:  # too late in the budget year for this much history
            status, path, gaps = "draft", [], []
            room = closes - opens - DAY
        created = opens + room * rng.random()
        rid = rows.next_id("budget_request")
        for description, amount in items:
            goal = rng.choice(goal_ids) if goal_ids and rng.random() < 0.6 else None
            rows.add("budget_item", (rows.next_id("budget_item"), rid, description, amount,
                                     goal, created))
        transitions = [(None, "draft", created, requester, None)]
        at = created
        submitted = decided = None
        previous = "draft"
        for step, gap in zip(path, gaps, strict=True):
            if step == "approved":
                assert signers is not None
                share = gap / len(signers)
                for n, (staff, name) in enumerate(signers):
                    at = at + share
                    self._approval(rid, staff, cmht, "approved", name, None, at)
                    if n < len(signers) - 1 and previous == "submitted":
                        transitions.append(("submitted", "awaiting_approval", at, staff, None))
                        previous = "awaiting_approval"
                transitions.append((previous, "approved", at, signers[-1][0], None))
                decided = at
                self._money(pot, "reservation", total, -total, rid, at)
                previous = step
                continue
            at = at + gap
            approver = cmht.lead or requester
            reason = "Not what a PHB can fund" if step == "rejected" else (
                "The person no longer needs it" if step == "withdrawn" else None)
            by = approver if step in ("rejected", "paid", "delivered") else requester
            transitions.append((previous, step, at, by, reason))
            if step == "submitted":
                submitted = at
            if step == "rejected":
                decided = at
                self._approval(rid, approver, cmht, "rejected", None, reason, at)
            if step == spent:
                self._money(pot, "payment", total, 0, rid, at)
            previous = step
        if status == "submitted" and signers and len(signers) > 1 and rng.random() < 0.5:
            at = at + rng.uniform(0.5, 7) * DAY  # the first of two sign-offs is in
            staff, name = signers[0]
            self._approval(rid, staff, cmht, "approved", name, None, min(at, END))
            transitions.append(("submitted", "awaiting_approval", min(at, END), staff, None))
            status = "awaiting_approval"
        for from_status, to_status, at, by, reason in transitions:
            rows.add("budget_request_transition", (
                rows.next_id("budget_request_transition"), rid, from_status, to_status, at,
                reason, None, by))
        rows.add("budget_request", (
            rid, bid, pid, status, rng.choice(PURPOSES), total, total if spent in path else 0,
            [step.as_json() for step in steps] if submitted else None,
            len(steps) if submitted else None, submitted, decided, created, None, requester))

    def _approval(self, rid: int, staff: int, team: TeamStaff, decision: str,
                  step: str | None, note: str | None, at: dt.datetime) -> None:
        rows = self.rows
        rows.add("budget_approval", (rows.next_id("budget_approval"), rid, staff, team.id,
                                     decision, step, note, at))

    def _money(self, pot: int, kind: str, amount: int, delta: int, rid: int,
               at: dt.datetime) -> None:
        rows = self.rows
        if kind == "reservation":
            self.pots.committed[pot] += amount
        else:  # payment: from committed to paid
            self.pots.committed[pot] -= amount
            self.pots.paid[pot] += amount
        rows.add("funding_pot_entry", (rows.next_id("funding_pot_entry"), pot, kind, amount,
                                       delta, rid, at, None))

    def add_drafts(self, count: int, coordinator: int) -> None:
        """Draft requests for the mutation scenario: one item, under the one-sign-off limit."""
        rows = self.rows
        created = END - 30 * DAY
        for k in range(count):
            pid, bid = self.bench_budgets[k % len(self.bench_budgets)]
            rid = rows.next_id("budget_request")
            amount = 1_250 + (k % 20) * 100
            rows.add("budget_item", (rows.next_id("budget_item"), rid, "Swimming lessons",
                                     amount, None, created))
            rows.add("budget_request_transition", (
                rows.next_id("budget_request_transition"), rid, None, "draft", created, None,
                None, coordinator))
            rows.add("budget_request", (rid, bid, pid, "draft", "Swimming lessons", amount, 0,
                                        None, None, None, None, created, None, coordinator))
