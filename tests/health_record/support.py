"""The operations a frontend sends for the health record, and the people around Ngozi's
record that the tests need: her GP, a Core Arts coordinator with a membership (but no consent
yet), and Ngozi's carer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.models import CareBasis
from core.services import organisations
from tests.support import access, policies
from tests.support.graphql import GraphQLClient, Result, gid
from tests.support.world import World

__all__ = [
    "CORRECT",
    "OBSERVATION",
    "RECORD",
    "at",
    "core_arts_member",
    "correct",
    "day",
    "readings",
    "record",
    "series",
]

OBSERVATION = """id kind value secondValue unit valueCode note effectiveAt effectiveDate
  status source enteredInErrorAt enteredInErrorReason
  components { name value unit }
  recordedBy { displayName } recordedByTeam { name }
  derivedFrom { id kind value } replacedBy { id value }"""

_ERRORS = "userErrors { field code message }"

RECORD = f"""mutation($input: RecordObservationInput!) {{ recordObservation(input: $input) {{
  observation {{ {OBSERVATION} }} derived {{ {OBSERVATION} }} {_ERRORS} }} }}"""

CORRECT = f"""mutation($input: CorrectObservationInput!) {{ correctObservation(input: $input) {{
  corrected {{ {OBSERVATION} }} replacement {{ {OBSERVATION} }} derived {{ id kind status }}
  {_ERRORS} }} }}"""

SERIES = """query($person: ID!, $kind: String!, $from: Date!, $to: Date!, $bucket: SeriesBucket!,
  $component: SeriesComponent! = VALUE, $unit: String) {
  node(id: $person) { ... on Person {
    observationSeries(kind: $kind, from: $from, to: $to, bucket: $bucket,
                      component: $component, unit: $unit) {
      unit bucket from to points { start end count min max mean last } } } } }"""

READINGS = f"""query($person: ID!, $kind: String!, $first: Int, $after: String,
  $from: DateTime, $to: DateTime, $errors: Boolean! = false) {{
  node(id: $person) {{ ... on Person {{
    observations(kind: $kind, first: $first, after: $after, from: $from, to: $to,
                 includeEnteredInError: $errors) {{
      pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {OBSERVATION} }} }} }} }} }} }}"""


def at(text: str) -> str:
    """An ISO time in London (BST or GMT as the date says), for ``effectiveAt``."""
    from core.observations.rules import RECORD_TIME_ZONE

    return dt.datetime.fromisoformat(text).replace(tzinfo=RECORD_TIME_ZONE).isoformat()


def day(text: str, hour: int = 9) -> str:
    return at(f"{text}T{hour:02d}:00:00")


async def record(client: GraphQLClient, user: str | None, person: int, kind: str,
                 **reading: Any) -> dict[str, Any]:
    """recordObservation's payload; fails on a GraphQL-level error."""
    result = await client.execute(RECORD, {"input": {
        "personId": gid("Person", person), "kind": kind, **reading}}, as_user=user)
    return result.payload("recordObservation")


async def correct(client: GraphQLClient, user: str, observation_id: str, reason: str,
                  replacement: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.execute(CORRECT, {"input": {
        "observationId": observation_id, "reason": reason, "replacement": replacement}},
        as_user=user)
    return result.payload("correctObservation")


async def series(client: GraphQLClient, user: str | None, person: int, kind: str, since: str,
                 until: str, bucket: str = "WEEK", **extra: Any) -> Result:
    return await client.execute(SERIES, {"person": gid("Person", person), "kind": kind,
                                         "from": since, "to": until, "bucket": bucket,
                                         **extra}, as_user=user)


async def readings(client: GraphQLClient, user: str | None, person: int, kind: str,
                   **extra: Any) -> Result:
    return await client.execute(READINGS, {"person": gid("Person", person), "kind": kind,
                                           **extra}, as_user=user)


async def core_arts_member(world: World, username: str = "leon") -> None:
    """A Core Arts coordinator in the charity's team, which Ngozi is a member of; she has
    granted nothing yet."""
    await access.charity_worker(world, username)
    await organisations.start_care_relationship(
        world.uow, policies.system(), team_id=world.charity_team, person_id=world.ngozi,
        basis=CareBasis.COMMUNITY_MEMBERSHIP,
        starts_at=policies.system().now - dt.timedelta(days=1))
