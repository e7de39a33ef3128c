"""Every list page of the admin, timed through the app and as the raw SQL it ran.

For one logged-in client and one URL: the app's time is the median of ``repeat`` whole requests through the
Flask test client; the statements of the last request are caught by a ``before_cursor_execute`` listener
(the exact SQL text and parameters the driver received) and each is re-run ``repeat`` times on a raw DBAPI
connection, its median counted. The pages come from walking the Flask-Admin views, so a view added later is
benched without touching this file.
"""
import re
import statistics
import time
import unicodedata
from dataclasses import dataclass, field

from flask_admin.contrib.sqla import ModelView
from sqlalchemy import event, func, select

from models import db

SLOW_SQL_MS = 50
BIG_TABLE = 10_000  # rows in the view's table: from here on the search, filter and deep-page variants are timed
DEEP_PAGE = 200
SEARCH_TERM = "王"  # the commonest surname: a search that matches tens of thousands of rows at scale


@dataclass
class Statement:
    sql: str
    params: object
    ms: float = 0.0


@dataclass
class PageTiming:
    user: str
    url: str
    variant: str
    status: int
    app_ms: float
    statements: list = field(default_factory=list)

    @property
    def sql_ms(self):
        return sum(s.ms for s in self.statements)

    @property
    def ratio(self):
        return self.app_ms / self.sql_ms if self.sql_ms else float("inf")

    @property
    def slowest(self):
        return max(self.statements, key=lambda s: s.ms, default=None)

    @property
    def slow(self):
        return self.sql_ms > SLOW_SQL_MS


def list_urls(app):
    """(url, variant) for every ModelView's list: page 1, and for big tables a search, a filter and page 200."""
    admin = app.extensions["admin"][0]
    with app.app_context():
        sizes = {}
        for view in admin._views:
            if isinstance(view, ModelView) and view.model.__table__.name not in sizes:
                sizes[view.model.__table__.name] = db.session.scalar(
                    select(func.count()).select_from(view.model.__table__))
    urls = [("/admin/", "待办事项 首页"), ("/admin/todo.json", "待办事项 todo.json")]
    for view in admin._views:
        if not isinstance(view, ModelView):
            continue
        base = view.url.rstrip("/") + "/"
        urls.append((base, f"{view.name} {view.endpoint} 第1页"))
        if sizes[view.model.__table__.name] < BIG_TABLE:
            continue
        if view.column_searchable_list:
            urls.append((f"{base}?search={SEARCH_TERM}", f"{view.name} {view.endpoint} 搜索「{SEARCH_TERM}」"))
        flt = _a_filter(view)
        if flt:
            urls.append((f"{base}?{flt[0]}={flt[1]}", f"{view.name} {view.endpoint} 筛选 {flt[2]}"))
        urls.append((f"{base}?page={DEEP_PAGE - 1}", f"{view.name} {view.endpoint} 第{DEEP_PAGE}页"))
    return urls


def _a_filter(view):
    """A filter a user would pick: the first with fixed choices (its first choice), else the first text match."""
    args = getattr(view, "_filter_args", None) or {}
    for arg, (_, flt) in args.items():
        options = flt.options if isinstance(flt.options, (list, tuple)) else None
        if options:
            return f"flt0_{arg}", options[0][0], f"{flt.name}={options[0][1]}"
    for arg, (_, flt) in args.items():
        if type(flt).__name__ in ("FilterLike", "InSelectFilter"):
            return f"flt0_{arg}", SEARCH_TERM, f"{flt.name}含「{SEARCH_TERM}」"
    return None


class StatementCatcher:
    """Collects what the engine sends to the driver while ``on`` is set."""

    def __init__(self, engine):
        self.engine, self.on, self.caught = engine, False, []
        event.listen(engine, "before_cursor_execute", self._catch)

    def _catch(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.caught.append(Statement(statement, parameters))

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._catch)


def time_statements(statements, repeat):
    """Each read statement's median time on a raw DBAPI connection; writes (there should be none on a list
    page) are counted but not re-run, and the transaction is rolled back either way."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for s in statements:
            if not s.sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            runs = []
            for _ in range(repeat + 1):  # the first run warms the plan and the cache, as the app's warm-up did
                start = time.perf_counter()
                cursor.execute(s.sql, s.params)
                cursor.fetchall()
                runs.append(time.perf_counter() - start)
            s.ms = statistics.median(runs[1:]) * 1000
        raw.rollback()
    finally:
        raw.close()


def time_page(client, catcher, user, url, variant, repeat) -> PageTiming:
    client.get(url)  # warm: templates, compiled statements, the database's cache
    runs = []
    for i in range(repeat):
        catcher.caught, catcher.on = [], i == repeat - 1
        start = time.perf_counter()
        r = client.get(url)
        runs.append(time.perf_counter() - start)
        catcher.on = False
    timing = PageTiming(user, url, variant, r.status_code, statistics.median(runs) * 1000, catcher.caught)
    time_statements(timing.statements, repeat)
    return timing


def _pad(text, width):
    """Left-justify by display width: a Chinese character takes two columns of a terminal."""
    shown = 0
    for i, ch in enumerate(text):
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if shown + w > width:
            text = text[:i]
            break
        shown += w
    return text + " " * (width - shown)


def _rpad(text, width):
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return " " * (width - shown) + text


def table(timings) -> str:
    head = (_pad("用户", 6) + _pad("页面", 52) + "".join(_rpad(h, w) for h, w in (
        ("状态", 6), ("应用ms", 10), ("SQLms", 9), ("比值", 6), ("查询", 6), ("最慢ms", 8))) + "  标记")
    lines = [head, "-" * 104]
    for t in timings:
        slowest = t.slowest
        lines.append(f"{_pad(t.user, 6)}{_pad(t.variant, 52)}{t.status:>6}{t.app_ms:10.1f}{t.sql_ms:9.1f}"
                     f"{t.ratio:6.1f}{len(t.statements):>6}{slowest.ms if slowest else 0:8.1f}  "
                     f"{'SQL>' + str(SLOW_SQL_MS) + 'ms' if t.slow else ''}")
    return "\n".join(lines)


def slow_report(timings) -> str:
    """The slowest statement of every flagged page, with its parameters, to EXPLAIN by hand."""
    out = []
    for t in timings:
        if t.slow:
            s = t.slowest
            sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", " ".join(s.sql.split()), count=1)
            out.append(f"[{t.user}] {t.url}  SQL {t.sql_ms:.1f} ms，最慢 {s.ms:.1f} ms：\n  {sql[:700]}\n"
                       f"  参数：{str(s.params)[:300]}")
    return "\n".join(out)
