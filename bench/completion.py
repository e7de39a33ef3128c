"""继教完成情况查询 (F27) at province scale: the page, its chart JSON and the export's first chunk for the city with the
most staff, through the app against the same SQL raw, with EXPLAIN of every statement.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.completion [--repeat 7]

Runs on a database filled by ``python -m bench.hours --seed`` (500,000 staff, 5,000,000 records, 学时汇总 built) and
writes nothing but what logging in writes. The city admin of the demo administers 济南; if another city has more
staff, an operator session narrows the page to that city with the unit picker (``?org=``), which is the same query.
Targets (issue 11): page and summary ≤ 1.5× the raw SQL and ≤ 100 ms. A sequential scan of person,
person_year_hours or credit_record is flagged.
"""
import argparse

from sqlalchemy import func, select, text

from app import create_app
from demo import accounts as documented
from models import Organization, OrgClosure, Person, db, now

from . import pages
from .bulk_approve import log, login

BIG_TABLES = ("person", "person_year_hours", "credit_record")
TARGET_RATIO, TARGET_MS = 1.5, 100


def biggest_city():
    """(id, name, persons) of the top-level unit under the root with the most approved staff in its subtree."""
    root = db.session.scalar(select(Organization.id).where(Organization.parent_id.is_(None)).order_by(Organization.id))
    c, p = OrgClosure.__table__.c, Person.__table__.c
    counts = (select(c.ancestor_id, func.count().label("n"))
              .select_from(Person.__table__.join(OrgClosure.__table__, c.descendant_id == p.org_id))
              .where(p.status == "approved",
                     c.ancestor_id.in_(select(Organization.id).where(Organization.parent_id == root)))
              .group_by(c.ancestor_id).subquery())
    org_id, n = db.session.execute(select(counts.c.ancestor_id, counts.c.n).order_by(counts.c.n.desc()).limit(1)).one()
    return org_id, db.session.get(Organization, org_id).name, n


def urls(org_id, year):
    base = f"/admin/stats/completion/?org={org_id}&year={year}"
    return [
        (base, "列表第1页 + 按单位汇总"),
        (f"/admin/stats/completion/chart.json?org={org_id}&year={year}", "汇总图表 JSON"),
        (f"{base}&met=0", "未达标"),
        (f"{base}&met=1", "达标"),
        (f"{base}&q=王", "姓名开头「王」"),
        (f"{base}&series=卫生技术", "职称系列 卫生技术"),
        (f"{base}&page=99", "第100页"),
        # Not F27: what any admin request costs beyond its SQL (login, session, membership), for reading the ratios.
        (f"/admin/org-tree/?parent={org_id}", "参照：单位树 JSON"),
    ]


def time_model(org_id, year, repeat):
    """The page's own reads in process (no HTTP, login or template): count, page and summary through
    models/stats/completion_query.py, median of ``repeat``, against the same statements re-run raw."""
    import statistics
    import time

    from models.stats import completion_query as cq

    criteria = cq.Criteria(year=year, org_id=org_id)
    catcher = pages.StatementCatcher(db.engine)
    out = []
    try:
        for label, fn in (("列表计数（上限 10,000）", lambda: cq.capped_count(criteria, 10_000)),
                          ("列表第1页", lambda: cq.page(criteria, 0, 20)),
                          ("按单位汇总", lambda: cq.unit_summary(year, org_id))):
            fn()
            runs = []
            for i in range(repeat):
                catcher.caught, catcher.on = [], i == repeat - 1
                start = time.perf_counter()
                fn()
                runs.append(time.perf_counter() - start)
                catcher.on = False
            statements = catcher.caught
            pages.time_statements(statements, repeat)
            app_ms, sql_ms = statistics.median(runs) * 1000, sum(st.ms for st in statements)
            out.append((label, app_ms, sql_ms, len(statements)))
    finally:
        catcher.close()
    return out


def explain(statements) -> list[str]:
    """EXPLAIN (ANALYZE) of every read: its plan, and a flag on a sequential scan of a big table."""
    raw = db.engine.raw_connection()
    out = []
    try:
        cursor = raw.cursor()
        for s in statements:
            if not s.sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            if not any(t in s.sql for t in BIG_TABLES):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY ON) " + s.sql, s.params)
            plan = [row[0] for row in cursor.fetchall()]
            seq = [t for t in BIG_TABLES if any(f"Seq Scan on {t} " in line or line.endswith(f"Seq Scan on {t}")
                                                for line in plan)]
            head = " ".join(s.sql.split())[:160]
            # Under a Limit (the capped count's 10,001 rows) a sequential scan stops once it has enough rows.
            bounded = "，在 Limit 之下：读够即停" if seq and any("Limit" in line for line in plan) else ""
            flag = f"  【顺序扫描 {'、'.join(seq)}{bounded}】" if seq else ""
            out.append(f"-- {head} …{flag}\n  " + "\n  ".join(plan))
        raw.rollback()
    finally:
        raw.close()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="requests per page (median)")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--rule-total", type=float, default=None, metavar="HOURS",
                        help="first set last year's 学时规则 to HOURS with no minimums, so that the scale data (thin: "
                             "a median of 16 h a person) has 达标 people; the rule is put back at the end")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("bench.completion 需要 PostgreSQL：DATABASE_URL=postgresql://...")
        org_id, name, persons = biggest_city()
        year = now().year - 1
        kept = set_rule(year, args.rule_total) if args.rule_total is not None else None
        rows = db.session.execute(text("SELECT count(*) FILTER (WHERE met) FROM person_year_hours WHERE year = :y"),
                                  {"y": year}).scalar()
        log(f"数据库：专技人员 {db.session.scalar(select(func.count()).select_from(Person)):,} 名；"
            f"{name}（id {org_id}）已审核人员 {persons:,} 名；{year}年全省达标 {rows:,} 人")
    city = documented.BY_KEY["city_admin"]
    client = login(app, city.id_number, documented.PASSWORD, city.user_type)
    with app.app_context():
        catcher = pages.StatementCatcher(db.engine)
    timings = []
    try:
        for url, variant in urls(org_id, year):
            with app.app_context():
                timings.append(pages.time_page(client, catcher, "市局", url, variant, args.repeat))
    finally:
        catcher.close()
    log(pages.table(timings))
    failed = []
    for t in timings:
        if t.variant.startswith("参照"):
            log(f"  {t.variant}: 应用 {t.app_ms:.1f} ms，SQL {t.sql_ms:.1f} ms：每个请求的固定开销约 "
                f"{t.app_ms - t.sql_ms:.1f} ms")
            continue
        ok = t.status == 200 and t.app_ms <= TARGET_MS and t.ratio <= TARGET_RATIO
        log(f"  {t.variant}: 应用 {t.app_ms:.1f} ms，SQL {t.sql_ms:.1f} ms，比值 {t.ratio:.2f}×"
            f"（目标 ≤ {TARGET_RATIO}× 且 ≤ {TARGET_MS} ms）{'达标' if ok else '未达标'}")
        if not ok:
            failed.append(t.variant)
    with app.app_context():
        model = time_model(org_id, year, args.repeat)
    log("\n进程内（不含登录、会话和模板）：")
    for label, app_ms, sql_ms, n in model:
        log(f"  {label}: 应用 {app_ms:.1f} ms，SQL {sql_ms:.1f} ms（{n} 条语句），比值 {app_ms / sql_ms:.2f}×")
    if not args.no_explain:
        with app.app_context():
            for t in timings[:2]:
                log(f"\nEXPLAIN ANALYZE：{t.variant}")
                for plan in explain(t.statements):
                    log(plan)
            seq = [f"{t.variant}: {p.splitlines()[0]}" for t in timings for p in explain(t.statements) if "【顺序扫描" in p]
        log(f"\n读大表的语句中有顺序扫描的：{len(seq)} 条")
        for s in seq:
            log("  " + s)
    log(f"\n未达标的页面：{'、'.join(failed) if failed else '无'}")
    if kept is not None:
        with app.app_context():
            set_rule(year, *kept)


def set_rule(year, total, minimums=None):
    """Give ``year`` the rule (total, minimums) — 学时汇总 re-decides 达标 in the same commit (models/hours/totals.py)
    — and vacuum the table; returns the rule it replaced."""
    from decimal import Decimal

    from models import HoursRule

    rule = HoursRule.for_year(year)
    kept = (float(rule.total), dict(rule.minimums or {}))
    rule.total, rule.minimums = Decimal(str(total)), dict(minimums or {})
    db.session.add(rule)
    db.session.commit()
    # As autovacuum would after such a mass update: statistics, and the visibility map that lets the counts read
    # the (org_id, year, met) index alone instead of every row's page.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE person_year_hours"))
    log(f"{year}年学时规则暂设为：合计 {total} 学时{'，' + str(minimums) if minimums else '，不设分科目要求'}")
    return kept


if __name__ == "__main__":
    main()
