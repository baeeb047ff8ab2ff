"""The sample plugin's own table: visits to the café.

Revision ID: sample_0001
Depends on: core's 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sample_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("sample",)
depends_on: str | Sequence[str] | None = "0003"


def upgrade() -> None:
    op.create_table(
        "sample_visit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sample_visit")
