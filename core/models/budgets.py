"""Personal Health Budgets: the funding pot, a person's budget, requests, items and approvals.

Money is integer pence everywhere. The pot's running totals are kept on its row (so an approval
locks one row to reserve money) and every movement is also written to the pot's ledger, whose
entries sum to the pot's available balance.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._actor import RecordedBy
from ._columns import enum_column_type
from .base import Base, IdPK, Timestamped, UTCDateTime, id_type, utcnow

__all__ = [
    "ApprovalDecision",
    "Budget",
    "BudgetApproval",
    "BudgetItem",
    "BudgetRequest",
    "BudgetRequestStatus",
    "BudgetRequestTransition",
    "FundingPot",
    "LedgerEntryKind",
    "FundingPotEntry",
    "PaymentRoute",
]


class PaymentRoute(enum.StrEnum):
    DIRECT_PAYMENT = "direct_payment"
    NOTIONAL = "notional"
    THIRD_PARTY = "third_party"


class BudgetRequestStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    PAID = "paid"
    DELIVERED = "delivered"
    REVIEWED = "reviewed"


class ApprovalDecision(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class LedgerEntryKind(enum.StrEnum):
    ALLOCATION = "allocation"
    TOP_UP = "top_up"
    RESERVATION = "reservation"
    RELEASE = "release"
    PAYMENT = "payment"
    REPAYMENT = "repayment"


class FundingPot(IdPK, Timestamped, Base):
    """A pre-allocated fund that approvals draw on. Never overspent: see services.budgets."""

    __tablename__ = "funding_pot"
    __table_args__ = (
        CheckConstraint("committed_pence >= 0", name="committed_not_negative"),
        CheckConstraint("paid_pence >= 0", name="paid_not_negative"),
        CheckConstraint(
            "allocated_pence - committed_pence - paid_pence >= 0", name="never_overspent"
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    holder_organisation_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    # Allocation plus top-ups.
    allocated_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    # Reserved by approved requests not yet paid or delivered.
    committed_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_pence: Mapped[int] = mapped_column(BigInteger, default=0)

    @property
    def available_pence(self) -> int:
        return self.allocated_pence - self.committed_pence - self.paid_pence


class FundingPotEntry(IdPK, Base):
    """One movement of money. ``available_delta_pence`` entries sum to the pot's available."""

    __tablename__ = "funding_pot_entry"

    pot_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("funding_pot.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LedgerEntryKind] = mapped_column(enum_column_type(LedgerEntryKind))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    available_delta_pence: Mapped[int] = mapped_column(BigInteger)
    request_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("budget_request.id", ondelete="RESTRICT"), index=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class Budget(IdPK, Timestamped, Base):
    """A person's Personal Health Budget for a period, drawn from one funding pot."""

    __tablename__ = "budget"

    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    funding_pot_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("funding_pot.id", ondelete="RESTRICT"), index=True
    )
    payment_route: Mapped[PaymentRoute] = mapped_column(enum_column_type(PaymentRoute))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)


class BudgetRequest(IdPK, Timestamped, RecordedBy, Base):
    """A request to spend part of a budget on one or more items, through sign-off."""

    __tablename__ = "budget_request"
    __table_args__ = (
        # Approval queues: "requests in this state", newest last.
        Index("ix_budget_request_status_id", "status", "id"),
        CheckConstraint("paid_pence >= 0 AND paid_pence <= total_pence",
                        name="paid_within_total"),
        CheckConstraint("repaid_pence >= 0 AND repaid_pence <= paid_pence",
                        name="repaid_within_paid"),
    )

    budget_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("budget.id", ondelete="CASCADE"), index=True
    )
    # Denormalised from the budget so access filters need no join.
    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[BudgetRequestStatus] = mapped_column(
        enum_column_type(BudgetRequestStatus), default=BudgetRequestStatus.DRAFT
    )
    purpose: Mapped[str] = mapped_column(Text)
    total_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    # Paid so far (a direct payment may go in instalments); the request becomes ``paid`` when
    # this reaches the total. Repaid: what came back to the pot (a repayment notice).
    paid_pence: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    repaid_pence: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The sign-offs it needs (core.approvals.ApprovalStep as JSON), fixed when submitted.
    approval_steps: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    approvals_required: Mapped[int | None] = mapped_column()
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class BudgetItem(IdPK, Timestamped, Base):
    __tablename__ = "budget_item"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    request_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("budget_request.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(500))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    # The recovery goal this purchase serves.
    goal_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("recovery_goal.id", ondelete="SET NULL"), index=True
    )


class BudgetApproval(IdPK, Base):
    """One sign-off (or refusal) by a staff member in a role."""

    __tablename__ = "budget_approval"

    request_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("budget_request.id", ondelete="CASCADE"), index=True
    )
    staff_member_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="RESTRICT")
    )
    team_id: Mapped[int] = mapped_column(id_type, ForeignKey("team.id", ondelete="RESTRICT"))
    decision: Mapped[ApprovalDecision] = mapped_column(enum_column_type(ApprovalDecision))
    # Which approval step this sign-off filled (None for a rejection).
    step: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BudgetRequestTransition(IdPK, RecordedBy, Base):
    """The request's status history."""

    __tablename__ = "budget_request_transition"

    request_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("budget_request.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[BudgetRequestStatus | None] = mapped_column(
        enum_column_type(BudgetRequestStatus)
    )
    to_status: Mapped[BudgetRequestStatus] = mapped_column(enum_column_type(BudgetRequestStatus))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
