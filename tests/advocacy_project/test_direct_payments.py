"""Ngozi's laptop, from approval to payment, receipt and review; payments stopped when she
withdraws her consent; a repayment notice with a reconsideration; bad input; and an advisor
without her consent sees nothing of her."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.errors import DomainError, NotFound
from core.models import BudgetRequest, BudgetRequestStatus, FundingPot
from core.services import budget_requests, consents
from plugins.advocacy_project import services as ap
from plugins.advocacy_project.models import Payment, PaymentCase, Receipt
from plugins.advocacy_project.services import Instalment
from tests.elft.support import ElftWorld, ledger_balanced

from .support import AdvocacyWorld, build_advocacy_world

TODAY = dt.date.today()


@pytest.fixture
async def ap_world(elft: ElftWorld) -> AdvocacyWorld:
    return await build_advocacy_world(elft)


async def _pot(w: AdvocacyWorld) -> FundingPot:
    return await ledger_balanced(w.elft.db, w.elft.world.pot)


async def _counts(w: AdvocacyWorld) -> tuple[int, ...]:
    async with w.elft.db.reading() as session:
        pot = await session.get_one(FundingPot, w.elft.world.pot)
        payments = list(await session.scalars(select(Payment)))
        receipts = list(await session.scalars(select(Receipt)))
    return (pot.committed_pence, pot.paid_pence, len(payments),
            sum(p.status == "paid" for p in payments), len(receipts))


async def _refused(w: AdvocacyWorld, code: str, call) -> None:  # type: ignore[no-untyped-def]
    before = await _counts(w)
    with pytest.raises(DomainError) as raised:
        await call
    assert raised.value.code == code, raised.value
    assert await _counts(w) == before


async def test_ngozis_laptop_from_approval_to_payment_receipt_and_review(
        ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow, ada = w.elft.uow, await w.elft.policy("ada")
    before = await _pot(w)
    case = await w.approved_case("600", "Laptop for online classes")
    ada = await w.elft.policy("ada")  # a new request: the clock after approval
    assert (case.status, case.approved_pence) == ("open", 60_000)
    assert (await _pot(w)).committed_pence == before.committed_pence + 60_000

    # Two instalments to Ngozi, against her direct-payment account.
    first, second = await ap.schedule_payments(
        uow, ada, case_id=case.id, payee="person", account_reference="DP-NGOZI-01",
        instalments=[Instalment(40_000, TODAY), Instalment(20_000, TODAY)])
    paid = await ap.record_payment(uow, ada, first.id)
    assert paid.status == "paid"
    pot = await _pot(w)
    assert pot.committed_pence == before.committed_pence + 20_000
    assert pot.paid_pence == before.paid_pence + 40_000
    await ap.record_payment(uow, ada, second.id)
    pot = await _pot(w)
    assert (pot.committed_pence, pot.paid_pence) == (before.committed_pence,
                                                     before.paid_pence + 60_000)

    # Ngozi sends the receipt herself; one line is not in the plan.
    ngozi = await w.elft.policy("ngozi")
    await ap.record_receipt(uow, ngozi, payment_id=first.id, person_id=w.elft.world.ngozi,
                            description="Laptop", amount_pence=40_000, spent_on=TODAY)
    await ap.record_receipt(uow, ada, payment_id=second.id, person_id=w.elft.world.ngozi,
                            description="Concert tickets", amount_pence=5_000, spent_on=TODAY)
    flags = await ap.monitoring_flags(uow, ada, case.id)
    assert [f.code for f in flags] == ["SPEND_NOT_IN_PLAN"]
    later = await ap.monitoring_flags(uow, ada, case.id, today=TODAY + dt.timedelta(days=100))
    assert {f.code for f in later} == {"SPEND_NOT_IN_PLAN", "UNSPENT_BUILDING_UP",
                                       "REVIEW_OVERDUE"}

    # The first review is due within 3 months of the first payment, then every 12 months.
    async with uow.db.reading() as session:
        [review] = await ap.reviews_of(session, ada, case.id)
    assert review.due_on <= TODAY + dt.timedelta(days=90)
    await ap.record_review(uow, ada, review.id, note="Ngozi joins classes online.")
    async with uow.db.reading() as session:
        done, following = await ap.reviews_of(session, ada, case.id)
    assert done.done_at is not None
    assert following.due_on == TODAY + dt.timedelta(days=365) or following.due_on <= (
        TODAY + dt.timedelta(days=366))

    # The timeline, for the advisor and for the commissioner.
    for who in ("ada", "helen"):
        line = await ap.timeline(uow, await w.elft.policy(who))
        assert line.days_by_request == {case.request_id: 0}
        assert line.distribution == {0: 1}


async def test_bad_input_is_coded_and_changes_nothing(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow, ada = w.elft.uow, await w.elft.policy("ada")
    case = await w.approved_case("200", "Gym membership")
    ada = await w.elft.policy("ada")  # a new request: the clock after approval
    await _refused(w, "MORE_THAN_APPROVED", ap.schedule_payments(
        uow, ada, case_id=case.id, payee="person", account_reference="DP-1",
        instalments=[Instalment(20_001, TODAY)]))
    await _refused(w, "BEFORE_APPROVAL", ap.schedule_payments(
        uow, ada, case_id=case.id, payee="person", account_reference="DP-1",
        instalments=[Instalment(100, TODAY - dt.timedelta(days=2))]))
    await _refused(w, "NOMINEE_NAME_REQUIRED", ap.schedule_payments(
        uow, ada, case_id=case.id, payee="nominee", account_reference="DP-1",
        instalments=[Instalment(100, TODAY)]))
    [payment] = await ap.schedule_payments(
        uow, ada, case_id=case.id, payee="nominee", payee_name="Chidi (brother)",
        account_reference="DP-NOMINEE-1", instalments=[Instalment(20_000, TODAY)])
    await _refused(w, "BEFORE_APPROVAL", ap.record_payment(
        uow, ada, payment.id, paid_at=case.approved_at - dt.timedelta(days=1)))
    await ap.record_payment(uow, ada, payment.id)
    await _refused(w, "ALREADY_PAID", ap.record_payment(uow, ada, payment.id))
    await _refused(w, "MORE_THAN_APPROVED", ap.schedule_payments(
        uow, ada, case_id=case.id, payee="person", account_reference="DP-1",
        instalments=[Instalment(1, TODAY)]))
    # A receipt against another person's payment.
    await _refused(w, "NOT_THIS_PERSONS_PAYMENT", ap.record_receipt(
        uow, await w.elft.policy("amara"), payment_id=payment.id,
        person_id=w.elft.world.belu, description="Gym", amount_pence=100, spent_on=TODAY))


async def test_a_request_that_is_not_approved_cannot_be_paid(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow, ada = w.elft.uow, await w.elft.policy("ada")
    case = await w.approved_case("100", "Swimming lessons")
    ada = await w.elft.policy("ada")  # a new request: the clock after approval
    [payment] = await ap.schedule_payments(
        uow, ada, case_id=case.id, payee="person", account_reference="DP-2",
        instalments=[Instalment(10_000, TODAY)])
    await budget_requests.withdraw_request(uow, await w.elft.policy("amara"), case.request_id)
    await _refused(w, "REQUEST_NOT_APPROVED", ap.record_payment(uow, ada, payment.id))
    # A request still waiting for sign-off opens no case at all.
    waiting = await w.elft.request("100", "Running shoes")
    async with uow.db.reading() as session:
        assert await session.scalar(select(PaymentCase).where(
            PaymentCase.request_id == waiting)) is None
        request = await session.get_one(BudgetRequest, waiting)
    assert request.status is not BudgetRequestStatus.APPROVED


async def test_payments_stop_when_consent_is_withdrawn(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow, ada = w.elft.uow, await w.elft.policy("ada")
    case = await w.approved_case("200", "Gym membership")
    ada = await w.elft.policy("ada")  # a new request: the clock after approval
    first, second = await ap.schedule_payments(
        uow, ada, case_id=case.id, payee="person", account_reference="DP-3",
        instalments=[Instalment(10_000, TODAY), Instalment(10_000, TODAY)])
    await ap.record_payment(uow, ada, first.id)
    await consents.revoke_consent(uow, await w.elft.policy("ngozi"), w.consent)
    async with uow.db.reading() as session:
        stopped = await session.get_one(PaymentCase, case.id)
        left = await session.get_one(Payment, second.id)
    assert (stopped.status, left.status) == ("stopped", "cancelled")
    assert stopped.stop_reason
    with pytest.raises(DomainError):  # and Ada no longer sees her at all
        await ap.record_payment(uow, await w.elft.policy("ada"), second.id)
    await ledger_balanced(w.elft.db, w.elft.world.pot)


async def test_a_repayment_notice_with_a_reconsideration(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow, ada = w.elft.uow, await w.elft.policy("ada")
    case = await w.approved_case("200", "Gym membership")
    ada = await w.elft.policy("ada")  # a new request: the clock after approval
    [payment] = await ap.schedule_payments(
        uow, ada, case_id=case.id, payee="person", account_reference="DP-4",
        instalments=[Instalment(20_000, TODAY)])
    await ap.record_payment(uow, ada, payment.id)
    with pytest.raises(DomainError) as too_much:
        await ap.issue_repayment_notice(uow, ada, case_id=case.id, reason="Unspent",
                                        amount_pence=20_001, payer="Ngozi",
                                        deadline=TODAY + dt.timedelta(days=28))
    assert too_much.value.code == "MORE_THAN_PAID"
    notice = await ap.issue_repayment_notice(
        uow, ada, case_id=case.id, reason="The gym closed; £80 was not spent.",
        amount_pence=8_000, payer="Ngozi", deadline=TODAY + dt.timedelta(days=28))
    assert (notice.status, notice.amount_pence, notice.payer) == ("issued", 8_000, "Ngozi")
    ngozi = await w.elft.policy("ngozi")
    asked = await ap.request_reconsideration(uow, ngozi, notice.id,
                                             reason="I spent it on a swimming pass instead.")
    assert asked.status == "reconsideration_requested"
    with pytest.raises(DomainError) as not_yet:
        await ap.record_repayment(uow, ada, notice.id)
    assert not_yet.value.code == "NOT_REPAYABLE"
    decided = await ap.decide_reconsideration(uow, ada, notice.id, upheld=True,
                                              note="A swimming pass was not in the plan.")
    assert (decided.status, decided.decision_note is not None) == ("upheld", True)
    before = await _pot(w)
    repaid = await ap.record_repayment(uow, ada, notice.id)
    assert repaid.status == "repaid"
    after = await _pot(w)
    assert after.paid_pence == before.paid_pence - 8_000
    assert after.available_pence == before.available_pence + 8_000


async def test_an_advisor_without_consent_sees_nothing_of_the_person(
        ap_world: AdvocacyWorld) -> None:
    w = ap_world
    uow = w.elft.uow
    case = await w.approved_case("200", "Gym membership")
    [payment] = await ap.schedule_payments(
        uow, await w.elft.policy("ada"), case_id=case.id, payee="person",
        account_reference="DP-5", instalments=[Instalment(20_000, TODAY)])
    otto = await w.elft.policy("otto")
    async with uow.db.reading() as session:
        assert await ap.cases(session, otto) == []
        assert await ap.payments_of(session, otto, case.id) == []
        assert await ap.reviews_of(session, otto, case.id) == []
    assert (await ap.timeline(uow, otto)).days_by_request == {}
    with pytest.raises(NotFound):
        await ap.record_payment(uow, otto, payment.id)
    with pytest.raises(NotFound):
        await ap.monitoring_flags(uow, otto, case.id)
    with pytest.raises(NotFound):
        await ap.schedule_payments(uow, otto, case_id=case.id, payee="person",
                                   account_reference="X", instalments=[Instalment(1, TODAY)])
    # Ada, whom Ngozi consented to, does see the case.
    async with uow.db.reading() as session:
        assert [c.id for c in await ap.cases(session, await w.elft.policy("ada"))] == [case.id]
