"""Approval steps: the sign-offs a budget request needs, and which step each filled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:42:32.983948
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("budget_approval", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step", sa.String(length=60), nullable=True))

    with op.batch_alter_table("budget_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval_steps", sa.JSON(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("budget_request", schema=None) as batch_op:
        batch_op.drop_column("approval_steps")

    with op.batch_alter_table("budget_approval", schema=None) as batch_op:
        batch_op.drop_column("step")
