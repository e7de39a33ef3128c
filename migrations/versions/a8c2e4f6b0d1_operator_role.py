"""account.operator_role: the platform operator's role, 客服 (service, read-only) or 运维 (ops, may fix)

Revision ID: a8c2e4f6b0d1
Revises: c3e7a9f1b2d4
"""
from alembic import op
import sqlalchemy as sa


revision = 'a8c2e4f6b0d1'
down_revision = 'f6b1d3e5a7c9'  # after the workbench search indexes
branch_labels = None
depends_on = None


def upgrade():
    # NULL keeps every existing operator a 运维 (they could fix everything before roles existed).
    with op.batch_alter_table('account') as batch:
        batch.add_column(sa.Column('operator_role', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('account') as batch:
        batch.drop_column('operator_role')
