"""A Hypothesis state machine over The Advocacy Project's money: approve direct-payment
requests, schedule instalments (some more than was approved), record payments in any order,
cancel them, stop cases, withdraw part-paid requests, issue repayment notices, reconsider them
and record repayments.

Hypothesis drives the services against a model of what should happen and checks after every
step:

* the pot: its ledger sums to its available balance and is never overspent; committed = what
  is unpaid of the approved requests (a withdrawn one gave its unpaid rest back); paid = the
  payments recorded less the repayments recorded; the ledger's entries are the model's
  movements, one for one;
* each request: paid = the sum of its payments recorded, repaid = the sum of its notices
  repaid, repaid <= paid, and it is ``paid`` exactly when all of it is;
* each case, payment and notice has the status the model says, and a case has its first review
  once a payment on it was made;
* a refused step changes nothing, and is refused with the code the model expects.

Hypothesis is synchronous: the machine runs in a worker thread with its own event loop and
connection pool (like tests/elft/test_state_machine.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from core.db import Database
from core.errors import DomainError
from core.models import (
    AuditEvent,
    BudgetRequest,
    BudgetRequestStatus,
    BudgetRequestTransition,
    FundingPot,
    FundingPotEntry,
    LedgerEntryKind,
    PaymentRoute,
)
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import budget_requests, funding
from core.services.accounts import principal_for_username
from core.services.budget_requests import ItemInput
from core.unit_of_work import UnitOfWork
from plugins.advocacy_project import cases, payments, repayment
from plugins.advocacy_project.models import (
    CaseStatus,
    NoticeStatus,
    Payee,
    Payment,
    PaymentCase,
    PaymentStatus,
    RepaymentNotice,
    Review,
)
from plugins.advocacy_project.payments import Instalment
from tests.elft.support import ElftWorld, ledger_balanced
from tests.support.world import PLUGINS, RULES

from .support import build_advocacy_world

T = TypeVar("T")
R = TypeVar("R")
S = BudgetRequestStatus
K = LedgerEntryKind
USERS = ("amara", "james", "ada", "abe", "ngozi")
ADVISORS = st.sampled_from(["ada", "abe"])
# One clinician's sign-off (up to £250); the pot holds one to three, so it can run out.
TOTALS = st.integers(1, 25_000)
ALLOCATIONS = st.sampled_from([20_000, 40_000])
# A few seconds a backend: each step is a use case or two and a read of what is stored.
EXAMPLES = 10
STEPS = 12


@dataclass
class ModelRequest:
    total: int
    case_id: int
    status: BudgetRequestStatus = S.APPROVED
    case_status: CaseStatus = CaseStatus.OPEN
    paid: int = 0
    repaid: int = 0


@dataclass
class ModelPayment:
    request_id: int
    amount: int
    status: PaymentStatus = PaymentStatus.SCHEDULED


@dataclass
class ModelNotice:
    request_id: int
    amount: int
    status: NoticeStatus = NoticeStatus.ISSUED


@dataclass(frozen=True)
class Setting:
    url: str
    principals: dict[str, Principal]
    person_id: int
    organisation_id: int  # the charity: it holds the machine's pots
    nominee_id: int  # Chidi, Ngozi's nominee


@dataclass
class Stored:
    """What the database holds of one run's pot, requests, cases, payments and notices, and
    the last audit event and status change anywhere (a refused step writes neither)."""

    pot: tuple[int, int, int]  # allocated, committed, paid
    ledger: list[tuple[K, int, int | None]]  # kind, amount, request, in order
    requests: dict[int, tuple[S, int, int, int]]  # status, total, paid, repaid
    cases: dict[int, CaseStatus]
    payments: dict[int, tuple[PaymentStatus, int, int]]  # status, amount, case
    notices: dict[int, tuple[NoticeStatus, int, int]]  # status, amount, case
    reviews: dict[int, int]  # case -> how many
    audit_events: int  # the last one's id
    transitions: int  # the last one's id


def pick(data: st.DataObject, rows: Mapping[int, R], live: Callable[[R], bool],
         label: str) -> int:
    """Any row's id; those a step can still change come first, which Hypothesis prefers."""
    return data.draw(st.sampled_from(sorted(rows, key=lambda i: (not live(rows[i]), i))),
                     label=label)


class LedgerMachine(RuleBasedStateMachine):
    setting: Setting  # set by the test for each backend
    loop: asyncio.AbstractEventLoop
    uow: UnitOfWork

    def __init__(self) -> None:
        super().__init__()
        self.requests: dict[int, ModelRequest] = {}
        self.payments: dict[int, ModelPayment] = {}
        self.notices: dict[int, ModelNotice] = {}
        self.ledger: list[tuple[K, int, int | None]] = []
        self.pot_id = 0
        self.budget_id = 0
        self.today = dt.datetime.now(dt.UTC).date()
        self.seen: Stored | None = None

    def run(self, call: Awaitable[T]) -> T:
        return self.loop.run_until_complete(call)  # type: ignore[arg-type]

    def policy(self, who: str) -> AccessPolicy:
        if who == "system":
            return AccessPolicy(Principal.system(), RULES)
        return AccessPolicy(self.setting.principals[who], RULES)

    def attempt(self, call: Coroutine[Any, Any, T]) -> tuple[str | None, T | None]:
        """The error code of a refused use case (which must have changed nothing), or None and
        what it returned."""
        try:
            before = self.stored()
        except BaseException:
            call.close()
            raise
        self.seen = None
        try:
            result = self.run(call)
        except DomainError as error:
            assert self.stored() == before, f"refused with {error.code}, yet changed"
            return error.code, None
        return None, result

    def stored(self) -> Stored:
        """What is stored now: read once, and again after anything may have changed it
        (``attempt`` and ``approve`` forget what was read)."""
        if self.seen is None:
            self.seen = self.run(self._stored())
        return self.seen

    # --- the model's arithmetic -----------------------------------------------------------

    def allocated(self) -> int:
        return sum(amount for kind, amount, _ in self.ledger if kind is K.ALLOCATION)

    def committed(self) -> int:
        return sum(r.total - r.paid for r in self.requests.values() if r.status is S.APPROVED)

    def paid(self) -> int:
        return sum(r.paid - r.repaid for r in self.requests.values())

    def available(self) -> int:
        return self.allocated() - self.committed() - self.paid()

    def scheduled_or_paid(self, request_id: int) -> int:
        return sum(p.amount for p in self.payments.values()
                   if p.request_id == request_id and p.status is not PaymentStatus.CANCELLED)

    def claimed(self, request_id: int) -> int:
        """What outstanding notices reclaim of the request: issued, reconsidered or upheld."""
        return sum(n.amount for n in self.notices.values()
                   if n.request_id == request_id and n.status in (
                       NoticeStatus.ISSUED, NoticeStatus.RECONSIDERATION_REQUESTED,
                       NoticeStatus.UPHELD))

    def any_open_case(self) -> bool:
        return any(r.case_status is CaseStatus.OPEN for r in self.requests.values())

    def any_payment(self, status: PaymentStatus) -> bool:
        return any(p.status is status for p in self.payments.values())

    def any_notice(self, *statuses: NoticeStatus) -> bool:
        return any(n.status in statuses for n in self.notices.values())

    def stop(self, request: ModelRequest) -> None:
        request.case_status = CaseStatus.STOPPED
        for payment in self.payments.values():
            if (self.requests[payment.request_id] is request
                    and payment.status is PaymentStatus.SCHEDULED):
                payment.status = PaymentStatus.CANCELLED

    # --- rules ----------------------------------------------------------------------------

    @initialize(allocation=ALLOCATIONS, first=st.lists(TOTALS, min_size=1, max_size=2),
                data=st.data())
    def open_a_pot(self, allocation: int, first: list[int], data: st.DataObject) -> None:
        """A fresh pot the charity holds, Ngozi's direct-payment budget on it, and a request
        or two approved, with instalments scheduled (or refused) on each and some of them
        paid, in any order."""
        system = self.policy("system")
        pot = self.run(funding.create_funding_pot(
            self.uow, system, name="Direct payments machine", allocation_pence=allocation,
            holder_organisation_id=self.setting.organisation_id))
        budget = self.run(funding.create_budget(
            self.uow, system, person_id=self.setting.person_id, funding_pot_id=pot.id,
            payment_route=PaymentRoute.DIRECT_PAYMENT, period_start=self.today,
            period_end=self.today + dt.timedelta(days=365)))
        self.pot_id, self.budget_id = pot.id, budget.id
        self.ledger.append((K.ALLOCATION, allocation, None))
        for total in first:
            self.approve(total)
        for request_id in sorted(self.requests):
            self.schedule_on(data, request_id, "ada", to_nominee=False)
        for payment_id in data.draw(st.lists(st.sampled_from(sorted(self.payments)), unique=True)
                                    if self.payments else st.just([]), label="paid first"):
            self.pay(payment_id, "abe")

    # At most two open cases at a time, leaving time for the other steps.
    @precondition(lambda self: sum(r.case_status is CaseStatus.OPEN
                                   for r in self.requests.values()) < 2)
    @rule(total=TOTALS)
    def approve(self, total: int) -> None:
        """Amara asks, James signs off: the money is reserved and the case opens."""
        amara = self.policy("amara")
        created = self.run(budget_requests.create_request(
            self.uow, amara, budget_id=self.budget_id, purpose="Direct payment",
            items=[ItemInput("Swimming lessons", f"{total // 100}.{total % 100:02d}")]))
        self.seen = None
        code, _ = self.attempt(budget_requests.submit_request(self.uow, amara, created.id))
        if total > self.available():
            assert code == "POT_EXHAUSTED", code
            return
        assert code is None, code
        self.run(budget_requests.approve_request(self.uow, self.policy("james"), created.id))
        self.seen = None
        case_id = self.run(self._case_of(created.id))
        self.requests[created.id] = ModelRequest(total, case_id)
        self.ledger.append((K.RESERVATION, total, created.id))

    def some_request(self, data: st.DataObject) -> tuple[int, ModelRequest]:
        request_id = pick(data, self.requests, lambda r: r.case_status is CaseStatus.OPEN
                          and r.status is S.APPROVED, "request")
        return request_id, self.requests[request_id]

    @precondition(lambda self: self.any_open_case())
    @rule(data=st.data(), who=ADVISORS, to_nominee=st.booleans())
    def schedule(self, data: st.DataObject, who: str, to_nominee: bool) -> None:
        """Instalments of any amounts: together often more than is left to schedule."""
        request_id, _ = self.some_request(data)
        self.schedule_on(data, request_id, who, to_nominee=to_nominee)

    def schedule_on(self, data: st.DataObject, request_id: int, who: str, *,
                    to_nominee: bool) -> None:
        request = self.requests[request_id]
        room = request.total - self.scheduled_or_paid(request_id)
        # Amounts that mostly fit what is left, or anything up to well over it.
        most = max(room // 3, 1) if data.draw(st.booleans(), label="to fit") else room + 1_000
        amounts = data.draw(st.lists(st.integers(1, max(most, 1)), min_size=1, max_size=3),
                            label="instalments")
        days = data.draw(st.lists(st.integers(0, 60), min_size=len(amounts),
                                  max_size=len(amounts)), label="due in days")
        if request.case_status is CaseStatus.STOPPED:
            expected: str | None = "PAYMENTS_STOPPED"
        elif request.status is not S.APPROVED:
            expected = "REQUEST_NOT_APPROVED"
        elif sum(amounts) > room:
            expected = "MORE_THAN_APPROVED"
        else:
            expected = None
        code, made = self.attempt(payments.schedule_payments(
            self.uow, self.policy(who), case_id=request.case_id,
            instalments=[Instalment(amount, self.today + dt.timedelta(days=day))
                         for amount, day in zip(amounts, days, strict=True)],
            payee=Payee.NOMINEE if to_nominee else Payee.PERSON,
            nominee_id=self.setting.nominee_id if to_nominee else None,
            account_reference="DP-MACHINE"))
        assert code == expected, (code, expected, request, amounts)
        if made is not None:
            assert [p.amount_pence for p in made] == amounts
            for payment in made:
                self.payments[payment.id] = ModelPayment(request_id, payment.amount_pence)

    def some_payment(self, data: st.DataObject) -> tuple[int, ModelPayment]:
        payment_id = pick(data, self.payments, lambda p: p.status is PaymentStatus.SCHEDULED,
                          "payment")
        return payment_id, self.payments[payment_id]

    @precondition(lambda self: self.any_payment(PaymentStatus.SCHEDULED))
    @rule(data=st.data(), who=ADVISORS)
    def record_payment(self, data: st.DataObject, who: str) -> None:
        """Any payment, in any order: made once if it is scheduled, else refused."""
        payment_id, _ = self.some_payment(data)
        self.pay(payment_id, who)

    def pay(self, payment_id: int, who: str) -> None:
        payment = self.payments[payment_id]
        request = self.requests[payment.request_id]
        if payment.status is PaymentStatus.PAID:
            expected: str | None = "ALREADY_PAID"
        elif payment.status is PaymentStatus.CANCELLED:
            expected = "PAYMENT_CANCELLED"
        elif request.case_status is CaseStatus.STOPPED:
            expected = "PAYMENTS_STOPPED"
        elif request.status is not S.APPROVED:
            expected = "REQUEST_NOT_APPROVED"
        elif payment.amount > request.total - request.paid:
            expected = "MORE_THAN_APPROVED"
        else:
            expected = None
        code, _ = self.attempt(payments.record_payment(self.uow, self.policy(who), payment_id))
        assert code == expected, (code, expected, payment, request)
        if code is None:
            payment.status = PaymentStatus.PAID
            request.paid += payment.amount
            self.ledger.append((K.PAYMENT, payment.amount, payment.request_id))
            if request.paid == request.total:
                request.status = S.PAID

    @precondition(lambda self: self.any_payment(PaymentStatus.SCHEDULED))
    @rule(data=st.data(), who=ADVISORS)
    def cancel_payment(self, data: st.DataObject, who: str) -> None:
        payment_id, payment = self.some_payment(data)
        expected = None if payment.status is PaymentStatus.SCHEDULED else "NOT_SCHEDULED"
        code, _ = self.attempt(payments.cancel_payment(self.uow, self.policy(who), payment_id,
                                                       reason="Not needed after all."))
        assert code == expected, (code, expected, payment)
        if code is None:
            payment.status = PaymentStatus.CANCELLED

    @precondition(lambda self: self.any_open_case())
    @rule(data=st.data(), who=ADVISORS)
    def stop_payments(self, data: st.DataObject, who: str) -> None:
        """The advisor stops a case (regulation 17): what is unpaid stays committed."""
        _, request = self.some_request(data)
        expected = None if request.case_status is CaseStatus.OPEN else "PAYMENTS_STOPPED"
        code, _ = self.attempt(cases.stop_payments(self.uow, self.policy(who), request.case_id,
                                                   reason="Not used as agreed."))
        assert code == expected, (code, expected, request)
        if code is None:
            self.stop(request)

    @precondition(lambda self: any(r.status is S.APPROVED for r in self.requests.values()))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        """Amara withdraws an approved (perhaps part-paid) request: its unpaid rest goes back
        to the pot and its case stops."""
        request_id, request = self.some_request(data)
        expected = None if request.status is S.APPROVED else "INVALID_TRANSITION"
        code, _ = self.attempt(budget_requests.withdraw_request(
            self.uow, self.policy("amara"), request_id, reason="No longer needed."))
        assert code == expected, (code, expected, request)
        if code is None:
            self.ledger.append((K.RELEASE, request.total - request.paid, request_id))
            request.status = S.WITHDRAWN
            if request.case_status is CaseStatus.OPEN:
                self.stop(request)

    @precondition(lambda self: any(r.paid for r in self.requests.values()))
    @rule(data=st.data(), who=ADVISORS)
    def issue_notice(self, data: st.DataObject, who: str) -> None:
        """A repayment notice for any amount: more than is paid and not reclaimed is
        refused."""
        request_id = pick(data, self.requests, lambda r: r.paid > 0, "request")
        request = self.requests[request_id]
        room = request.paid - request.repaid - self.claimed(request_id)
        most = room if data.draw(st.booleans(), label="to fit") else room + 500
        amount = data.draw(st.integers(1, max(most, 1)), label="amount")
        expected = None if amount <= room else "MORE_THAN_PAID"
        code, notice = self.attempt(repayment.issue_repayment_notice(
            self.uow, self.policy(who), case_id=request.case_id, reason="Not spent.",
            amount_pence=amount, deadline=self.today + dt.timedelta(days=28),
            payer=Payee.PERSON))
        assert code == expected, (code, expected, request, amount)
        if notice is not None:
            self.notices[notice.id] = ModelNotice(request_id, amount)

    def some_notice(self, data: st.DataObject,
                    *live: NoticeStatus) -> tuple[int, ModelNotice]:
        notice_id = pick(data, self.notices, lambda n: n.status in live, "notice")
        return notice_id, self.notices[notice_id]

    @precondition(lambda self: self.any_notice(NoticeStatus.ISSUED))
    @rule(data=st.data(), decision=st.sampled_from([None, True, False]), who=ADVISORS)
    def request_reconsideration(self, data: st.DataObject, decision: bool | None,
                                who: str) -> None:
        """Ngozi asks; the advisor upholds the notice or withdraws it at once, or later."""
        notice_id, notice = self.some_notice(data, NoticeStatus.ISSUED)
        expected = None if notice.status is NoticeStatus.ISSUED else "NOT_RECONSIDERABLE"
        code, _ = self.attempt(repayment.request_reconsideration(
            self.uow, self.policy("ngozi"), notice_id, reason="I spent it on the plan."))
        assert code == expected, (code, expected, notice)
        if code is None:
            notice.status = NoticeStatus.RECONSIDERATION_REQUESTED
            if decision is not None:
                self.decide(notice_id, decision, who)

    @precondition(lambda self: self.any_notice(NoticeStatus.RECONSIDERATION_REQUESTED))
    @rule(data=st.data(), upheld=st.booleans(), who=ADVISORS)
    def decide_reconsideration(self, data: st.DataObject, upheld: bool, who: str) -> None:
        notice_id, _ = self.some_notice(data, NoticeStatus.RECONSIDERATION_REQUESTED)
        self.decide(notice_id, upheld, who)

    def decide(self, notice_id: int, upheld: bool, who: str) -> None:
        notice = self.notices[notice_id]
        expected = (None if notice.status is NoticeStatus.RECONSIDERATION_REQUESTED
                    else "NO_RECONSIDERATION")
        code, _ = self.attempt(repayment.decide_reconsideration(
            self.uow, self.policy(who), notice_id, upheld=upheld, note="Decided."))
        assert code == expected, (code, expected, notice)
        if code is None:
            notice.status = NoticeStatus.UPHELD if upheld else NoticeStatus.WITHDRAWN

    @precondition(lambda self: self.any_notice(NoticeStatus.ISSUED, NoticeStatus.UPHELD))
    @rule(data=st.data(), who=ADVISORS)
    def record_repayment(self, data: st.DataObject, who: str) -> None:
        """Any notice: repaid once if it is issued or upheld; the money returns to the pot."""
        notice_id, notice = self.some_notice(data, NoticeStatus.ISSUED, NoticeStatus.UPHELD)
        repayable = notice.status in (NoticeStatus.ISSUED, NoticeStatus.UPHELD)
        code, _ = self.attempt(repayment.record_repayment(self.uow, self.policy(who),
                                                          notice_id))
        assert code == (None if repayable else "NOT_REPAYABLE"), (code, notice)
        if code is None:
            notice.status = NoticeStatus.REPAID
            self.requests[notice.request_id].repaid += notice.amount
            self.ledger.append((K.REPAYMENT, notice.amount, notice.request_id))

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def the_database_is_as_modelled(self) -> None:
        if not self.pot_id:
            return
        stored = self.stored()
        assert stored.pot == (self.allocated(), self.committed(), self.paid()), (
            stored.pot, self.requests)
        assert self.available() >= 0
        assert stored.ledger == self.ledger
        assert stored.requests == {
            request_id: (r.status, r.total, r.paid, r.repaid)
            for request_id, r in self.requests.items()}
        assert stored.cases == {r.case_id: r.case_status for r in self.requests.values()}
        assert stored.payments == {
            payment_id: (p.status, p.amount, self.requests[p.request_id].case_id)
            for payment_id, p in self.payments.items()}
        assert stored.notices == {
            notice_id: (n.status, n.amount, self.requests[n.request_id].case_id)
            for notice_id, n in self.notices.items()}
        paid_cases = {self.requests[p.request_id].case_id for p in self.payments.values()
                      if p.status is PaymentStatus.PAID}
        assert stored.reviews == dict.fromkeys(sorted(paid_cases), 1)

    @invariant()
    def the_stored_rows_agree_with_each_other(self) -> None:
        """Independently of the model: the pot, the requests, the payments and the notices
        tell the same story."""
        if not self.pot_id:
            return
        stored = self.stored()
        self.run(ledger_balanced(self.uow.db, self.pot_id))
        request_of_case = {r.case_id: request_id for request_id, r in self.requests.items()}
        payments_made: dict[int, int] = dict.fromkeys(stored.requests, 0)
        for status, amount, case_id in stored.payments.values():
            if status is PaymentStatus.PAID:
                payments_made[request_of_case[case_id]] += amount
        repaid: dict[int, int] = dict.fromkeys(stored.requests, 0)
        for status, amount, case_id in stored.notices.values():
            if status is NoticeStatus.REPAID:
                repaid[request_of_case[case_id]] += amount
        committed = 0
        for request_id, (status, total, paid, repaid_pence) in stored.requests.items():
            assert paid == payments_made[request_id], request_id
            assert repaid_pence == repaid[request_id] <= paid, request_id
            assert (status is S.PAID) == (paid == total), (request_id, status, paid, total)
            if status is S.APPROVED:
                committed += total - paid
        allocated, pot_committed, pot_paid = stored.pot
        assert pot_committed == committed
        assert pot_paid == sum(payments_made.values()) - sum(repaid.values())
        assert allocated - pot_committed - pot_paid >= 0

    # --- reading what is stored -----------------------------------------------------------

    async def _case_of(self, request_id: int) -> int:
        async with self.uow.db.reading() as session:
            case_id = await session.scalar(select(PaymentCase.id).where(
                PaymentCase.request_id == request_id))
        assert case_id is not None, "the case opens on approval"
        return case_id

    async def _stored(self) -> Stored:
        case_ids = select(PaymentCase.id).where(PaymentCase.budget_id == self.budget_id)
        async with self.uow.db.reading() as session:

            async def rows(*columns: Any, where: Any) -> dict[Any, Any]:
                found = await session.execute(select(*columns).where(where))
                return {key: tuple(rest) if len(rest) > 1 else rest[0]
                        for key, *rest in found}

            *pot, audit_events, transitions = (await session.execute(
                select(FundingPot.allocated_pence, FundingPot.committed_pence,
                       FundingPot.paid_pence,
                       select(func.max(AuditEvent.id)).scalar_subquery(),
                       select(func.max(BudgetRequestTransition.id)).scalar_subquery())
                .where(FundingPot.id == self.pot_id))).one()
            ledger = [(kind, amount, request) for kind, amount, request in await session.execute(
                select(FundingPotEntry.kind, FundingPotEntry.amount_pence,
                       FundingPotEntry.request_id)
                .where(FundingPotEntry.pot_id == self.pot_id).order_by(FundingPotEntry.id))]
            requests = await rows(
                BudgetRequest.id, BudgetRequest.status, BudgetRequest.total_pence,
                BudgetRequest.paid_pence, BudgetRequest.repaid_pence,
                where=(BudgetRequest.budget_id == self.budget_id)
                & (BudgetRequest.status != S.DRAFT))
            found_cases = await rows(PaymentCase.id, PaymentCase.status,
                                     where=PaymentCase.budget_id == self.budget_id)
            found_payments = await rows(Payment.id, Payment.status, Payment.amount_pence,
                                        Payment.case_id, where=Payment.case_id.in_(case_ids))
            notices = await rows(RepaymentNotice.id, RepaymentNotice.status,
                                 RepaymentNotice.amount_pence, RepaymentNotice.case_id,
                                 where=RepaymentNotice.case_id.in_(case_ids))
            reviews = dict((await session.execute(
                select(Review.case_id, func.count()).where(Review.case_id.in_(case_ids))
                .group_by(Review.case_id).order_by(Review.case_id))).all())
        return Stored(pot=(pot[0], pot[1], pot[2]), ledger=ledger, requests=requests,
                      cases=found_cases, payments=found_payments, notices=notices,
                      reviews=reviews, audit_events=audit_events or 0,
                      transitions=transitions or 0)


def _run_machine(setting: Setting) -> None:
    """In a worker thread: an event loop and a connection pool of its own."""
    loop = asyncio.new_event_loop()
    database = Database(setting.url)
    machine = type("AdvocacyLedgerMachine", (LedgerMachine,), {
        "setting": setting, "loop": loop, "uow": UnitOfWork(database, plugins=PLUGINS)})
    try:
        run_state_machine_as_test(machine, settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow]))
    finally:
        loop.run_until_complete(database.dispose())
        loop.close()


async def test_the_pot_and_the_payments_keep_their_invariants(elft: ElftWorld) -> None:
    advocacy = await build_advocacy_world(elft)
    principals = {}
    async with elft.db.reading() as session:
        for name in USERS:
            principal = await principal_for_username(session, name)
            assert principal is not None, name
            principals[name] = principal
    setting = Setting(url=elft.db.url.render_as_string(hide_password=False),
                      principals=principals, person_id=elft.world.ngozi,
                      organisation_id=elft.world.charity, nominee_id=advocacy.chidi)
    await asyncio.to_thread(_run_machine, setting)
