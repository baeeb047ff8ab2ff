"""A Hypothesis state machine over request / approve / reject / withdraw / pay / top-up.

Hypothesis drives the services in random orders against a model of what ELFT's rules should
do, and checks after every step:

* the pot: allocated = allocation + top-ups; committed = the approved requests' totals; paid =
  the paid ones'; available = allocated - committed - paid, never below zero; the ledger sums
  to it;
* every approved (or paid) request has exactly the sign-offs its total needs, each by a
  different person in a role the step allows, none by the requester;
* a rejected, withdrawn or paid request never changes again (every refused operation leaves
  the database as the model says).

Hypothesis is synchronous: the machine runs in a worker thread with its own event loop and
connection pool.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from core.db import Database
from core.errors import DomainError
from core.models import (
    ApprovalDecision,
    BudgetApproval,
    BudgetRequest,
    BudgetRequestStatus,
    FundingPot,
    FundingPotEntry,
    PaymentRoute,
)
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import budget_requests, funding
from core.services.budget_requests import ItemInput
from core.unit_of_work import UnitOfWork
from tests.support.world import PLUGINS, RULES

from .support import ElftWorld

T = TypeVar("T")
S = BudgetRequestStatus
OPEN = (S.SUBMITTED, S.AWAITING_APPROVAL)

CLINICIANS = {"elft.team_lead", "elft.phb_lead_clinician"}
ROLES = {"amara": "elft.care_coordinator", "james": "elft.team_lead",
         "tariq": "elft.team_lead", "rosa": "elft.phb_lead_clinician",
         "grace": "elft.lived_experience_reviewer", "helen": "elft.commissioner"}


def expected_steps(total: int, phone: bool) -> list[tuple[str, set[str]]]:
    """ELFT's sign-off rules with the default settings, written out again for the model."""
    if phone and total <= 30_000:
        return [("stay_connected_fast_track", CLINICIANS)]
    if total <= 25_000:
        return [("clinician", CLINICIANS)]
    if total <= 75_000:
        return [("clinician", CLINICIANS), ("team_lead_co_sign", {"elft.team_lead"})]
    return [("panel_lived_experience", {"elft.lived_experience_reviewer"}),
            ("panel_phb_lead_clinician", {"elft.phb_lead_clinician"}),
            ("panel_commissioner", {"elft.commissioner"})]


@dataclass
class ModelRequest:
    total: int
    requester: str
    steps: list[tuple[str, set[str]]]
    status: BudgetRequestStatus = S.DRAFT
    signed: dict[str, str] = field(default_factory=dict)  # step -> who
    decided: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Setting:
    url: str
    principals: dict[str, Principal]
    person_id: int
    organisation_id: int


TOTALS = st.sampled_from([100, 18_000, 25_000, 25_001, 28_000, 60_000, 75_000, 75_001, 90_000])
REQUESTERS = st.sampled_from(["ngozi", "amara", "james"])


class PotMachine(RuleBasedStateMachine):
    setting: Setting  # set by the test for each backend
    loop: asyncio.AbstractEventLoop
    uow: UnitOfWork

    requests = Bundle("requests")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[int, ModelRequest] = {}
        self.allocated = 0
        self.pot_id = 0
        self.budget_id = 0

    def run(self, call: Awaitable[T]) -> T:
        return self.loop.run_until_complete(call)  # type: ignore[arg-type]

    def policy(self, who: str) -> AccessPolicy:
        if who == "system":
            return AccessPolicy(Principal.system(), RULES)
        return AccessPolicy(self.setting.principals[who], RULES)

    def attempt(self, call: Awaitable[Any]) -> str | None:
        """The error code of a refused use case, or None when it succeeded."""
        try:
            self.run(call)
        except DomainError as error:
            return error.code
        return None

    # --- the model's arithmetic -----------------------------------------------------------

    def committed(self) -> int:
        return sum(r.total for r in self.model.values() if r.status is S.APPROVED)

    def paid(self) -> int:
        return sum(r.total for r in self.model.values() if r.status is S.PAID)

    def available(self) -> int:
        return self.allocated - self.committed() - self.paid()

    # --- rules ----------------------------------------------------------------------------

    @initialize(target=requests, allocation=st.sampled_from([50_000, 120_000, 250_000]),
                first=st.lists(st.tuples(TOTALS, st.booleans(), REQUESTERS), min_size=2,
                               max_size=5))
    def open_a_pot(self, allocation: int,
                   first: list[tuple[int, bool, str]]) -> MultipleResults[int]:
        """A fresh pot and budget for each run, and a few requests to decide on."""
        system = self.policy("system")
        pot = self.run(funding.create_funding_pot(
            self.uow, system, name="Machine pot", allocation_pence=allocation,
            holder_organisation_id=self.setting.organisation_id))
        today = system.now.date()
        budget = self.run(funding.create_budget(
            self.uow, system, person_id=self.setting.person_id, funding_pot_id=pot.id,
            payment_route=PaymentRoute.DIRECT_PAYMENT, period_start=today,
            period_end=today + dt.timedelta(days=365)))
        self.pot_id, self.budget_id, self.allocated = pot.id, budget.id, allocation
        return multiple(*(self.request(*arguments) for arguments in first))

    @rule(target=requests, total=TOTALS, phone=st.booleans(), requester=REQUESTERS)
    def request(self, total: int, phone: bool, requester: str) -> int:
        policy = self.policy(requester)
        description = "Smartphone and SIM card" if phone else "Swimming course"
        created = self.run(budget_requests.create_request(
            self.uow, policy, budget_id=self.budget_id, purpose="Machine",
            items=[ItemInput(description, f"{total // 100}.{total % 100:02d}")]))
        model = ModelRequest(total, requester, expected_steps(total, phone))
        self.model[created.id] = model
        code = self.attempt(budget_requests.submit_request(self.uow, self.policy(requester),
                                                           created.id))
        if total > self.available():
            assert code == "POT_EXHAUSTED", code
        else:
            assert code is None, code
            model.status = S.SUBMITTED
        return created.id

    def expected_approval(self, request: ModelRequest, who: str) -> str | None:
        if who == "amara":  # a care coordinator may not sign off at all
            return "FORBIDDEN"
        if request.status not in OPEN:
            return "INVALID_TRANSITION"
        waiting = [step for step in request.steps if step[0] not in request.signed]
        fitting = [name for name, roles in waiting if ROLES[who] in roles]
        if not fitting:
            return "WRONG_ROLE"
        if who == request.requester:
            return "SELF_APPROVAL"
        if who in request.decided:
            return "ALREADY_DECIDED"
        if len(waiting) == 1 and request.total > self.available():
            return "POT_EXHAUSTED"
        return None

    def open_requests(self) -> list[int]:
        return sorted(i for i, request in self.model.items() if request.status in OPEN)

    @precondition(lambda self: self.open_requests())
    @rule(data=st.data())
    def sign_off(self, data: st.DataObject) -> None:
        """A waiting request, and someone whose role fits one of its missing sign-offs: so
        that requests get through theirs and the pot fills up (or runs out)."""
        request_id = data.draw(st.sampled_from(self.open_requests()))
        request = self.model[request_id]
        waiting = [roles for name, roles in request.steps if name not in request.signed]
        fitting = sorted(who for who, role in ROLES.items()
                         if any(role in roles for roles in waiting))
        self.approve(request_id, data.draw(st.sampled_from(fitting)))

    @rule(request_id=requests, who=st.sampled_from(sorted(ROLES)))
    def approve(self, request_id: int, who: str) -> None:
        request = self.model[request_id]
        expected = self.expected_approval(request, who)
        code = self.attempt(budget_requests.approve_request(self.uow, self.policy(who),
                                                            request_id))
        assert code == expected, (code, expected, request, who)
        if code is None:
            waiting = [name for name, roles in request.steps
                       if name not in request.signed and ROLES[who] in roles]
            request.signed[waiting[0]] = who
            request.decided.add(who)
            done = len(request.signed) == len(request.steps)
            request.status = S.APPROVED if done else S.AWAITING_APPROVAL

    @rule(request_id=requests, who=st.sampled_from(sorted(ROLES)))
    def reject(self, request_id: int, who: str) -> None:
        request = self.model[request_id]
        if who == "amara":
            expected: str | None = "FORBIDDEN"
        elif request.status not in OPEN:
            expected = "INVALID_TRANSITION"
        elif who == request.requester:
            expected = "SELF_APPROVAL"
        elif who in request.decided:
            expected = "ALREADY_DECIDED"
        else:
            expected = None
        code = self.attempt(budget_requests.reject_request(self.uow, self.policy(who),
                                                           request_id, reason="No"))
        assert code == expected, (code, expected, request, who)
        if code is None:
            request.status = S.REJECTED

    @rule(request_id=requests)
    def withdraw(self, request_id: int) -> None:
        request = self.model[request_id]
        allowed = request.status in (S.DRAFT, *OPEN, S.APPROVED)
        code = self.attempt(budget_requests.withdraw_request(self.uow, self.policy("ngozi"),
                                                             request_id))
        assert code == (None if allowed else "INVALID_TRANSITION"), (code, request)
        if code is None:
            request.status = S.WITHDRAWN

    @rule(request_id=requests)
    def pay(self, request_id: int) -> None:
        request = self.model[request_id]
        # ELFT signs off; only the pot's holder pays from it (the system may, as any holder).
        refused = self.attempt(budget_requests.mark_paid(self.uow, self.policy("james"),
                                                         request_id))
        assert refused == "NOT_FUND_HOLDER", refused
        code = self.attempt(budget_requests.mark_paid(self.uow, self.policy("system"),
                                                      request_id))
        assert code == (None if request.status is S.APPROVED else "INVALID_TRANSITION"), code
        if code is None:
            request.status = S.PAID

    @rule(amount=st.sampled_from([1, 10_000, 50_000]))
    def top_up(self, amount: int) -> None:
        self.run(funding.top_up_pot(self.uow, self.policy("system"), self.pot_id,
                                    amount_pence=amount, note="More money"))
        self.allocated += amount

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def the_pot_balances(self) -> None:
        if not self.pot_id:
            return
        pot, ledger = self.run(self._pot_and_ledger())
        assert (pot.allocated_pence, pot.committed_pence, pot.paid_pence) == (
            self.allocated, self.committed(), self.paid())
        assert pot.available_pence == self.available() >= 0
        assert ledger == pot.available_pence

    @invariant()
    def statuses_and_sign_offs_are_as_modelled(self) -> None:
        if not self.model:
            return
        stored, approvals = self.run(self._requests_and_approvals())
        staff = {principal.staff_member_id: name
                 for name, principal in self.setting.principals.items()}
        for request_id, request in self.model.items():
            assert stored[request_id] is request.status, (request_id, request)
            signed = {step: staff[who] for step, who in approvals.get(request_id, [])}
            assert signed == request.signed
            if request.status in (S.APPROVED, S.PAID):
                names = [name for name, _ in request.steps]
                assert sorted(signed) == sorted(names)
                people = list(signed.values())
                assert len(set(people)) == len(people)  # distinct approvers
                assert request.requester not in people
                roles = dict(request.steps)
                assert all(ROLES[who] in roles[step] for step, who in signed.items())

    async def _pot_and_ledger(self) -> tuple[FundingPot, int]:
        async with self.uow.db.reading() as session:
            pot = await session.get_one(FundingPot, self.pot_id)
            ledger = await session.scalar(
                select(func.sum(FundingPotEntry.available_delta_pence))
                .where(FundingPotEntry.pot_id == self.pot_id))
        return pot, int(ledger or 0)

    async def _requests_and_approvals(
        self,
    ) -> tuple[dict[int, BudgetRequestStatus], dict[int, list[tuple[str, int]]]]:
        ids = list(self.model)
        async with self.uow.db.reading() as session:
            statuses = dict((await session.execute(
                select(BudgetRequest.id, BudgetRequest.status)
                .where(BudgetRequest.id.in_(ids)))).all())
            approvals: dict[int, list[tuple[str, int]]] = {}
            for approval in await session.scalars(
                    select(BudgetApproval).where(
                        BudgetApproval.request_id.in_(ids),
                        BudgetApproval.decision == ApprovalDecision.APPROVED)):
                approvals.setdefault(approval.request_id, []).append(
                    (str(approval.step), approval.staff_member_id))
        return statuses, approvals


def _run_machine(setting: Setting, examples: int) -> None:
    """In a worker thread: an event loop and a connection pool of its own."""
    loop = asyncio.new_event_loop()
    database = Database(setting.url)
    machine = type("ElftPotMachine", (PotMachine,), {
        "setting": setting, "loop": loop, "uow": UnitOfWork(database, plugins=PLUGINS)})
    try:
        run_state_machine_as_test(machine, settings=settings(
            max_examples=examples, stateful_step_count=30, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow]))
    finally:
        loop.run_until_complete(database.dispose())
        loop.close()


async def test_the_pot_and_the_sign_offs_keep_their_invariants(elft: ElftWorld) -> None:
    world = elft.world
    principals = {}
    async with world.uow.db.reading() as session:
        from core.services.accounts import principal_for_username

        for name in ["ngozi", *ROLES]:
            principal = await principal_for_username(session, name)
            assert principal is not None
            principals[name] = principal
    url = world.uow.db.url.render_as_string(hide_password=False)
    setting = Setting(url=url, principals=principals, person_id=world.ngozi,
                      organisation_id=world.charity)
    # Fewer runs on PostgreSQL, where each step costs about twice as much.
    examples = 25 if world.uow.db.is_sqlite else 12
    await asyncio.to_thread(_run_machine, setting, examples)
