"""The Advocacy Project through GraphQL, as a partner frontend uses it: Ada pays Ngozi's gym
membership from approval to repayment; every plugin type is a node that only those with
Ngozi's consent find; a principal who sees Ngozi but not her budget is refused field by field;
the pipeline and the timeline; and every mistake a mutation can report, with nothing changed.
On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plugins.advocacy_project import cases, monitoring, payments, repayment
from plugins.advocacy_project.models import Review
from plugins.advocacy_project.payments import Instalment
from tests.elft.support import ElftClient, ElftWorld
from tests.support import access
from tests.support.graphql import Result, gid
from tests.support.stored import stored_rows

from .support import AdvocacyWorld, build_advocacy_world

# The services date payments and reviews by UTC days.
TODAY = dt.datetime.now(dt.UTC).date()


def _day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


@pytest.fixture
async def ap(elft: ElftWorld) -> AdvocacyWorld:
    return await build_advocacy_world(elft)


# --- mutations --------------------------------------------------------------------------------

# Each mutation's changed object, as a frontend would ask for it.
SELECTIONS = {
    "advocacyProjectSchedulePayments":
        "payments { id status amount { pence } dueOn payee payeeName accountReference }",
    "advocacyProjectRecordPayment": "payment { id status paidAt }",
    "advocacyProjectCancelPayment": "payment { id status cancelledAt cancelReason }",
    "advocacyProjectRecordReceipt":
        "receipt { id description amount { pence } spentOn sentByPerson payment { id } }",
    "advocacyProjectRecordReview": "review { id doneAt note overdue }",
    "advocacyProjectStopPayments": "case { id status stopReason stoppedAt }",
    "advocacyProjectIssueRepaymentNotice":
        "notice { id status reason amount { pence } deadline payer payerName }",
    "advocacyProjectRequestReconsideration":
        "notice { id status reconsiderationReason reconsiderationRequestedAt }",
    "advocacyProjectDecideReconsideration": "notice { id status decisionNote decidedAt deadline }",
    "advocacyProjectRecordRepayment": "notice { id status repaidAt }",
}


async def _mutate(client: ElftClient, name: str, as_user: str, **input: Any) -> dict[str, Any]:
    """The mutation's payload (``name`` with its ``input``), as ``as_user``."""
    operation = (f"mutation ($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: "
                 f"$input) {{ {SELECTIONS[name]} userErrors {{ field code message }} }} }}")
    result = await client.execute(operation, {"input": input}, as_user=as_user)
    return result.payload(name)


async def _done(client: ElftClient, name: str, as_user: str, **input: Any) -> Any:
    """The changed object of a mutation that must succeed."""
    payload = await _mutate(client, name, as_user, **input)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload[next(key for key in payload if key != "userErrors")]


def _refusal(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The (field, code) of each user error; the payload's object must be null."""
    assert payload[next(key for key in payload if key != "userErrors")] is None, payload
    return [(error["field"], error["code"]) for error in payload["userErrors"]]


# --- the advisor's whole flow -----------------------------------------------------------------

CASES = """
query ($personId: ID, $status: AdvocacyProjectCaseStatus) {
  advocacyProjectPaymentCases(personId: $personId, status: $status) { edges { node {
    id status approved { pence } approvedAt person { id } request { id }
  } } }
}"""

CASE = """
query ($id: ID!) { node(id: $id) { ... on AdvocacyProjectPaymentCase {
  id status stopReason stoppedAt approved { pence } firstPaidAt daysToFirstPayment
  request { id status paid { pence } repaid { pence } }
  payments { edges { node { id status amount { pence } payee payeeName cancelReason
                            receipts { edges { node { id } } } } } }
  receipts { edges { node { id description amount { pence } sentByPerson } } }
  reviews { edges { node { id dueOn doneAt note overdue } } }
  repaymentNotices { edges { node { id status amount { pence } payer payerName deadline
                                    reconsiderationReason decisionNote } } }
  flags { code message }
} } }"""


async def test_the_advisor_pays_monitors_stops_and_reclaims_through_the_api(
        ap: AdvocacyWorld, client: ElftClient) -> None:
    w = ap
    case = await w.approved_case("200", "Gym membership")
    case_id, ngozi = gid("AdvocacyProjectPaymentCase", case.id), gid("Person", w.ngozi)
    request_id = gid("BudgetRequest", case.request_id)

    # Ada finds the case that opened on approval, by person and by status.
    async def listed(**filters: Any) -> list[dict[str, Any]]:
        result = await client.execute(CASES, filters, as_user="ada")
        assert not result.errors, result.errors
        return _nodes(result.data["advocacyProjectPaymentCases"])

    [seen] = await listed(personId=ngozi, status="OPEN")
    assert (seen["id"], seen["status"], seen["approved"], seen["person"], seen["request"]) == (
        case_id, "OPEN", {"pence": 20_000}, {"id": ngozi}, {"id": request_id})
    assert await listed(status="STOPPED") == []
    assert await listed(personId=gid("Person", w.elft.world.belu)) == []
    malformed = await client.execute(CASES, {"personId": "garbage"}, as_user="ada")
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in malformed.errors] == [
        ("NOT_FOUND", "personId")]

    # Two instalments to Ngozi, one to her nominee Chidi; amounts typed in pounds.
    first, twice = await _done(
        client, "advocacyProjectSchedulePayments", "ada", caseId=case_id, payee="PERSON",
        accountReference="DP-NGOZI-01",
        instalments=[{"amount": "120", "dueOn": _day(0)}, {"amount": "49.50", "dueOn": _day(0)}])
    assert [(p["status"], p["amount"], p["payee"], p["payeeName"], p["accountReference"])
            for p in (first, twice)] == [
        ("SCHEDULED", {"pence": 12_000}, "PERSON", None, "DP-NGOZI-01"),
        ("SCHEDULED", {"pence": 4_950}, "PERSON", None, "DP-NGOZI-01")]
    [to_chidi] = await _done(
        client, "advocacyProjectSchedulePayments", "ada", caseId=case_id, payee="NOMINEE",
        nomineeId=gid("Representative", w.chidi), accountReference="DP-CHIDI-01",
        instalments=[{"amount": "30", "dueOn": _day(7)}])
    assert (to_chidi["payee"], to_chidi["payeeName"], to_chidi["dueOn"]) == (
        "NOMINEE", "Chidi Okafor", _day(7))

    # The first is paid (at a time given in another zone); the second was booked twice.
    paid_at = dt.datetime.now(dt.UTC)
    paid = await _done(client, "advocacyProjectRecordPayment", "ada", paymentId=first["id"],
                       paidAt=paid_at.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat())
    assert (paid["status"], dt.datetime.fromisoformat(paid["paidAt"])) == ("PAID", paid_at)
    cancelled = await _done(client, "advocacyProjectCancelPayment", "ada",
                            paymentId=twice["id"], reason="Booked twice.")
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "Booked twice.")
    assert cancelled["cancelledAt"] is not None

    # Ngozi sends her receipt herself; Ada records one that is not in the plan.
    receipt = {"paymentId": first["id"], "personId": ngozi, "spentOn": _day(0)}
    hers = await _done(client, "advocacyProjectRecordReceipt", "ngozi", **receipt,
                       description="Gym membership", amount="100")
    adas = await _done(client, "advocacyProjectRecordReceipt", "ada", **receipt,
                       description="Concert tickets", amount="20.00")
    assert [(r["description"], r["amount"], r["sentByPerson"], r["payment"]) for r in
            (hers, adas)] == [
        ("Gym membership", {"pence": 10_000}, True, {"id": first["id"]}),
        ("Concert tickets", {"pence": 2_000}, False, {"id": first["id"]})]

    # The first review was scheduled by the first payment; Ada records it.
    read = (await client.execute(CASE, {"id": case_id}, as_user="ada")).data["node"]
    [review] = _nodes(read["reviews"])
    assert (review["dueOn"], review["doneAt"], review["overdue"]) == (_day(90), None, False)
    assert [flag["code"] for flag in read["flags"]] == ["SPEND_NOT_IN_PLAN"]
    assert "Concert tickets" in read["flags"][0]["message"]
    reviewed = await _done(client, "advocacyProjectRecordReview", "ada", reviewId=review["id"],
                           note="Ngozi goes to the gym twice a week.")
    assert (reviewed["id"], reviewed["note"]) == (review["id"],
                                                  "Ngozi goes to the gym twice a week.")
    assert reviewed["doneAt"] is not None

    # Ada stops the payments (regulation 17): Chidi's instalment is cancelled.
    stopped = await _done(client, "advocacyProjectStopPayments", "ada", caseId=case_id,
                          reason="The money was not used as agreed.")
    assert (stopped["id"], stopped["status"], stopped["stopReason"]) == (
        case_id, "STOPPED", "The money was not used as agreed.")
    assert stopped["stoppedAt"] is not None

    # A repayment notice to Chidi (regulation 15), reconsidered at Ngozi's request, upheld by
    # Abe with more time, then repaid.
    notice = await _done(
        client, "advocacyProjectIssueRepaymentNotice", "ada", caseId=case_id,
        reason="£20 was spent on concert tickets; £20 more was not spent.", amount="40",
        deadline=_day(28), payer="NOMINEE", nomineeId=gid("Representative", w.chidi))
    assert (notice["status"], notice["amount"], notice["deadline"], notice["payer"],
            notice["payerName"]) == ("ISSUED", {"pence": 4_000}, _day(28), "NOMINEE",
                                     "Chidi Okafor")
    asked = await _done(client, "advocacyProjectRequestReconsideration", "ngozi",
                        noticeId=notice["id"], reason="The tickets were for a dance class.")
    assert (asked["status"], asked["reconsiderationReason"]) == (
        "RECONSIDERATION_REQUESTED", "The tickets were for a dance class.")
    assert asked["reconsiderationRequestedAt"] is not None
    decided = await _done(client, "advocacyProjectDecideReconsideration", "abe",
                          noticeId=notice["id"], upheld=True, newDeadline=_day(42),
                          note="A concert is not a dance class.")
    assert (decided["status"], decided["deadline"], decided["decisionNote"]) == (
        "UPHELD", _day(42), "A concert is not a dance class.")
    repaid = await _done(client, "advocacyProjectRecordRepayment", "ada",
                         noticeId=notice["id"])
    assert repaid["status"] == "REPAID" and repaid["repaidAt"] is not None

    # The case's nested connections show all of it.
    result = await client.execute(CASE, {"id": case_id}, as_user="ada")
    assert not result.errors, result.errors
    read = result.data["node"]
    assert (read["status"], read["stopReason"], read["approved"]) == (
        "STOPPED", "The money was not used as agreed.", {"pence": 20_000})
    assert dt.datetime.fromisoformat(read["firstPaidAt"]) == paid_at
    assert read["daysToFirstPayment"] == 0
    assert read["request"] == {"id": request_id, "status": "APPROVED", "paid": {"pence": 12_000},
                               "repaid": {"pence": 4_000}}
    assert [(p["id"], p["status"], p["amount"]["pence"], p["payee"], p["cancelReason"],
             [r["id"] for r in _nodes(p["receipts"])]) for p in _nodes(read["payments"])] == [
        (first["id"], "PAID", 12_000, "PERSON", None, [hers["id"], adas["id"]]),
        (twice["id"], "CANCELLED", 4_950, "PERSON", "Booked twice.", []),
        (to_chidi["id"], "CANCELLED", 3_000, "NOMINEE", "The money was not used as agreed.",
         [])]
    assert [r["id"] for r in _nodes(read["receipts"])] == [hers["id"], adas["id"]]
    done, following = _nodes(read["reviews"])
    assert (done["id"], done["note"]) == (review["id"], "Ngozi goes to the gym twice a week.")
    assert (following["dueOn"], following["doneAt"]) == (_day(365), None)
    assert _nodes(read["repaymentNotices"]) == [{
        "id": notice["id"], "status": "REPAID", "amount": {"pence": 4_000}, "payer": "NOMINEE",
        "payerName": "Chidi Okafor", "deadline": _day(42),
        "reconsiderationReason": "The tickets were for a dance class.",
        "decisionNote": "A concert is not a dance class."}]
    assert [flag["code"] for flag in read["flags"]] == ["SPEND_NOT_IN_PLAN"]

    # From core's side: the request knows what was paid and repaid, and its case.
    from_request = await client.execute("""query ($id: ID!) { node(id: $id) {
        ... on BudgetRequest { paid { pence } repaid { pence }
                               advocacyProjectPaymentCase { id status } } } }""",
                                        {"id": request_id}, as_user="ada")
    assert from_request.data["node"] == {"paid": {"pence": 12_000}, "repaid": {"pence": 4_000},
                                         "advocacyProjectPaymentCase": {"id": case_id,
                                                                        "status": "STOPPED"}}


PERSONS_CASES = """{
  advocacyProjectPaymentCases(first: 5) { edges { node { id } } }
  %s { advocacyProjectPaymentCases(first: 5) { edges { node {
    id status payments { edges { node { status amount { pence } } } }
  } } } }
}"""


async def test_the_person_sees_her_own_payments_and_the_advisor_sees_them_on_her_record(
        ap: AdvocacyWorld, client: ElftClient) -> None:
    w = ap
    case = await w.approved_case("200", "Gym membership")
    [payment] = await payments.schedule_payments(
        w.elft.uow, await w.policy("ada"), case_id=case.id, payee="person",
        account_reference="DP-1", instalments=[Instalment(20_000, TODAY)])
    await payments.record_payment(w.elft.uow, await w.policy("ada"), payment.id)
    expected = [{"id": gid("AdvocacyProjectPaymentCase", case.id), "status": "OPEN",
                 "payments": {"edges": [{"node": {"status": "PAID",
                                                  "amount": {"pence": 20_000}}}]}}]

    as_ngozi = await client.execute(PERSONS_CASES % "me", as_user="ngozi")
    as_ada = await client.execute(
        PERSONS_CASES % f'person(id: "{gid("Person", w.ngozi)}")', as_user="ada")

    for result, record in ((as_ngozi, "me"), (as_ada, "person")):
        assert not result.errors, result.errors
        assert _nodes(result.data[record]["advocacyProjectPaymentCases"]) == expected
        assert _nodes(result.data["advocacyProjectPaymentCases"]) == [
            {"id": expected[0]["id"]}]


# --- who finds what ---------------------------------------------------------------------------


async def _one_of_each(w: AdvocacyWorld) -> dict[str, int]:
    """A case of Ngozi's with a payment, a receipt, a review and a repayment notice: each
    plugin node type -> the id of one row."""
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    [payment] = await payments.schedule_payments(
        uow, await w.policy("ada"), case_id=case.id, payee="person", account_reference="DP-1",
        instalments=[Instalment(20_000, TODAY)])
    await payments.record_payment(uow, await w.policy("ada"), payment.id)
    receipt = await monitoring.record_receipt(
        uow, await w.policy("ngozi"), payment_id=payment.id, person_id=w.ngozi,
        description="Gym membership", amount_pence=20_000, spent_on=TODAY)
    [review] = await stored_rows(w.elft.db, Review)
    notice = await repayment.issue_repayment_notice(
        uow, await w.policy("ada"), case_id=case.id, reason="Not spent.", amount_pence=1_000,
        deadline=TODAY + dt.timedelta(days=28), payer="person")
    return {"AdvocacyProjectPaymentCase": case.id, "AdvocacyProjectPayment": payment.id,
            "AdvocacyProjectReceipt": receipt.id, "AdvocacyProjectReview": review.id,
            "AdvocacyProjectRepaymentNotice": notice.id}


NODE = "query ($id: ID!) { node(id: $id) { __typename id } }"

EVERYTHING = """query ($from: Date!, $to: Date!) {
  advocacyProjectPaymentCases { edges { node { id } } }
  advocacyProjectPipeline { stages { stage requests total { pence } }
                            entries { edges { node { stage } } } }
  advocacyProjectTimeline(approvedFrom: $from, approvedTo: $to) {
    distribution { days requests } paidRequests waiting longestWaitDays }
}"""


async def test_every_plugin_node_is_found_by_the_advisor_and_by_no_one_without_consent(
        ap: AdvocacyWorld, client: ElftClient) -> None:
    w = ap
    rows = await _one_of_each(w)
    window = {"from": _day(-1), "to": _day(0)}

    for type_name, pk in rows.items():
        node_id = gid(type_name, pk)
        found = await client.execute(NODE, {"id": node_id}, as_user="ada")
        assert found.data == {"node": {"__typename": type_name, "id": node_id}}, found
        hidden = await client.execute(NODE, {"id": node_id}, as_user="otto")
        assert (hidden.data, hidden.errors) == ({"node": None}, []), type_name

    # Otto's own lists show nothing of Ngozi, and count nothing of hers.
    otto = await client.execute(EVERYTHING, window, as_user="otto")
    assert not otto.errors, otto.errors
    assert otto.data["advocacyProjectPaymentCases"] == {"edges": []}
    pipeline = otto.data["advocacyProjectPipeline"]
    assert [(s["requests"], s["total"]["pence"]) for s in pipeline["stages"]] == [(0, 0)] * 6
    assert pipeline["entries"] == {"edges": []}
    assert otto.data["advocacyProjectTimeline"] == {
        "distribution": [], "paidRequests": 0, "waiting": 0, "longestWaitDays": None}
    # Ada, with her consent, sees the same lists with Ngozi in them.
    ada = await client.execute(EVERYTHING, window, as_user="ada")
    assert _nodes(ada.data["advocacyProjectPaymentCases"]) == [
        {"id": gid("AdvocacyProjectPaymentCase", rows["AdvocacyProjectPaymentCase"])}]
    assert _nodes(ada.data["advocacyProjectPipeline"]["entries"]) == [{"stage": "PAID"}]
    assert ada.data["advocacyProjectTimeline"]["distribution"] == [{"days": 0, "requests": 1}]


NGOZIS_RECORD = """query ($id: ID!, $case: ID!) {
  person(id: $id) { givenName advocacyProjectPaymentCases { edges { node { id } } } }
  node(id: $case) { id }
  advocacyProjectPaymentCases { edges { node { id } } }
}"""


async def _gp(w: AdvocacyWorld) -> str:
    """Gina, a GP in Ngozi's practice: her role reads no budget."""
    await access.gp_clinician(w.elft.world, "gina")
    return "gina"


async def _restricted_care_coordinator(w: AdvocacyWorld) -> str:
    """Amara, Ngozi's care coordinator, after Ngozi withheld her budget from the CMHT."""
    await access.restriction(w.elft.world, categories=["budget"])
    return "amara"


@pytest.mark.parametrize("reader", [_gp, _restricted_care_coordinator],
                         ids=["gp", "restricted-care-coordinator"])
async def test_who_sees_ngozi_but_not_her_budget_is_refused_the_plugins_fields(
        ap: AdvocacyWorld, client: ElftClient, reader: Any) -> None:
    w = ap
    case = await w.approved_case("200", "Gym membership")
    user = await reader(w)

    result = await client.execute(NGOZIS_RECORD, {
        "id": gid("Person", w.ngozi), "case": gid("AdvocacyProjectPaymentCase", case.id)},
        as_user=user)

    assert result.data == {
        "person": {"givenName": "Ngozi", "advocacyProjectPaymentCases": None},
        "node": None, "advocacyProjectPaymentCases": {"edges": []}}
    [error] = result.errors
    assert error["path"] == ["person", "advocacyProjectPaymentCases"]
    assert error["extensions"] == {"code": "FORBIDDEN", "category": "budget"}


# --- the pipeline and the timeline -----------------------------------------------------------


async def _one_at_each_stage(w: AdvocacyWorld) -> dict[str, tuple[int, int | None]]:
    """Ngozi's direct-payment requests, one at each stage, in that order: stage -> (request
    id, case id)."""
    uow = w.elft.uow

    async def scheduled(amount: str, description: str, *pence: int) -> tuple[Any, list[int]]:
        case = await w.approved_case(amount, description)
        made = await payments.schedule_payments(
            uow, await w.policy("ada"), case_id=case.id, payee="person",
            account_reference="DP-1", instalments=[Instalment(p, TODAY) for p in pence])
        return case, [payment.id for payment in made]

    awaiting = await w.elft.request("100", "Swimming lessons")
    to_schedule = await w.approved_case("110", "Gym membership")
    to_pay, _ = await scheduled("120", "Running shoes", 12_000)
    part_paid, [half, _] = await scheduled("130", "Yoga classes", 6_500, 6_500)
    await payments.record_payment(uow, await w.policy("ada"), half)
    paid, [whole] = await scheduled("140", "Bicycle", 14_000)
    await payments.record_payment(uow, await w.policy("ada"), whole)
    stopped, _ = await scheduled("150", "Climbing wall", 15_000)
    await cases.stop_payments(uow, await w.policy("ada"), stopped.id, reason="Not wanted.")
    return {"AWAITING_SIGN_OFF": (awaiting, None),
            **{stage: (case.request_id, case.id) for stage, case in (
                ("TO_SCHEDULE", to_schedule), ("SCHEDULED", to_pay),
                ("PART_PAID", part_paid), ("PAID", paid), ("STOPPED", stopped))}}


PIPELINE = """query ($stage: AdvocacyProjectStage, $first: Int, $after: String) {
  advocacyProjectPipeline {
    stages { stage requests total { pence } }
    entries(stage: $stage, first: $first, after: $after) {
      edges { node { stage daysSinceApproval request { id } case { id } person { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


async def test_the_pipeline_counts_every_stage_and_lists_each_request(
        ap: AdvocacyWorld, client: ElftClient) -> None:
    w = ap
    stages = await _one_at_each_stage(w)

    async def pipeline(**variables: Any) -> dict[str, Any]:
        result = await client.execute(PIPELINE, variables, as_user="ada")
        assert not result.errors, result.errors
        return result.data["advocacyProjectPipeline"]  # type: ignore[no-any-return]

    everything = await pipeline()
    assert everything["stages"] == [
        {"stage": stage, "requests": 1, "total": {"pence": pence}}
        for stage, pence in zip(stages, (10_000, 11_000, 12_000, 13_000, 14_000, 15_000),
                                strict=True)]
    assert [e["stage"] for e in _nodes(everything["entries"])] == list(stages)

    for stage, (request_id, case_id) in stages.items():
        [entry] = _nodes((await pipeline(stage=stage))["entries"])
        assert entry == {
            "stage": stage, "daysSinceApproval": None if case_id is None else 0,
            "request": {"id": gid("BudgetRequest", request_id)},
            "case": None if case_id is None else {"id": gid("AdvocacyProjectPaymentCase",
                                                            case_id)},
            "person": {"id": gid("Person", w.ngozi)}}, stage

    # Page by page, oldest request first.
    first = (await pipeline(first=4))["entries"]
    rest = (await pipeline(first=4, after=first["pageInfo"]["endCursor"]))["entries"]
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    assert [e["stage"] for e in _nodes(first) + _nodes(rest)] == list(stages)


TIMELINE = """query ($from: Date, $to: Date) {
  advocacyProjectTimeline(approvedFrom: $from, approvedTo: $to) {
    approvedFrom approvedTo distribution { days requests } paidRequests medianDays meanDays
    waiting longestWaitDays
  }
}"""


async def test_the_timeline_of_a_window_and_a_window_that_is_refused(
        ap: AdvocacyWorld, client: ElftClient) -> None:
    w = ap
    await _one_at_each_stage(w)

    async def timeline(start: int, end: int) -> Result:
        return await client.execute(TIMELINE, {"from": _day(start), "to": _day(end)},
                                    as_user="ada")

    # Part paid and paid the day they were approved; approved, open and not paid: two.
    today = await timeline(-7, 0)
    assert today.data["advocacyProjectTimeline"] == {
        "approvedFrom": _day(-7), "approvedTo": _day(0),
        "distribution": [{"days": 0, "requests": 2}], "paidRequests": 2, "medianDays": 0.0,
        "meanDays": 0.0, "waiting": 2, "longestWaitDays": 0}
    before = await timeline(-30, -1)
    assert before.data["advocacyProjectTimeline"] | {"approvedFrom": None} == {
        "approvedFrom": None, "approvedTo": _day(-1), "distribution": [], "paidRequests": 0,
        "medianDays": None, "meanDays": None, "waiting": 0, "longestWaitDays": None}
    by_default = await client.execute(TIMELINE, as_user="ada")
    assert by_default.data["advocacyProjectTimeline"]["approvedFrom"] == _day(-365)

    for start, end in ((0, -1), (-3 * 366 - 1, 0)):  # reversed; longer than three years
        refused = await timeline(start, end)
        assert refused.data is None
        assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in refused.errors] == [
            ("INVALID_WINDOW", "approvedFrom")]


# --- bad input: a coded user error, and nothing changes ---------------------------------------


async def test_every_mistake_is_a_coded_user_error_and_changes_nothing(
        ap: AdvocacyWorld, client: ElftClient, unchanged: Any) -> None:
    w = ap
    uow = w.elft.uow

    async def by(user: str) -> Any:
        return await w.policy(user)

    # Case A: £200 approved; £100 paid, £50 scheduled, £20 cancelled; its first review done;
    # notices issued, awaiting reconsideration and withdrawn (£10 each).
    case = await w.approved_case("200", "Gym membership")
    paid, scheduled, cancelled = await payments.schedule_payments(
        uow, await by("ada"), case_id=case.id, payee="person", account_reference="DP-A",
        instalments=[Instalment(10_000, TODAY), Instalment(5_000, TODAY),
                     Instalment(2_000, TODAY)])
    await payments.record_payment(uow, await by("ada"), paid.id)
    await payments.cancel_payment(uow, await by("ada"), cancelled.id, reason="Twice")
    [first_review] = await stored_rows(w.elft.db, Review)
    await monitoring.record_review(uow, await by("ada"), first_review.id, note="Going well.")
    next_review = max(review.id for review in await stored_rows(w.elft.db, Review))
    issued, asked, withdrawn = [await repayment.issue_repayment_notice(
        uow, await by("ada"), case_id=case.id, reason="Not spent.", amount_pence=1_000,
        deadline=TODAY + dt.timedelta(days=28), payer="person") for _ in range(3)]
    for notice in (asked, withdrawn):
        await repayment.request_reconsideration(uow, await by("ngozi"), notice.id,
                                                reason="I spent it.")
    await repayment.decide_reconsideration(uow, await by("abe"), withdrawn.id, upheld=False,
                                           note="Receipts found.")
    # Case B: stopped. Case C: all paid, so its request is no longer approved but paid.
    stopped = await w.approved_case("100", "Swimming lessons")
    await cases.stop_payments(uow, await by("ada"), stopped.id, reason="Moved away.")
    all_paid = await w.approved_case("50", "Yoga mat")
    [whole] = await payments.schedule_payments(
        uow, await by("ada"), case_id=all_paid.id, payee="person", account_reference="DP-C",
        instalments=[Instalment(5_000, TODAY)])
    await payments.record_payment(uow, await by("ada"), whole.id)

    A, B, C = (gid("AdvocacyProjectPaymentCase", c.id) for c in (case, stopped, all_paid))
    PAID, SCHEDULED, CANCELLED = (gid("AdvocacyProjectPayment", p.id)
                                  for p in (paid, scheduled, cancelled))
    ISSUED, ASKED, WITHDRAWN = (gid("AdvocacyProjectRepaymentNotice", n.id)
                                for n in (issued, asked, withdrawn))
    DONE, NEXT = (gid("AdvocacyProjectReview", r) for r in (first_review.id, next_review))
    ngozi, belu = gid("Person", w.ngozi), gid("Person", w.elft.world.belu)
    bisi = gid("Representative", w.bisi)
    now = dt.datetime.now(dt.UTC)

    def schedule(*amounts: tuple[str, int], **changes: Any) -> dict[str, Any]:
        return {"caseId": A, "payee": "PERSON", "accountReference": "DP-A",
                "instalments": [{"amount": a, "dueOn": _day(d)} for a, d in amounts]} | changes

    def receipt(**changes: Any) -> dict[str, Any]:
        return {"paymentId": PAID, "personId": ngozi, "description": "Gym membership",
                "amount": "10", "spentOn": _day(0)} | changes

    def notice(**changes: Any) -> dict[str, Any]:
        return {"caseId": A, "reason": "Not spent.", "amount": "10", "deadline": _day(28),
                "payer": "PERSON"} | changes

    def decide(**changes: Any) -> dict[str, Any]:
        return {"noticeId": ASKED, "upheld": True, "note": "Still owed."} | changes

    S, PAY, CANCEL = ("advocacyProjectSchedulePayments", "advocacyProjectRecordPayment",
                      "advocacyProjectCancelPayment")
    RECEIPT, REVIEW, STOP = ("advocacyProjectRecordReceipt", "advocacyProjectRecordReview",
                             "advocacyProjectStopPayments")
    NOTICE, RECONSIDER, DECIDE, REPAY = (
        "advocacyProjectIssueRepaymentNotice", "advocacyProjectRequestReconsideration",
        "advocacyProjectDecideReconsideration", "advocacyProjectRecordRepayment")
    mistakes: list[tuple[str, str, dict[str, Any], str, str]] = [
        # scheduling: £150 of £200 is scheduled or paid already
        (S, "ada", schedule(("50.01", 0)), "instalments", "MORE_THAN_APPROVED"),
        (S, "ada", schedule(("10", -1)), "instalments", "BEFORE_APPROVAL"),
        (S, "ada", schedule(("10", 365)), "instalments", "AFTER_BUDGET_PERIOD"),
        (S, "ada", schedule(), "instalments", "NO_INSTALMENTS"),
        (S, "ada", schedule(*[("0.01", 0)] * 105), "instalments", "TOO_MANY_INSTALMENTS"),
        (S, "ada", schedule(("0", 0)), "instalments.0.amount", "AMOUNT_NOT_POSITIVE"),
        (S, "ada", schedule(("10", 0), ("-5", 0)), "instalments.1.amount",
         "AMOUNT_NOT_POSITIVE"),
        (S, "ada", schedule(("12.345", 0)), "instalments.0.amount", "FRACTIONAL_PENNY"),
        (S, "ada", schedule(("£12.50p", 0)), "instalments.0.amount", "INVALID_AMOUNT"),
        (S, "ada", schedule(("1000000.01", 0)), "instalments.0.amount", "AMOUNT_TOO_LARGE"),
        (S, "ada", schedule(("10", 0), payee="NOMINEE", nomineeId=bisi), "nomineeId",
         "NOT_A_NOMINEE"),  # Belu's nominee, not Ngozi's
        (S, "ada", schedule(("10", 0), payee="NOMINEE"), "nomineeId", "NOT_A_NOMINEE"),
        (S, "ada", schedule(("10", 0), payee="NOMINEE", nomineeId="garbage"), "nomineeId",
         "NOT_FOUND"),
        (S, "ada", schedule(("10", 0), accountReference="  "), "accountReference", "REQUIRED"),
        (S, "ada", schedule(("10", 0), accountReference="D" * 101), "accountReference",
         "TOO_LONG"),
        (S, "ada", schedule(("10", 0), caseId=B), "caseId", "PAYMENTS_STOPPED"),
        (S, "ada", schedule(("10", 0), caseId=C), "caseId", "REQUEST_NOT_APPROVED"),
        (S, "ada", schedule(("10", 0), caseId="not-an-id"), "caseId", "NOT_FOUND"),
        (S, "ada", schedule(("10", 0), caseId=PAID), "caseId", "NOT_FOUND"),  # another type
        (S, "otto", schedule(("10", 0)), "caseId", "NOT_FOUND"),  # no consent
        (S, "amara", schedule(("10", 0)), "caseId", "NOT_FUND_HOLDER"),
        # recording and cancelling payments
        (PAY, "ada", {"paymentId": PAID}, "paymentId", "ALREADY_PAID"),
        (PAY, "ada", {"paymentId": CANCELLED}, "paymentId", "PAYMENT_CANCELLED"),
        (PAY, "ada", {"paymentId": SCHEDULED, "paidAt": (now + dt.timedelta(hours=1))
                      .isoformat()}, "paidAt", "IN_THE_FUTURE"),
        (PAY, "ada", {"paymentId": SCHEDULED, "paidAt": (now - dt.timedelta(days=1))
                      .isoformat()}, "paidAt", "BEFORE_APPROVAL"),
        (PAY, "ada", {"paymentId": SCHEDULED, "paidAt": now.replace(tzinfo=None).isoformat()},
         "paidAt", "TIMEZONE_REQUIRED"),
        (PAY, "ada", {"paymentId": A}, "paymentId", "NOT_FOUND"),
        (PAY, "ngozi", {"paymentId": SCHEDULED}, "paymentId", "NOT_FUND_HOLDER"),
        (CANCEL, "ada", {"paymentId": PAID, "reason": "Oops"}, "paymentId", "NOT_SCHEDULED"),
        (CANCEL, "ada", {"paymentId": SCHEDULED, "reason": " "}, "reason", "REQUIRED"),
        # receipts
        (RECEIPT, "ada", receipt(paymentId=SCHEDULED), "paymentId", "PAYMENT_NOT_MADE"),
        (RECEIPT, "amara", receipt(personId=belu), "paymentId", "NOT_THIS_PERSONS_PAYMENT"),
        (RECEIPT, "ada", receipt(spentOn=_day(1)), "spentOn", "IN_THE_FUTURE"),
        (RECEIPT, "ada", receipt(amount="0"), "amount", "AMOUNT_NOT_POSITIVE"),
        (RECEIPT, "ada", receipt(amount="1.001"), "amount", "FRACTIONAL_PENNY"),
        (RECEIPT, "ada", receipt(amount="ten"), "amount", "INVALID_AMOUNT"),
        (RECEIPT, "ada", receipt(description=""), "description", "REQUIRED"),
        (RECEIPT, "ada", receipt(description="x" * 501), "description", "TOO_LONG"),
        (RECEIPT, "ada", receipt(personId="garbage"), "personId", "NOT_FOUND"),
        (RECEIPT, "ada", receipt(paymentId=ISSUED), "paymentId", "NOT_FOUND"),
        # reviews and stopping
        (REVIEW, "ada", {"reviewId": DONE, "note": "Again"}, "reviewId", "ALREADY_REVIEWED"),
        (REVIEW, "ada", {"reviewId": NEXT, "note": ""}, "note", "REQUIRED"),
        (REVIEW, "ada", {"reviewId": NEXT, "note": "x" * 5001}, "note", "TOO_LONG"),
        (REVIEW, "ada", {"reviewId": gid("AdvocacyProjectReview", 999_999), "note": "Well"},
         "reviewId", "NOT_FOUND"),
        (STOP, "ada", {"caseId": B, "reason": "Again"}, "caseId", "PAYMENTS_STOPPED"),
        (STOP, "ada", {"caseId": A, "reason": ""}, "reason", "REQUIRED"),
        (STOP, "ngozi", {"caseId": A, "reason": "Mine"}, "caseId", "NOT_FUND_HOLDER"),
        # repayment: £100 paid, £20 of it still claimed
        (NOTICE, "ada", notice(amount="80.01"), "amount", "MORE_THAN_PAID"),
        (NOTICE, "ada", notice(deadline=_day(0)), "deadline", "DEADLINE_PASSED"),
        (NOTICE, "ada", notice(payer="NOMINEE", nomineeId=bisi), "nomineeId", "NOT_A_NOMINEE"),
        (NOTICE, "ada", notice(amount="0"), "amount", "AMOUNT_NOT_POSITIVE"),
        (NOTICE, "ada", notice(amount="abc"), "amount", "INVALID_AMOUNT"),
        (NOTICE, "ada", notice(reason=""), "reason", "REQUIRED"),
        (NOTICE, "otto", notice(), "caseId", "NOT_FOUND"),
        (RECONSIDER, "ngozi", {"noticeId": ASKED, "reason": "Again"}, "noticeId",
         "NOT_RECONSIDERABLE"),
        (RECONSIDER, "ngozi", {"noticeId": ISSUED, "reason": ""}, "reason", "REQUIRED"),
        (RECONSIDER, "ngozi", {"noticeId": DONE, "reason": "Why"}, "noticeId", "NOT_FOUND"),
        (DECIDE, "abe", decide(noticeId=ISSUED), "noticeId", "NO_RECONSIDERATION"),
        (DECIDE, "ngozi", decide(), "noticeId", "NOT_FUND_HOLDER"),
        (DECIDE, "abe", decide(newDeadline=_day(0)), "newDeadline", "DEADLINE_PASSED"),
        (DECIDE, "abe", decide(note=""), "note", "REQUIRED"),
        (REPAY, "ada", {"noticeId": WITHDRAWN}, "noticeId", "NOT_REPAYABLE"),
        (REPAY, "ada", {"noticeId": ASKED}, "noticeId", "NOT_REPAYABLE"),
        (REPAY, "ada", {"noticeId": "bm90aGluZw=="}, "noticeId", "NOT_FOUND"),
        (REPAY, "otto", {"noticeId": ISSUED}, "noticeId", "NOT_FOUND"),
    ]
    async with unchanged():
        for name, user, input, field, code in mistakes:
            payload = await _mutate(client, name, user, **input)
            assert _refusal(payload) == [(field, code)], (name, user, code)
