"""How many SQL statements the health record's reads run: pinned, and the same whether a
person has a month of readings or five years, and for one person or a GP's register of 20.

If a count grows with the data, a relation is loaded per row (N+1) or a series is computed
outside the database. If it changes to a new constant, check that was meant, then re-pin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.models import CareBasis
from core.observations.recording import record_readings
from core.observations.rules import Reading, start_of_day
from core.services import organisations, people
from tests.support import access, policies
from tests.support.graphql import GraphQLClient, gid
from tests.support.world import World

DASHBOARD = """query($id: ID!) { node(id: $id) { ... on Person {
  weight: observationSeries(kind: "weight", from: "2025-01-01", to: "2025-12-31") {
    points { start count mean last } }
  mood: observationSeries(kind: "mood", from: "2025-10-03", to: "2025-12-31", bucket: DAY) {
    points { start count last } }
  recent: observations(kind: "weight", first: 5) { edges { node {
    value effectiveAt recordedBy { displayName } device { label } } } }
  medications { name doses(from: "2025-12-01", to: "2025-12-31") { status } }
  medicationAdherence(from: "2025-12-01", to: "2025-12-31") { percent }
  devices { label }
} } }"""

REGISTER = """query { people(first: 50) { edges { node {
  displayName
  latest: observations(kind: "blood_pressure", first: 1) { edges { node {
    value secondValue effectiveAt } } }
  bmi: observationSeries(kind: "bmi", from: "2025-01-01", to: "2025-12-31", bucket: MONTH) {
    points { last } }
  medications { name }
} } } }"""

# Signing in (the account, the staff member's teams), the policy, and one statement per
# relation the query follows.
PINNED_DASHBOARD = 9
PINNED_REGISTER = 10


async def _history(world: World, person: int, days: int) -> None:
    """Daily mood and weekly weight for ``days`` days up to the end of 2025."""
    end = dt.date(2025, 12, 31)
    readings = []
    for n in range(days):
        day = end - dt.timedelta(days=n)
        at = start_of_day(day) + dt.timedelta(hours=9)
        readings.append(Reading("mood", value=1 + n % 5, effective_at=at))
        if n % 7 == 0:
            readings.append(Reading("weight", value=90 - n / 100, effective_at=at))
            readings.append(Reading("blood_pressure", value=130, second_value=85,
                                    effective_at=at))
    await record_readings(world.uow, policies.system(), person_id=person,
                          readings=[Reading("height", value=170,
                                            effective_at=start_of_day(end - dt.timedelta(
                                                days=days)))])
    for start in range(0, len(readings), 2000):
        await record_readings(world.uow, policies.system(), person_id=person,
                              readings=readings[start:start + 2000])


async def _count(client: GraphQLClient, count_statements: Any, query: str,
                 variables: dict[str, Any], user: str) -> tuple[int, Any]:
    with count_statements() as counter:
        result = await client.execute(query, variables, as_user=user)
    assert not result.errors, result.errors
    reads = [s for s in counter.statements if "audit_" not in s]
    return len(reads), result.data


async def test_a_dashboard_of_a_month_or_of_five_years_runs_the_same_statements(
    world: World, count_statements: Any
) -> None:
    client = GraphQLClient(world.uow)
    await _history(world, world.ngozi, 31)
    await _history(world, world.belu, 5 * 365)

    month, shown = await _count(client, count_statements, DASHBOARD,
                                {"id": gid("Person", world.ngozi)}, "ngozi")
    years, shown_years = await _count(client, count_statements, DASHBOARD,
                                      {"id": gid("Person", world.belu)}, "belu")

    assert (month, years) == (PINNED_DASHBOARD, PINNED_DASHBOARD)
    weeks = shown_years["node"]["weight"]["points"]
    assert len(weeks) == 53 and all(week["count"] == 1 for week in weeks[1:])
    assert sum(day["count"] for day in shown_years["node"]["mood"]["points"]) == 90
    assert sum(day["count"] for day in shown["node"]["mood"]["points"]) == 31


async def test_a_gps_register_runs_the_same_statements_for_5_people_or_20(
    world: World, count_statements: Any
) -> None:
    client = GraphQLClient(world.uow)
    await access.gp_clinician(world, "gina")
    system = policies.system()
    registered = [world.ngozi]

    async def grow_to(size: int) -> None:
        while len(registered) < size:
            person = await people.register_person(world.uow, system,
                                                  given_name=f"P{len(registered)}",
                                                  family_name="Register")
            await organisations.start_care_relationship(
                world.uow, system, team_id=world.gp_team, person_id=person.id,
                basis=CareBasis.REGISTERED_PRACTICE,
                starts_at=system.now - dt.timedelta(days=1))
            await _history(world, person.id, 60)
            registered.append(person.id)

    counts = []
    for size in (5, 20):
        await grow_to(size)
        count, shown = await _count(client, count_statements, REGISTER, {}, "gina")
        people_shown = [edge["node"] for edge in shown["people"]["edges"]]
        assert len(people_shown) == size
        assert all(len(p["latest"]["edges"]) == 1 for p in people_shown[1:])
        counts.append(count)
    assert counts == [PINNED_REGISTER, PINNED_REGISTER]


async def test_many_readings_are_stored_in_a_few_statements(
    world: World, count_statements: Any
) -> None:
    """A phone's backlog of 500 moods and sleeps: one INSERT for them all (weights, whose BMI
    names them, take one each on SQLite and one in all on PostgreSQL)."""
    start = dt.date(2025, 1, 1)
    readings = [Reading("mood" if n % 2 else "sleep", value=3 if n % 2 else 420,
                        effective_at=start_of_day(start + dt.timedelta(days=n // 2)))
                for n in range(500)]
    with count_statements() as counter:
        stored = await record_readings(world.uow, policies.system(), person_id=world.ngozi,
                                       readings=readings)
    inserts = [s for s in counter.statements if s.startswith("INSERT INTO observation")]
    assert (stored, len(inserts)) == (500, 1)
