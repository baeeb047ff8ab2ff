"""Ngozi tracks her health through the API (issue #13, "Done when"): weight weekly, mood and
sleep daily; a weekly weight series for her graph; her GP reads it; Core Arts reads it only
while she grants them ``physical_health``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support import access, records
from tests.support.graphql import GraphQLClient, gid
from tests.support.operations import run
from tests.support.world import World

from .support import core_arts_member, day, record, series

MONDAYS = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]
WEIGHTS = [92.4, 91.8, 91.1, 90.6]


async def _four_weeks(client: GraphQLClient, world: World) -> None:
    for monday, kg in zip(MONDAYS, WEIGHTS, strict=True):
        payload = await record(client, "ngozi", world.ngozi, "weight", value=kg,
                               effectiveAt=day(monday, 8))
        assert payload["userErrors"] == []
    first = dt.date.fromisoformat(MONDAYS[0])
    for n in range(28):
        today = (first + dt.timedelta(days=n)).isoformat()
        mood = await record(client, "ngozi", world.ngozi, "mood", value=2 + n % 3,
                            note="Good walk" if n == 3 else None, effectiveAt=day(today, 21))
        sleep = await record(client, "ngozi", world.ngozi, "sleep", value=400 + n,
                             secondValue=460 + n, effectiveAt=day(today, 7))
        assert mood["userErrors"] == [] and sleep["userErrors"] == []


def _points(result: Any) -> list[tuple[str, int, float | None, float | None]]:
    assert not result.errors, result.errors
    points = result.data["node"]["observationSeries"]["points"]
    return [(p["start"], p["count"], p["last"], p["mean"]) for p in points]


async def test_ngozi_records_and_graphs_her_weight_and_her_gp_reads_it(
    world: World, client: GraphQLClient
) -> None:
    await _four_weeks(client, world)

    mine = await series(client, "ngozi", world.ngozi, "weight", "2026-01-05", "2026-02-08")
    weekly = [(start, count, last) for start, count, last, _ in _points(mine)]
    assert weekly == [("2026-01-05", 1, 92.4), ("2026-01-12", 1, 91.8),
                      ("2026-01-19", 1, 91.1), ("2026-01-26", 1, 90.6),
                      ("2026-02-02", 0, None)]  # a week with no weighing is a gap
    assert mine.data["node"]["observationSeries"]["unit"] == "kg"

    moods = _points(await series(client, "ngozi", world.ngozi, "mood", "2026-01-05",
                                 "2026-01-18"))
    assert [(start, count) for start, count, _, _ in moods] == [("2026-01-05", 7),
                                                                ("2026-01-12", 7)]
    # Mood 2, 3, 4, 2, 3, 4, 2 in the first week: Sunday's is the last; the mean is 20 / 7,
    # to one place more than the scale's.
    assert moods[0][2:] == (2, 2.9)
    sleep = _points(await series(client, "ngozi", world.ngozi, "sleep", "2026-01-05",
                                 "2026-01-11", "DAY", component="SECOND_VALUE"))
    assert [last for _, _, last, _ in sleep] == [460, 461, 462, 463, 464, 465, 466]

    await access.gp_clinician(world, "gina")
    gp = await series(client, "gina", world.ngozi, "weight", "2026-01-05", "2026-02-08")
    assert _points(gp) == _points(mine)


async def test_core_arts_reads_her_weight_only_while_she_grants_physical_health(
    world: World, client: GraphQLClient
) -> None:
    await _four_weeks(client, world)
    await core_arts_member(world, "leon")
    # She shares her wellbeing with Core Arts already (moods, sleep): not her weight.
    await records.consent(world, organisation=world.charity, categories=["wellbeing"])

    before = await series(client, "leon", world.ngozi, "weight", "2026-01-05", "2026-02-01")
    assert before.data["node"]["observationSeries"] is None
    assert before.errors[0]["extensions"] == {"code": "FORBIDDEN",
                                              "category": "physical_health"}
    assert _points(await series(client, "leon", world.ngozi, "mood", "2026-01-05",
                                "2026-01-11"))[0][1] == 7

    granted = await run(client, "grantConsent", {
        "personId": gid("Person", world.ngozi), "granteeId": gid("Organisation", world.charity),
        "categories": ["physical_health"], "purpose": "Seeing my weight at sports sessions",
    }, as_user="ngozi")
    assert granted["userErrors"] == []
    during = await series(client, "leon", world.ngozi, "weight", "2026-01-05", "2026-02-01")
    assert [last for _, _, last, _ in _points(during)] == WEIGHTS

    revoked = await run(client, "revokeConsent", {"consentId": granted["consent"]["id"]},
                        as_user="ngozi")
    assert revoked["userErrors"] == []
    after = await series(client, "leon", world.ngozi, "weight", "2026-01-05", "2026-02-01")
    assert after.data["node"]["observationSeries"] is None
    assert after.errors[0]["extensions"]["code"] == "FORBIDDEN"
