"""学时 at province scale: the 学时审核 and 学时申报记录 pages against their raw SQL, and bulk approve of 10,000
records (yearly caps and audit included) against one raw UPDATE of the same rows.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.hours [--seed] [--persons 500000] [--records 5000000]

``--seed`` first fills the database where it lacks them: the demo and ``seed --scale province`` (bench.province)
when it is empty, then ``seed --credits`` up to ``--records`` records. Then, as the province, a city and a unit
admin, every page variant (bench.pages: the app's median time, the same statements' raw median, ratio, query
count), and EXPLAIN of every statement that reads credit_record: a sequential scan of it is flagged. Last, the
queue with the most pending records gets 10,000 of them approved through models/hours/approval.decide_credits
(lock, cap window, UPDATE, audit, commit) and, reset, by one raw UPDATE; the rows are reset after each run and the
bench's audit entries deleted.
"""
import argparse

from sqlalchemy import delete, func, select, text, update

from app import create_app
from cli import upgrade_database
from demo import accounts as documented
from models import AuditEntry, CreditRecord, Organization, Person, audit, db, now
from models.actor import Actor
from models.bulk import in_ids
from models.hours import approval
from models.hours.totals import refresh

from . import pages
from .bulk_approve import log, login, timed
from .province import USERS, seed_province

BENCH_REASON = "性能测试"
NAME = "王"  # the commonest surname
URLS = [
    ("/admin/hours/review/", "学时审核 待审核 第1页"),
    (f"/admin/hours/review/?flt0_4={NAME}", f"学时审核 姓名开头「{NAME}」"),
    ("/admin/hours/review/?tab=approved&flt0_0={year}", "学时审核 已通过 本年度"),
    ("/admin/hours/review/?page=199", "学时审核 第200页"),
    ("/admin/hours/records/", "学时申报记录 全部 第1页"),
    ("/admin/hours/records/?tab=rejected", "学时申报记录 已驳回"),
    (f"/admin/hours/records/?flt0_4={NAME}&tab=pending", f"学时申报记录 待审核 姓名开头「{NAME}」"),
    ("/admin/hours/records/?page=199", "学时申报记录 第200页"),
]


def seed(app, persons, records):
    seed_province(app, persons)
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(CreditRecord))
        if have < records:
            from demo.credits import add_credits

            add_credits(records - have, progress=log)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE credit_record"))
                conn.execute(text("VACUUM ANALYZE credit_declaration"))
                conn.execute(text("VACUUM ANALYZE audit_entry"))


def explain_seq_scans(statements) -> list[str]:
    """The statements (of those reading credit_record) whose plan scans credit_record sequentially."""
    raw = db.engine.raw_connection()
    found = []
    try:
        cursor = raw.cursor()
        for s in statements:
            if "credit_record" not in s.sql or not s.sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN " + s.sql, s.params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if "Seq Scan on credit_record" in plan:
                found.append(" ".join(s.sql.split())[:300] + "\n" + plan)
        raw.rollback()
    finally:
        raw.close()
    return found


def bench_pages(app, repeat):
    year = now().year
    timings, seq_scans = [], []
    with app.app_context():
        catcher = pages.StatementCatcher(db.engine)
    try:
        for label, key in USERS:
            account = documented.BY_KEY[key]
            client = login(app, account.id_number, documented.PASSWORD, account.user_type)
            for url, variant in URLS:
                url = url.format(year=year)
                with app.app_context():
                    t = pages.time_page(client, catcher, label, url, variant, repeat)
                    timings.append(t)
                    seq_scans += [f"[{label}] {variant}: {plan}" for plan in explain_seq_scans(t.statements)]
    finally:
        catcher.close()
    log(pages.table(timings))
    log(f"\nEXPLAIN：读 credit_record 的语句中顺序扫描 credit_record 的：{len(seq_scans)} 条")
    for s in seq_scans:
        log(s)
    return timings


def _reset(ids):
    c = CreditRecord.__table__.c
    db.session.execute(update(CreditRecord.__table__).where(in_ids(c.id, ids)).values(
        status="pending", approved_hours=None, reviewer_id=None, reviewer_name=None, reviewed_at=None))
    refresh(select(c.person_id, c.year).where(in_ids(c.id, ids)).distinct())  # 学时汇总 after the raw reset
    db.session.execute(delete(AuditEntry).where(AuditEntry.reason == BENCH_REASON))
    db.session.commit()


def bench_approve(n, repeat):
    c = CreditRecord.__table__.c
    org_id, waiting = db.session.execute(
        select(c.review_org_id, func.count()).where(c.status == "pending", c.plan_id.is_(None),
                                                    c.review_org_id.is_not(None))
        .group_by(c.review_org_id).order_by(func.count().desc()).limit(1)).one()
    org = db.session.get(Organization, org_id)
    ids = db.session.scalars(select(c.id).where(c.review_org_id == org_id, c.status == "pending", c.plan_id.is_(None))
                             .order_by(c.id).limit(n)).all()
    people = len({p for p in db.session.scalars(select(c.person_id).where(in_ids(c.id, ids)))})
    log(f"\n批量通过：{org.name} 的学时审核队列（待审核 {waiting:,} 条）中的 {len(ids):,} 条，涉及 {people:,} 人")
    reviewer = Actor(None, "性能测试", org.id, org.id)

    def app_model():
        with audit.reason(BENCH_REASON):
            outcome = approval.decide_credits(ids, "approved", reviewer)
        db.session.commit()
        return outcome

    def raw_update():
        db.session.execute(text("UPDATE credit_record SET status = 'approved', approved_hours = hours, "
                                "reviewer_name = :n, reviewed_at = :t WHERE id = ANY(:ids)"),
                           {"n": "性能测试", "t": now(), "ids": list(ids)})
        db.session.commit()

    runs = {"app (model)": [], "raw UPDATE": []}
    outcome = None
    for _ in range(repeat):
        _reset(ids)
        seconds, outcome = timed(app_model)
        runs["app (model)"].append(seconds)
        _reset(ids)
        runs["raw UPDATE"].append(timed(raw_update)[0])
    _reset(ids)
    best = {k: min(v) for k, v in runs.items()}
    for name, seconds in best.items():
        log(f"  {name:<12} {seconds * 1000:8.1f} ms（{repeat} 次中最快；全部："
            f"{', '.join(f'{s * 1000:.0f}' for s in runs[name])} ms）")
    log(f"  结果：{outcome.summary()[:300]}")
    ratio = best["app (model)"] / best["raw UPDATE"]
    log(f"  app (model) / raw UPDATE = {ratio:.2f}×（目标 ≤ 3×）{'达标' if ratio <= 3 else '未达标'}")
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", action="store_true", help="fill the database first (see above)")
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="requests per page (median)")
    parser.add_argument("--approve", type=int, default=10_000)
    parser.add_argument("--no-pages", action="store_true")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        upgrade_database()
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("bench.hours 需要 PostgreSQL：DATABASE_URL=postgresql://...")
    if args.seed:
        seed(app, args.persons, args.records)
    with app.app_context():
        log(f"数据库：专技人员 {db.session.scalar(select(func.count()).select_from(Person)):,} 名，"
            f"学时记录 {db.session.scalar(select(func.count()).select_from(CreditRecord)):,} 条")
    if not args.no_pages:
        bench_pages(app, args.repeat)
    with app.app_context():
        bench_approve(args.approve, 3)


if __name__ == "__main__":
    main()
