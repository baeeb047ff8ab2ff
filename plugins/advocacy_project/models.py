"""The Advocacy Project's own tables: payment cases, payments, receipts, reviews and repayment
notices. Their own ``MetaData`` (not core's ``Base``); this plugin's migrations create them.
They refer to core's tables by foreign key and never alter them. Money is integer pence; times
are aware UTC."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, Date, Enum, ForeignKey, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.models import Budget, BudgetRequest, Organisation, Person, Representative, StaffMember
from core.models.base import Base, UTCDateTime, id_type, utcnow

__all__ = [
    "AdvocacyBase",
    "CaseStatus",
    "NoticeStatus",
    "Payee",
    "Payment",
    "PaymentCase",
    "PaymentStatus",
    "Receipt",
    "RepaymentNotice",
    "Review",
]

_PERSON = Person.__table__.c.id
_STAFF = StaffMember.__table__.c.id
_BUDGET = Budget.__table__.c.id
_REQUEST = BudgetRequest.__table__.c.id
_ORG = Organisation.__table__.c.id
_REPRESENTATIVE = Representative.__table__.c.id


class CaseStatus(enum.StrEnum):
    OPEN = "open"  # payments can be scheduled and made; monitoring goes on after the last
    STOPPED = "stopped"  # consent withdrawn, request withdrawn, or stopped by the advisor


class PaymentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    PAID = "paid"
    CANCELLED = "cancelled"


class Payee(enum.StrEnum):
    """Who receives a payment, or must repay: the person, or their nominee (a representative
    with the ``nominee`` basis, who receives direct payments on the person's behalf)."""

    PERSON = "person"
    NOMINEE = "nominee"


class NoticeStatus(enum.StrEnum):
    ISSUED = "issued"
    RECONSIDERATION_REQUESTED = "reconsideration_requested"
    UPHELD = "upheld"  # reconsidered, and the repayment still stands
    WITHDRAWN = "withdrawn"  # reconsidered, and nothing is to be repaid
    REPAID = "repaid"


def _state(enum_class: type[enum.Enum]) -> Enum:
    """A status stored as its value in a short string column (no database enum type)."""

    def values(members: Any) -> list[str]:
        return [member.value for member in members]

    return Enum(enum_class, native_enum=False, length=30, values_callable=values,
                validate_strings=True, create_constraint=False)


class AdvocacyBase(DeclarativeBase):
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)


class _Row:
    id: Mapped[int] = mapped_column(id_type, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentCase(_Row, AdvocacyBase):
    """One approved direct-payment request, from approval to payment and its monitoring."""

    __tablename__ = "advocacy_project_payment_case"
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey(_BUDGET))
    request_id: Mapped[int] = mapped_column(ForeignKey(_REQUEST), unique=True)
    # The organisation that holds the funding pot: only its staff pay from it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey(_ORG), index=True)
    approved_pence: Mapped[int] = mapped_column(BigInteger)
    approved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[CaseStatus] = mapped_column(_state(CaseStatus), default=CaseStatus.OPEN)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    stop_reason: Mapped[str | None] = mapped_column(Text)
    # None when the platform stopped it (consent or request withdrawn).
    stopped_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey(_STAFF))


class Payment(_Row, AdvocacyBase):
    """A one-off payment or one instalment, to the person or their nominee."""

    __tablename__ = "advocacy_project_payment"
    case_id: Mapped[int] = mapped_column(ForeignKey(PaymentCase.id), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[dt.date] = mapped_column(Date)
    payee: Mapped[Payee] = mapped_column(_state(Payee))
    nominee_id: Mapped[int | None] = mapped_column(ForeignKey(_REPRESENTATIVE))
    # The nominee's name when the payment was scheduled (None when paid to the person).
    payee_name: Mapped[str | None] = mapped_column(String(200))
    # The separate account the direct payment goes into.
    account_reference: Mapped[str] = mapped_column(String(100))
    status: Mapped[PaymentStatus] = mapped_column(_state(PaymentStatus),
                                                  default=PaymentStatus.SCHEDULED)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey(_STAFF))  # who scheduled it
    paid_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey(_STAFF))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class Receipt(_Row, AdvocacyBase):
    """A receipt or other evidence of what a payment was spent on."""

    __tablename__ = "advocacy_project_receipt"
    payment_id: Mapped[int] = mapped_column(ForeignKey(Payment.id), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey(PaymentCase.id), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    description: Mapped[str] = mapped_column(Text)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    spent_on: Mapped[dt.date] = mapped_column(Date)
    # Sent by the person (or their representative), or recorded by staff.
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey(_PERSON))
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey(_STAFF))


class Review(_Row, AdvocacyBase):
    """A direct-payment review: within 3 months of the first payment, then at least yearly."""

    __tablename__ = "advocacy_project_review"
    case_id: Mapped[int] = mapped_column(ForeignKey(PaymentCase.id), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey(_STAFF))


class RepaymentNotice(_Row, AdvocacyBase):
    """A written repayment notice (regulation 15) and its reconsideration."""

    __tablename__ = "advocacy_project_repayment_notice"
    case_id: Mapped[int] = mapped_column(ForeignKey(PaymentCase.id), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    reason: Mapped[str] = mapped_column(Text)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[dt.date] = mapped_column(Date)
    # Who must pay: the person, or their nominee (named as when the notice was written).
    payer: Mapped[Payee] = mapped_column(_state(Payee))
    nominee_id: Mapped[int | None] = mapped_column(ForeignKey(_REPRESENTATIVE))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[NoticeStatus] = mapped_column(_state(NoticeStatus),
                                                 default=NoticeStatus.ISSUED)
    issued_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey(_STAFF))
    reconsideration_reason: Mapped[str | None] = mapped_column(Text)
    reconsideration_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey(_STAFF))
    repaid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
