"""Platform core: people, organisations, care relationships, goals, budgets, consent, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 11:02:43.260470
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "organisation",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "gp_practice",
                "mental_health_trust",
                "voluntary_organisation",
                "commissioner",
                name="organisationkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "legal_basis",
            sa.Enum("direct_care", "consent", name="legalbasis", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("ods_code", sa.String(length=10), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("ods_code", name=op.f("uq_organisation_ods_code")),
    )
    op.create_table(
        "person",
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("preferred_name", sa.String(length=100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("nhs_number", name=op.f("uq_person_nhs_number")),
    )
    op.create_table(
        "staff_member",
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_member")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_member_email")),
    )
    op.create_table(
        "audit_event",
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column(
            "actor_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "actor_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "actor_team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "actor_organisation_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("client_id", sa.String(length=100), nullable=True),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("operation", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_audit_event_actor_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_person_id_id", ["person_id", "id"], unique=False)

    op.create_table(
        "funding_pot",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "holder_organisation_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("allocated_pence", sa.BigInteger(), nullable=False),
        sa.Column("committed_pence", sa.BigInteger(), nullable=False),
        sa.Column("paid_pence", sa.BigInteger(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "allocated_pence - committed_pence - paid_pence >= 0",
            name=op.f("ck_funding_pot_never_overspent"),
        ),
        sa.CheckConstraint(
            "committed_pence >= 0", name=op.f("ck_funding_pot_committed_not_negative")
        ),
        sa.CheckConstraint("paid_pence >= 0", name=op.f("ck_funding_pot_paid_not_negative")),
        sa.ForeignKeyConstraint(
            ["holder_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_funding_pot_holder_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_pot")),
    )
    with op.batch_alter_table("funding_pot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_funding_pot_holder_organisation_id"),
            ["holder_organisation_id"],
            unique=False,
        )

    op.create_table(
        "recovery_goal",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("what_matters_to_me", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                "completed",
                "abandoned",
                name="goalstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_recovery_goal_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_recovery_goal_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_recovery_goal_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_goal")),
    )
    with op.batch_alter_table("recovery_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_goal_person_id"), ["person_id"], unique=False)

    op.create_table(
        "team",
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_team_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "user_account",
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "staff_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(person_id IS NULL) <> (staff_member_id IS NULL)",
            name=op.f("ck_user_account_person_xor_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_user_account_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_member.id"],
            name=op.f("fk_user_account_staff_member_id_staff_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("person_id", name=op.f("uq_user_account_person_id")),
        sa.UniqueConstraint("staff_member_id", name=op.f("uq_user_account_staff_member_id")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "budget",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "funding_pot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "payment_route",
            sa.Enum(
                "direct_payment",
                "notional",
                "third_party",
                name="paymentroute",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["funding_pot_id"],
            ["funding_pot.id"],
            name=op.f("fk_budget_funding_pot_id_funding_pot"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_budget_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget")),
    )
    with op.batch_alter_table("budget", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_funding_pot_id"), ["funding_pot_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budget_person_id"), ["person_id"], unique=False)

    op.create_table(
        "care_relationship",
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "basis",
            sa.Enum(
                "registered_practice",
                "care_coordination",
                "community_membership",
                "direct_payment_case",
                "commissioning",
                name="carebasis",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_care_relationship_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_care_relationship_team_id_team"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_relationship")),
    )
    with op.batch_alter_table("care_relationship", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_relationship_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_relationship_team_person", ["team_id", "person_id"], unique=False
        )

    op.create_table(
        "consent",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "grantee_organisation_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "grantee_team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("grantee_client_id", sa.String(length=100), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "recorded_how",
            sa.Enum(
                "online",
                "paper",
                "phone",
                "in_person",
                name="consentrecordedhow",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "revoked_by_person_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "revoked_by_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint(
            "(CASE WHEN grantee_organisation_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN grantee_team_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN grantee_client_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_consent_one_grantee"),
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_consent_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_consent_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grantee_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_consent_grantee_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grantee_team_id"],
            ["team.id"],
            name=op.f("fk_consent_grantee_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_consent_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_person_id"],
            ["person.id"],
            name=op.f("fk_consent_revoked_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_consent_revoked_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_grantee_client_id"), ["grantee_client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consent_grantee_organisation_id"),
            ["grantee_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_consent_grantee_team_id"), ["grantee_team_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consent_person_id"), ["person_id"], unique=False)

    op.create_table(
        "goal_status_change",
        sa.Column("goal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "active",
                "paused",
                "completed",
                "abandoned",
                name="goalstatus",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "active",
                "paused",
                "completed",
                "abandoned",
                name="goalstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_goal_status_change_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_goal_status_change_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["recovery_goal.id"],
            name=op.f("fk_goal_status_change_goal_id_recovery_goal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_status_change")),
    )
    with op.batch_alter_table("goal_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_goal_status_change_goal_id"), ["goal_id"], unique=False
        )

    op.create_table(
        "goal_step",
        sa.Column("goal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_goal_step_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_goal_step_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["recovery_goal.id"],
            name=op.f("fk_goal_step_goal_id_recovery_goal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_step")),
    )
    with op.batch_alter_table("goal_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_step_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "membership",
        sa.Column(
            "staff_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_member.id"],
            name=op.f("fk_membership_staff_member_id_staff_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_membership_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint(
            "staff_member_id", "team_id", name=op.f("uq_membership_staff_member_id")
        ),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_staff_member_id"), ["staff_member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_membership_team_id"), ["team_id"], unique=False)

    op.create_table(
        "progress_note",
        sa.Column("goal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_progress_note_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_progress_note_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["recovery_goal.id"],
            name=op.f("fk_progress_note_goal_id_recovery_goal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_note")),
    )
    with op.batch_alter_table("progress_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_note_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "budget_request",
        sa.Column(
            "budget_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "awaiting_approval",
                "approved",
                "rejected",
                "withdrawn",
                "paid",
                "delivered",
                "reviewed",
                name="budgetrequeststatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("total_pence", sa.BigInteger(), nullable=False),
        sa.Column("approvals_required", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["budget.id"],
            name=op.f("fk_budget_request_budget_id_budget"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_budget_request_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_budget_request_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_budget_request_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_request")),
    )
    with op.batch_alter_table("budget_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_request_budget_id"), ["budget_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_request_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index("ix_budget_request_status_id", ["status", "id"], unique=False)

    op.create_table(
        "budget_approval",
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "staff_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("approved", "rejected", name="approvaldecision", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["budget_request.id"],
            name=op.f("fk_budget_approval_request_id_budget_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_member.id"],
            name=op.f("fk_budget_approval_staff_member_id_staff_member"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_budget_approval_team_id_team"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_approval")),
    )
    with op.batch_alter_table("budget_approval", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_approval_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "budget_item",
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("goal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_budget_item_amount_positive")),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["recovery_goal.id"],
            name=op.f("fk_budget_item_goal_id_recovery_goal"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["budget_request.id"],
            name=op.f("fk_budget_item_request_id_budget_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_item")),
    )
    with op.batch_alter_table("budget_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_item_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_item_request_id"), ["request_id"], unique=False)

    op.create_table(
        "budget_request_transition",
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "submitted",
                "awaiting_approval",
                "approved",
                "rejected",
                "withdrawn",
                "paid",
                "delivered",
                "reviewed",
                name="budgetrequeststatus",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "submitted",
                "awaiting_approval",
                "approved",
                "rejected",
                "withdrawn",
                "paid",
                "delivered",
                "reviewed",
                name="budgetrequeststatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_budget_request_transition_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_budget_request_transition_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["budget_request.id"],
            name=op.f("fk_budget_request_transition_request_id_budget_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_request_transition")),
    )
    with op.batch_alter_table("budget_request_transition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_request_transition_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "funding_pot_entry",
        sa.Column("pot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "allocation",
                "top_up",
                "reservation",
                "release",
                "payment",
                "repayment",
                name="ledgerentrykind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("available_delta_pence", sa.BigInteger(), nullable=False),
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["pot_id"],
            ["funding_pot.id"],
            name=op.f("fk_funding_pot_entry_pot_id_funding_pot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["budget_request.id"],
            name=op.f("fk_funding_pot_entry_request_id_budget_request"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_pot_entry")),
    )
    with op.batch_alter_table("funding_pot_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_pot_entry_pot_id"), ["pot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_funding_pot_entry_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("funding_pot_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_pot_entry_request_id"))
        batch_op.drop_index(batch_op.f("ix_funding_pot_entry_pot_id"))

    op.drop_table("funding_pot_entry")
    with op.batch_alter_table("budget_request_transition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_request_transition_request_id"))

    op.drop_table("budget_request_transition")
    with op.batch_alter_table("budget_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_item_request_id"))
        batch_op.drop_index(batch_op.f("ix_budget_item_goal_id"))

    op.drop_table("budget_item")
    with op.batch_alter_table("budget_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_approval_request_id"))

    op.drop_table("budget_approval")
    with op.batch_alter_table("budget_request", schema=None) as batch_op:
        batch_op.drop_index("ix_budget_request_status_id")
        batch_op.drop_index(batch_op.f("ix_budget_request_person_id"))
        batch_op.drop_index(batch_op.f("ix_budget_request_budget_id"))

    op.drop_table("budget_request")
    with op.batch_alter_table("progress_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_note_goal_id"))

    op.drop_table("progress_note")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_team_id"))
        batch_op.drop_index(batch_op.f("ix_membership_staff_member_id"))

    op.drop_table("membership")
    with op.batch_alter_table("goal_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_step_goal_id"))

    op.drop_table("goal_step")
    with op.batch_alter_table("goal_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_status_change_goal_id"))

    op.drop_table("goal_status_change")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_person_id"))
        batch_op.drop_index(batch_op.f("ix_consent_grantee_team_id"))
        batch_op.drop_index(batch_op.f("ix_consent_grantee_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_consent_grantee_client_id"))

    op.drop_table("consent")
    with op.batch_alter_table("care_relationship", schema=None) as batch_op:
        batch_op.drop_index("ix_care_relationship_team_person")
        batch_op.drop_index(batch_op.f("ix_care_relationship_person_id"))

    op.drop_table("care_relationship")
    with op.batch_alter_table("budget", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_person_id"))
        batch_op.drop_index(batch_op.f("ix_budget_funding_pot_id"))

    op.drop_table("budget")
    op.drop_table("user_account")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_organisation_id"))

    op.drop_table("team")
    with op.batch_alter_table("recovery_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_goal_person_id"))

    op.drop_table("recovery_goal")
    with op.batch_alter_table("funding_pot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_pot_holder_organisation_id"))

    op.drop_table("funding_pot")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_person_id_id")

    op.drop_table("audit_event")
    op.drop_table("staff_member")
    op.drop_table("person")
    op.drop_table("organisation")
