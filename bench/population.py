"""Organisations, teams, staff and their accounts, and who each person is cared for by.

Deterministic: the same scale always gives the same rows. The three benchmark CMHTs come first
and have exactly the sizes the scenarios need; every other CMHT has ~450 people.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from dataclasses import dataclass, field

from core.nhs_number import is_valid_nhs_number

from .load import Rows
from .scales import ACTORS, HISTORY_ENDS, YEARS, Scale

__all__ = ["Population", "TeamStaff", "build_population", "nhs_numbers"]

START = HISTORY_ENDS - dt.timedelta(days=365 * YEARS)

GIVEN = ("Ngozi", "Belu", "Marcus", "Aisha", "Tomasz", "Priya", "Amara", "James", "Rosa",
         "Leon", "Sam", "Helen", "Kwame", "Fatima", "Daniel", "Chloe", "Mohammed", "Grace",
         "Oliver", "Zainab", "Liam", "Hannah", "Yusuf", "Emily", "Kofi", "Sofia", "Adam",
         "Mei", "Ravi", "Ewa", "Jamal", "Ines", "Tariq", "Ruth", "Dev", "Agnes")
FAMILY = ("Adeyemi", "Tesfaye", "Reid", "Bello", "Nowak", "Shah", "Okoye", "Whitfield",
          "Martins", "Baptiste", "Carter", "Price", "Mensah", "Begum", "Smith", "Jones",
          "Khan", "Ali", "Brown", "Hussain", "Williams", "Patel", "Kowalski", "Osei", "Chen",
          "Murphy", "Ahmed", "Taylor", "Silva", "Uddin", "Evans", "Nguyen", "Okafor", "Clarke")
STREETS = ("Mare Street", "Dalston Lane", "Kingsland Road", "Amhurst Road", "Well Street",
           "Homerton High Street", "Stoke Newington Road", "Chatsworth Road", "Morning Lane")
POSTCODES = ("E8 1AA", "E5 0LL", "N16 7AB", "E9 6NP", "E8 3QR", "E2 8HD", "N1 5LP", "E15 4BQ",
             "E1 6AN", "E3 2SJ", "E13 9PJ", "E6 1JQ")


def nhs_numbers(count: int) -> list[str]:
    """``count`` distinct valid NHS numbers in the 999 test range (never a real person's),
    in a scattered but fixed order."""
    found: list[str] = []
    step = 7_919  # coprime with 10**6: k -> k * step mod 10**6 visits every base once
    k = 0
    while len(found) < count:
        base = f"999{(k * step) % 1_000_000:06d}"
        k += 1
        total = sum(int(d) * w for d, w in zip(base, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check == 10:  # no valid number starts with these nine digits
            continue
        number = base + str(check)
        assert is_valid_nhs_number(number)
        found.append(number)
    return found


@dataclass
class TeamStaff:
    """A team, its organisation, and who in it does what."""

    id: int
    organisation_id: int
    kind: str  # gp | cmht | arts | tap | commissioning
    legal_basis: str
    name: str
    workers: list[int] = field(default_factory=list)  # clinicians, coordinators, advisors
    lead: int | None = None  # CMHT team lead: signs off budget requests
    phb_lead: int | None = None
    role: str = ""  # the role the workers hold


@dataclass
class Population:
    scale: Scale
    gp_teams: list[TeamStaff]
    cmhts: list[TeamStaff]
    arts: list[TeamStaff]
    taps: list[TeamStaff]
    commissioning: list[TeamStaff]
    staff_account: dict[int, int]  # staff id -> account id
    roles_of: dict[int, str]  # staff id -> the role they hold
    bench_person: int
    # Per person (index = person id): their GP team, active CMHT (0: none), flags.
    gp_of: array = field(default_factory=lambda: array("l"))
    cmht_of: array = field(default_factory=lambda: array("l"))
    arts_of: array = field(default_factory=lambda: array("l"))  # 0: not a member
    tap_of: array = field(default_factory=lambda: array("l"))  # 0: no direct-payment case

    @property
    def small(self) -> TeamStaff:
        return self.cmhts[0]

    @property
    def large(self) -> TeamStaff:
        return self.cmhts[1]

    @property
    def mutation(self) -> TeamStaff:
        return self.cmhts[2]

    def team_by_id(self) -> dict[int, TeamStaff]:
        teams = self.gp_teams + self.cmhts + self.arts + self.taps + self.commissioning
        return {team.id: team for team in teams}


def _cmht_assignment(scale: Scale) -> list[int]:
    """For each person index, the CMHT index (0, 1, 2: benchmark teams) or -1 for none.

    70% of people are under a CMHT; the benchmark teams are filled first, to their exact size.
    """
    sizes = scale.teams
    fixed = [(0, sizes.small), (1, sizes.large), (2, sizes.mutation)]
    others = scale.cmhts - 3
    assignment: list[int] = []
    cursor = 0
    for i in range(scale.people):
        if i % 10 >= 7:
            assignment.append(-1)
            continue
        while cursor < len(fixed) and fixed[cursor][1] == 0:
            cursor += 1
        if cursor < len(fixed):
            team, left = fixed[cursor]
            fixed[cursor] = (team, left - 1)
            assignment.append(team)
        else:
            assignment.append(3 + (i // 10) % others)
    return assignment


def build_population(scale: Scale, rows: Rows, rng: random.Random) -> tuple[Population,
                                                                           list[int]]:
    """Organisations, teams, staff, memberships and staff accounts. Returns the population and
    the CMHT index of each person (see ``_cmht_assignment``)."""
    created = START - dt.timedelta(days=365)

    def organisation(name: str, kind: str, basis: str, ods: str) -> int:
        oid = rows.next_id("organisation")
        rows.add("organisation", (oid, name, kind, basis, ods, created))
        return oid

    def team(org: int, kind: str, basis: str, name: str, role: str) -> TeamStaff:
        tid = rows.next_id("team")
        rows.add("team", (tid, org, name, created))
        return TeamStaff(tid, org, kind, basis, name, role=role)

    gp_teams = []
    for n in range(scale.gp_practices):
        org = organisation(f"{rng.choice(STREETS).split()[0]} Practice {n + 1}", "gp_practice",
                           "direct_care", f"F{n + 1:05d}")
        gp_teams.append(team(org, "gp", "direct_care", "Practice team", "gp.clinician"))
    trusts = [organisation(f"Mental Health Trust {n + 1}", "mental_health_trust",
                           "direct_care", f"R{n + 1:04d}") for n in range(scale.trusts)]
    names = ["Bench CMHT (50)", "Bench CMHT (500)", "Bench CMHT (mutation)"]
    cmhts = [team(trusts[n % len(trusts)], "cmht", "direct_care",
                  names[n] if n < 3 else f"Community Mental Health Team {n - 2}",
                  "elft.care_coordinator") for n in range(scale.cmhts)]
    arts, taps, commissioning = [], [], []
    for n in range(scale.voluntary):
        org = organisation(f"Core Arts & Sports {n + 1}", "voluntary_organisation", "consent",
                           f"CAS{n + 1:03d}")
        arts.append(team(org, "arts", "consent", "Arts and sports sessions",
                         "core_arts.sessions_coordinator"))
        org = organisation(f"The Advocacy Project {n + 1}", "voluntary_organisation",
                           "consent", f"TAP{n + 1:03d}")
        taps.append(team(org, "tap", "consent", "PHB direct payments",
                         "advocacy_project.phb_advisor"))
        org = organisation(f"Integrated Care Board {n + 1}", "commissioner", "consent",
                           f"Q{n + 1:04d}")
        commissioning.append(team(org, "commissioning", "consent", "Commissioning",
                                  "elft.commissioner"))

    staff_account: dict[int, int] = {}
    roles_of: dict[int, str] = {}

    def staff(team_: TeamStaff, role: str, username: str | None = None) -> int:
        sid = rows.next_id("staff_member")
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        rows.add("staff_member", (sid, given, family, role.split(".")[1].replace("_", " "),
                                  f"{given}.{family}.{sid}@nhs.example".lower(), created))
        rows.add("membership", (rows.next_id("membership"), sid, team_.id, [role], created))
        account = rows.next_id("user_account")
        rows.add("user_account", (account, username or f"staff{sid}", None, sid,
                                  f"{given} {family}", None, created))
        staff_account[sid] = account
        roles_of[sid] = role
        return sid

    budget = scale.staff
    shares = [(gp_teams, 0.20), (arts, 0.04), (taps, 0.02), (commissioning, 0.01)]
    for teams, share in shares:
        per_team = max(2, round(budget * share / len(teams)))
        for team_ in teams:
            team_.workers = [staff(team_, team_.role) for _ in range(per_team)]
    used = sum(len(t.workers) for teams, _ in shares for t in teams)
    per_cmht = max(4, (budget - used) // len(cmhts))
    bench_names = {0: ("coordinator_small", None), 1: ("coordinator_large", "lead_large"),
                   2: ("coordinator_mutation", "lead_mutation")}
    for n, team_ in enumerate(cmhts):
        coordinator, lead = bench_names.get(n, (None, None))
        team_.lead = staff(team_, "elft.team_lead", ACTORS[lead] if lead else None)
        team_.phb_lead = staff(team_, "elft.phb_lead_clinician")
        team_.workers = [staff(team_, "elft.care_coordinator",
                               ACTORS[coordinator] if coordinator and k == 0 else None)
                         for k in range(per_cmht - 2)]

    assignment = _cmht_assignment(scale)
    # The benchmark person: the first person of an ordinary CMHT.
    bench_index = next(i for i, team_index in enumerate(assignment) if team_index >= 3)
    population = Population(scale, gp_teams, cmhts, arts, taps, commissioning, staff_account,
                            roles_of, bench_person=bench_index + 1)
    return population, assignment
