"""职称系列分布 (F26): approved persons of a unit's subtree counted by 职称系列 × 级别, in one GROUP BY.

The rows follow 职称系列管理's order (停用 series still count: people hold them); a value that is no series row
any more, or a level outside TITLE_LEVELS, still shows, after the known ones. An empty series or level is
"未填写". Series nobody holds are left out; the levels are always all shown, so tables of two units line up.
"""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..base import db
from ..choices import TITLE_LEVELS
from ..org import subtree_ids
from ..person import Person
from ..title_series import series_names

UNFILLED = "未填写"


@dataclass
class Distribution:
    series: list  # row keys: series names, None for 未填写
    levels: list  # column keys: levels, None for 未填写
    counts: dict = field(default_factory=dict)  # (series, level) -> persons

    def cell(self, series, level) -> int:
        return self.counts.get((series, level), 0)

    def row_total(self, series) -> int:
        return sum(self.cell(series, level) for level in self.levels)

    def column_total(self, level) -> int:
        return sum(self.cell(series, level) for series in self.series)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, n) -> float:
        return n / self.total if self.total else 0.0

    @staticmethod
    def label(key) -> str:
        return UNFILLED if key is None else key


def counting_query(org_id=None, department_id=None):
    """The GROUP BY itself: ``org_id`` None counts the whole province."""
    query = (select(Person.title_series, Person.title_level, func.count())
             .where(Person.status == "approved")
             .group_by(Person.title_series, Person.title_level))
    if org_id is not None:
        query = query.where(Person.org_id.in_(subtree_ids(org_id)))
    if department_id is not None:
        query = query.where(Person.department_id == department_id)
    return query


def title_distribution(org_id=None, department_id=None) -> Distribution:
    counts = {}
    for s, lv, n in db.session.execute(counting_query(org_id, department_id)):
        key = (s or None, lv or None)  # an empty string is as unfilled as NULL
        counts[key] = counts.get(key, 0) + n
    held = {s for s, _ in counts}
    known = series_names(active_only=False)
    series = [s for s in known if s in held] + sorted(s for s in held if s is not None and s not in known)
    if None in held:
        series.append(None)
    found = {lv for _, lv in counts}
    levels = list(TITLE_LEVELS) + sorted(lv for lv in found if lv is not None and lv not in TITLE_LEVELS)
    if None in found:
        levels.append(None)
    return Distribution(series=series, levels=levels, counts=counts)
