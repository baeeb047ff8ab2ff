"""How many SQL statements the PHB advisor's query runs: pinned, and the same for 2 payment
cases or 6.

The query follows everything a case has (payments with their receipts, receipts, reviews,
repayment notices, flags, the first payment, the request with its items, the person) and the
pipeline (its stages, and each entry's request and case). Every relation goes through a
DataLoader, so the count depends on the shape of the query, not on the number of cases: the
2 cases are both Ngozi's; of the 6, Belu has two, so a statement per person shows up too.

If this fails with a count that differs between 2 and 6 cases, a relation is loaded per case
or per person (N+1): find the field whose resolver does not go through a loader. If it fails
with the same new count for both, a change added or saved a statement for every request:
check that was meant, then re-pin.

The audit trail's writes at the end of the request (one event per person read) are counted
apart from the reads, so each half is pinned on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.models import CareBasis, PaymentRoute
from core.services import budget_requests, consents, funding, organisations
from core.services.budget_requests import ItemInput
from plugins.advocacy_project import monitoring, payments, repayment
from plugins.advocacy_project.models import PaymentCase
from plugins.advocacy_project.payments import Instalment
from plugins.elft import eligibility
from tests.elft.support import ElftClient, ElftWorld
from tests.support.stored import stored_rows

from .support import AdvocacyWorld, build_advocacy_world

TODAY = dt.datetime.now(dt.UTC).date()

ADVISORS_QUERY = """query ($first: Int!) {
  advocacyProjectPaymentCases(first: $first) { edges { node {
    status approved { pence } firstPaidAt daysToFirstPayment
    person { displayName }
    request { status paid { pence } items { description amount { pence } } }
    payments { edges { node { status amount { pence }
                              receipts { edges { node { description } } } } } }
    receipts { edges { node { description amount { pence } } } }
    reviews { edges { node { dueOn overdue } } }
    repaymentNotices { edges { node { status amount { pence } } } }
    flags { code }
  } } }
  advocacyProjectPipeline {
    stages { stage requests total { pence } }
    entries(first: $first) { edges { node { stage request { id status } case { id status } } } }
  }
}"""

# Signing in (the account, the staff member's teams) plus the advisor's query's reads.
PINNED_READS = 24
# Writing one audit event per person read, chained, in one transaction after the query.
PINNED_AUDIT = 5


def _is_audit(statement: str) -> bool:
    return "audit_event" in statement or "audit_chain_head" in statement


class _Cases:
    """Direct-payment cases, each with one of everything the query follows: the first two
    Ngozi's, then Belu's and Ngozi's in turn (this gives Belu a direct-payment budget and a
    consent to the charity)."""

    def __init__(self, w: AdvocacyWorld) -> None:
        self.w = w
        self.budgets: list[int] = [w.elft.world.budget]
        self.count = 0

    async def open(self) -> _Cases:
        w, world = self.w, self.w.elft.world
        system = await w.policy("system")
        belus = await funding.create_budget(
            world.uow, system, person_id=world.belu, funding_pot_id=world.pot,
            payment_route=PaymentRoute.DIRECT_PAYMENT, period_start=TODAY - dt.timedelta(1),
            period_end=TODAY + dt.timedelta(days=364))
        self.budgets.append(belus.id)
        await organisations.start_care_relationship(
            world.uow, system, team_id=w.payments_team, person_id=world.belu,
            basis=CareBasis.DIRECT_PAYMENT_CASE, starts_at=system.now - dt.timedelta(days=1))
        await consents.grant_consent(
            world.uow, await w.policy("belu"), person_id=world.belu,
            grantee_organisation_id=world.charity, categories=["identity", "budget"],
            purpose="The Advocacy Project paying my direct payments")
        await eligibility.record_assessment(
            world.uow, await w.policy("amara"), person_id=world.belu,
            receiving_elft_treatment=True, mental_health_cluster=5,
            ready_to_move_towards_discharge=True, section_117_aftercare=False)
        return self

    async def grow_to(self, size: int) -> None:
        while self.count < size:
            belus_turn = self.count >= 2 and self.count % 2 == 0
            await self._one(self.budgets[1 if belus_turn else 0])
            self.count += 1

    async def _one(self, budget: int) -> None:
        """A £100 request, approved; £50 paid, £50 scheduled; a receipt and a notice."""
        w = self.w
        uow = w.elft.uow
        amara = await w.policy("amara")
        request = await budget_requests.create_request(
            uow, amara, budget_id=budget, purpose="Getting fit",
            items=[ItemInput("Gym membership", "100")])
        await budget_requests.submit_request(uow, amara, request.id)
        await w.elft.approve(request.id, "james")
        [case] = await stored_rows(w.elft.db, PaymentCase,
                                   PaymentCase.request_id == request.id)
        paid, _ = await payments.schedule_payments(
            uow, await w.policy("ada"), case_id=case.id, payee="person",
            account_reference="DP-1",
            instalments=[Instalment(5_000, TODAY), Instalment(5_000, TODAY)])
        await payments.record_payment(uow, await w.policy("ada"), paid.id)
        await monitoring.record_receipt(
            uow, await w.policy("ada"), payment_id=paid.id, person_id=case.person_id,
            description="Concert tickets", amount_pence=2_000, spent_on=TODAY)
        await repayment.issue_repayment_notice(
            uow, await w.policy("ada"), case_id=case.id, reason="Not in the plan.",
            amount_pence=2_000, deadline=TODAY + dt.timedelta(days=28), payer="person")


async def _count(client: ElftClient, size: int, count_statements: Any) -> tuple[int, int]:
    """(reads, audit trail statements) of the advisor's query, as Ada."""
    with count_statements() as counter:
        result = await client.execute(ADVISORS_QUERY, {"first": 10}, as_user="ada")

    assert not result.errors, result.errors
    cases = [edge["node"] for edge in result.data["advocacyProjectPaymentCases"]["edges"]]
    assert len(cases) == size
    assert {case["person"]["displayName"] for case in cases} == (
        {"Ngozi Example"} if size == 2 else {"Ngozi Example", "Belu Example"})
    for case in cases:  # everything was there to load, and was loaded
        assert case["request"]["items"] == [{"description": "Gym membership",
                                             "amount": {"pence": 10_000}}]
        assert case["request"]["paid"] == {"pence": 5_000}
        assert [p["node"]["status"] for p in case["payments"]["edges"]] == ["PAID",
                                                                            "SCHEDULED"]
        assert case["payments"]["edges"][0]["node"]["receipts"]["edges"] == [
            {"node": {"description": "Concert tickets"}}]
        assert len(case["receipts"]["edges"]) == 1
        assert len(case["reviews"]["edges"]) == 1
        assert len(case["repaymentNotices"]["edges"]) == 1
        assert [flag["code"] for flag in case["flags"]] == ["SPEND_NOT_IN_PLAN"]
        assert case["firstPaidAt"] is not None and case["daysToFirstPayment"] == 0
    pipeline = result.data["advocacyProjectPipeline"]
    assert {stage["stage"]: stage["requests"] for stage in pipeline["stages"]}["PART_PAID"] == (
        size)
    entries = [edge["node"] for edge in pipeline["entries"]["edges"]]
    assert [entry["case"]["status"] for entry in entries] == ["OPEN"] * size
    audit = sum(1 for statement in counter.statements if _is_audit(statement))
    return counter.count - audit, audit


# database URL -> the counts measured there: the two tests below share one measurement.
_MEASURED: dict[str, dict[int, tuple[int, int]]] = {}


@pytest.fixture
async def counts(elft: ElftWorld, client: ElftClient,
                 count_statements: Any) -> dict[int, tuple[int, int]]:
    """Cases -> (reads, audit trail statements), for 2 and for 6 cases."""
    key = elft.db.url.render_as_string(hide_password=False)
    if key not in _MEASURED:
        cases = await _Cases(await build_advocacy_world(elft)).open()
        found = {}
        for size in (2, 6):
            await cases.grow_to(size)
            found[size] = await _count(client, size, count_statements)
        _MEASURED[key] = found
    return _MEASURED[key]


async def test_the_advisors_query_reads_with_the_same_statements_for_2_cases_or_6(
        counts: dict[int, tuple[int, int]]) -> None:
    assert (counts[2][0], counts[6][0]) == (PINNED_READS, PINNED_READS)


async def test_auditing_the_advisors_read_takes_the_same_statements_for_2_cases_or_6(
        counts: dict[int, tuple[int, int]]) -> None:
    assert (counts[2][1], counts[6][1]) == (PINNED_AUDIT, PINNED_AUDIT)
