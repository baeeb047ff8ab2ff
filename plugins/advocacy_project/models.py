"""The Advocacy Project's own tables: payment cases, payments, receipts, reviews and repayment
notices. Their own ``MetaData`` (not core's ``Base``); this plugin's migrations create them.
They refer to core's tables by foreign key and never alter them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.models import Budget, BudgetRequest, Organisation, Person, StaffMember
from core.models.base import Base, UTCDateTime, id_type, utcnow

__all__ = [
    "AdvocacyBase",
    "PaymentCase",
    "Payment",
    "Receipt",
    "RepaymentNotice",
    "Review",
]

_PERSON = Person.__table__.c.id
_STAFF = StaffMember.__table__.c.id
_BUDGET = Budget.__table__.c.id
_REQUEST = BudgetRequest.__table__.c.id
_ORG = Organisation.__table__.c.id


class AdvocacyBase(DeclarativeBase):
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)


class _Row:
    id: Mapped[int] = mapped_column(id_type, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentCase(_Row, AdvocacyBase):
    """One approved direct-payment request, from approval to payment. Status: open, stopped."""

    __tablename__ = "advocacy_project_payment_case"
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey(_BUDGET))
    request_id: Mapped[int] = mapped_column(ForeignKey(_REQUEST), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey(_ORG), index=True)
    approved_pence: Mapped[int] = mapped_column(BigInteger)
    approved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="open")
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    stop_reason: Mapped[str | None] = mapped_column(Text)


class Payment(_Row, AdvocacyBase):
    """A one-off payment or one instalment. Status: scheduled, paid, cancelled."""

    __tablename__ = "advocacy_project_payment"
    case_id: Mapped[int] = mapped_column(ForeignKey(PaymentCase.id), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[dt.date] = mapped_column(Date)
    payee: Mapped[str] = mapped_column(String(20))  # person | nominee
    payee_name: Mapped[str | None] = mapped_column(String(200))
    account_reference: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey(_STAFF))


class Receipt(_Row, AdvocacyBase):
    """A receipt or other evidence of what a payment was spent on."""

    __tablename__ = "advocacy_project_receipt"
    payment_id: Mapped[int] = mapped_column(ForeignKey(Payment.id), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    description: Mapped[str] = mapped_column(Text)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    spent_on: Mapped[dt.date] = mapped_column(Date)


class Review(_Row, AdvocacyBase):
    """A direct-payment review: within 3 months of the first payment, then at least yearly."""

    __tablename__ = "advocacy_project_review"
    case_id: Mapped[int] = mapped_column(ForeignKey(PaymentCase.id), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class RepaymentNotice(_Row, AdvocacyBase):
    """A written repayment notice (regulation 15) and its reconsideration.
    Status: issued, reconsideration_requested, upheld, withdrawn, repaid."""

    __tablename__ = "advocacy_project_repayment_notice"
    case_id: Mapped[int] = mapped_column(ForeignKey(PaymentCase.id), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    reason: Mapped[str] = mapped_column(Text)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[dt.date] = mapped_column(Date)
    payer: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30), default="issued")
    reconsideration_reason: Mapped[str | None] = mapped_column(Text)
    reconsideration_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    repaid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
