"""Ngozi's laptop, from approval to payment, receipt and review; payments stopped when she
withdraws her consent (and not while another consent still covers it); a repayment notice with
a reconsideration; and who may do what: only the fund holder's staff pay, an advisor without
her consent sees nothing of her."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from core.errors import DomainError, NotFound
from core.models import BudgetRequest, BudgetRequestStatus, FundingPot, FundingPotEntry
from core.services import budget_requests, consents
from plugins.advocacy_project import cases, monitoring, payments, repayment, views
from plugins.advocacy_project.models import (
    CaseStatus,
    NoticeStatus,
    Payee,
    Payment,
    PaymentCase,
    PaymentStatus,
    Review,
)
from plugins.advocacy_project.payments import Instalment
from plugins.elft import views as elft_views
from tests.elft.support import ElftWorld, ledger_balanced

from .support import AdvocacyWorld, build_advocacy_world

TODAY = dt.date.today()


@pytest.fixture
async def ap_world(elft: ElftWorld) -> AdvocacyWorld:
    return await build_advocacy_world(elft)


async def _pot(w: AdvocacyWorld) -> FundingPot:
    return await ledger_balanced(w.elft.db, w.elft.world.pot)


async def _request(w: AdvocacyWorld, request_id: int) -> BudgetRequest:
    async with w.elft.db.reading() as session:
        return await session.get_one(BudgetRequest, request_id)


async def _row(w: AdvocacyWorld, model: type, row_id: int) -> Any:
    async with w.elft.db.reading() as session:
        return await session.get_one(model, row_id)


async def test_ngozis_laptop_from_approval_to_payment_receipt_and_review(
        ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    before = await _pot(w)
    case = await w.approved_case("600", "Laptop for online classes")
    assert (case.status, case.approved_pence) == (CaseStatus.OPEN, 60_000)
    assert (await _pot(w)).committed_pence == before.committed_pence + 60_000

    # Two instalments to Ngozi, against her direct-payment account.
    ada = await w.policy("ada")
    first, second = await payments.schedule_payments(
        uow, ada, case_id=case.id, payee=Payee.PERSON, account_reference="DP-NGOZI-01",
        instalments=[Instalment(40_000, TODAY), Instalment(20_000, TODAY + dt.timedelta(7))])
    await payments.record_payment(uow, await w.policy("ada"), first.id)
    pot = await _pot(w)
    assert (pot.committed_pence, pot.paid_pence) == (before.committed_pence + 20_000,
                                                     before.paid_pence + 40_000)
    request = await _request(w, case.request_id)
    assert (request.status, request.paid_pence) == (BudgetRequestStatus.APPROVED, 40_000)

    await payments.record_payment(uow, await w.policy("ada"), second.id)
    pot = await _pot(w)
    assert (pot.committed_pence, pot.paid_pence) == (before.committed_pence,
                                                     before.paid_pence + 60_000)
    # Core and the plugin agree: the request is paid, with its history.
    request = await _request(w, case.request_id)
    assert (request.status, request.paid_pence) == (BudgetRequestStatus.PAID, 60_000)
    async with w.elft.db.reading() as session:
        entries = list(await session.scalars(select(FundingPotEntry).where(
            FundingPotEntry.request_id == case.request_id).order_by(FundingPotEntry.id)))
    assert [(e.kind.value, e.amount_pence) for e in entries] == [
        ("reservation", 60_000), ("payment", 40_000), ("payment", 20_000)]

    # Ngozi sends a receipt herself; Ada records one that is not in the plan.
    await monitoring.record_receipt(uow, await w.policy("ngozi"), payment_id=first.id,
                                    person_id=w.ngozi, description="Laptop",
                                    amount_pence=40_000, spent_on=TODAY)
    await monitoring.record_receipt(uow, await w.policy("ada"), payment_id=second.id,
                                    person_id=w.ngozi, description="Concert tickets",
                                    amount_pence=5_000, spent_on=TODAY)
    async with w.elft.db.reading() as session:
        ada = await w.policy("ada")
        flags = (await monitoring.flags_of_cases(session, ada, [case.id]))[case.id]
        later = (await monitoring.flags_of_cases(
            session, ada, [case.id], today=TODAY + dt.timedelta(days=100)))[case.id]
    assert [f.code for f in flags] == ["SPEND_NOT_IN_PLAN"]
    assert "Concert tickets" in flags[0].message
    assert {f.code for f in later} == {"SPEND_NOT_IN_PLAN", "UNSPENT_BUILDING_UP",
                                       "REVIEW_OVERDUE"}

    # The first review is due within 3 months of the first payment, then every 12 months.
    async with w.elft.db.reading() as session:
        [review] = await session.scalars(select(Review).where(Review.case_id == case.id))
    assert review.due_on == TODAY + dt.timedelta(days=90)
    await monitoring.record_review(uow, await w.policy("ada"), review.id,
                                   note="Ngozi joins classes online.")
    async with w.elft.db.reading() as session:
        done, following = await session.scalars(
            select(Review).where(Review.case_id == case.id).order_by(Review.id))
    assert done.done_at is not None and done.by_staff_id == w.ada
    assert following.due_on == TODAY + dt.timedelta(days=365)
    assert following.done_at is None

    # How long it took, for the advisor and for the commissioner.
    for who in ("ada", "helen"):
        async with w.elft.db.reading() as session:
            line = await views.timeline(session, await w.policy(who),
                                        approved_from=TODAY - dt.timedelta(days=1),
                                        approved_to=TODAY)
        assert (line.distribution, line.waiting) == ({0: 1}, 0)


async def test_a_nominee_is_paid_on_the_persons_behalf(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    case = await w.approved_case("200", "Gym membership")
    [payment] = await payments.schedule_payments(
        w.elft.uow, await w.policy("ada"), case_id=case.id, payee="nominee",
        nominee_id=w.chidi, account_reference="DP-CHIDI-01",
        instalments=[Instalment(20_000, TODAY)])
    assert (payment.payee, payment.payee_name, payment.nominee_id) == (
        Payee.NOMINEE, "Chidi Okafor", w.chidi)


async def test_payments_stop_when_consent_is_withdrawn(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    first, second = await payments.schedule_payments(
        uow, await w.policy("ada"), case_id=case.id, payee="person", account_reference="DP-3",
        instalments=[Instalment(10_000, TODAY), Instalment(10_000, TODAY)])
    await payments.record_payment(uow, await w.policy("ada"), first.id)
    await consents.revoke_consent(uow, await w.policy("ngozi"), w.consent)

    stopped = await _row(w, PaymentCase, case.id)
    left = await _row(w, Payment, second.id)
    assert (stopped.status, stopped.stopped_by_staff_id) == (CaseStatus.STOPPED, None)
    assert stopped.stop_reason == "The person withdrew their consent."
    assert (left.status, left.cancel_reason) == (PaymentStatus.CANCELLED,
                                                 stopped.stop_reason)
    # Ada no longer sees her at all: the payment is as if it did not exist.
    with pytest.raises(NotFound):
        await payments.record_payment(uow, await w.policy("ada"), second.id)
    # What was paid stays paid; the rest stays committed until the care team withdraws the
    # request, which gives back only the unpaid £100.
    before = await _pot(w)
    await budget_requests.withdraw_request(uow, await w.policy("amara"), case.request_id)
    after = await _pot(w)
    assert (after.committed_pence, after.paid_pence) == (before.committed_pence - 10_000,
                                                         before.paid_pence)


async def test_payments_go_on_while_another_consent_still_covers_the_budget(
        ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    ngozi = await w.policy("ngozi")
    team_consent = await consents.grant_consent(
        uow, ngozi, person_id=w.ngozi, grantee_team_id=w.payments_team, categories=["budget"],
        purpose="My direct payments team")
    case = await w.approved_case("200", "Gym membership")
    await consents.revoke_consent(uow, ngozi, w.consent)  # the organisation-wide one
    assert (await _row(w, PaymentCase, case.id)).status is CaseStatus.OPEN
    payment = await w.scheduled(case)

    # Withdrawing the team's consent, the last one, stops payments.
    await consents.revoke_consent(uow, ngozi, team_consent.id)
    assert (await _row(w, PaymentCase, case.id)).status is CaseStatus.STOPPED
    assert (await _row(w, Payment, payment.id)).status is PaymentStatus.CANCELLED


async def test_withdrawing_the_request_stops_its_payments(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    payment = await w.scheduled(case)
    await budget_requests.withdraw_request(uow, await w.policy("amara"), case.request_id)
    assert (await _row(w, PaymentCase, case.id)).stop_reason == (
        "The budget request was withdrawn.")
    assert (await _row(w, Payment, payment.id)).status is PaymentStatus.CANCELLED


async def test_the_advisor_stops_payments_in_writing(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    payment = await w.scheduled(case)
    stopped = await cases.stop_payments(uow, await w.policy("ada"), case.id,
                                        reason="The money was not used as agreed.")
    assert (stopped.status, stopped.stopped_by_staff_id) == (CaseStatus.STOPPED, w.ada)
    assert (await _row(w, Payment, payment.id)).status is PaymentStatus.CANCELLED
    with pytest.raises(DomainError) as again:
        await payments.record_payment(uow, await w.policy("ada"), payment.id)
    assert again.value.code == "PAYMENT_CANCELLED"


async def test_a_repayment_notice_with_a_reconsideration(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    await w.paid(case)

    notice = await repayment.issue_repayment_notice(
        uow, await w.policy("ada"), case_id=case.id,
        reason="The gym closed; £80 was not spent.", amount_pence=8_000, payer="nominee",
        nominee_id=w.chidi, deadline=TODAY + dt.timedelta(days=28))
    assert (notice.status, notice.amount_pence, notice.payer, notice.payer_name) == (
        NoticeStatus.ISSUED, 8_000, Payee.NOMINEE, "Chidi Okafor")
    asked = await repayment.request_reconsideration(
        uow, await w.policy("ngozi"), notice.id, reason="I spent it on a swimming pass.")
    assert asked.status is NoticeStatus.RECONSIDERATION_REQUESTED
    with pytest.raises(DomainError) as not_yet:
        await repayment.record_repayment(uow, await w.policy("ada"), notice.id)
    assert not_yet.value.code == "NOT_REPAYABLE"
    # Ngozi may ask, but not decide.
    with pytest.raises(DomainError) as own:
        await repayment.decide_reconsideration(uow, await w.policy("ngozi"), notice.id,
                                               upheld=False, note="I say so.")
    assert own.value.code == "NOT_FUND_HOLDER"
    decided = await repayment.decide_reconsideration(
        uow, await w.policy("abe"), notice.id, upheld=True,
        note="A swimming pass was not in the plan.", new_deadline=TODAY + dt.timedelta(42))
    assert (decided.status, decided.deadline, decided.decided_by_staff_id) == (
        NoticeStatus.UPHELD, TODAY + dt.timedelta(42), w.abe)

    before = await _pot(w)
    repaid = await repayment.record_repayment(uow, await w.policy("ada"), notice.id)
    assert repaid.status is NoticeStatus.REPAID
    after = await _pot(w)
    assert (after.paid_pence, after.available_pence) == (before.paid_pence - 8_000,
                                                         before.available_pence + 8_000)
    assert (await _request(w, case.request_id)).repaid_pence == 8_000
    # Only what was paid and not already reclaimed can be asked for again.
    with pytest.raises(DomainError) as too_much:
        await repayment.issue_repayment_notice(
            uow, await w.policy("ada"), case_id=case.id, reason="More", amount_pence=12_001,
            payer="person", deadline=TODAY + dt.timedelta(days=28))
    assert too_much.value.code == "MORE_THAN_PAID"


async def test_only_the_fund_holders_staff_pay(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    # Amara (ELFT) may change Ngozi's budget, but ELFT does not hold the pot.
    with pytest.raises(DomainError) as elft:
        await payments.schedule_payments(
            uow, await w.policy("amara"), case_id=case.id, payee="person",
            account_reference="DP-8", instalments=[Instalment(100, TODAY)])
    assert elft.value.code == "NOT_FUND_HOLDER"
    # Nor may Ngozi pay herself; and Otto, without her consent, finds no such case.
    with pytest.raises(DomainError) as herself:
        await cases.stop_payments(uow, await w.policy("ngozi"), case.id, reason="Mine")
    assert herself.value.code == "NOT_FUND_HOLDER"
    with pytest.raises(NotFound):
        await payments.schedule_payments(
            uow, await w.policy("otto"), case_id=case.id, payee="person",
            account_reference="DP-8", instalments=[Instalment(100, TODAY)])


async def test_an_advisor_without_consent_sees_nothing_of_the_person(
        ap_world: AdvocacyWorld) -> None:
    w = ap_world
    case = await w.approved_case("200", "Gym membership")
    payment = await w.paid(case)
    otto = await w.policy("otto")
    async with w.elft.db.reading() as session:
        page = await cases.readable_cases(session, otto, first=10, after=None)
        by_id = await cases.readable_by_ids(session, otto, Payment, [payment.id])
        flags = await monitoring.flags_of_cases(session, otto, [case.id])
        stages = await views.pipeline_stages(session, otto)
        entries = await views.pipeline(session, otto, first=10, after=None)
        line = await views.timeline(session, otto, approved_from=TODAY - dt.timedelta(1),
                                    approved_to=TODAY)
    assert (page.items, by_id, flags, entries.items) == ([], {}, {}, [])
    assert all(stage.requests == 0 for stage in stages)
    assert (line.distribution, line.waiting) == ({}, 0)
    # Ada, with her consent, sees it all.
    ada = await w.policy("ada")
    async with w.elft.db.reading() as session:
        [seen] = (await cases.readable_cases(session, ada, first=10, after=None)).items
        [entry] = (await views.pipeline(session, ada, first=10, after=None)).items
    assert (seen.id, entry.request.id, entry.stage) == (case.id, case.request_id,
                                                        views.Stage.PAID)


async def test_the_advisor_opens_a_case_approval_did_not(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    async with uow.begin() as tx:  # as if the event after the approval had been lost
        await tx.session.delete(await tx.session.get_one(PaymentCase, case.id))
    with pytest.raises(DomainError) as elft:
        await cases.open_case(uow, case.request_id, await w.policy("amara"))
    assert elft.value.code == "NOT_FUND_HOLDER"
    opened = await cases.open_case(uow, case.request_id, await w.policy("ada"))
    assert opened is not None
    assert (opened.request_id, opened.approved_pence, opened.status) == (
        case.request_id, 20_000, CaseStatus.OPEN)
    again = await cases.open_case(uow, case.request_id, await w.policy("ada"))
    assert again is not None and again.id == opened.id  # once
    waiting = await w.elft.request("100", "Running shoes")
    with pytest.raises(DomainError) as not_yet:
        await cases.open_case(uow, waiting, await w.policy("ada"))
    assert not_yet.value.code == "REQUEST_NOT_APPROVED"


async def test_money_repaid_to_the_pot_needs_no_receipt(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    payment = await w.paid(case)
    await monitoring.record_receipt(uow, await w.policy("ngozi"), payment_id=payment.id,
                                    person_id=w.ngozi, description="Gym membership",
                                    amount_pence=12_000, spent_on=TODAY)
    later = TODAY + dt.timedelta(days=100)

    async def unspent() -> list[str]:
        async with w.elft.db.reading() as session:
            found = await monitoring.flags_of_cases(session, await w.policy("ada"), [case.id],
                                                    today=later)
        return [f.message for f in found[case.id] if f.code == "UNSPENT_BUILDING_UP"]

    assert await unspent() == ["£80.00 paid has no receipt after 90 days."]
    notice = await repayment.issue_repayment_notice(
        uow, await w.policy("ada"), case_id=case.id, reason="£80 not spent",
        amount_pence=8_000, payer="person", deadline=TODAY + dt.timedelta(days=28))
    await repayment.record_repayment(uow, await w.policy("ada"), notice.id)
    assert await unspent() == []


async def test_elfts_pot_overview_counts_the_days_to_the_payment_the_advisor_recorded(
        ap_world: AdvocacyWorld) -> None:
    """A payment recorded today as made yesterday, for a request approved four days ago: the
    request became paid yesterday, and ELFT's overview says three days to payment."""
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    approved = dt.datetime.now(dt.UTC) - dt.timedelta(days=4)
    async with uow.begin() as tx:  # as if approved four days ago
        (await tx.session.get_one(PaymentCase, case.id)).approved_at = approved
        (await tx.session.get_one(BudgetRequest, case.request_id)).decided_at = approved
    payment = await w.scheduled(case)
    await payments.record_payment(uow, await w.policy("ada"), payment.id,
                                  paid_at=approved + dt.timedelta(days=3))
    async with w.elft.db.reading() as session:
        [overview] = await elft_views.pot_overviews(session, await w.policy("helen"))
    assert (overview.requests_paid, overview.median_days_to_payment) == (1, 3.0)
