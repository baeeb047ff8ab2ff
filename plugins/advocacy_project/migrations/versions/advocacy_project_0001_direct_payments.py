"""The Advocacy Project: direct-payment cases, payments, receipts, reviews, repayment notices.

The plugin's own branch (label ``advocacy_project``). Revision ``0004`` was core's latest when
it was written: these tables refer to core's person, staff_member, organisation, budget and
budget_request only, not to ELFT's, so the branch does not depend on ELFT's (which may be
disabled).

Revision ID: advocacy_project_0001
Revises:
Create Date: 2026-11-22 13:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "advocacy_project_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("advocacy_project",)
depends_on: str | Sequence[str] | None = "0004"


def upgrade() -> None:
    op.create_table('advocacy_project_payment_case',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('budget_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('request_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('approved_pence', sa.BigInteger(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stop_reason', sa.Text(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_advocacy_project_payment_case_budget_id_budget')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_advocacy_project_payment_case_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_advocacy_project_payment_case_person_id_person')),
    sa.ForeignKeyConstraint(['request_id'], ['budget_request.id'], name=op.f('fk_advocacy_project_payment_case_request_id_budget_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocacy_project_payment_case')),
    sa.UniqueConstraint('request_id', name=op.f('uq_advocacy_project_payment_case_request_id'))
    )
    op.create_index(op.f('ix_advocacy_project_payment_case_organisation_id'), 'advocacy_project_payment_case', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_advocacy_project_payment_case_person_id'), 'advocacy_project_payment_case', ['person_id'], unique=False)
    op.create_table('advocacy_project_payment',
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('payee', sa.String(length=20), nullable=False),
    sa.Column('payee_name', sa.String(length=200), nullable=True),
    sa.Column('account_reference', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('by_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_staff_id'], ['staff_member.id'], name=op.f('fk_advocacy_project_payment_by_staff_id_staff_member')),
    sa.ForeignKeyConstraint(['case_id'], ['advocacy_project_payment_case.id'], name=op.f('fk_advocacy_project_payment_case_id_advocacy_project_payment_case')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_advocacy_project_payment_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocacy_project_payment'))
    )
    op.create_index(op.f('ix_advocacy_project_payment_case_id'), 'advocacy_project_payment', ['case_id'], unique=False)
    op.create_index(op.f('ix_advocacy_project_payment_person_id'), 'advocacy_project_payment', ['person_id'], unique=False)
    op.create_table('advocacy_project_repayment_notice',
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('payer', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('reconsideration_reason', sa.Text(), nullable=True),
    sa.Column('reconsideration_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('repaid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['advocacy_project_payment_case.id'], name=op.f('fk_advocacy_project_repayment_notice_case_id_advocacy_project_payment_case')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_advocacy_project_repayment_notice_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocacy_project_repayment_notice'))
    )
    op.create_index(op.f('ix_advocacy_project_repayment_notice_case_id'), 'advocacy_project_repayment_notice', ['case_id'], unique=False)
    op.create_index(op.f('ix_advocacy_project_repayment_notice_person_id'), 'advocacy_project_repayment_notice', ['person_id'], unique=False)
    op.create_table('advocacy_project_review',
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['advocacy_project_payment_case.id'], name=op.f('fk_advocacy_project_review_case_id_advocacy_project_payment_case')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_advocacy_project_review_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocacy_project_review'))
    )
    op.create_index(op.f('ix_advocacy_project_review_case_id'), 'advocacy_project_review', ['case_id'], unique=False)
    op.create_index(op.f('ix_advocacy_project_review_person_id'), 'advocacy_project_review', ['person_id'], unique=False)
    op.create_table('advocacy_project_receipt',
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['advocacy_project_payment.id'], name=op.f('fk_advocacy_project_receipt_payment_id_advocacy_project_payment')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_advocacy_project_receipt_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocacy_project_receipt'))
    )
    op.create_index(op.f('ix_advocacy_project_receipt_payment_id'), 'advocacy_project_receipt', ['payment_id'], unique=False)
    op.create_index(op.f('ix_advocacy_project_receipt_person_id'), 'advocacy_project_receipt', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_advocacy_project_receipt_person_id'), table_name='advocacy_project_receipt')
    op.drop_index(op.f('ix_advocacy_project_receipt_payment_id'), table_name='advocacy_project_receipt')
    op.drop_table('advocacy_project_receipt')
    op.drop_index(op.f('ix_advocacy_project_review_person_id'), table_name='advocacy_project_review')
    op.drop_index(op.f('ix_advocacy_project_review_case_id'), table_name='advocacy_project_review')
    op.drop_table('advocacy_project_review')
    op.drop_index(op.f('ix_advocacy_project_repayment_notice_person_id'), table_name='advocacy_project_repayment_notice')
    op.drop_index(op.f('ix_advocacy_project_repayment_notice_case_id'), table_name='advocacy_project_repayment_notice')
    op.drop_table('advocacy_project_repayment_notice')
    op.drop_index(op.f('ix_advocacy_project_payment_person_id'), table_name='advocacy_project_payment')
    op.drop_index(op.f('ix_advocacy_project_payment_case_id'), table_name='advocacy_project_payment')
    op.drop_table('advocacy_project_payment')
    op.drop_index(op.f('ix_advocacy_project_payment_case_person_id'), table_name='advocacy_project_payment_case')
    op.drop_index(op.f('ix_advocacy_project_payment_case_organisation_id'), table_name='advocacy_project_payment_case')
    op.drop_table('advocacy_project_payment_case')
