"""继教完成情况 (F27): each approved person of a unit's subtree against a year's 学时规则, read from 学时汇总.

One row per person: person LEFT JOIN person_year_hours of the year (no row = 0 hours, not met), so the page is an
indexed read however many records the people have. The rule is applied once, in Python, to the page's twenty
rows (what is missing); 达标 itself is the summary's ``met``, decided in the transaction that changed the hours.

The per-unit summary counts the picked unit's own staff and, for each direct child, its whole subtree. It first
counts per unit (the person index (org_id, status), the summary index (org_id, year, met)), then rolls those few
thousand numbers up over the closure table: no person row is joined to the tree.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, func, literal_column, or_, select, union_all

from ..base import starts_with
from ..choices import PERSON_STATUSES
from ..hours.catalogue import PROFESSIONAL, PUBLIC, HoursRule
from ..hours.records import CreditRecord
from ..hours.totals import PersonYearHours
from ..org import Department, Organization, OrgClosure, subtree_ids
from ..person import Person
from . import execute, scalar

SHORT_NAMES = {PUBLIC: "公需", PROFESSIONAL: "专业"}
NOT_APPROVED = tuple(s for s in PERSON_STATUSES if s != "approved")


@dataclass
class Criteria:
    """What the page filters by; ``org_id`` None = the whole province (the platform operator only)."""

    year: int
    org_id: int | None = None
    department_id: int | None = None
    series: str | None = None
    met: bool | None = None  # True 达标, False 未达标, None both
    prefix: str = ""  # a name's or an ID number's start (digits: the ID number)


@dataclass
class PersonYear:
    person_id: int
    name: str
    id_number: str
    org_id: int
    org_name: str
    department: str | None
    title_series: str | None
    title_level: str | None
    public: Decimal
    professional: Decimal
    other: Decimal
    total: Decimal
    met: bool
    missing: list = field(default_factory=list)  # ["公需差 6 学时", ...]; empty when met

    @property
    def missing_text(self) -> str:
        return "，".join(self.missing)


def _hours():
    return PersonYearHours.__table__.c


def filtered(criteria: Criteria, *columns):
    """SELECT ``columns`` FROM person LEFT JOIN the year's 学时汇总 WHERE the criteria hold."""
    p, h = Person.__table__.c, _hours()
    joined = Person.__table__.outerjoin(PersonYearHours.__table__,
                                        and_(h.person_id == p.id, h.year == criteria.year))
    q = select(*columns).select_from(joined).where(p.status == "approved")
    if criteria.org_id is not None:
        q = q.where(p.org_id.in_(subtree_ids(criteria.org_id)))
    if criteria.department_id is not None:
        q = q.where(p.department_id == criteria.department_id)
    if criteria.series:
        q = q.where(p.title_series == criteria.series)
    if criteria.met is True:
        q = q.where(h.met.is_(True))
    elif criteria.met is False:
        q = q.where(or_(h.person_id.is_(None), h.met.is_(False)))
    if criteria.prefix:
        q = q.where(_prefix_clause(criteria.prefix))
    return q


def _prefix_clause(prefix):
    p = Person.__table__.c
    column = p.id_number if prefix[:1].isdigit() else p.name
    return starts_with(column, prefix)


def capped_count(criteria: Criteria, cap: int) -> int:
    """How many people match, counting no further than ``cap`` + 1 (the list's pager decides what to show)."""
    rows = filtered(criteria, literal_column("1")).limit(cap + 1).subquery()
    return scalar(select(func.count()).select_from(rows))


def page(criteria: Criteria, offset: int, limit: int, after=None) -> list[PersonYear]:
    """One page of people in registration order (id), with their unit, department and hours: the page's people,
    the year's rule and — only for a rule with minimums beyond 公需/专业 — their other hours, whatever the page holds.
    ``after``: the id of the last row of the previous chunk, for exports (a keyset instead of an OFFSET).

    Not in name order: code points are no reader's order for Chinese anyway, and PostgreSQL walked the name index
    from its start past every other surname to reach "王…" (200 ms for 济南 in bench.completion)."""
    p, h = Person.__table__.c, _hours()
    base = filtered(criteria, p.id, p.name, p.id_number, p.org_id, p.department_id, p.title_series,
                     p.title_level, func.coalesce(h.public_hours, 0).label("public"),
                     func.coalesce(h.professional_hours, 0).label("professional"),
                     func.coalesce(h.other_hours, 0).label("other"), func.coalesce(h.total_hours, 0).label("total"),
                     func.coalesce(h.met, False).label("met"))
    if after is not None:
        base = base.where(p.id > after)
    inner = base.order_by(p.id).limit(limit).offset(offset).subquery()
    o, d = Organization.__table__.c, Department.__table__.c
    rows = execute(
        select(inner, o.name.label("org_name"), d.name.label("department"))
        .select_from(inner.join(Organization.__table__, o.id == inner.c.org_id)
                     .outerjoin(Department.__table__, d.id == inner.c.department_id))
        .order_by(inner.c.id)).all()
    rule = HoursRule.for_year(criteria.year)
    others = _other_categories(rule, criteria.year, [r.id for r in rows])
    return [_person_year(r, rule, others.get(r.id, {})) for r in rows]


def _person_year(r, rule, other_by_category) -> PersonYear:
    row = PersonYear(r.id, r.name, r.id_number, r.org_id, r.org_name, r.department, r.title_series,
                     r.title_level, Decimal(r.public), Decimal(r.professional), Decimal(r.other), Decimal(r.total),
                     bool(r.met))
    row.missing = [] if row.met else shortfalls(rule, row, other_by_category)
    return row


def shortfalls(rule: HoursRule, row: PersonYear, other_by_category=None) -> list[str]:
    """What ``row`` lacks under ``rule``: each 计入科目 below its minimum, then the total if it is still short
    once those are made up (e.g. ["公需差 6 学时", "总学时差 4 学时"])."""
    got = {PUBLIC: row.public, PROFESSIONAL: row.professional, **(other_by_category or {})}
    out, made_up = [], Decimal(0)
    for category, need in (rule.minimums or {}).items():
        gap = Decimal(str(need)) - got.get(category, Decimal(0))
        if gap > 0:
            out.append(f"{SHORT_NAMES.get(category, category)}差 {hours_text(gap)} 学时")
            made_up += gap
    gap = Decimal(str(rule.total)) - row.total - made_up
    if gap > 0:
        out.append(f"总学时{'另' if out else ''}差 {hours_text(gap)} 学时")
    return out or ["未达标"]  # met by the numbers but not by 学时汇总: a rule changed and its rows are being redone


def summary_shortfalls(summary: dict) -> list[str]:
    """What a person lacks, from models.hours.completion.year_summary's numbers (the 学习记录 page)."""
    totals = {name: got for name, got, _need in summary["rows"]}
    row = PersonYear(0, "", "", 0, "", None, None, None, totals.get(PUBLIC, Decimal(0)),
                     totals.get(PROFESSIONAL, Decimal(0)), Decimal(0), summary["total"], summary["met"])
    return shortfalls(summary["rule"], row, {k: v for k, v in totals.items() if k not in (PUBLIC, PROFESSIONAL)})


def hours_text(value) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def _other_categories(rule, year, person_ids) -> dict:
    """{person id: {计入科目: hours}} for a rule with minimums beyond 公需/专业 (学时汇总 keeps those in one sum)."""
    extra = set(rule.minimums or {}) - {PUBLIC, PROFESSIONAL}
    if not extra or not person_ids:
        return {}
    c = CreditRecord.__table__.c
    out = {}
    for person_id, category, hours in execute(
            select(c.person_id, c.category, func.coalesce(func.sum(c.approved_hours), 0))
            .where(c.person_id.in_(person_ids), c.year == year, c.status == "approved", c.category.in_(extra))
            .group_by(c.person_id, c.category)):
        out.setdefault(person_id, {})[category] = Decimal(hours)
    return out


# -- the per-unit summary -------------------------------------------------------------------------------------
@dataclass
class UnitRow:
    org_id: int
    name: str
    persons: int
    met: int
    own: bool  # the picked unit's own staff (not its subtree)
    pickable: bool = True  # an approved unit: the page may be narrowed to it (a 停用 one still counts its staff)

    @property
    def rate(self) -> float:
        return self.met / self.persons if self.persons else 0.0

    @property
    def rate_text(self) -> str:
        return f"{self.rate * 100:.1f}%"


def _per_unit(year, root_id):
    """SELECT (org_id, persons, met) of every unit of ``root_id``'s subtree (None: every unit).

    Per unit, three counts that each read one index range: persons from (org_id, status), 达标 from the summary's
    (org_id, year, met), less the 达标 rows of its people who are no longer approved (停用: few, found from the
    person index). Grouping the subtree's people in one hash instead read the whole person index (35 ms for a city
    of 150,000 in bench.completion, against 7 ms so).
    """
    p, h = Person.__table__.c, _hours()
    unit = OrgClosure.__table__.c.descendant_id if root_id is not None else Organization.__table__.c.id
    persons = select(func.count()).where(p.org_id == unit, p.status == "approved").scalar_subquery()
    met = select(func.count()).where(h.org_id == unit, h.year == year, h.met.is_(True)).scalar_subquery()
    gone = (select(func.count()).select_from(Person.__table__.join(
        PersonYearHours.__table__, and_(h.person_id == p.id, h.year == year, h.met.is_(True))))
        .where(p.org_id == unit, p.status.in_(NOT_APPROVED)).scalar_subquery())
    q = select(unit.label("org_id"), persons.label("persons"), (met - gone).label("met"))
    return q.where(OrgClosure.__table__.c.ancestor_id == root_id) if root_id is not None else q


def unit_summary(year: int, org_id: int | None, cap: int = 500) -> tuple[list[UnitRow], bool]:
    """The picked unit's own staff (first) and each direct child rolled up over its subtree, children by name;
    for the province (None) the top units. Returns (rows, more): at most ``cap`` children are listed."""
    per_unit = _per_unit(year, org_id).cte("per_unit")
    o, c = Organization.__table__.c, OrgClosure.__table__.c
    heads = select(o.id).where(o.parent_id.is_(None) if org_id is None else o.parent_id == org_id)
    # A unit's numbers count for the child (depth-1 unit) whose subtree holds it; the picked unit's own, for itself.
    rolled = union_all(
        select(c.ancestor_id.label("head"), per_unit.c.persons, per_unit.c.met)
        .select_from(per_unit.join(OrgClosure.__table__, c.descendant_id == per_unit.c.org_id))
        .where(c.ancestor_id.in_(heads)),
        select(per_unit.c.org_id.label("head"), per_unit.c.persons, per_unit.c.met)
        .where(per_unit.c.org_id == (org_id if org_id is not None else -1)),
    ).subquery()
    sums = (select(rolled.c.head, func.sum(rolled.c.persons).label("persons"), func.sum(rolled.c.met).label("met"))
            .group_by(rolled.c.head).subquery())
    own_first = case((o.id == (org_id if org_id is not None else -1), 0), else_=1)
    rows = execute(
        select(o.id, o.name, o.status, func.coalesce(sums.c.persons, 0).label("persons"),
               func.coalesce(sums.c.met, 0).label("met"))
        .select_from(Organization.__table__.outerjoin(sums, sums.c.head == o.id))
        .where(or_(o.id.in_(heads), o.id == (org_id if org_id is not None else -1)),
               or_(o.status == "approved", sums.c.persons > 0))
        .order_by(own_first, o.name, o.id).limit(cap + 2)).all()
    out = [UnitRow(r.id, r.name, int(r.persons), int(r.met), r.id == org_id, r.status == "approved")
           for r in rows]
    listed = cap + (1 if org_id is not None else 0)
    return out[:listed], len(out) > listed


def totals(rows: list[UnitRow]) -> UnitRow | None:
    if not rows:
        return None
    return UnitRow(0, "合计", sum(r.persons for r in rows), sum(r.met for r in rows), False)


__all__ = ["Criteria", "PersonYear", "UnitRow", "filtered", "capped_count", "page", "shortfalls", "unit_summary",
           "totals", "hours_text"]
