"""The province-scale bench: every list page of the admin as three admins, then a bounded load run.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.province [--seed] [--repeat 5] [--no-load]

``--seed`` first fills an empty database: the demo, then ``seed --scale province`` (500,000 staff and the rest
in the tester's proportions; several minutes). Then, as the province admin (root of the tree), a city admin and
a unit admin, for every list page (bench.pages): the app's time, the raw SQL time of the same statements, their
ratio, the query count and the slowest statement; pages whose SQL takes more than 50 ms are flagged. Last, the
load run of bench.load (50 sessions against gunicorn on the same database) unless ``--no-load``.
Nothing is written except what logging in writes (last login time, audit entries).
"""
import argparse
import os

from sqlalchemy import func, select, text

from app import create_app
from cli import upgrade_database
from demo import accounts as documented
from models import AuditEntry, Organization, Person, ReviewRecord, Transfer, db

from . import pages
from .bulk_approve import log, login

USERS = [("省厅", "province_admin"), ("市局", "city_admin"), ("单位", "employer_admin")]


def seed_province(app, persons):
    from demo import add_persons, add_scale, load_demo, province_counts

    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Organization)):
            log("数据库已有数据：不再装入规模数据")
            return
        load_demo()
        counts = province_counts(persons)
        log(f"已新增 {add_persons(counts.pop('persons'), progress=None)} 名专技人员")
        add_scale(counts, progress=log)
        if db.engine.dialect.name == "postgresql":  # the planner's statistics describe the data just loaded
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))


def sizes():
    return "，".join(f"{label} {db.session.scalar(select(func.count()).select_from(m)):,}" for label, m in (
        ("机构", Organization), ("专技人员", Person), ("审核记录", ReviewRecord), ("调转", Transfer),
        ("审计日志", AuditEntry)))


def bench_pages(app, repeat):
    urls = pages.list_urls(app)
    timings = []
    with app.app_context():
        log(f"数据库：{db.engine.dialect.name}；{sizes()}")
        log(f"{len(urls)} 个页面 × {len(USERS)} 个用户，每页 {repeat} 次请求取中位数")
        catcher = pages.StatementCatcher(db.engine)
    try:
        for label, key in USERS:
            account = documented.BY_KEY[key]
            client = login(app, account.id_number, documented.PASSWORD, account.user_type)
            for url, variant in urls:
                with app.app_context():
                    timings.append(pages.time_page(client, catcher, label, url, variant, repeat))
    finally:
        catcher.close()
    log(pages.table(timings))
    flagged = [t for t in timings if t.slow]
    log(f"\n共 {len(timings)} 次页面计时；SQL 超过 {pages.SLOW_SQL_MS} ms 的页面：{len(flagged)} 个")
    if flagged:
        log(pages.slow_report(flagged))
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", action="store_true", help="fill an empty database with province-scale data first")
    parser.add_argument("--persons", type=int, default=500_000, help="with --seed: staff (the rest in proportion)")
    parser.add_argument("--repeat", type=int, default=5, help="requests per page (median)")
    parser.add_argument("--no-load", action="store_true", help="skip the gunicorn load run")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        upgrade_database()
    if args.seed:
        seed_province(app, args.persons)
    bench_pages(app, args.repeat)
    if not args.no_load:
        from . import load
        with app.app_context():
            load.run(os.environ["DATABASE_URL"], sessions=args.sessions, seconds=args.seconds)


if __name__ == "__main__":
    main()
