"""职称系列分布查询 (F26) at province scale: the page, its chart JSON and its export through the app against the
raw GROUP BY of the same counts.

    DATABASE_URL=postgresql://.../bench_scale .venv/bin/python -m bench.title_distribution [--repeat 5]

Read-only: for the province, a city and a unit admin (and the operator, 全省), every URL is timed as bench.pages
does (the app's median of whole requests; the statements of the last request re-run raw, their median summed),
and compared with the independent raw GROUP BY of the same scope (target: app ≤ 1.5× it for the province's
page). The export's audit row is not written here (the database is shared and read-only): the export is timed
without it. EXPLAIN of every statement that reads person: a sequential scan of person is flagged, and said when
the raw GROUP BY plans one too (a province's count reads every row; a unit's must not).
"""
import argparse
import statistics
import time

from sqlalchemy import func, select, text

from app import create_app
from demo import accounts as documented
from models import Person, audit, db

from . import pages
from .bulk_approve import log, login

TARGET = 1.5
BASE = "/admin/stats/title-distribution/"
URLS = [(BASE, "页面"), (BASE + "chart/bar.json", "柱状图 JSON"), (BASE + "chart/pie.json", "饼图 JSON"),
        (BASE + "export.xlsx", "导出数据（不含审计写入）")]
USERS = [("平台", "operator"), ("省厅", "province_admin"), ("市局", "city_admin"), ("单位", "employer_admin")]

# Written apart from models/stats/title_counts.py on purpose: the yardstick must not share the app's code.
RAW = """
    SELECT title_series, title_level, count(*) FROM person
    WHERE status = 'approved' {scope}
    GROUP BY title_series, title_level"""
SUBTREE = "AND org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = %(org)s)"


def raw_group_by(org_id, repeat):
    """(median ms, plan) of the raw GROUP BY for ``org_id``'s subtree (None: the whole province)."""
    sql = RAW.format(scope=SUBTREE if org_id is not None else "")
    params = {"org": org_id}
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        runs = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            runs.append(time.perf_counter() - start)
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
    finally:
        raw.close()
    return statistics.median(runs[1:]) * 1000, plan


def person_scans(statements) -> list[str]:
    raw = db.engine.raw_connection()
    found = []
    try:
        cursor = raw.cursor()
        for s in statements:
            if " person" not in s.sql or not s.sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN " + s.sql, s.params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if "Seq Scan on person" in plan:
                found.append(" ".join(s.sql.split())[:400] + "\n" + plan)
        raw.rollback()
    finally:
        raw.close()
    return found


def scope_of(account):
    """The org the account's page counts by default (its own unit; the operator: None = 全省)."""
    if account.user_type == "operator":
        return None, "全省"
    from models import Account, AdminMembership, Organization

    row = db.session.execute(
        select(Organization.id, Organization.name).join(AdminMembership, AdminMembership.org_id == Organization.id)
        .join(Account, Account.id == AdminMembership.account_id).where(Account.id_number == account.id_number)
        .order_by(Organization.id)).first()
    return row.id, row.name


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="requests per URL (median)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("bench.title_distribution 需要 PostgreSQL：DATABASE_URL=postgresql://...")
        approved = db.session.scalar(select(func.count()).select_from(Person).where(Person.status == "approved"))
        log(f"数据库：已审核专技人员 {approved:,} 名；每个地址 {args.repeat} 次请求取中位数")
        catcher = pages.StatementCatcher(db.engine)
    audit_record, audit.record = audit.record, lambda *a, **k: None  # read-only: see the docstring
    rows, scans, verdicts = [], [], []
    try:
        for label, key in USERS:
            account = documented.BY_KEY[key]
            with app.app_context():
                org_id, org_name = scope_of(account)
                raw_ms, raw_plan = raw_group_by(org_id, args.repeat)
                persons = db.session.execute(text(RAW.format(scope=SUBTREE if org_id else "").replace(
                    "%(org)s", ":org")), {"org": org_id}).all()
            total = sum(n for *_, n in persons)
            client = login(app, account.id_number, documented.PASSWORD, account.user_type)
            for url, variant in URLS:
                with app.app_context():
                    t = pages.time_page(client, catcher, label, url, f"{org_name} {variant}",
                                        args.repeat)
                    assert t.status == 200, (url, t.status)
                    rows.append((t, raw_ms, total))
                    for plan in person_scans(t.statements):
                        same = "Seq Scan on person" in raw_plan
                        scans.append(f"[{label}] {variant}（原始 GROUP BY {'同样' if same else '不'}顺序扫描）: {plan}")
                if url == BASE and key in ("operator", "province_admin"):
                    verdicts.append((label, t.app_ms / raw_ms))
    finally:
        audit.record = audit_record
        catcher.close()
    log(pages.table([t for t, *_ in rows]))
    log("\n与独立的原始 GROUP BY（同一范围）相比：")
    for t, raw_ms, total in rows:
        log(f"  [{t.user}] {pages._pad(t.variant, 48)} 人数 {total:>8,}  应用 {t.app_ms:7.1f} ms  "
            f"原始 GROUP BY {raw_ms:7.1f} ms  = {t.app_ms / raw_ms:4.2f}×")
    for label, ratio in verdicts:
        log(f"  {label} 页面 / 原始 GROUP BY = {ratio:.2f}×（目标 ≤ {TARGET}×）{'达标' if ratio <= TARGET else '未达标'}")
    log(f"\nEXPLAIN：读 person 的语句中顺序扫描 person 的：{len(scans)} 条")
    for s in scans:
        log(s)


if __name__ == "__main__":
    main()
