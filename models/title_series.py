"""职称系列 as data: the 27 national series (人社部 2021) plus 无 / 其他, each with the levels it has.

A province adds its own (e.g. 党校教师) in 平台设置 · 职称系列管理. Readers call :func:`series_names` per request, so a
new row shows in registration, change requests, import templates and filters without a restart.
"""
from sqlalchemy import JSON, Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .base import db

LEVELS = ["正高级", "副高级", "中级", "助理级", "员级"]  # TITLE_LEVELS order, without 无
NO_LEVEL = "无"
LEVEL_REFUSED = "所选职称系列没有该级别"
UNKNOWN_SERIES = "职称系列不在可选范围内"
IN_USE = "该职称系列已有人员使用，不能删除，可改为停用"
RENAME_IN_USE = "该职称系列已有人员使用，不能改名"

_ALL = LEVELS
_TO_ASSISTANT = LEVELS[:4]  # 正高级…助理级 (no 员级)
_FROM_VICE = LEVELS[1:]  # 副高级…员级 (no 正高级)
_VICE_TO_ASSISTANT = LEVELS[1:4]

# (name, levels): levels as the national 职称制度改革 guidelines set them.
NATIONAL = [
    ("高等学校教师", _TO_ASSISTANT), ("哲学社会科学研究", _TO_ASSISTANT), ("自然科学研究", _TO_ASSISTANT),
    ("卫生技术", _ALL), ("工程技术", _ALL), ("农业技术", _ALL), ("新闻", _ALL), ("出版", _ALL),
    ("图书资料", _ALL), ("文物博物", _ALL), ("档案", _ALL), ("工艺美术", _ALL), ("技工院校教师", _ALL),
    ("体育", _VICE_TO_ASSISTANT + ["员级"]), ("翻译", _TO_ASSISTANT), ("播音主持", _ALL), ("艺术", _ALL),
    ("公共法律服务", _ALL), ("经济", _ALL), ("会计", _ALL), ("审计", _FROM_VICE), ("统计", _ALL),
    ("中等职业学校教师", _ALL), ("中小学教师", _ALL), ("实验技术", _ALL), ("船舶技术", _ALL),
    ("民用航空飞行技术", _TO_ASSISTANT),
]
DEFAULT_ROWS = ([dict(name=n, levels=list(lv), national=True) for n, lv in NATIONAL]
                + [dict(name="无", levels=[], national=False), dict(name="其他", levels=list(_ALL), national=False)])
# Values stored before 职称系列 were rows: the ones that are not a series name any more.
LEGACY_MAP = {"群众文化": "艺术", "律师": "公共法律服务"}


class TitleSeries(db.Model):
    __tablename__ = "title_series"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    levels: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    national: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    def set_levels(self, levels):
        """Keeps the TITLE_LEVELS order whatever order the levels came in; refuses a level that is not one."""
        unknown = [v for v in levels if v not in LEVELS]
        if unknown:
            raise ValueError(f"未知的职称级别：{'、'.join(unknown)}")
        self.levels = [v for v in LEVELS if v in set(levels)]

    def rename_refusal(self, new_name):
        """None, or why the series may not take ``new_name`` (people hold it by its name)."""
        from sqlalchemy import inspect

        old = inspect(self).attrs.name.history.deleted
        old = old[0] if old else self.name
        if new_name == old:
            return None
        from .person import Person

        with db.session.no_autoflush:  # the new name is not flushed: people still point at the old one
            held = db.session.scalar(select(Person.id).where(Person.title_series == old).limit(1))
        return RENAME_IN_USE if held is not None else None

    def in_use(self):
        from .person import Person

        return db.session.scalar(select(Person.id).where(Person.title_series == self.name).limit(1)) is not None


def seed_title_series():
    """The default rows that are not there yet (by name). Returns how many were added."""
    have = set(db.session.scalars(select(TitleSeries.name)))
    added = 0
    for sort, spec in enumerate(DEFAULT_ROWS):
        if spec["name"] not in have:
            db.session.add(TitleSeries(sort=sort * 10, active=True, **spec))
            added += 1
    db.session.flush()
    return added


def series_names(active_only=True):
    q = select(TitleSeries.name).order_by(TitleSeries.sort, TitleSeries.id)
    if active_only:
        q = q.where(TitleSeries.active.is_(True))
    return list(db.session.scalars(q))


def levels_of(name):
    """The levels of a series (TITLE_LEVELS order), or None when there is no such series."""
    return db.session.scalar(select(TitleSeries.levels).where(TitleSeries.name == name))


def level_refusal(series, level):
    """None when the pair may be stored, else the Chinese message. 无 (or no level) fits every series."""
    if not series or not level or level == NO_LEVEL:
        return None
    levels = levels_of(series)
    if levels is None:
        return UNKNOWN_SERIES
    return None if level in levels else LEVEL_REFUSED


def series_options():
    """(value, label) pairs of every series (停用 ones too: people still hold them) for list filters."""
    return [(v, v) for v in series_names(active_only=False)]
