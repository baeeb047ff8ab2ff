"""Recording, reading and correcting observations through the API: who may, what is
recorded about who did it, and every refusal (with nothing changed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from core.models import Person, RepresentativeAccess
from tests.support import access, records
from tests.support.graphql import GraphQLClient, gid
from tests.support.operations import UNKNOWN, refusal
from tests.support.world import World

from .support import at, core_arts_member, correct, day, readings, record, series


def _components(observation: dict[str, Any]) -> list[tuple[str, float, str]]:
    return [(c["name"], c["value"], c["unit"]) for c in observation["components"]]


# --- recording -----------------------------------------------------------------------------


async def test_ngozi_records_her_blood_pressure(world: World, client: GraphQLClient) -> None:
    payload = await record(client, "ngozi", world.ngozi, "blood_pressure", value=128,
                           secondValue=84, effectiveAt=at("2026-03-01T08:30:00"))

    assert payload["userErrors"] == []
    reading = payload["observation"]
    assert (reading["kind"], reading["unit"], reading["status"], reading["source"]) == (
        "blood_pressure", "mm[Hg]", "FINAL", "PERSON")
    assert _components(reading) == [("systolic", 128, "mm[Hg]"), ("diastolic", 84, "mm[Hg]")]
    assert reading["effectiveDate"] == "2026-03-01"
    assert reading["recordedBy"] is None and payload["derived"] == []


async def test_a_weight_with_a_height_on_record_gives_its_bmi(
    world: World, client: GraphQLClient
) -> None:
    alone = await record(client, "ngozi", world.ngozi, "weight", value=80,
                         effectiveAt=day("2026-01-02"))
    assert alone["derived"] == []  # no height yet: no BMI
    await record(client, "ngozi", world.ngozi, "height", value=165,
                 effectiveAt=day("2026-01-03"))

    payload = await record(client, "ngozi", world.ngozi, "weight", value=83.456,
                           effectiveAt=day("2026-01-04"))

    weight = payload["observation"]
    assert weight["value"] == 83.5  # weights to one decimal place
    [bmi] = payload["derived"]
    assert (bmi["kind"], bmi["value"], bmi["unit"]) == ("bmi", 30.7, "kg/m2")  # 83.5 / 1.65²
    assert bmi["derivedFrom"] == {"id": weight["id"], "kind": "weight", "value": 83.5}
    direct = await record(client, "ngozi", world.ngozi, "bmi", value=29.9,
                          effectiveAt=day("2026-01-05"))
    assert direct["observation"]["derivedFrom"] is None


async def test_smoking_status_is_a_code(world: World, client: GraphQLClient) -> None:
    payload = await record(client, "ngozi", world.ngozi, "smoking_status", valueCode="ex")
    assert (payload["observation"]["valueCode"], payload["observation"]["value"],
            payload["observation"]["unit"]) == ("ex", None, None)


async def test_her_gp_records_a_reading_named_as_the_practices(
    world: World, client: GraphQLClient
) -> None:
    await access.gp_clinician(world, "gina")

    payload = await record(client, "gina", world.ngozi, "blood_pressure", value=142,
                           secondValue=91)

    reading = payload["observation"]
    assert (reading["source"], reading["recordedBy"], reading["recordedByTeam"]) == (
        "STAFF", {"displayName": "Gina Tester"}, {"name": "Practice team"})
    log = await client.execute("{ me { accessLog { edges { node { operation categories "
                               "staffMember { displayName } } } } } }", as_user="ngozi")
    assert log.data["me"]["accessLog"]["edges"][0]["node"] == {
        "operation": "record_observation", "categories": ["physical_health"],
        "staffMember": {"displayName": "Gina Tester"}}


async def test_a_carer_managing_her_physical_health_records_for_her(
    world: World, client: GraphQLClient
) -> None:
    await access.representative(world, username="chidi", access=RepresentativeAccess.MANAGE,
                                categories=("physical_health",))

    payload = await record(client, "chidi", world.ngozi, "weight", value=90)
    assert (payload["userErrors"], payload["observation"]["source"]) == ([], "REPRESENTATIVE")
    mood = await record(client, "chidi", world.ngozi, "mood", value=3)
    assert refusal(mood) == ("FORBIDDEN", "personId")  # wellbeing is not his to manage


async def test_core_arts_records_wellbeing_by_consent_but_never_her_weight(
    world: World, client: GraphQLClient
) -> None:
    await core_arts_member(world, "leon")
    await records.consent(world, organisation=world.charity,
                          categories=["wellbeing", "physical_health"])

    mood = await record(client, "leon", world.ngozi, "mood", value=4,
                        note="Enjoyed table tennis")
    assert mood["observation"]["source"] == "STAFF"
    weight = await record(client, "leon", world.ngozi, "weight", value=90)
    assert refusal(weight) == ("FORBIDDEN", "personId")  # physical_health: read only


@pytest.mark.parametrize(("user", "person", "code"), [
    ("amara", "ngozi", "FORBIDDEN"),  # her care coordinator: physical health read only
    ("belu", "ngozi", "NOT_FOUND"),
    ("stranger", "ngozi", "NOT_FOUND"),
    ("amara", "zed", "NOT_FOUND"),
    (None, "ngozi", "NOT_FOUND"),
], ids=["coordinator-reads-only", "another-person", "staff-without-relationship",
        "outside-caseload", "anonymous"])
async def test_recording_for_someone_you_may_not_is_refused(
    world: World, client: GraphQLClient, unchanged: Any, user: str | None, person: str,
    code: str,
) -> None:
    async with unchanged():
        payload = await record(client, user, getattr(world, person), "weight", value=80)
    assert refusal(payload) == (code, "personId")


async def test_a_viewing_carer_may_not_record(world: World, client: GraphQLClient,
                                              unchanged: Any) -> None:
    await access.representative(world, username="chidi", access=RepresentativeAccess.VIEW,
                                categories=("physical_health",))
    async with unchanged():
        payload = await record(client, "chidi", world.ngozi, "weight", value=80)
    assert refusal(payload) == ("FORBIDDEN", "personId")


BAD_READINGS = [
    ("weight", {"value": 351}, ("OUT_OF_RANGE", "value")),
    ("weight", {"value": 19.9}, ("OUT_OF_RANGE", "value")),
    ("weight", {"value": 80, "unit": "lb"}, ("WRONG_UNIT", "unit")),
    ("weight", {}, ("VALUE_REQUIRED", "value")),
    ("weight", {"value": 80, "secondValue": 2}, ("VALUE_NOT_TAKEN", "secondValue")),
    ("weight", {"value": 80, "note": "after lunch"}, ("VALUE_NOT_TAKEN", "note")),
    ("weight", {"value": 80, "valueCode": "ex"}, ("VALUE_NOT_TAKEN", "valueCode")),
    ("blood_pressure", {"value": 120, "secondValue": 130},
     ("DIASTOLIC_ABOVE_SYSTOLIC", "secondValue")),
    ("blood_pressure", {"value": 120}, ("VALUE_REQUIRED", "secondValue")),
    ("blood_pressure", {"value": 300, "secondValue": 80}, ("OUT_OF_RANGE", "value")),
    ("sleep", {"value": 500, "secondValue": 400}, ("ASLEEP_LONGER_THAN_IN_BED", "value")),
    ("mood", {"value": 7}, ("OUT_OF_RANGE", "value")),  # the default scale is 1-5
    ("mood", {"value": 7, "unit": "{score_0_100}"}, ("WRONG_UNIT", "unit")),
    ("mood", {"value": 3, "note": "x" * 2001}, ("TOO_LONG", "note")),
    ("healthy_eating", {}, ("VALUE_REQUIRED", "value")),
    ("smoking_status", {"valueCode": "sometimes"}, ("UNKNOWN_CODE", "valueCode")),
    ("smoking_status", {}, ("VALUE_REQUIRED", "valueCode")),
    ("smoking_status", {"value": 1, "valueCode": "ex"}, ("VALUE_NOT_TAKEN", "value")),
    ("weight", {"value": 80, "effectiveAt": "2100-01-01T00:00:00Z"}, ("FUTURE_TIME",
                                                                      "effectiveAt")),
    ("weight", {"value": 80, "effectiveAt": "2026-01-01T09:00:00"}, ("TIMEZONE_REQUIRED",
                                                                     "effectiveAt")),
    ("cholesterol", {"value": 5}, ("UNKNOWN_KIND", "kind")),
]


@pytest.mark.parametrize(("kind", "reading", "expected"), BAD_READINGS,
                         ids=[f"{kind}-{code}-{n}" for n, (kind, _, (code, _f))
                              in enumerate(BAD_READINGS)])
async def test_a_bad_reading_is_refused_with_its_field(
    world: World, client: GraphQLClient, unchanged: Any, kind: str, reading: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    async with unchanged():
        payload = await record(client, "ngozi", world.ngozi, kind, **reading)
    assert refusal(payload) == expected


async def test_a_reading_from_before_she_was_born_is_refused(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    async with world.uow.begin() as tx:
        await tx.session.execute(update(Person).where(Person.id == world.ngozi)
                                 .values(date_of_birth=dt.date(1986, 5, 1)))
    async with unchanged():
        payload = await record(client, "ngozi", world.ngozi, "height", value=160,
                               effectiveAt=day("1986-04-30"))
    assert refusal(payload) == ("BEFORE_BIRTH", "effectiveAt")
    born = await record(client, "ngozi", world.ngozi, "height", value=160,
                        effectiveAt=day("1986-05-01"))
    assert born["userErrors"] == []


async def test_a_device_that_is_not_hers_is_not_found(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    async with unchanged():
        payload = await record(client, "ngozi", world.ngozi, "weight", value=80,
                               deviceId=gid("Device", UNKNOWN))
    assert refusal(payload) == ("NOT_FOUND", "deviceId")


# --- correcting ----------------------------------------------------------------------------


async def test_a_wrong_weight_is_corrected_and_the_history_shows_both(
    world: World, client: GraphQLClient
) -> None:
    await record(client, "ngozi", world.ngozi, "height", value=165, effectiveAt=day("2026-01-01"))
    wrong = await record(client, "ngozi", world.ngozi, "weight", value=98.0,
                         effectiveAt=day("2026-01-05"))

    payload = await correct(client, "ngozi", wrong["observation"]["id"], "Typed 98, meant 89",
                            {"value": 89.0, "effectiveAt": day("2026-01-05")})

    assert payload["userErrors"] == []
    corrected, replacement = payload["corrected"], payload["replacement"]
    assert (corrected["status"], corrected["enteredInErrorReason"], corrected["value"]) == (
        "ENTERED_IN_ERROR", "Typed 98, meant 89", 98.0)
    assert corrected["replacedBy"] == {"id": replacement["id"], "value": 89.0}
    # The BMI of the wrong weight went with it; the right weight has its own.
    assert [(d["kind"], d["status"]) for d in payload["derived"]] == [
        ("bmi", "ENTERED_IN_ERROR"), ("bmi", "FINAL")]
    now = await readings(client, "ngozi", world.ngozi, "weight")
    assert [e["node"]["value"] for e in now.data["node"]["observations"]["edges"]] == [89.0]
    history = await readings(client, "ngozi", world.ngozi, "weight", errors=True)
    assert [(e["node"]["value"], e["node"]["status"])
            for e in history.data["node"]["observations"]["edges"]] == [
        (89.0, "FINAL"), (98.0, "ENTERED_IN_ERROR")]  # the same time: the newer first
    chart = await series(client, "ngozi", world.ngozi, "bmi", "2026-01-05", "2026-01-05",
                         "DAY")
    assert chart.data["node"]["observationSeries"]["points"][0]["last"] == 32.7  # 89/1.65²


async def _gps_reading(world: World, client: GraphQLClient) -> str:
    await access.gp_clinician(world, "gina")
    payload = await record(client, "gina", world.ngozi, "blood_pressure", value=150,
                           secondValue=95)
    return str(payload["observation"]["id"])


@pytest.mark.parametrize(("user", "expected"), [
    ("ngozi", ("NOT_YOURS_TO_CORRECT", "observationId")),  # her GP recorded it
    ("amara", ("FORBIDDEN", "observationId")),  # reads physical health, may not change it
    ("stranger", ("NOT_FOUND", "observationId")),
    ("belu", ("NOT_FOUND", "observationId")),
])
async def test_correcting_someone_elses_reading_is_refused(
    world: World, client: GraphQLClient, unchanged: Any, user: str,
    expected: tuple[str, str],
) -> None:
    reading = await _gps_reading(world, client)
    async with unchanged():
        payload = await correct(client, user, reading, "Wrong")
    assert refusal(payload) == expected


async def test_a_correction_needs_a_reason_and_happens_once(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    reading = await _gps_reading(world, client)
    async with unchanged():
        assert refusal(await correct(client, "gina", reading, "  ")) == ("REQUIRED", "reason")
        assert refusal(await correct(client, "gina", reading, "Cuff too small",
                                     {"value": 120, "secondValue": 130})) == (
            "DIASTOLIC_ABOVE_SYSTOLIC", "replacement.secondValue")
        assert refusal(await correct(client, "gina", gid("Observation", UNKNOWN), "x")) == (
            "NOT_FOUND", "observationId")
    assert (await correct(client, "gina", reading, "Cuff too small"))["userErrors"] == []
    async with unchanged():
        assert refusal(await correct(client, "gina", reading, "Again")) == (
            "ALREADY_ENTERED_IN_ERROR", "observationId")


# --- reading -------------------------------------------------------------------------------


async def test_readings_come_newest_first_a_page_at_a_time(
    world: World, client: GraphQLClient
) -> None:
    for n in range(5):
        await record(client, "ngozi", world.ngozi, "pulse", value=60 + n,
                     effectiveAt=day(f"2026-02-0{n + 1}"))
    first = await readings(client, "ngozi", world.ngozi, "pulse", first=2)
    page = first.data["node"]["observations"]
    assert [e["node"]["value"] for e in page["edges"]] == [64, 63]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await readings(client, "ngozi", world.ngozi, "pulse", first=10,
                          after=page["pageInfo"]["endCursor"])
    assert [e["node"]["value"] for e in rest.data["node"]["observations"]["edges"]] == [
        62, 61, 60]
    window = await readings(client, "ngozi", world.ngozi, "pulse",
                            **{"from": day("2026-02-02", 0), "to": day("2026-02-04", 0)})
    assert [e["node"]["value"] for e in window.data["node"]["observations"]["edges"]] == [
        62, 61]


async def test_a_reader_without_the_category_is_refused_per_kind(
    world: World, client: GraphQLClient
) -> None:
    weight = await record(client, "ngozi", world.ngozi, "weight", value=90)
    mood = await record(client, "ngozi", world.ngozi, "mood", value=4)
    await core_arts_member(world, "leon")
    await records.consent(world, organisation=world.charity, categories=["wellbeing"])

    refused = await readings(client, "leon", world.ngozi, "weight")
    assert refused.data["node"]["observations"] is None
    assert refused.errors[0]["extensions"] == {"code": "FORBIDDEN",
                                               "category": "physical_health"}
    allowed = await readings(client, "leon", world.ngozi, "mood")
    assert [e["node"]["value"] for e in allowed.data["node"]["observations"]["edges"]] == [4]
    node = "query($id: ID!) { node(id: $id) { ... on Observation { kind value } } }"
    hidden = await client.execute(node, {"id": weight["observation"]["id"]}, as_user="leon")
    shown = await client.execute(node, {"id": mood["observation"]["id"]}, as_user="leon")
    assert (hidden.data["node"], shown.data["node"]) == (None, {"kind": "mood", "value": 4})
    for user in ("stranger", None):  # no one else sees even that the reading exists
        nobody = await client.execute(node, {"id": mood["observation"]["id"]}, as_user=user)
        assert nobody.data["node"] is None


@pytest.mark.parametrize(("arguments", "code"), [
    ({"kind": "cholesterol"}, "UNKNOWN_KIND"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "INVALID_RANGE"),
    ({"since": "2000-01-01", "until": "2026-01-01", "bucket": "DAY"}, "TOO_MANY_BUCKETS"),
    ({"unit": "lb"}, "WRONG_UNIT"),
    ({"component": "SECOND_VALUE"}, "VALUE_NOT_TAKEN"),
    ({"kind": "smoking_status"}, "WRONG_UNIT"),
])
async def test_a_series_that_cannot_be_drawn_says_why(
    world: World, client: GraphQLClient, arguments: dict[str, Any], code: str
) -> None:
    asked = {"kind": "weight", "since": "2026-01-01", "until": "2026-03-01", **arguments}
    result = await series(client, "ngozi", world.ngozi, asked.pop("kind"), asked.pop("since"),
                          asked.pop("until"), asked.pop("bucket", "WEEK"), **asked)
    assert result.data["node"]["observationSeries"] is None
    assert [e["extensions"]["code"] for e in result.errors] == [code]


async def test_observation_kinds_are_listed_with_their_units_and_ranges(
    client: GraphQLClient,
) -> None:
    result = await client.execute("""{ observationKinds { code category unit loinc
      scales { unit value { name minimum maximum } secondValue { name } }
      codes { code snomed } } }""", as_user=None)
    kinds = {kind["code"]: kind for kind in result.data["observationKinds"]}
    assert {"weight", "height", "bmi", "blood_pressure", "pulse", "steps", "active_minutes",
            "sleep", "mood", "healthy_eating", "smoking_status",
            "alcohol_units"} <= set(kinds)
    assert kinds["weight"]["scales"] == [{"unit": "kg", "value": {
        "name": "weight", "minimum": 20, "maximum": 350}, "secondValue": None}]
    assert (kinds["blood_pressure"]["loinc"], kinds["mood"]["category"]) == (
        "85354-9", "wellbeing")
    assert [c["code"] for c in kinds["smoking_status"]["codes"]] == ["never", "ex", "current"]
