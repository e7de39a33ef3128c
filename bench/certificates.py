"""电子证书 PDF: a batch of 100 certificates printed through the app against raw WeasyPrint rendering the same HTML.

    .venv/bin/python -m bench.certificates [--count 100] [--repeat 5] [--database-url sqlite:///...]

The app's time is the median of ``repeat`` whole requests (POST 打印全部符合条件 on 电子证书查询打印, logged in as the
unit's admin through the login page): the scoped query, the numbers (issued by the first request, found by the
others), the pages' data, the template, WeasyPrint and the download. The raw time is the median of
``HTML(string=...).write_pdf()`` of the very HTML the app rendered for those people. Target: ≤ 1.3×.

It writes (certificates, audit entries): by default into a fresh SQLite file; ``--database-url`` must name a
scratch database (never bench_scale, which is read-only), migrated and seeded here.

    .venv/bin/python -m bench.certificates --scale postgresql://postgres@127.0.0.1:5432/bench_scale

The list of 电子证书查询打印 at scale, without writing to that database: on the bench's one connection, TEMP
tables shadow person_year_hours (a copy, ``met`` = total ≥ 16 h, about half of a year: the scale data meets no
real rule) and certificate (for every second met person), indexed as the migrations index them. Against them
and the real person / org tables, for the city with the most staff and for the province: page 1, its capped
count, page 100, a name prefix and 未发放 — the listing's own calls (models/certificates/listing.py) against the
same statements run raw, with their plans (a sequential scan of a big table is flagged).
"""
import argparse
import re
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app import create_app
from cli import upgrade_database
from demo.ids import id_number, uscc
from models import Account, AdminMembership, Organization, Person, db
from models.hours.totals import PersonYearHours

from .bulk_approve import log, login

PASSWORD = "Bench#2026pw"
TARGET = 1.3
URL = "/admin/stats/certificates/"


def seed(app, count):
    """A province > city > hospital with ``count`` staff who met 2026 (学时汇总 rows as the approvals leave them)
    and the hospital's admin; nothing when already there."""
    with app.app_context():
        found = db.session.scalar(select(Organization).where(Organization.name == "济南市第一人民医院（bench）"))
        if found is not None:
            return db.session.scalar(select(Account.id_number).join(AdminMembership).where(
                AdminMembership.org_id == found.id))
        province = _org("山东省人力资源和社会保障厅", "supervisor", None, 1)
        city = _org("济南市人力资源和社会保障局", "supervisor", province, 2)
        unit = _org("济南市第一人民医院（bench）", "employer", city, 3)
        admin = _account("王管理", 10)
        db.session.add(AdminMembership(account_id=admin.id, org_id=unit.id, is_super=True))
        surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "明华建国丽娜伟强敏静磊洋艳勇军杰娟涛超"
        for i in range(count):
            name = surnames[i % len(surnames)] + given[(i * 7) % len(given)] + given[(i * 3 + 1) % len(given)]
            account = _account(name, 100 + i)
            person = Person(account_id=account.id, org_id=unit.id, name=name, id_number=account.id_number,
                            gender="男", birth_date=date(1985, 1, 1), status="approved")
            db.session.add(person)
            db.session.flush()
            db.session.add(PersonYearHours(person_id=person.id, year=2026, org_id=unit.id,
                                           public_hours=Decimal(32), professional_hours=Decimal(64),
                                           other_hours=Decimal(0), total_hours=Decimal(96), met=True))
        db.session.commit()
        return admin.id_number


def _org(name, kind, parent, seq):
    org = Organization(name=name, uscc=uscc(880000 + seq), kind=kind, parent_id=parent.id if parent else None,
                       status="approved", region="济南市")
    db.session.add(org)
    db.session.flush()
    org.attach_to_tree()
    return org


def _account(name, seq):
    account = Account(id_number=id_number(880000 + seq), name=name, email=f"bench{seq}@example.cn",
                      phone=f"139{880000 + seq:08d}"[-11:])
    account.set_password(PASSWORD)
    db.session.add(account)
    db.session.flush()
    return account


def app_print(client):
    page = client.get(URL).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    start = time.perf_counter()
    r = client.post(URL + "print?year=2026", data={"csrf_token": token, "all": "1"})
    ms = (time.perf_counter() - start) * 1000
    assert r.status_code == 200 and r.mimetype == "application/pdf", (r.status_code, r.get_data()[:300])
    return ms, r.get_data()


def raw_render(app, count):
    """The HTML the app renders for the same people."""
    from models.certificates.printing import certificate_html, printed

    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        ids = list(db.session.scalars(select(PersonYearHours.person_id).where(PersonYearHours.year == 2026)
                                      .order_by(PersonYearHours.person_id).limit(count)))
        html = certificate_html(2026, printed(2026, ids))
    return html


SCALE_SETUP = [
    "CREATE TEMP TABLE person_year_hours AS SELECT person_id, year, org_id, public_hours, professional_hours, "
    "other_hours, total_hours, total_hours >= 16 AS met, updated_at FROM public.person_year_hours",
    "ALTER TABLE person_year_hours ADD PRIMARY KEY (person_id, year)",
    "CREATE INDEX ON person_year_hours (org_id, year, met)",
    "CREATE INDEX ON person_year_hours (year, met)",
    "CREATE TEMP TABLE certificate (id serial PRIMARY KEY, person_id int NOT NULL, year int NOT NULL, "
    "org_id int NOT NULL, number varchar(20) NOT NULL UNIQUE, token varchar(32) NOT NULL UNIQUE, "
    "issued_at timestamp NOT NULL, issued_by varchar(50) NOT NULL, revoked_at timestamp, "
    "revoke_reason varchar(200), UNIQUE (person_id, year))",
    "CREATE INDEX ON certificate (year, revoked_at)",
    "INSERT INTO certificate (person_id, year, org_id, number, token, issued_at, issued_by) "
    "SELECT person_id, year, org_id, year || '01' || lpad(person_id::text, 8, '0'), md5(person_id::text || year), "
    "now(), 'bench' FROM person_year_hours WHERE met AND person_id % 2 = 0",
    "ANALYZE person_year_hours",
    "ANALYZE certificate",
]
BIG_TABLES = ("person", "person_year_hours", "certificate", "organization", "org_closure")


def bench_scale(url, repeat):
    from sqlalchemy import event, text
    from sqlalchemy.pool import StaticPool

    from models.certificates import listing

    from . import pages

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": StaticPool}})
    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def shadow(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            for sql in SCALE_SETUP:
                cursor.execute(sql)
            dbapi_connection.commit()

        start = time.perf_counter()
        db.session.execute(text("SELECT 1"))
        log(f"临时表已建（{time.perf_counter() - start:.1f} s）")
        root = db.session.scalar(text("SELECT id FROM organization WHERE parent_id IS NULL ORDER BY id LIMIT 1"))
        city_id, city, staff = db.session.execute(text(
            "SELECT o.id, o.name, count(*) FROM organization o JOIN org_closure c ON c.ancestor_id = o.id "
            "JOIN person p ON p.org_id = c.descendant_id WHERE o.parent_id = :root "
            "GROUP BY o.id, o.name ORDER BY 3 DESC LIMIT 1"), {"root": root}).one()
        year = db.session.scalar(text("SELECT max(year) FROM person_year_hours"))
        log(f"{city}：{staff:,} 名专技人员；年度 {year}")
        cases = []
        for scope, org_id in ((city, city_id), ("全省", None)):
            f = listing.Filters(year=year, org_id=org_id)
            cases += [(scope, "第1页", lambda f=f: listing.page_rows(f, 0, 20)),
                      (scope, "计数（上限 10,000）", lambda f=f: listing.capped_count(f, 10_000)),
                      (scope, "第100页", lambda f=f: listing.page_rows(f, 99, 20)),
                      (scope, "姓名开头「王」", lambda f=f: listing.page_rows(
                          listing.Filters(year=year, org_id=org_id, prefix="王"), 0, 20)),
                      (scope, "未发放", lambda f=f: listing.page_rows(
                          listing.Filters(year=year, org_id=org_id, status="none"), 0, 20))]
        catcher = pages.StatementCatcher(db.engine)
        worst = 0.0
        try:
            log(f"\n{'范围':<14}{'查询':<18}{'应用 ms':>9}{'SQL ms':>9}{'比值':>7}  计划")
            for scope, label, call in cases:
                call()  # warm
                runs = []
                for i in range(repeat):
                    catcher.caught, catcher.on = [], i == repeat - 1
                    start = time.perf_counter()
                    call()
                    runs.append((time.perf_counter() - start) * 1000)
                catcher.on = False
                statements = catcher.caught
                pages.time_statements(statements, repeat)
                app_ms, sql_ms = statistics.median(runs), sum(st.ms for st in statements)
                plan = explain(statements[0])
                worst = max(worst, app_ms / sql_ms if sql_ms else 0)
                log(f"{scope:<14}{label:<18}{app_ms:9.1f}{sql_ms:9.1f}{app_ms / sql_ms:7.2f}  {plan}")
        finally:
            catcher.close()
        log(f"\n最大比值 {worst:.2f}×")


def explain(statement) -> str:
    """"顺序扫描 <table>" for each big table the plan reads sequentially; "索引" otherwise."""
    import json

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement.sql, statement.params)
        plan = cursor.fetchone()[0]
        raw.rollback()
    finally:
        raw.close()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    seqs = []

    def walk(node):
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
            seqs.append(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return "⚠ 顺序扫描 " + ", ".join(seqs) if seqs else "索引"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100, help="certificates in the batch (≤ 200: one request)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scale", metavar="URL", default=None, help="the list at scale, read-only (see above)")
    args = parser.parse_args()
    if args.scale:
        bench_scale(args.scale, args.repeat)
        return
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-cert-')}/bench.sqlite3"
    if "bench_scale" in url:
        raise SystemExit("bench_scale is read-only: give a scratch database")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_IMMEDIATE": "1",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade_database()
    admin = seed(app, args.count)
    client = login(app, admin, PASSWORD, "employer")
    first_ms, pdf = app_print(client)
    log(f"首次打印（含发放 {args.count} 个证书编号）: {first_ms:.0f} ms, PDF {len(pdf) / 1024:.0f} KB")
    from weasyprint import HTML

    with app.app_context():
        html = raw_render(app, args.count)
        issued = db.session.scalar(select(func.count()).select_from(db.metadata.tables["certificate"]))
    apps, raws = [], []
    for _ in range(args.repeat):  # alternated: the machine's load drifts, and both sides should share it
        apps.append(app_print(client)[0])
        with app.app_context():
            start = time.perf_counter()
            HTML(string=html, base_url=app.root_path).write_pdf()
            raws.append((time.perf_counter() - start) * 1000)
    app_ms, raw_ms = statistics.median(apps), statistics.median(raws)
    ratio = app_ms / raw_ms
    log(f"证书数: {issued}")
    log(f"应用（整次请求，重印）中位数: {app_ms:.0f} ms，每张 {app_ms / args.count:.1f} ms")
    log(f"WeasyPrint 直接渲染同一 HTML 中位数: {raw_ms:.0f} ms，每张 {raw_ms / args.count:.1f} ms")
    log(f"比值: {ratio:.2f}×（目标 ≤ {TARGET}×）{'' if ratio <= TARGET else '  ⚠ 超出目标'}")


if __name__ == "__main__":
    main()
