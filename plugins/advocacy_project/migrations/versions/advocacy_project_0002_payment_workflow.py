"""The Advocacy Project: who did what (scheduled, paid, cancelled, reviewed, issued, decided),
nominees as representatives, receipts by case, and structured payers on repayment notices.

Depends on core's ``0005`` (payments in part on budget requests), which the plugin's payments
now go through.

Revision ID: advocacy_project_0002
Revises: advocacy_project_0001
Create Date: 2026-11-26 10:30:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "advocacy_project_0002"
down_revision: str | None = "advocacy_project_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0005"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_STATE = sa.String(length=30)


def _fk(table: str, column: str, target: str) -> tuple[str, str, list[str], list[str]]:
    return (op.f(f"fk_{table}_{column}_{target}"), target, [column], ["id"])


def upgrade() -> None:
    case = "advocacy_project_payment_case"
    with op.batch_alter_table(case) as batch:
        batch.add_column(sa.Column("stopped_by_staff_id", _ID, nullable=True))
        batch.create_foreign_key(*_fk(case, "stopped_by_staff_id", "staff_member"))
        batch.alter_column("status", existing_type=sa.String(length=20), type_=_STATE)
        batch.alter_column("organisation_id", existing_type=_ID, nullable=False)

    payment = "advocacy_project_payment"
    with op.batch_alter_table(payment) as batch:
        batch.add_column(sa.Column("nominee_id", _ID, nullable=True))
        batch.add_column(sa.Column("paid_by_staff_id", _ID, nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch.create_foreign_key(*_fk(payment, "nominee_id", "representative"))
        batch.create_foreign_key(*_fk(payment, "paid_by_staff_id", "staff_member"))
        batch.alter_column("status", existing_type=sa.String(length=20), type_=_STATE)
        batch.alter_column("payee", existing_type=sa.String(length=20), type_=_STATE)

    receipt = "advocacy_project_receipt"
    with op.batch_alter_table(receipt) as batch:
        batch.add_column(sa.Column("case_id", _ID, nullable=True))
        batch.add_column(sa.Column("by_person_id", _ID, nullable=True))
        batch.add_column(sa.Column("by_staff_id", _ID, nullable=True))
    op.execute(f"UPDATE {receipt} SET case_id = (SELECT case_id FROM {payment} "
               f"WHERE {payment}.id = {receipt}.payment_id)")
    with op.batch_alter_table(receipt) as batch:
        batch.alter_column("case_id", existing_type=_ID, nullable=False)
        batch.create_index(op.f(f"ix_{receipt}_case_id"), ["case_id"], unique=False)
        batch.create_foreign_key(*_fk(receipt, "case_id", case))
        batch.create_foreign_key(*_fk(receipt, "by_person_id", "person"))
        batch.create_foreign_key(*_fk(receipt, "by_staff_id", "staff_member"))

    review = "advocacy_project_review"
    with op.batch_alter_table(review) as batch:
        batch.add_column(sa.Column("by_staff_id", _ID, nullable=True))
        batch.create_foreign_key(*_fk(review, "by_staff_id", "staff_member"))

    # A notice's payer was free text: it becomes the payer's name, and the payer the person.
    notice = "advocacy_project_repayment_notice"
    with op.batch_alter_table(notice) as batch:
        batch.add_column(sa.Column("payer_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("nominee_id", _ID, nullable=True))
        batch.add_column(sa.Column("issued_by_staff_id", _ID, nullable=True))
        batch.add_column(sa.Column("decided_by_staff_id", _ID, nullable=True))
    op.execute(f"UPDATE {notice} SET payer_name = payer, payer = 'person'")
    with op.batch_alter_table(notice) as batch:
        batch.alter_column("payer", existing_type=sa.String(length=200), type_=_STATE)
        batch.alter_column("status", existing_type=sa.String(length=30), type_=_STATE)
        batch.create_foreign_key(*_fk(notice, "nominee_id", "representative"))
        batch.create_foreign_key(*_fk(notice, "issued_by_staff_id", "staff_member"))
        batch.create_foreign_key(*_fk(notice, "decided_by_staff_id", "staff_member"))


def _drop_fks(batch: Any, table: str, *columns_and_targets: tuple[str, str]) -> None:
    for column, target in columns_and_targets:
        batch.drop_constraint(op.f(f"fk_{table}_{column}_{target}"), type_="foreignkey")


def downgrade() -> None:
    notice = "advocacy_project_repayment_notice"
    op.execute(f"UPDATE {notice} SET payer = COALESCE(payer_name, payer)")
    with op.batch_alter_table(notice) as batch:
        _drop_fks(batch, notice, ("decided_by_staff_id", "staff_member"),
                  ("issued_by_staff_id", "staff_member"), ("nominee_id", "representative"))
        for column in ("decided_by_staff_id", "issued_by_staff_id", "nominee_id", "payer_name"):
            batch.drop_column(column)
        batch.alter_column("payer", existing_type=_STATE, type_=sa.String(length=200))

    review = "advocacy_project_review"
    with op.batch_alter_table(review) as batch:
        _drop_fks(batch, review, ("by_staff_id", "staff_member"))
        batch.drop_column("by_staff_id")

    receipt = "advocacy_project_receipt"
    with op.batch_alter_table(receipt) as batch:
        _drop_fks(batch, receipt, ("by_staff_id", "staff_member"), ("by_person_id", "person"),
                  ("case_id", "advocacy_project_payment_case"))
        batch.drop_index(op.f(f"ix_{receipt}_case_id"))
        for column in ("by_staff_id", "by_person_id", "case_id"):
            batch.drop_column(column)

    payment = "advocacy_project_payment"
    with op.batch_alter_table(payment) as batch:
        _drop_fks(batch, payment, ("paid_by_staff_id", "staff_member"),
                  ("nominee_id", "representative"))
        for column in ("cancel_reason", "cancelled_at", "paid_by_staff_id", "nominee_id"):
            batch.drop_column(column)
        batch.alter_column("status", existing_type=_STATE, type_=sa.String(length=20))
        batch.alter_column("payee", existing_type=_STATE, type_=sa.String(length=20))

    case = "advocacy_project_payment_case"
    with op.batch_alter_table(case) as batch:
        _drop_fks(batch, case, ("stopped_by_staff_id", "staff_member"))
        batch.drop_column("stopped_by_staff_id")
        batch.alter_column("status", existing_type=_STATE, type_=sa.String(length=20))
        batch.alter_column("organisation_id", existing_type=_ID, nullable=True)
