"""api_token and api_push: the REST API's tokens (hash of the secret, org, scopes, expiry) and idempotent pushes

Revision ID: b4d6f8a0c2e1
Revises: a8c2e4f6b0d1
"""
from alembic import op
import sqlalchemy as sa


revision = 'b4d6f8a0c2e1'
down_revision = 'a8c2e4f6b0d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=30), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_ip', sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name='fk_api_token_org_id_organization'),
        sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name='fk_api_token_created_by_id_account'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['account.id'], name='fk_api_token_revoked_by_id_account'),
        sa.PrimaryKeyConstraint('id', name='pk_api_token'),
        sa.UniqueConstraint('secret_hash', name='uq_api_token_secret_hash'),
    )
    op.create_index('ix_api_token_org_id', 'api_token', ['org_id'])
    big = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table(
        'api_push',
        sa.Column('id', big, nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=100), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('declaration_id', big, nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name='fk_api_push_org_id_organization'),
        sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name='fk_api_push_token_id_api_token'),
        sa.ForeignKeyConstraint(['declaration_id'], ['credit_declaration.id'],
                                name='fk_api_push_declaration_id_credit_declaration'),
        sa.PrimaryKeyConstraint('id', name='pk_api_push'),
        sa.UniqueConstraint('org_id', 'idempotency_key', name='uq_api_push_org_key'),
    )
    op.create_index('ix_api_push_declaration_id', 'api_push', ['declaration_id'])


def downgrade():
    op.drop_index('ix_api_push_declaration_id', table_name='api_push')
    op.drop_table('api_push')
    op.drop_index('ix_api_token_org_id', table_name='api_token')
    op.drop_table('api_token')
