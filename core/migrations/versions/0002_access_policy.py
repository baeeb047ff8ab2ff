"""Access policy: restrictions, break-glass, representatives, a hash-chained audit trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:11:12.277426
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "last_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.create_table(
        "break_glass_access",
        sa.Column(
            "staff_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
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
            name=op.f("fk_break_glass_access_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_member.id"],
            name=op.f("fk_break_glass_access_staff_member_id_staff_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_break_glass_access_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_access")),
    )
    with op.batch_alter_table("break_glass_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_break_glass_access_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_break_glass_access_staff_member_id"), ["staff_member_id"], unique=False
        )

    op.create_table(
        "representative",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "basis",
            sa.Enum(
                "carer",
                "lasting_power_of_attorney",
                "nominee",
                "deputy",
                name="representativebasis",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "access",
            sa.Enum("view", "manage", name="representativeaccess", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("invitation_code_hash", sa.String(length=64), nullable=True),
        sa.Column("invitation_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
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
            ["account_id"],
            ["user_account.id"],
            name=op.f("fk_representative_account_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_representative_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_representative_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_representative_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representative")),
        sa.UniqueConstraint(
            "invitation_code_hash", name=op.f("uq_representative_invitation_code_hash")
        ),
    )
    with op.batch_alter_table("representative", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_representative_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_representative_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "restriction",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
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
            "(CASE WHEN team_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_restriction_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"],
            ["person.id"],
            name=op.f("fk_restriction_by_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_member.id"],
            name=op.f("fk_restriction_by_staff_id_staff_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_restriction_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_restriction_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_restriction_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restriction")),
    )
    with op.batch_alter_table("restriction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_restriction_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("actor_roles", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("refused_categories", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column(
                "actor_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("break_glass", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("rule", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("hash", sa.String(length=64), nullable=False, server_default="")
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
        # Carers' accounts belong to neither a person nor a staff member.
        batch_op.drop_constraint(op.f("ck_user_account_person_xor_staff"), type_="check")
        batch_op.create_check_constraint(
            "person_or_staff", "person_id IS NULL OR staff_member_id IS NULL"
        )

    op.bulk_insert(
        sa.table(
            "audit_chain_head",
            sa.column("id", sa.Integer),
            sa.column("last_hash", sa.String),
            sa.column("event_count", sa.Integer),
        ),
        [{"id": 1, "last_hash": "", "event_count": 0}],
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_person_or_staff"), type_="check")
        batch_op.create_check_constraint(
            "person_xor_staff", "(person_id IS NULL) <> (staff_member_id IS NULL)"
        )
        batch_op.drop_column("display_name")

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("rule")
        batch_op.drop_column("break_glass")
        batch_op.drop_column("actor_roles")
        batch_op.drop_column("refused_categories")
        batch_op.drop_column("actor_account_id")

    with op.batch_alter_table("restriction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_restriction_person_id"))

    op.drop_table("restriction")
    with op.batch_alter_table("representative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_representative_person_id"))
        batch_op.drop_index(batch_op.f("ix_representative_account_id"))

    op.drop_table("representative")
    with op.batch_alter_table("break_glass_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_access_staff_member_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_access_person_id"))

    op.drop_table("break_glass_access")
    op.drop_table("audit_chain_head")
