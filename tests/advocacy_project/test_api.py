"""Through the GraphQL API: Ada pays Ngozi's gym membership; a second payment over the approved
amount is a coded user error; Otto, without Ngozi's consent, sees no case of hers."""

from __future__ import annotations

import datetime as dt

from tests.elft.support import ElftClient, ElftWorld
from tests.support.graphql import gid

from .support import build_advocacy_world

CASES = """
query { advocacyProjectPaymentCases { id status approved { pence }
        payments { id status amount { pence } accountReference } reviews { dueOn } } }"""

SCHEDULE = """
mutation ($input: AdvocacyProjectSchedulePaymentsInput!) {
  advocacyProjectSchedulePayments(input: $input) {
    payments { id status } userErrors { field code message } } }"""

PAY = """
mutation ($id: ID!) {
  advocacyProjectRecordPayment(input: {paymentId: $id}) {
    payment { status paidAt } userErrors { code } } }"""

TIMELINE = "query { advocacyProjectTimeline { medianDays distribution { days requests } } }"


async def test_the_advisor_pays_through_the_api(elft: ElftWorld, client: ElftClient) -> None:
    w = await build_advocacy_world(elft)
    case = await w.approved_case("200", "Gym membership")
    assert (await client.execute(CASES, as_user="otto")).data == {
        "advocacyProjectPaymentCases": []}
    [seen] = (await client.execute(CASES, as_user="ada")).data["advocacyProjectPaymentCases"]
    assert (seen["status"], seen["approved"]["pence"]) == ("open", 20_000)
    assert seen["id"] == gid("AdvocacyProjectPaymentCase", case.id)

    def schedule(pence: int) -> dict:  # type: ignore[type-arg]
        return {"input": {"caseId": seen["id"], "payee": "person", "accountReference": "DP-9",
                          "instalments": [{"amountPence": pence,
                                           "dueOn": dt.date.today().isoformat()}]}}

    too_much = await client.execute(SCHEDULE, schedule(20_001), as_user="ada")
    assert too_much.data["advocacyProjectSchedulePayments"]["userErrors"][0]["code"] == (
        "MORE_THAN_APPROVED")
    done = await client.execute(SCHEDULE, schedule(20_000), as_user="ada")
    [payment] = done.data["advocacyProjectSchedulePayments"]["payments"]
    paid = await client.execute(PAY, {"id": payment["id"]}, as_user="ada")
    assert paid.data["advocacyProjectRecordPayment"]["payment"]["status"] == "paid"
    again = await client.execute(PAY, {"id": payment["id"]}, as_user="ada")
    assert again.data["advocacyProjectRecordPayment"]["userErrors"] == [{"code": "ALREADY_PAID"}]
    by_otto = await client.execute(PAY, {"id": payment["id"]}, as_user="otto")
    assert by_otto.data["advocacyProjectRecordPayment"]["userErrors"] == [{"code": "NOT_FOUND"}]
    [after] = (await client.execute(CASES, as_user="ada")).data["advocacyProjectPaymentCases"]
    assert [p["status"] for p in after["payments"]] == ["paid"]
    assert len(after["reviews"]) == 1
    line = await client.execute(TIMELINE, as_user="helen")
    assert line.data["advocacyProjectTimeline"]["distribution"] == [{"days": 0, "requests": 1}]


NOTICE = """
mutation ($input: AdvocacyProjectIssueRepaymentNoticeInput!) {
  advocacyProjectIssueRepaymentNotice(input: $input) {
    notice { id status reason payer deadline amount { pence } } userErrors { code } } }"""

RECONSIDER = """
mutation ($id: ID!) {
  advocacyProjectRequestReconsideration(input: {noticeId: $id, reason: "I spent it on swimming"}) {
    notice { status reconsiderationReason } userErrors { code } } }"""

DECIDE = """
mutation ($id: ID!) {
  advocacyProjectDecideReconsideration(input: {noticeId: $id, upheld: false,
                                               note: "Swimming serves the same goal."}) {
    notice { status decisionNote } userErrors { code } } }"""

REPAY = """
mutation ($id: ID!) {
  advocacyProjectRecordRepayment(input: {noticeId: $id}) { notice { status } userErrors { code } }
}"""


async def test_a_repayment_notice_reconsidered_through_the_api(
        elft: ElftWorld, client: ElftClient) -> None:
    w = await build_advocacy_world(elft)
    case = await w.approved_case("200", "Gym membership")
    case_id = gid("AdvocacyProjectPaymentCase", case.id)
    done = await client.execute(SCHEDULE, {"input": {
        "caseId": case_id, "payee": "nominee", "payeeName": "Chidi", "accountReference": "DP-N",
        "instalments": [{"amountPence": 20_000, "dueOn": dt.date.today().isoformat()}]}},
        as_user="ada")
    [payment] = done.data["advocacyProjectSchedulePayments"]["payments"]
    await client.execute(PAY, {"id": payment["id"]}, as_user="ada")
    issued = await client.execute(NOTICE, {"input": {
        "caseId": case_id, "reason": "The gym closed.", "amountPence": 5_000,
        "deadline": (dt.date.today() + dt.timedelta(days=28)).isoformat(),
        "payer": "Chidi (nominee)"}}, as_user="ada")
    notice = issued.data["advocacyProjectIssueRepaymentNotice"]["notice"]
    assert (notice["status"], notice["payer"], notice["amount"]["pence"]) == (
        "issued", "Chidi (nominee)", 5_000)
    asked = await client.execute(RECONSIDER, {"id": notice["id"]}, as_user="ngozi")
    assert asked.data["advocacyProjectRequestReconsideration"]["notice"]["status"] == (
        "reconsideration_requested")
    decided = await client.execute(DECIDE, {"id": notice["id"]}, as_user="ada")
    assert decided.data["advocacyProjectDecideReconsideration"]["notice"]["status"] == (
        "withdrawn")
    repay = await client.execute(REPAY, {"id": notice["id"]}, as_user="ada")
    assert repay.data["advocacyProjectRecordRepayment"]["userErrors"] == [
        {"code": "NOT_REPAYABLE"}]
