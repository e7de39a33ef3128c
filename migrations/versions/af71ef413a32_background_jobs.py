"""background jobs: the job table (exports, imports) the huey consumer works through

Revision ID: af71ef413a32
Revises: c7d41e9a2f10
Create Date: 2026-12-02 00:52:01.290885
"""
import sqlalchemy as sa
from alembic import op


revision = 'af71ef413a32'
down_revision = 'c7d41e9a2f10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('actor_name', sa.String(length=50), nullable=False),
    sa.Column('user_type', sa.String(length=20), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('phase', sa.String(length=50), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('result_file', sa.String(length=200), nullable=True),
    sa.Column('result_name', sa.String(length=200), nullable=True),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_job_account_id_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_job_org_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_account_id', ['account_id', 'id'], unique=False)
        batch_op.create_index('ix_job_org_id', ['org_id', 'id'], unique=False)
        batch_op.create_index('ix_job_status_heartbeat', ['status', 'heartbeat_at'], unique=False)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_status_heartbeat')
        batch_op.drop_index('ix_job_org_id')
        batch_op.drop_index('ix_job_account_id')

    op.drop_table('job')
