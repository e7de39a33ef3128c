"""学时汇总: one row per person and year with approved hours (person_year_hours), kept in the same transaction as
every change of approved hours, so lists and counts of 达标 read one indexed row instead of summing records.

No row = 0 hours, not met. ``met`` follows the year's HoursRule: total ≥ rule.total and every minimum of the rule
(公需科目 → public_hours, 专业科目 → professional_hours, any other 计入科目 → its own sum, kept in other_hours).
The table is derived data: the audit log holds the credit-record changes it is computed from. Nothing here commits.
"""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (Boolean, ForeignKey, Index, Integer, Numeric, and_, case, delete, event, func, insert,
                        literal, select, true, update)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import Select

from ..base import db, now, upsert
from ..bulk import in_ids
from ..person import Person
from .catalogue import PROFESSIONAL, PUBLIC, HoursRule
from .records import CreditRecord

HOURS = Numeric(7, 1)


class PersonYearHours(db.Model):
    __tablename__ = "person_year_hours"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)  # the person's unit
    public_hours: Mapped[Decimal] = mapped_column(HOURS, nullable=False, default=0, server_default="0")
    professional_hours: Mapped[Decimal] = mapped_column(HOURS, nullable=False, default=0, server_default="0")
    other_hours: Mapped[Decimal] = mapped_column(HOURS, nullable=False, default=0, server_default="0")
    total_hours: Mapped[Decimal] = mapped_column(HOURS, nullable=False, default=0, server_default="0")
    met: Mapped[bool] = mapped_column(Boolean, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False, default=now)

    __table_args__ = (Index("ix_person_year_hours_org_year_met", "org_id", "year", "met"),
                      Index("ix_person_year_hours_year_met", "year", "met"))


def _rule_values(year):
    rule = HoursRule.for_year(year)
    return Decimal(str(rule.total)), {k: Decimal(str(v)) for k, v in (rule.minimums or {}).items()}


def _summary_select(year, person_ids=None):
    """SELECT person_id, year, org_id, public, professional, other, total, met, updated_at of ``year``'s approved
    records (of ``person_ids``, or everybody), one row per person: the rule's numbers are bound parameters."""
    c = CreditRecord.__table__.c
    p = Person.__table__.c
    total_need, minimums = _rule_values(year)

    def of(cond):
        return func.coalesce(func.sum(case((cond, c.approved_hours), else_=0)), 0)

    public = of(c.category == PUBLIC)
    professional = of(c.category == PROFESSIONAL)
    other = of(c.category.not_in((PUBLIC, PROFESSIONAL)))
    total = func.coalesce(func.sum(c.approved_hours), 0)
    checks = [total >= literal(total_need, HOURS)]
    for category, need in minimums.items():
        checks.append(of(c.category == literal(category)) >= literal(need, HOURS))
    met = case((and_(*checks), True), else_=False)
    q = (select(c.person_id, literal(year, Integer), p.org_id, public, professional, other, total, met,
                literal(now(), db.DateTime))
         .select_from(CreditRecord.__table__.join(Person.__table__, p.id == c.person_id))
         .where(c.year == year, c.status == "approved", c.approved_hours.is_not(None)))
    if person_ids is not None:
        q = q.where(in_ids(c.person_id, person_ids))
    return q.group_by(c.person_id, p.org_id)


COLUMNS = ["person_id", "year", "org_id", "public_hours", "professional_hours", "other_hours", "total_hours", "met",
           "updated_at"]


def refresh(pairs) -> None:
    """Recompute the rows of ``pairs``: (person_id, year) tuples or a SELECT of them. Per year: one DELETE and one
    INSERT ... SELECT GROUP BY person_id."""
    if isinstance(pairs, Select):
        pairs = db.session.execute(pairs).all()
    by_year: dict[int, set[int]] = {}
    for person_id, year in pairs:
        by_year.setdefault(int(year), set()).add(int(person_id))
    table = PersonYearHours.__table__
    for year, people in sorted(by_year.items()):
        people = sorted(people)
        db.session.execute(delete(table).where(table.c.year == year, in_ids(table.c.person_id, people)))
        db.session.execute(insert(table).from_select(COLUMNS, _summary_select(year, people)))
        _certificates().follow_totals(year, people)


def add_approved(record_ids) -> None:
    """Records ``record_ids`` were just approved (pending ones never counted): add their hours to their rows in one
    INSERT ... SELECT ... ON CONFLICT DO UPDATE reading only these records, ``met`` decided per year. Recomputing the
    persons' rows instead reads every approved record they have: 40 % of a 10,000-record bulk approve."""
    record_ids = sorted(int(i) for i in record_ids)
    if not record_ids:
        return
    c, p = CreditRecord.__table__.c, Person.__table__.c
    years = db.session.scalars(select(c.year).where(in_ids(c.id, record_ids)).distinct().order_by(c.year)).all()
    rules = {year: _rule_values(year) for year in years}
    for year in [y for y, (_need, minimums) in rules.items() if set(minimums) - {PUBLIC, PROFESSIONAL}]:
        # other_hours mixes the other 计入科目: a minimum of one of them needs its own sum, from all the records
        refresh(select(c.person_id, c.year).where(in_ids(c.id, record_ids), c.year == year).distinct())
        del rules[year]
    if not rules:
        return

    def of(cond):
        return func.coalesce(func.sum(case((cond, c.approved_hours), else_=0)), 0)

    added = {"public_hours": of(c.category == PUBLIC), "professional_hours": of(c.category == PROFESSIONAL),
             "other_hours": of(c.category.not_in((PUBLIC, PROFESSIONAL))),
             "total_hours": func.coalesce(func.sum(c.approved_hours), 0)}
    delta = (select(c.person_id, c.year, p.org_id, *added.values(), _met(c.year, added, rules),
                    literal(now(), db.DateTime))
             .select_from(CreditRecord.__table__.join(Person.__table__, p.id == c.person_id))
             .where(in_ids(c.id, record_ids), c.year.in_(sorted(rules)), c.approved_hours.is_not(None))
             .group_by(c.person_id, c.year, p.org_id))
    stmt = upsert(PersonYearHours.__table__).from_select(COLUMNS, delta)
    t, new = PersonYearHours.__table__.c, stmt.excluded
    sums = {k: getattr(t, k) + getattr(new, k) for k in added}
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=[t.person_id, t.year],
        set_={**sums, "met": _met(t.year, sums, rules), "updated_at": new.updated_at}))
    for year in sorted(rules):  # a revoked certificate whose year is met again is valid again
        _certificates().follow_totals(year, select(c.person_id).where(in_ids(c.id, record_ids), c.year == year))


def _met(year, hours, rules):
    """``met`` as SQL over the sums ``hours`` (public_hours, professional_hours, total_hours): for each year of
    ``rules`` ({year: (total, minimums of 公需/专业)}) the total and every minimum reached."""
    column = {PUBLIC: "public_hours", PROFESSIONAL: "professional_hours"}
    whens = [(and_(year == y, hours["total_hours"] >= literal(need, HOURS),
                   *[hours[column[k]] >= literal(v, HOURS) for k, v in minimums.items()]), True)
             for y, (need, minimums) in rules.items()]
    return case(*whens, else_=False)


def refresh_year(year: int) -> None:
    """After the year's HoursRule changed: ``met`` of every row of the year, in one UPDATE (a rule with minimums
    for other 计入科目 than 公需/专业 is recomputed from the records: other_hours sums them all)."""
    total_need, minimums = _rule_values(year)
    table = PersonYearHours.__table__
    t = table.c
    if set(minimums) - {PUBLIC, PROFESSIONAL}:
        db.session.execute(delete(table).where(t.year == year))
        db.session.execute(insert(table).from_select(COLUMNS, _summary_select(year)))
        _certificates().follow_totals(year)
        return
    cols = {PUBLIC: t.public_hours, PROFESSIONAL: t.professional_hours}
    checks = [t.total_hours >= literal(total_need, HOURS)]
    checks += [cols[k] >= literal(v, HOURS) for k, v in minimums.items()]
    db.session.execute(update(table).where(t.year == year).values(
        met=case((and_(true(), *checks), True), else_=False), updated_at=now()))
    _certificates().follow_totals(year)


def _certificates():
    # Certificates read this table: imported late, they may import it at the top.
    from .. import certificates

    return certificates


def follow_person(person_id: int, org_id: int) -> None:
    """The person moved to ``org_id`` (人员调转): their rows follow."""
    t = PersonYearHours.__table__.c
    db.session.execute(update(PersonYearHours.__table__).where(t.person_id == person_id).values(org_id=org_id))


def rebuild() -> None:
    """Empty the table and compute it again from every approved record: one INSERT ... SELECT per year."""
    db.session.execute(delete(PersonYearHours.__table__))
    c = CreditRecord.__table__.c
    years = db.session.scalars(select(c.year).where(c.status == "approved").distinct().order_by(c.year)).all()
    for year in years:
        db.session.execute(insert(PersonYearHours.__table__).from_select(COLUMNS, _summary_select(year)))
    _certificates().follow_rebuild()


@event.listens_for(Session, "after_flush")
def _rule_saved(session, _context):
    """Any save of a HoursRule (the 学时规则 page, a seed) re-decides ``met`` of its year, in its transaction."""
    years = {obj.year for obj in list(session.new) + list(session.dirty) + list(session.deleted)
             if isinstance(obj, HoursRule) and obj.year is not None}
    for year in sorted(years):
        refresh_year(year)


def register_cli(app):
    import click

    @app.cli.command("hours-totals-rebuild")
    def hours_totals_rebuild():
        """Rebuild 学时汇总 (person_year_hours) from the approved credit records."""
        rebuild()
        db.session.commit()
        click.echo("学时汇总已重建")
