"""Background jobs (our rows and APScheduler's tables) and notifications.

APScheduler's SQLAlchemy data store creates its tables when a scheduler starts; creating them
here instead means workers starting together never race to create them, and a database at
head is ready for jobs. On PostgreSQL they sit in a schema of their own, ``apscheduler``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:20:17.092766
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _apscheduler_tables() -> sa.MetaData:
    from apscheduler.datastores.sqlalchemy import SQLAlchemyDataStore

    from core.jobs.runner import apscheduler_schema

    bind = op.get_bind()
    store = SQLAlchemyDataStore(bind.engine, schema=apscheduler_schema(bind.dialect.name))
    return store.get_table_definitions()


def upgrade() -> None:
    op.create_table(
        "background_job",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.Enum("queued", "running", "done", "failed", name="jobstatus",
                                    native_enum=False, length=40), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", WHEN, nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_job")),
        sa.UniqueConstraint("key", name=op.f("uq_background_job_key")),
    )
    op.create_index("ix_background_job_status_run_after", "background_job",
                    ["status", "run_after"])
    op.create_table(
        "notification",
        sa.Column("person_id", ID, nullable=True),
        sa.Column("staff_member_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("about_type", sa.String(length=60), nullable=True),
        sa.Column("about_id", sa.BigInteger(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("read_at", WHEN, nullable=True),
        sa.Column("emailed_at", WHEN, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.CheckConstraint("(person_id IS NULL) <> (staff_member_id IS NULL)",
                           name=op.f("ck_notification_one_recipient")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_notification_person_id_person"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_member_id"], ["staff_member.id"],
                                name=op.f("fk_notification_staff_member_id_staff_member"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("key", name=op.f("uq_notification_key")),
    )
    op.create_index("ix_notification_person_id_id", "notification", ["person_id", "id"])
    op.create_index("ix_notification_staff_member_id_id", "notification",
                    ["staff_member_id", "id"])

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE SCHEMA IF NOT EXISTS apscheduler")
    tables = _apscheduler_tables()
    tables.create_all(bind)
    metadata = next(table for table in tables.sorted_tables if table.name == "metadata")
    op.execute(metadata.insert().values(schema_version=1))


def downgrade() -> None:
    _apscheduler_tables().drop_all(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SCHEMA IF EXISTS apscheduler")
    op.drop_index("ix_notification_staff_member_id_id", table_name="notification")
    op.drop_index("ix_notification_person_id_id", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_background_job_status_run_after", table_name="background_job")
    op.drop_table("background_job")
