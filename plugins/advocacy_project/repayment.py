"""Repayment (regulation 15): a written notice with the reason, the amount, the deadline and
who must pay; a reconsideration the person may ask for, decided by the fund holder; and the
repayment itself, which brings the money back to the pot (core's ``repay_towards_request``).

    issued ─request_reconsideration→ reconsideration_requested ─decide→ upheld | withdrawn
    issued, upheld ─record_repayment→ repaid
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.errors import InvalidInput, InvalidTransition, NotFound
from core.inputs import required_text
from core.models import BudgetRequest
from core.policy import AccessPolicy, Action
from core.services.budget_requests import repay_towards_request
from core.unit_of_work import Transaction, UnitOfWork

from .cases import CATEGORY, audit, case_for_update
from .models import NoticeStatus, Payee, PaymentCase, RepaymentNotice
from .payments import nominee_of

__all__ = [
    "decide_reconsideration",
    "issue_repayment_notice",
    "record_repayment",
    "request_reconsideration",
]

# Notices whose money is still claimed: not withdrawn, and not yet repaid (repaid money is
# counted on the request itself).
_OUTSTANDING = (NoticeStatus.ISSUED, NoticeStatus.RECONSIDERATION_REQUESTED,
                NoticeStatus.UPHELD)


def _deadline(deadline: dt.date, today: dt.date, field: str = "deadline") -> dt.date:
    if deadline <= today:
        raise InvalidInput("Give a deadline after today.", code="DEADLINE_PASSED", field=field)
    return deadline


async def issue_repayment_notice(uow: UnitOfWork, policy: AccessPolicy, *, case_id: int,
                                 reason: str, amount_pence: int, deadline: dt.date,
                                 payer: Payee | str, nominee_id: int | None = None,
                                 ) -> RepaymentNotice:
    """A written notice: the reason, the amount, the deadline and who must pay (the person,
    or their nominee). At most what was paid and is not already repaid or claimed."""
    text = required_text(reason, field="reason", what="the reason, in writing",
                         max_length=5000)
    if amount_pence <= 0:
        raise InvalidInput("The amount is more than £0.00.", code="AMOUNT_NOT_POSITIVE",
                           field="amount")
    _deadline(deadline, policy.now.date())
    try:
        who = Payee(payer)
    except ValueError:
        raise InvalidInput("The person or their nominee repays.", code="INVALID_PAYER",
                           field="payer") from None
    async with uow.begin() as tx:
        case = await case_for_update(tx, policy, case_id)
        nominee = (await nominee_of(tx, case.person_id, nominee_id)
                   if who is Payee.NOMINEE else None)
        request = await tx.session.get_one(BudgetRequest, case.request_id)
        claimed = await tx.session.scalar(
            select(func.coalesce(func.sum(RepaymentNotice.amount_pence), 0)).where(
                RepaymentNotice.case_id == case.id, RepaymentNotice.status.in_(_OUTSTANDING)))
        if amount_pence > request.paid_pence - request.repaid_pence - (claimed or 0):
            raise InvalidInput("That is more than was paid and not already repaid or "
                               "reclaimed.", code="MORE_THAN_PAID", field="amount")
        notice = RepaymentNotice(case_id=case.id, person_id=case.person_id, reason=text,
                                 amount_pence=amount_pence, deadline=deadline, payer=who,
                                 nominee_id=nominee.id if nominee else None,
                                 payer_name=nominee.name if nominee else None,
                                 status=NoticeStatus.ISSUED,
                                 issued_by_staff_id=policy.principal.staff_member_id)
        tx.session.add(notice)
        await tx.session.flush()
        await audit(tx, policy, case.person_id, "issue_repayment_notice")
    return notice


async def _notice_for_update(tx: Transaction, notice_id: int) -> RepaymentNotice:
    notice = await tx.session.scalar(
        select(RepaymentNotice).where(RepaymentNotice.id == notice_id).with_for_update()
        .execution_options(populate_existing=True))
    if notice is None:
        raise NotFound("repayment notice", field="noticeId")
    return notice


async def request_reconsideration(uow: UnitOfWork, policy: AccessPolicy, notice_id: int, *,
                                  reason: str) -> RepaymentNotice:
    """The person asks for the notice to be reconsidered (or someone who may change their
    budget for them: a representative who manages it, or staff on their behalf)."""
    text = required_text(reason, field="reason", what="why it should be reconsidered",
                         max_length=5000)
    async with uow.begin() as tx:
        notice = await _notice_for_update(tx, notice_id)
        await policy.require(tx.session, Action.UPDATE, notice.person_id, [CATEGORY],
                             what="repayment notice", field="noticeId")
        if notice.status is not NoticeStatus.ISSUED:
            raise InvalidTransition("Only an issued notice can be reconsidered.",
                                    code="NOT_RECONSIDERABLE", field="noticeId")
        notice.status = NoticeStatus.RECONSIDERATION_REQUESTED
        notice.reconsideration_reason = text
        notice.reconsideration_requested_at = policy.now
        await audit(tx, policy, notice.person_id, "request_reconsideration")
    return notice


async def _notice_and_case(tx: Transaction, policy: AccessPolicy,
                           notice_id: int) -> tuple[RepaymentNotice, PaymentCase]:
    case_id = await tx.session.scalar(select(RepaymentNotice.case_id)
                                      .where(RepaymentNotice.id == notice_id))
    case = await case_for_update(tx, policy, case_id, what="repayment notice",
                                 field="noticeId")
    return await _notice_for_update(tx, notice_id), case


async def decide_reconsideration(uow: UnitOfWork, policy: AccessPolicy, notice_id: int, *,
                                 upheld: bool, note: str,
                                 new_deadline: dt.date | None = None) -> RepaymentNotice:
    """The fund holder's decision, with its reasons: the repayment still stands (upheld,
    optionally with a new deadline), or the notice is withdrawn."""
    text = required_text(note, field="note", what="the reasons for the decision",
                         max_length=5000)
    if new_deadline is not None:
        _deadline(new_deadline, policy.now.date(), "newDeadline")
    async with uow.begin() as tx:
        notice, _ = await _notice_and_case(tx, policy, notice_id)
        if notice.status is not NoticeStatus.RECONSIDERATION_REQUESTED:
            raise InvalidTransition("No reconsideration was asked for.",
                                    code="NO_RECONSIDERATION", field="noticeId")
        notice.status = NoticeStatus.UPHELD if upheld else NoticeStatus.WITHDRAWN
        notice.decision_note = text
        notice.decided_at = policy.now
        notice.decided_by_staff_id = policy.principal.staff_member_id
        if upheld and new_deadline is not None:
            notice.deadline = new_deadline
        await audit(tx, policy, notice.person_id, "decide_reconsideration")
    return notice


async def record_repayment(uow: UnitOfWork, policy: AccessPolicy,
                           notice_id: int) -> RepaymentNotice:
    """The notice's amount was repaid: it comes back to the pot."""
    async with uow.begin() as tx:
        notice, case = await _notice_and_case(tx, policy, notice_id)
        if notice.status not in (NoticeStatus.ISSUED, NoticeStatus.UPHELD):
            raise InvalidTransition(
                f"This notice is {notice.status.value.replace('_', ' ')}: nothing is to be "
                "repaid on it now.", code="NOT_REPAYABLE", field="noticeId")
        await repay_towards_request(tx, policy, case.request_id, notice.amount_pence,
                                    at=policy.now, note=f"Repayment notice {notice.id}",
                                    field="noticeId")
        notice.status = NoticeStatus.REPAID
        notice.repaid_at = policy.now
        await audit(tx, policy, notice.person_id, "record_repayment")
    return notice
