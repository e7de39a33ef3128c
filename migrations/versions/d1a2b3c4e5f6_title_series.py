"""title_series: 职称系列 as rows; person.title_series maps onto them and points at them

Revision ID: d1a2b3c4e5f6
Revises: bcbad7010838
Create Date: 2026-12-02 12:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd1a2b3c4e5f6'
down_revision = 'bcbad7010838'
branch_labels = None
depends_on = None

# Frozen copy of models/title_series.DEFAULT_ROWS at this revision: (name, levels, national).
ROWS = [('高等学校教师', ['正高级', '副高级', '中级', '助理级'], True), ('哲学社会科学研究', ['正高级', '副高级', '中级', '助理级'], True), ('自然科学研究', ['正高级', '副高级', '中级', '助理级'], True), ('卫生技术', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('工程技术', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('农业技术', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('新闻', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('出版', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('图书资料', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('文物博物', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('档案', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('工艺美术', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('技工院校教师', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('体育', ['副高级', '中级', '助理级', '员级'], True), ('翻译', ['正高级', '副高级', '中级', '助理级'], True), ('播音主持', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('艺术', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('公共法律服务', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('经济', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('会计', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('审计', ['副高级', '中级', '助理级', '员级'], True), ('统计', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('中等职业学校教师', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('中小学教师', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('实验技术', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('船舶技术', ['正高级', '副高级', '中级', '助理级', '员级'], True), ('民用航空飞行技术', ['正高级', '副高级', '中级', '助理级'], True), ('无', [], False), ('其他', ['正高级', '副高级', '中级', '助理级', '员级'], False)]
LEGACY_MAP = {'群众文化': '艺术', '律师': '公共法律服务'}


def upgrade():
    table = op.create_table('title_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('national', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_title_series')),
    sa.UniqueConstraint('name', name=op.f('uq_title_series_name'))
    )
    op.bulk_insert(table, [dict(name=n, levels=lv, sort=i * 10, active=True, national=nat)
                           for i, (n, lv, nat) in enumerate(ROWS)])
    # Data migration (no audit entries: not a user's change): today's values onto the rows.
    person = sa.table('person', sa.column('title_series', sa.String))
    for old, new in LEGACY_MAP.items():
        op.execute(person.update().where(person.c.title_series == old).values(title_series=new))
    names = [n for n, _, _ in ROWS]
    op.execute(person.update().where(person.c.title_series.is_not(None), person.c.title_series != '',
                                     person.c.title_series.not_in(names)).values(title_series='其他'))
    op.execute(person.update().where(person.c.title_series == '').values(title_series=None))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_person_title_series_title_series'), 'title_series',
                                    ['title_series'], ['name'])


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_person_title_series_title_series'), type_='foreignkey')
    op.drop_table('title_series')
