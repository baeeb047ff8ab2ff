"""ELFT: PHB eligibility assessments, support plans with versions, goals and items, reviews
with DIALOG and goal-based outcome scores.

The plugin's own branch (label ``elft``). Revision ``0004`` was core's latest when it was
written: these tables refer to core's person, staff_member, budget and recovery_goal.

Revision ID: elft_0001
Revises:
Create Date: 2026-11-22 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "elft_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("elft",)
depends_on: str | Sequence[str] | None = "0004"


def upgrade() -> None:
    op.create_table(
        "elft_eligibility_assessment",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "assessed_by_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receiving_elft_treatment", sa.Boolean(), nullable=False),
        sa.Column("mental_health_cluster", sa.SmallInteger(), nullable=False),
        sa.Column("ready_to_move_towards_discharge", sa.Boolean(), nullable=False),
        sa.Column("section_117_aftercare", sa.Boolean(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mental_health_cluster BETWEEN 1 AND 21",
            name=op.f("ck_elft_eligibility_assessment_cluster_range"),
        ),
        sa.ForeignKeyConstraint(
            ["assessed_by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_elft_eligibility_assessment_assessed_by_staff_id_staff_member"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_elft_eligibility_assessment_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elft_eligibility_assessment")),
    )
    op.create_index(
        "ix_elft_eligibility_assessment_person_assessed",
        "elft_eligibility_assessment",
        ["person_id", "assessed_at"],
        unique=False,
    )
    op.create_table(
        "elft_support_plan",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("budget_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "agreed", name="planstatus", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_end > period_start", name=op.f("ck_elft_support_plan_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["budget.id"],
            name=op.f("fk_elft_support_plan_budget_id_budget"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_elft_support_plan_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elft_support_plan")),
    )
    op.create_index(
        op.f("ix_elft_support_plan_budget_id"), "elft_support_plan", ["budget_id"], unique=False
    )
    op.create_index(
        op.f("ix_elft_support_plan_person_id"), "elft_support_plan", ["person_id"], unique=False
    )
    op.create_table(
        "elft_review",
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "kind",
            sa.Enum("start", "midpoint", "end", name="reviewkind", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column(
            "recorded_by_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clinical_note", sa.Text(), nullable=True),
        sa.Column("dialog_mental_health", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_physical_health", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_job_situation", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_accommodation", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_leisure_activities", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_partner_or_family", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_friendships", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_personal_safety", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_medication", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_practical_help", sa.SmallInteger(), nullable=True),
        sa.Column("dialog_meetings_with_professionals", sa.SmallInteger(), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "dialog_accommodation BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_accommodation_range"),
        ),
        sa.CheckConstraint(
            "dialog_friendships BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_friendships_range"),
        ),
        sa.CheckConstraint(
            "dialog_job_situation BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_job_situation_range"),
        ),
        sa.CheckConstraint(
            "dialog_leisure_activities BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_leisure_activities_range"),
        ),
        sa.CheckConstraint(
            "dialog_medication BETWEEN 1 AND 7", name=op.f("ck_elft_review_dialog_medication_range")
        ),
        sa.CheckConstraint(
            "dialog_meetings_with_professionals BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_meetings_with_professionals_range"),
        ),
        sa.CheckConstraint(
            "dialog_mental_health BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_mental_health_range"),
        ),
        sa.CheckConstraint(
            "dialog_partner_or_family BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_partner_or_family_range"),
        ),
        sa.CheckConstraint(
            "dialog_personal_safety BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_personal_safety_range"),
        ),
        sa.CheckConstraint(
            "dialog_physical_health BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_physical_health_range"),
        ),
        sa.CheckConstraint(
            "dialog_practical_help BETWEEN 1 AND 7",
            name=op.f("ck_elft_review_dialog_practical_help_range"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_elft_review_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["elft_support_plan.id"],
            name=op.f("fk_elft_review_plan_id_elft_support_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_elft_review_recorded_by_staff_id_staff_member"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elft_review")),
        sa.UniqueConstraint("plan_id", "kind", name=op.f("uq_elft_review_plan_id")),
    )
    op.create_index(
        "ix_elft_review_person_due", "elft_review", ["person_id", "held_on", "due_on"], unique=False
    )
    op.create_table(
        "elft_support_plan_version",
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "by_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "by_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("what_matters_to_me", sa.Text(), nullable=False),
        sa.Column("budget_purpose", sa.Text(), nullable=False),
        sa.Column(
            "held_as",
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
        sa.Column(
            "care_coordinator_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "signed_off_by_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_elft_support_plan_version_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_elft_support_plan_version_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["care_coordinator_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_elft_support_plan_version_care_coordinator_staff_id_staff_member"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_elft_support_plan_version_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["elft_support_plan.id"],
            name=op.f("fk_elft_support_plan_version_plan_id_elft_support_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_elft_support_plan_version_signed_off_by_staff_id_staff_member"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elft_support_plan_version")),
        sa.UniqueConstraint(
            "plan_id", "version", name=op.f("uq_elft_support_plan_version_plan_id")
        ),
    )
    op.create_index(
        op.f("ix_elft_support_plan_version_person_id"),
        "elft_support_plan_version",
        ["person_id"],
        unique=False,
    )
    op.create_table(
        "elft_review_goal_score",
        sa.Column(
            "review_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("goal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.CheckConstraint(
            "score BETWEEN 0 AND 10", name=op.f("ck_elft_review_goal_score_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["recovery_goal.id"],
            name=op.f("fk_elft_review_goal_score_goal_id_recovery_goal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["elft_review.id"],
            name=op.f("fk_elft_review_goal_score_review_id_elft_review"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elft_review_goal_score")),
        sa.UniqueConstraint(
            "review_id", "goal_id", name=op.f("uq_elft_review_goal_score_review_id")
        ),
    )
    op.create_index(
        op.f("ix_elft_review_goal_score_goal_id"),
        "elft_review_goal_score",
        ["goal_id"],
        unique=False,
    )
    op.create_table(
        "elft_support_plan_goal",
        sa.Column(
            "version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("goal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["recovery_goal.id"],
            name=op.f("fk_elft_support_plan_goal_goal_id_recovery_goal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["elft_support_plan_version.id"],
            name=op.f("fk_elft_support_plan_goal_version_id_elft_support_plan_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elft_support_plan_goal")),
        sa.UniqueConstraint(
            "version_id", "goal_id", name=op.f("uq_elft_support_plan_goal_version_id")
        ),
    )
    op.create_index(
        op.f("ix_elft_support_plan_goal_goal_id"),
        "elft_support_plan_goal",
        ["goal_id"],
        unique=False,
    )
    op.create_table(
        "elft_support_plan_item",
        sa.Column(
            "version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("goal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.CheckConstraint(
            "amount_pence > 0", name=op.f("ck_elft_support_plan_item_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["recovery_goal.id"],
            name=op.f("fk_elft_support_plan_item_goal_id_recovery_goal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["elft_support_plan_version.id"],
            name=op.f("fk_elft_support_plan_item_version_id_elft_support_plan_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elft_support_plan_item")),
    )
    op.create_index(
        op.f("ix_elft_support_plan_item_goal_id"),
        "elft_support_plan_item",
        ["goal_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_elft_support_plan_item_version_id"),
        "elft_support_plan_item",
        ["version_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_elft_support_plan_item_version_id"), table_name="elft_support_plan_item")
    op.drop_index(op.f("ix_elft_support_plan_item_goal_id"), table_name="elft_support_plan_item")
    op.drop_table("elft_support_plan_item")
    op.drop_index(op.f("ix_elft_support_plan_goal_goal_id"), table_name="elft_support_plan_goal")
    op.drop_table("elft_support_plan_goal")
    op.drop_index(op.f("ix_elft_review_goal_score_goal_id"), table_name="elft_review_goal_score")
    op.drop_table("elft_review_goal_score")
    op.drop_index(
        op.f("ix_elft_support_plan_version_person_id"), table_name="elft_support_plan_version"
    )
    op.drop_table("elft_support_plan_version")
    op.drop_index("ix_elft_review_person_due", table_name="elft_review")
    op.drop_table("elft_review")
    op.drop_index(op.f("ix_elft_support_plan_person_id"), table_name="elft_support_plan")
    op.drop_index(op.f("ix_elft_support_plan_budget_id"), table_name="elft_support_plan")
    op.drop_table("elft_support_plan")
    op.drop_index(
        "ix_elft_eligibility_assessment_person_assessed", table_name="elft_eligibility_assessment"
    )
    op.drop_table("elft_eligibility_assessment")
