"""certificate and certificate_counter: 电子证书 numbered per year and region

Revision ID: c3e7a9f1b2d4
Revises: e2b3c4d5f6a7
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3e7a9f1b2d4'
down_revision = 'e2b3c4d5f6a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=50), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_certificate_org_id_organization')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_certificate_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('number', name=op.f('uq_certificate_number')),
    sa.UniqueConstraint('token', name=op.f('uq_certificate_token')),
    sa.UniqueConstraint('person_id', 'year', name='uq_certificate_person_year')
    )
    op.create_index('ix_certificate_year_revoked', 'certificate', ['year', 'revoked_at'])
    op.create_table('certificate_counter',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', 'region_code', name=op.f('pk_certificate_counter'))
    )


def downgrade():
    op.drop_table('certificate_counter')
    op.drop_index('ix_certificate_year_revoked', table_name='certificate')
    op.drop_table('certificate')
