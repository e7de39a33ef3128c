"""hours: learning forms, rules, declarations, credit records, attachments, training plans (F21–F25)

Revision ID: bcbad7010838
Revises: af71ef413a32
Create Date: 2026-12-02 04:23:31.398385
"""
from alembic import op
import sqlalchemy as sa


revision = 'bcbad7010838'
down_revision = 'af71ef413a32'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hours_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('total', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('minimums', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_rule')),
    sa.UniqueConstraint('year', name=op.f('uq_hours_rule_year'))
    )
    op.create_table('learning_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('cap_per_record', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('cap_per_year', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('evidence_required', sa.Boolean(), nullable=False),
    sa.Column('evidence_hint', sa.String(length=200), nullable=True),
    sa.Column('declarers', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_form')),
    sa.UniqueConstraint('code', name=op.f('uq_learning_form_code')),
    sa.UniqueConstraint('name', name=op.f('uq_learning_form_name'))
    )
    op.create_table('training_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('review_org_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=True),
    sa.Column('organizer', sa.String(length=100), nullable=True),
    sa.Column('expected_participants', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('reviewer_name', sa.String(length=50), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('hours_status', sa.String(length=10), nullable=False),
    sa.Column('hours_reject_reason', sa.String(length=500), nullable=True),
    sa.Column('hours_reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_name', sa.String(length=50), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['learning_form.id'], name=op.f('fk_training_plan_form_id_learning_form')),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_training_plan_org_id_organization')),
    sa.ForeignKeyConstraint(['review_org_id'], ['organization.id'], name=op.f('fk_training_plan_review_org_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_plan'))
    )
    with op.batch_alter_table('training_plan', schema=None) as batch_op:
        batch_op.create_index('ix_training_plan_org_status', ['org_id', 'status'], unique=False)
        batch_op.create_index('ix_training_plan_review_status', ['review_org_id', 'status', 'hours_status'], unique=False)

    op.create_table('credit_declaration',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('declared_by', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('applicants', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submit_key', sa.String(length=43), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_credit_declaration_created_by_id_account')),
    sa.ForeignKeyConstraint(['form_id'], ['learning_form.id'], name=op.f('fk_credit_declaration_form_id_learning_form')),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_credit_declaration_org_id_organization')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_credit_declaration_person_id_person')),
    sa.ForeignKeyConstraint(['plan_id'], ['training_plan.id'], name=op.f('fk_credit_declaration_plan_id_training_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_declaration')),
    sa.UniqueConstraint('submit_key', name=op.f('uq_credit_declaration_submit_key'))
    )
    with op.batch_alter_table('credit_declaration', schema=None) as batch_op:
        batch_op.create_index('ix_credit_declaration_org_created', ['org_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_declaration_plan_id'), ['plan_id'], unique=False)

    op.create_table('credit_attachment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('declaration_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['credit_declaration.id'], name=op.f('fk_credit_attachment_declaration_id_credit_declaration')),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_credit_attachment_org_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_credit_attachment_stored_name'))
    )
    with op.batch_alter_table('credit_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_attachment_declaration_id'), ['declaration_id'], unique=False)

    op.create_table('credit_record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('declaration_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('person_name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('review_org_id', sa.Integer(), nullable=True),
    sa.Column('declared_by', sa.String(length=10), nullable=False),
    sa.Column('declarer_org_id', sa.Integer(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('approved_hours', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('cap_per_year', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_name', sa.String(length=50), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['credit_declaration.id'], name=op.f('fk_credit_record_declaration_id_credit_declaration')),
    sa.ForeignKeyConstraint(['declarer_org_id'], ['organization.id'], name=op.f('fk_credit_record_declarer_org_id_organization')),
    sa.ForeignKeyConstraint(['form_id'], ['learning_form.id'], name=op.f('fk_credit_record_form_id_learning_form')),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_credit_record_org_id_organization')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_credit_record_person_id_person')),
    sa.ForeignKeyConstraint(['plan_id'], ['training_plan.id'], name=op.f('fk_credit_record_plan_id_training_plan')),
    sa.ForeignKeyConstraint(['review_org_id'], ['organization.id'], name=op.f('fk_credit_record_review_org_id_organization')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['account.id'], name=op.f('fk_credit_record_reviewer_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_record'))
    )
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_record_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index('ix_credit_record_declarer', ['declarer_org_id', 'id'], unique=False)
        batch_op.create_index('ix_credit_record_id_number_prefix', ['id_number', 'org_id'], unique=False, postgresql_ops={'id_number': 'varchar_pattern_ops'})
        batch_op.create_index('ix_credit_record_name_prefix', ['person_name', 'org_id'], unique=False, postgresql_ops={'person_name': 'varchar_pattern_ops'})
        batch_op.create_index('ix_credit_record_org_status_year', ['org_id', 'status', 'year'], unique=False)
        batch_op.create_index('ix_credit_record_person_year_form', ['person_id', 'year', 'form_id', 'status'], unique=False)
        batch_op.create_index('ix_credit_record_plan', ['plan_id', 'status'], unique=False)
        batch_op.create_index('ix_credit_record_review_status_id', ['review_org_id', 'status', 'id'], unique=False)




def downgrade():

    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_record_review_status_id')
        batch_op.drop_index('ix_credit_record_plan')
        batch_op.drop_index('ix_credit_record_person_year_form')
        batch_op.drop_index('ix_credit_record_org_status_year')
        batch_op.drop_index('ix_credit_record_name_prefix', postgresql_ops={'person_name': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_credit_record_id_number_prefix', postgresql_ops={'id_number': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_credit_record_declarer')
        batch_op.drop_index(batch_op.f('ix_credit_record_declaration_id'))

    op.drop_table('credit_record')
    with op.batch_alter_table('credit_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_attachment_declaration_id'))

    op.drop_table('credit_attachment')
    with op.batch_alter_table('credit_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_declaration_plan_id'))
        batch_op.drop_index('ix_credit_declaration_org_created')

    op.drop_table('credit_declaration')
    with op.batch_alter_table('training_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_training_plan_review_status')
        batch_op.drop_index('ix_training_plan_org_status')

    op.drop_table('training_plan')
    op.drop_table('learning_form')
    op.drop_table('hours_rule')
