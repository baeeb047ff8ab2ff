"""The person's health record: observations, kinds of which plugins add; the medication
list and doses; devices, their encrypted tokens and connections under way; a goal's target
measurement (issue #13).

On PostgreSQL the observation table is hash-partitioned by person into 16 partitions
(docs/health-record.md says why): its primary key then includes the person.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 15:20:15.834051
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OBSERVATION_PARTITIONS = 16


def upgrade() -> None:
    op.create_table("device",
    sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("provider", sa.String(length=40), nullable=True),
    sa.Column("kind", sa.String(length=40), nullable=False),
    sa.Column("label", sa.String(length=200), nullable=False),
    sa.Column("status", sa.Enum("connected", "disconnected", "revoked", "returned", name="devicestatus", native_enum=False, length=40), nullable=False),
    sa.Column("external_user_id", sa.String(length=100), nullable=True),
    sa.Column("scopes", sa.JSON(), nullable=False),
    sa.Column("lent_by_organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("synced_through", sa.Date(), nullable=True),
    sa.Column("sync_requested_from", sa.Date(), nullable=True),
    sa.Column("rate_limited_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_sync_error", sa.String(length=300), nullable=True),
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.ForeignKeyConstraint(["by_person_id"], ["person.id"], name=op.f("fk_device_by_person_id_person"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_staff_id"], ["staff_member.id"], name=op.f("fk_device_by_staff_id_staff_member"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["lent_by_organisation_id"], ["organisation.id"], name=op.f("fk_device_lent_by_organisation_id_organisation"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_device_person_id_person"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_device"))
    )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_device_provider_user", ["provider", "external_user_id"], unique=False)

    op.create_table("device_authorization",
    sa.Column("state_digest", sa.String(length=64), nullable=False),
    sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("provider", sa.String(length=40), nullable=False),
    sa.Column("started_by_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("code_verifier", sa.Text(), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_device_authorization_person_id_person"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["started_by_account_id"], ["user_account.id"], name=op.f("fk_device_authorization_started_by_account_id_user_account"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_device_authorization")),
    sa.UniqueConstraint("state_digest", name=op.f("uq_device_authorization_state_digest"))
    )
    with op.batch_alter_table("device_authorization", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_authorization_person_id"), ["person_id"], unique=False)

    op.create_table("device_token",
    sa.Column("device_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("access_token", sa.Text(), nullable=False),
    sa.Column("refresh_token", sa.Text(), nullable=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_device_token_device_id_device"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_token"))
    )
    op.create_table("medication",
    sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("dose", sa.String(length=200), nullable=False),
    sa.Column("instructions", sa.Text(), nullable=True),
    sa.Column("doses_per_day", sa.Integer(), nullable=True),
    sa.Column("started_on", sa.Date(), nullable=False),
    sa.Column("stopped_on", sa.Date(), nullable=True),
    sa.Column("stop_reason", sa.Text(), nullable=True),
    sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("stopped_by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("stopped_by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("source", sa.Enum("person", "representative", "staff", "device", "import", name="recordsource", native_enum=False, length=40), nullable=False),
    sa.Column("by_team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("by_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("client_id", sa.String(length=100), nullable=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.ForeignKeyConstraint(["by_account_id"], ["user_account.id"], name=op.f("fk_medication_by_account_id_user_account"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_person_id"], ["person.id"], name=op.f("fk_medication_by_person_id_person"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_staff_id"], ["staff_member.id"], name=op.f("fk_medication_by_staff_id_staff_member"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_team_id"], ["team.id"], name=op.f("fk_medication_by_team_id_team"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_medication_person_id_person"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["stopped_by_person_id"], ["person.id"], name=op.f("fk_medication_stopped_by_person_id_person"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["stopped_by_staff_id"], ["staff_member.id"], name=op.f("fk_medication_stopped_by_staff_id_staff_member"), ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_medication"))
    )
    with op.batch_alter_table("medication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_medication_person_id"), ["person_id"], unique=False)

    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table("observation",
    sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("kind", sa.String(length=60), nullable=False),
    sa.Column("category", sa.String(length=60), nullable=False),
    sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("effective_date", sa.Date(), nullable=False),
    sa.Column("value", sa.Float(), nullable=True),
    sa.Column("second_value", sa.Float(), nullable=True),
    sa.Column("unit", sa.String(length=20), nullable=True),
    sa.Column("value_code", sa.String(length=40), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("status", sa.Enum("final", "entered_in_error", name="observationstatus", native_enum=False, length=40), nullable=False),
    sa.Column("device_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("external_id", sa.String(length=100), nullable=True),
    sa.Column("amended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("derived_from_id", sa.BigInteger(), nullable=True),
    sa.Column("entered_in_error_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("entered_in_error_reason", sa.Text(), nullable=True),
    sa.Column("error_by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("error_by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("replaced_by_id", sa.BigInteger(), nullable=True),
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("source", sa.Enum("person", "representative", "staff", "device", "import", name="recordsource", native_enum=False, length=40), nullable=False),
    sa.Column("by_team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("by_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("client_id", sa.String(length=100), nullable=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.ForeignKeyConstraint(["by_account_id"], ["user_account.id"], name=op.f("fk_observation_by_account_id_user_account"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_person_id"], ["person.id"], name=op.f("fk_observation_by_person_id_person"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_staff_id"], ["staff_member.id"], name=op.f("fk_observation_by_staff_id_staff_member"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_team_id"], ["team.id"], name=op.f("fk_observation_by_team_id_team"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_observation_device_id_device"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["error_by_person_id"], ["person.id"], name=op.f("fk_observation_error_by_person_id_person"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["error_by_staff_id"], ["staff_member.id"], name=op.f("fk_observation_error_by_staff_id_staff_member"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_observation_person_id_person"), ondelete="CASCADE"),
    # A partitioned table's keys include its partition key.
    sa.PrimaryKeyConstraint(*(("id", "person_id") if postgres else ("id",)),
                            name=op.f("pk_observation")),
    **({"postgresql_partition_by": "HASH (person_id)"} if postgres else {}),
    )
    if postgres:
        for remainder in range(OBSERVATION_PARTITIONS):
            op.execute(f"CREATE TABLE observation_p{remainder:02d} PARTITION OF observation "
                       f"FOR VALUES WITH (MODULUS {OBSERVATION_PARTITIONS}, "
                       f"REMAINDER {remainder})")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index("ix_observation_person_kind_time", ["person_id", "kind", "effective_at"], unique=False, postgresql_include=["effective_date", "category", "status", "unit", "value", "second_value", "id"])
        batch_op.create_index("uq_observation_device_reading", ["person_id", "device_id", "external_id"], unique=True, postgresql_where=sa.text("external_id IS NOT NULL"), sqlite_where=sa.text("external_id IS NOT NULL"))

    op.create_table("medication_dose",
    sa.Column("medication_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("scheduled_date", sa.Date(), nullable=False),
    sa.Column("slot", sa.Integer(), nullable=False),
    sa.Column("status", sa.Enum("taken", "late", "skipped", name="dosestatus", native_enum=False, length=40), nullable=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("source", sa.Enum("person", "representative", "staff", "device", "import", name="recordsource", native_enum=False, length=40), nullable=False),
    sa.Column("by_team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("by_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("client_id", sa.String(length=100), nullable=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.ForeignKeyConstraint(["by_account_id"], ["user_account.id"], name=op.f("fk_medication_dose_by_account_id_user_account"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_person_id"], ["person.id"], name=op.f("fk_medication_dose_by_person_id_person"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_staff_id"], ["staff_member.id"], name=op.f("fk_medication_dose_by_staff_id_staff_member"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["by_team_id"], ["team.id"], name=op.f("fk_medication_dose_by_team_id_team"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["medication_id"], ["medication.id"], name=op.f("fk_medication_dose_medication_id_medication"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_medication_dose_person_id_person"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_dose")),
    sa.UniqueConstraint("medication_id", "scheduled_date", "slot", name=op.f("uq_medication_dose_medication_id"))
    )
    with op.batch_alter_table("medication_dose", schema=None) as batch_op:
        batch_op.create_index("ix_medication_dose_person_date", ["person_id", "scheduled_date"], unique=False)

    with op.batch_alter_table("recovery_goal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_kind", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("target_value", sa.Float(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table("recovery_goal", schema=None) as batch_op:
        batch_op.drop_column("target_value")
        batch_op.drop_column("target_kind")

    with op.batch_alter_table("medication_dose", schema=None) as batch_op:
        batch_op.drop_index("ix_medication_dose_person_date")

    op.drop_table("medication_dose")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("uq_observation_device_reading", postgresql_where=sa.text("external_id IS NOT NULL"), sqlite_where=sa.text("external_id IS NOT NULL"))
        batch_op.drop_index("ix_observation_person_kind_time", postgresql_include=["effective_date", "category", "status", "unit", "value", "second_value", "id"])

    op.drop_table("observation")
    with op.batch_alter_table("medication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medication_person_id"))

    op.drop_table("medication")
    op.drop_table("device_token")
    with op.batch_alter_table("device_authorization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_authorization_person_id"))

    op.drop_table("device_authorization")
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_index("ix_device_provider_user")
        batch_op.drop_index(batch_op.f("ix_device_person_id"))

    op.drop_table("device")
