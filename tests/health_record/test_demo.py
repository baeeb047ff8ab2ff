"""The demo's health records (``make run``): what the README promises Ngozi and Belu have."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.db import Database
from core.unit_of_work import UnitOfWork
from recovery_hub.demo import load_demo
from tests.support.graphql import GraphQLClient
from tests.support.world import RULES

RECORD = """query($from: Date!, $to: Date!) { me {
  weight: observationSeries(kind: "weight", from: $from, to: $to) { points { count last } }
  mood: observationSeries(kind: "mood", from: $from, to: $to, bucket: DAY) { points { count } }
  steps: observationSeries(kind: "steps", from: $from, to: $to, bucket: DAY) {
    points { count } }
  goals { edges { node { title measurementProgress { percent } } } }
  medicationAdherence(from: $from, to: $to) { expected percent }
  devices { label lentBy { name } }
} }"""


async def test_ngozi_and_belu_have_months_of_believable_measurements(db: Database) -> None:
    today = dt.date.today()  # once: the demo is dated from it, and so is what we ask
    uow = UnitOfWork(db)
    await load_demo(uow, RULES, today=today)
    client = GraphQLClient(uow)
    eight_weeks = {"from": (today - dt.timedelta(weeks=8)).isoformat(),
                   "to": (today - dt.timedelta(days=1)).isoformat()}

    ngozi = await client.execute(RECORD, eight_weeks, as_user="ngozi")
    belu = await client.execute(RECORD, eight_weeks, as_user="belu")

    assert not ngozi.errors and not belu.errors, (ngozi.errors, belu.errors)
    her: dict[str, Any] = ngozi.data["me"]
    weights = [point["last"] for point in her["weight"]["points"] if point["count"]]
    assert len(weights) >= 8 and weights[-1] < weights[0] - 1  # losing weight, weekly
    assert all(point["count"] == 1 for point in her["mood"]["points"])  # every day
    [goal] = [e["node"] for e in her["goals"]["edges"] if e["node"]["title"] == "Lose weight"]
    assert 30 <= goal["measurementProgress"]["percent"] <= 90
    his: dict[str, Any] = belu.data["me"]
    weeks = his["medicationAdherence"]
    # Olanzapine once and metformin twice a day, for the 56 days asked about.
    assert sum(week["expected"] for week in weeks) == 3 * 56
    assert all(60 <= week["percent"] <= 100 for week in weeks)
    assert min(week["percent"] for week in weeks) < 100  # not a perfect record
    assert all(point["count"] == 1 for point in his["steps"]["points"])  # his Fitbit, daily
    assert his["devices"] == [{"label": "Fitbit Inspire 3",
                               "lentBy": {"name": "Core Arts & Sports"}}]

    register = await client.execute(
        """query($from: Date!, $to: Date!) { people(first: 10) { edges { node {
          givenName bp: observationSeries(kind: "blood_pressure", from: $from, to: $to,
                                          bucket: MONTH) { points { last } } } } } }""",
        {"from": (today - dt.timedelta(weeks=12)).isoformat(), "to": today.isoformat()},
        as_user="gp-priya")
    check = {e["node"]["givenName"]: [p["last"] for p in e["node"]["bp"]["points"]
                                      if p["last"]] for e in register.data["people"]["edges"]}
    assert check["Ngozi"] == [138]  # her annual health check
    coach = await client.execute(
        """query($from: Date!, $to: Date!) { people(first: 10) { edges { node {
          givenName weight: observationSeries(kind: "weight", from: $from, to: $to) {
            points { count } } } } } }""", eight_weeks, as_user="ca-leon")
    seen = {e["node"]["givenName"]: e["node"]["weight"] for e in coach.data["people"]["edges"]}
    assert seen["Ngozi"] is not None and seen["Belu"] is None  # only she shared it
