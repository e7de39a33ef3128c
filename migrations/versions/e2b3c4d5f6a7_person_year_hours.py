"""person_year_hours: 学时汇总 per person and year, filled from the approved credit records

Revision ID: e2b3c4d5f6a7
Revises: d1a2b3c4e5f6
"""
import json
from datetime import datetime
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = 'e2b3c4d5f6a7'
down_revision = "d1a2b3c4e5f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_year_hours',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('public_hours', sa.Numeric(precision=7, scale=1), server_default='0', nullable=False),
    sa.Column('professional_hours', sa.Numeric(precision=7, scale=1), server_default='0', nullable=False),
    sa.Column('other_hours', sa.Numeric(precision=7, scale=1), server_default='0', nullable=False),
    sa.Column('total_hours', sa.Numeric(precision=7, scale=1), server_default='0', nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_person_year_hours_org_id_organization')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_year_hours_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', 'year', name=op.f('pk_person_year_hours'))
    )
    op.create_index('ix_person_year_hours_org_year_met', 'person_year_hours', ['org_id', 'year', 'met'])
    op.create_index('ix_person_year_hours_year_met', 'person_year_hours', ['year', 'met'])
    # Fill from today's approved records: one INSERT ... SELECT per year, the year's rule bound as parameters
    # (a year without a rule: the national default 90, 公需科目 30, 专业科目 60 — HoursRule.for_year).
    conn = op.get_bind()
    rules = {year: (total, json.loads(m) if isinstance(m, str) else m) for year, total, m in conn.execute(sa.text(
        "SELECT year, total, minimums FROM hours_rule"))}
    years = [y for (y,) in conn.execute(sa.text(
        "SELECT DISTINCT year FROM credit_record WHERE status = 'approved' ORDER BY year"))]
    for year in years:
        total, minimums = rules.get(year, (90, {"公需科目": 30, "专业科目": 60}))
        params = {"year": year, "total": Decimal(str(total)), "pub": "公需科目", "prof": "专业科目", "t": datetime.now()}
        checks = ["COALESCE(SUM(c.approved_hours), 0) >= :total"]
        for i, (category, need) in enumerate((minimums or {}).items()):
            params[f"c{i}"], params[f"n{i}"] = category, Decimal(str(need))
            checks.append(f"COALESCE(SUM(CASE WHEN c.category = :c{i} THEN c.approved_hours ELSE 0 END), 0) >= :n{i}")
        conn.execute(sa.text(
            "INSERT INTO person_year_hours (person_id, year, org_id, public_hours, professional_hours, other_hours, "
            "total_hours, met, updated_at) SELECT c.person_id, :year, p.org_id, "
            "COALESCE(SUM(CASE WHEN c.category = :pub THEN c.approved_hours ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN c.category = :prof THEN c.approved_hours ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN c.category NOT IN (:pub, :prof) THEN c.approved_hours ELSE 0 END), 0), "
            f"COALESCE(SUM(c.approved_hours), 0), CASE WHEN {' AND '.join(checks)} THEN TRUE ELSE FALSE END, :t "
            "FROM credit_record c JOIN person p ON p.id = c.person_id "
            "WHERE c.year = :year AND c.status = 'approved' AND c.approved_hours IS NOT NULL "
            "GROUP BY c.person_id, p.org_id").bindparams(*[
                sa.bindparam(k, type_=sa.Numeric(7, 1)) for k, v in params.items() if isinstance(v, Decimal)]),
            params)


def downgrade():
    op.drop_index('ix_person_year_hours_year_met', table_name='person_year_hours')
    op.drop_index('ix_person_year_hours_org_year_met', table_name='person_year_hours')
    op.drop_table('person_year_hours')
