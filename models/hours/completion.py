"""A person's hours of a year against that year's 学时规则: approved hours per 计入科目 and in total."""
from decimal import Decimal

from sqlalchemy import func, select

from ..base import db
from ..certificates.printing import hours_text
from .catalogue import PROFESSIONAL, PUBLIC, HoursRule
from .records import CreditRecord
from .totals import PersonYearHours


def year_summary(person_id: int, year: int) -> dict:
    """{"rule", "rows": [(计入科目, approved, minimum)], "total", "met"}; categories without a minimum that have
    hours are listed too, after the rule's. Read from 学时汇总 (person_year_hours: no row = 0 hours, not met);
    only hours of 计入科目 other than 公需/专业 are split per category from the records."""
    row = db.session.get(PersonYearHours, (person_id, year), populate_existing=True)
    rule = HoursRule.for_year(year)
    minimums = {name: Decimal(str(n)) for name, n in (rule.minimums or {}).items()}
    got = {}
    if row is not None:
        got = {PUBLIC: Decimal(row.public_hours), PROFESSIONAL: Decimal(row.professional_hours)}
        got = {k: v for k, v in got.items() if v or k in minimums}
        if row.other_hours:
            c = CreditRecord.__table__.c
            got.update({k: Decimal(v) for k, v in db.session.execute(
                select(c.category, func.coalesce(func.sum(c.approved_hours), 0))
                .where(c.person_id == person_id, c.year == year, c.status == "approved",
                       c.category.not_in((PUBLIC, PROFESSIONAL))).group_by(c.category))})
    names = list(minimums) + [name for name in got if name not in minimums]
    rows = [(name, Decimal(got.get(name, 0)), minimums.get(name)) for name in names]
    total = Decimal(row.total_hours) if row is not None else Decimal(0)
    met = bool(row.met) if row is not None else False
    return {"rule": rule, "rows": rows, "total": total, "met": met}


def years_of(person_id: int) -> list[int]:
    c = CreditRecord.__table__.c
    return list(db.session.scalars(select(c.year).where(c.person_id == person_id).distinct().order_by(c.year.desc())))


def shortfall(summary) -> str:
    """What a year still lacks against its rule, e.g. "公需科目差 6 学时，合计差 10 学时" ("" when met)."""
    if summary["met"]:
        return ""
    parts = [f"{name}差 {hours_text(need - got)} 学时" for name, got, need in summary["rows"] if need is not None and got < need]
    need_total = summary["rule"].total
    if summary["total"] < need_total:
        parts.append(f"合计差 {hours_text(need_total - summary['total'])} 学时")
    return "，".join(parts)
