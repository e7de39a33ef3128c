"""A person's hours of a year against that year's 学时规则: approved hours per 计入科目 and in total."""
from decimal import Decimal

from sqlalchemy import func, select

from ..base import db
from .catalogue import HoursRule
from .records import CreditRecord


def year_summary(person_id: int, year: int) -> dict:
    """{"rule", "rows": [(计入科目, approved, minimum)], "total", "met"}; categories without a minimum that have
    hours are listed too, after the rule's."""
    c = CreditRecord.__table__.c
    got = dict(db.session.execute(
        select(c.category, func.coalesce(func.sum(c.approved_hours), 0))
        .where(c.person_id == person_id, c.year == year, c.status == "approved").group_by(c.category)).all())
    rule = HoursRule.for_year(year)
    minimums = {name: Decimal(str(n)) for name, n in (rule.minimums or {}).items()}
    names = list(minimums) + [name for name in got if name not in minimums]
    rows = [(name, Decimal(got.get(name, 0)), minimums.get(name)) for name in names]
    total = sum((hours for _, hours, _ in rows), Decimal(0))
    met = total >= rule.total and all(need is None or hours >= need for _, hours, need in rows)
    return {"rule": rule, "rows": rows, "total": total, "met": met}


def years_of(person_id: int) -> list[int]:
    c = CreditRecord.__table__.c
    return list(db.session.scalars(select(c.year).where(c.person_id == person_id).distinct().order_by(c.year.desc())))
