"""Belu's medication list and doses through the API, adherence per week, and every refusal."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import access, records
from tests.support.graphql import GraphQLClient, gid
from tests.support.operations import UNKNOWN, refusal
from tests.support.world import World

_ERRORS = "userErrors { field code message }"
_MEDICATION = ("id name dose instructions dosesPerDay startedOn stoppedOn stopReason source "
               "addedBy { displayName }")
ADD = f"""mutation($input: AddMedicationInput!) {{ addMedication(input: $input) {{
  medication {{ {_MEDICATION} }} {_ERRORS} }} }}"""
STOP = f"""mutation($input: StopMedicationInput!) {{ stopMedication(input: $input) {{
  medication {{ {_MEDICATION} }} {_ERRORS} }} }}"""
DOSE = f"""mutation($input: RecordMedicationDoseInput!) {{ recordMedicationDose(input: $input) {{
  dose {{ scheduledDate slot status takenAt note source }} medication {{ name }} {_ERRORS} }} }}"""
ADHERENCE = """query($id: ID!, $from: Date!, $to: Date!) { node(id: $id) { ... on Person {
  medications(includeStopped: true) { name doses(from: $from, to: $to) { scheduledDate slot
    status } }
  medicationAdherence(from: $from, to: $to) { start end expected taken late skipped missed
    percent } } } }"""


async def _add(client: GraphQLClient, user: str, person: int, **given: Any) -> dict[str, Any]:
    result = await client.execute(ADD, {"input": {"personId": gid("Person", person), **given}},
                                  as_user=user)
    return result.payload("addMedication")


async def _dose(client: GraphQLClient, user: str, medication: str, **given: Any
                ) -> dict[str, Any]:
    result = await client.execute(DOSE, {"input": {"medicationId": medication, **given}},
                                  as_user=user)
    return result.payload("recordMedicationDose")


async def _stop(client: GraphQLClient, user: str, medication: str, **given: Any
                ) -> dict[str, Any]:
    result = await client.execute(STOP, {"input": {"medicationId": medication, **given}},
                                  as_user=user)
    return result.payload("stopMedication")


async def _belus_list(client: GraphQLClient, world: World) -> tuple[str, str, str]:
    """Twice a day metformin and nightly olanzapine from 1 March; paracetamol when needed."""
    twice = await _add(client, "belu", world.belu, name="Metformin", dose="500 mg",
                       dosesPerDay=2, instructions="With breakfast and dinner",
                       startedOn="2026-03-01")
    nightly = await _add(client, "belu", world.belu, name="Olanzapine", dose="10 mg",
                         dosesPerDay=1, startedOn="2026-03-01")
    needed = await _add(client, "belu", world.belu, name="Paracetamol", dose="1 g",
                        startedOn="2026-03-01")
    return (twice["medication"]["id"], nightly["medication"]["id"],
            needed["medication"]["id"])


async def test_belus_doses_give_his_adherence_week_by_week(
    world: World, client: GraphQLClient
) -> None:
    metformin, olanzapine, paracetamol = await _belus_list(client, world)
    # Week of 2 March: every dose, one of them late. Week of 9 March: he skips the evening
    # metformin three times and records nothing on Sunday.
    for n in range(2, 9):
        date = f"2026-03-{n:02d}"
        await _dose(client, "belu", metformin, status="TAKEN", scheduledDate=date)
        await _dose(client, "belu", metformin, status="LATE" if n == 4 else "TAKEN",
                    scheduledDate=date)
        await _dose(client, "belu", olanzapine, status="TAKEN", scheduledDate=date)
    for n in range(9, 15):
        date = f"2026-03-{n:02d}"
        await _dose(client, "belu", metformin, status="TAKEN", scheduledDate=date, slot=1)
        await _dose(client, "belu", metformin, status="SKIPPED" if n < 12 else "TAKEN",
                    scheduledDate=date, slot=2)
        await _dose(client, "belu", olanzapine, status="TAKEN", scheduledDate=date)
    await _dose(client, "belu", paracetamol, status="TAKEN", scheduledDate="2026-03-10",
                takenAt="2026-03-10T14:00:00Z", note="Headache")

    result = await client.execute(ADHERENCE, {"id": gid("Person", world.belu),
                                              "from": "2026-03-02", "to": "2026-03-15"},
                                  as_user="belu")

    assert not result.errors, result.errors
    weeks = result.data["node"]["medicationAdherence"]
    assert weeks == [
        {"start": "2026-03-02", "end": "2026-03-08", "expected": 21, "taken": 20, "late": 1,
         "skipped": 0, "missed": 0, "percent": 100},
        {"start": "2026-03-09", "end": "2026-03-15", "expected": 21, "taken": 15, "late": 0,
         "skipped": 3, "missed": 3, "percent": 71},  # 15 of 21; the paracetamol not counted
    ]
    paracetamol_doses = result.data["node"]["medications"][2]["doses"]
    assert paracetamol_doses == [{"scheduledDate": "2026-03-10", "slot": 1, "status": "TAKEN"}]


async def test_a_stopped_medication_is_expected_no_more_and_stays_in_the_history(
    world: World, client: GraphQLClient
) -> None:
    metformin, olanzapine, _ = await _belus_list(client, world)
    stopped = await _stop(client, "belu", olanzapine, stoppedOn="2026-03-05",
                          reason="Switched by my psychiatrist")
    assert (stopped["medication"]["stoppedOn"], stopped["medication"]["stopReason"]) == (
        "2026-03-05", "Switched by my psychiatrist")

    result = await client.execute(ADHERENCE, {"id": gid("Person", world.belu),
                                              "from": "2026-03-02", "to": "2026-03-08"},
                                  as_user="belu")
    # Metformin 2 x 7 days, olanzapine 2 to 4 March: 17 expected, none recorded.
    assert result.data["node"]["medicationAdherence"][0]["expected"] == 17
    listed = await client.execute("{ me { medications { name } } }", as_user="belu")
    assert [m["name"] for m in listed.data["me"]["medications"]] == ["Metformin",
                                                                     "Paracetamol"]
    late = await _dose(client, "belu", olanzapine, status="TAKEN", scheduledDate="2026-03-05")
    assert refusal(late) == ("MEDICATION_NOT_ON_LIST", "medicationId")


async def test_his_gp_adds_a_medication_and_his_care_coordinator_sees_it(
    world: World, client: GraphQLClient
) -> None:
    await access.gp_clinician(world, "gina")
    # The GP team cares for Ngozi in the test world: her record, then.
    added = await _add(client, "gina", world.ngozi, name="Atorvastatin", dose="20 mg",
                       dosesPerDay=1)
    assert (added["medication"]["source"], added["medication"]["addedBy"]) == (
        "STAFF", {"displayName": "Gina Tester"})
    seen = await client.execute(
        "query($id: ID!) { node(id: $id) { ... on Person { medications { name } } } }",
        {"id": gid("Person", world.ngozi)}, as_user="amara")
    assert seen.data["node"]["medications"] == [{"name": "Atorvastatin"}]


async def test_medication_is_not_core_arts_business_even_with_consent(
    world: World, client: GraphQLClient
) -> None:
    from .support import core_arts_member

    await core_arts_member(world, "leon")
    await records.consent(world, organisation=world.charity,
                          categories=["identity", "wellbeing", "medication"])
    result = await client.execute(
        "query($id: ID!) { node(id: $id) { ... on Person { givenName medications { name } } } }",
        {"id": gid("Person", world.ngozi)}, as_user="leon")
    assert result.data["node"] == {"givenName": "Ngozi", "medications": None}
    assert result.errors[0]["extensions"] == {"code": "FORBIDDEN", "category": "medication"}


@pytest.mark.parametrize(("given", "expected"), [
    ({"name": " "}, ("REQUIRED", "name")),
    ({"dose": ""}, ("REQUIRED", "dose")),
    ({"dosesPerDay": 0}, ("INVALID_DOSES_PER_DAY", "dosesPerDay")),
    ({"dosesPerDay": 13}, ("INVALID_DOSES_PER_DAY", "dosesPerDay")),
    ({"name": "x" * 201}, ("TOO_LONG", "name")),
])
async def test_a_bad_medication_is_refused(
    world: World, client: GraphQLClient, unchanged: Any, given: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    async with unchanged():
        payload = await _add(client, "belu", world.belu,
                             **{"name": "Metformin", "dose": "500 mg", **given})
    assert refusal(payload) == expected


@pytest.mark.parametrize(("user", "person", "code"), [
    ("ngozi", "belu", "NOT_FOUND"), ("stranger", "belu", "NOT_FOUND"),
    ("james", "belu", None),  # his team lead may
])
async def test_adding_to_someone_elses_list(
    world: World, client: GraphQLClient, unchanged: Any, user: str, person: str,
    code: str | None,
) -> None:
    if code is None:
        payload = await _add(client, user, getattr(world, person), name="Lithium",
                             dose="400 mg", dosesPerDay=1)
        assert payload["userErrors"] == []
        return
    async with unchanged():
        payload = await _add(client, user, getattr(world, person), name="Lithium",
                             dose="400 mg", dosesPerDay=1)
    assert refusal(payload) == (code, "personId")


async def test_bad_doses_are_refused_and_change_nothing(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    metformin, olanzapine, _ = await _belus_list(client, world)
    await _dose(client, "belu", olanzapine, status="TAKEN", scheduledDate="2026-03-02")
    async with unchanged():
        cases = [
            (await _dose(client, "belu", olanzapine, status="TAKEN",
                         scheduledDate="2026-03-02"), ("DOSE_ALREADY_RECORDED", "slot")),
            (await _dose(client, "belu", metformin, status="TAKEN", scheduledDate="2026-03-02",
                         slot=3), ("INVALID_SLOT", "slot")),
            (await _dose(client, "belu", metformin, status="TAKEN",
                         scheduledDate="2026-02-28"), ("MEDICATION_NOT_ON_LIST",
                                                        "medicationId")),
            (await _dose(client, "belu", metformin, status="TAKEN",
                         scheduledDate="2100-01-01"), ("FUTURE_DATE", "scheduledDate")),
            (await _dose(client, "belu", metformin, status="SKIPPED",
                         scheduledDate="2026-03-02", takenAt="2026-03-02T08:00:00Z"),
             ("VALUE_NOT_TAKEN", "takenAt")),
            (await _dose(client, "belu", gid("Medication", UNKNOWN), status="TAKEN"),
             ("NOT_FOUND", "medicationId")),
            (await _dose(client, "ngozi", metformin, status="TAKEN"),
             ("NOT_FOUND", "medicationId")),
            (await _stop(client, "belu", metformin, stoppedOn="2026-02-01"),
             ("INVALID_DATE", "stoppedOn")),
        ]
    for payload, expected in cases:
        assert refusal(payload) == expected
    await _stop(client, "belu", metformin, stoppedOn="2026-03-03")
    async with unchanged():
        again = await _stop(client, "belu", metformin)
    assert refusal(again) == ("ALREADY_STOPPED", "medicationId")


async def test_an_adherence_period_must_make_sense(world: World, client: GraphQLClient) -> None:
    result = await client.execute(ADHERENCE, {"id": gid("Person", world.belu),
                                              "from": "2026-03-10", "to": "2026-03-01"},
                                  as_user="belu")
    assert [e["extensions"]["code"] for e in result.errors] == ["INVALID_RANGE"]
