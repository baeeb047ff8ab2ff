"""Payments in part: what has been paid towards a budget request, and repaid from it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("budget_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_pence", sa.BigInteger(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("repaid_pence", sa.BigInteger(), server_default="0",
                                      nullable=False))
    # Requests already paid or delivered in full, before payments in part existed.
    op.execute("UPDATE budget_request SET paid_pence = total_pence "
               "WHERE status IN ('paid', 'delivered', 'reviewed')")
    with op.batch_alter_table("budget_request", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "paid_within_total", "paid_pence >= 0 AND paid_pence <= total_pence")
        batch_op.create_check_constraint(
            "repaid_within_paid", "repaid_pence >= 0 AND repaid_pence <= paid_pence")


def downgrade() -> None:
    with op.batch_alter_table("budget_request", schema=None) as batch_op:
        batch_op.drop_constraint("paid_within_total", type_="check")
        batch_op.drop_constraint("repaid_within_paid", type_="check")
        batch_op.drop_column("repaid_pence")
        batch_op.drop_column("paid_pence")
