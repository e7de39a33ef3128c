"""Bulk approve at province scale: the app's own code path against one raw UPDATE of the same rows.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.bulk_approve [--pending 10000] [--repeat 3]

Runs on whatever the database holds (``flask --app app seed --demo`` and ``seed --persons 100000`` first;
``--seed`` does both into an empty database). It adds ``--pending`` registrations under one unit, then
times, with the rows reset to pending before every run:

  * app (model):  models.reviews.decide_registrations over the ids + commit — the set-based UPDATE with its
                  status guard and scope, the review records and the audit entries;
  * app (HTTP):   the queue's 通过 action posted with "选择全部符合条件" by a province-level reviewer — the
                  whole request: login check, scope, filter re-evaluated, decision, commit;
  * raw UPDATE:   UPDATE person SET status = 'approved', reviewed_at = ... WHERE id IN (<the same ids>);

prints the ratios (target ≤ 3×), and times the 待办事项 counts (target ≤ 20 ms on PostgreSQL).
Everything it adds is deleted again at the end.
"""
import argparse
import re
import statistics
import time

from flask.testing import FlaskClient
from sqlalchemy import delete, func, insert, select, text, update
from werkzeug.security import generate_password_hash

from app import create_app
from cli import upgrade_database
from demo.ids import id_number
from models import (Account, AdminMembership, AuditEntry, Organization, OrgClosure, Person, ReviewRecord, Role, audit,
                    db, now)
from models.validators import birth_date_of, gender_of
from models.actor import Actor
from models.registration_review import PERSONS, decide_registrations

BENCH_SEQ = 90_000_000  # demo.ids.id_number seqs of bench rows: far from the demo's and the scale data's
BENCH_UNIT = "性能测试单位（bench）"
BENCH_REASON = "性能测试"
PASSWORD = "Bench2026x"


def log(msg):
    print(msg, flush=True)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# -- setup and teardown -------------------------------------------------------------------------------
def top_org():
    root = db.session.scalar(select(Organization).where(Organization.parent_id.is_(None),
                                                        Organization.status == "approved").order_by(Organization.id))
    if root is None:
        root = Organization(name="山东省人力资源和社会保障厅（bench）", kind="supervisor", status="approved")
        db.session.add(root)
        db.session.flush()
        root.attach_to_tree()
    return root


def setup(n):
    """A unit under the top org with ``n`` pending registrations, and a reviewer role at the top org."""
    cleanup()
    with audit.reason(BENCH_REASON):
        return _setup(n)


def _setup(n):
    root = top_org()
    unit = Organization(name=BENCH_UNIT, kind="employer", status="approved", parent_id=root.id)
    db.session.add(unit)
    db.session.flush()
    unit.attach_to_tree()
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    t = now()
    ids = [id_number(BENCH_SEQ + i) for i in range(n + 1 + n // 10)]  # spares for numbers already taken
    taken = set(db.session.scalars(select(Account.id_number).where(Account.id_number.in_(ids))))
    ids = [i for i in ids if i not in taken]
    reviewer_id_number, ids = ids[0], ids[1:n + 1]
    accounts = [{"id_number": i, "name": f"测试{k:05d}", "password_hash": password_hash, "is_operator": False,
                 "disabled": False, "must_change_password": False, "session_version": 1, "failed_logins": 0,
                 "created_at": t} for k, i in enumerate(ids)]
    account_ids = dict(db.session.execute(insert(Account.__table__).returning(Account.id_number, Account.id)
                                          .execution_options(insertmanyvalues_page_size=100), accounts).all())
    db.session.execute(insert(Person.__table__).execution_options(insertmanyvalues_page_size=100), [
        {"account_id": account_ids[i], "org_id": unit.id, "name": f"测试{k:05d}", "id_number": i,
         "gender": gender_of(i), "birth_date": birth_date_of(i), "status": "pending", "created_at": t}
        for k, i in enumerate(ids)])
    reviewer = Account(id_number=reviewer_id_number, name="性能测试审核员", password_hash=password_hash)
    role = Role(org_id=root.id, name="性能测试角色（bench）", permissions=["review.person_registration"])
    db.session.add_all([reviewer, role])
    db.session.flush()
    db.session.add(AdminMembership(account_id=reviewer.id, org_id=root.id, is_super=False, role_id=role.id))
    db.session.commit()
    person_ids = db.session.scalars(select(Person.id).where(Person.org_id == unit.id).order_by(Person.id)).all()
    return root, unit, reviewer, person_ids


def reset(unit_id, person_ids):
    """Back to pending; drop what a decision added (review records, audit entries of the decision)."""
    db.session.execute(update(Person.__table__).where(Person.org_id == unit_id)
                       .values(status="pending", reviewed_at=None, reject_reason=None))
    db.session.execute(delete(ReviewRecord.__table__).where(ReviewRecord.target_type == "person",
                                                            ReviewRecord.subject_name.like("测试%"),
                                                            ReviewRecord.reviewer_name.like("性能测试%")))
    db.session.execute(delete(AuditEntry.__table__).where(AuditEntry.entity == "person",
                                                          AuditEntry.action == "approve",
                                                          AuditEntry.entity_id.in_([str(i) for i in person_ids])))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # no run pays for the dead rows or the checkpoint of the one before
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE person, review_record, audit_entry"))
            conn.execute(text("CHECKPOINT"))


def cleanup():
    unit_ids = db.session.scalars(select(Organization.id).where(Organization.name == BENCH_UNIT)).all()
    for unit_id in unit_ids:
        person_ids = db.session.scalars(select(Person.id).where(Person.org_id == unit_id)).all()
        account_ids = db.session.scalars(select(Person.account_id).where(Person.org_id == unit_id)).all()
        reset(unit_id, person_ids)
        db.session.execute(delete(Person.__table__).where(Person.org_id == unit_id))
        db.session.execute(delete(Account.__table__).where(Account.id.in_(account_ids)))
        db.session.execute(delete(OrgClosure.__table__).where(OrgClosure.descendant_id == unit_id))
        db.session.execute(delete(Organization.__table__).where(Organization.id == unit_id))
    roles = db.session.scalars(select(Role.id).where(Role.name == "性能测试角色（bench）")).all()
    if roles:
        accounts = db.session.scalars(select(AdminMembership.account_id).where(AdminMembership.role_id.in_(roles))).all()
        db.session.execute(delete(AdminMembership.__table__).where(AdminMembership.role_id.in_(roles)))
        db.session.execute(delete(Role.__table__).where(Role.id.in_(roles)))
        db.session.execute(delete(Account.__table__).where(Account.id.in_(accounts)))
    db.session.execute(delete(AuditEntry.__table__).where(AuditEntry.reason == BENCH_REASON))
    db.session.commit()


# -- the three ways to approve ----------------------------------------------------------------------
def app_model(root, person_ids):
    reviewer = Actor(None, "性能测试", root.id, root.id)
    outcome = decide_registrations(PERSONS, person_ids, "approved", reviewer)
    db.session.commit()
    assert len(outcome.done) == len(person_ids), outcome.summary()


def raw_update(person_ids):
    ids = ",".join(str(i) for i in person_ids)
    db.session.execute(text(f"UPDATE person SET status = 'approved', reviewed_at = :t WHERE id IN ({ids})"),
                       {"t": now()})
    db.session.commit()


class RequestClient(FlaskClient):
    """Each request in its own app context (own ``g``, own database session), as in production."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def http_client(app, reviewer):
    return login(app, reviewer.id_number, PASSWORD, "supervisor")


def login(app, id_number, password, user_type):
    """A test client logged in through the login page (CSRF token and all), each request in its own context."""
    app.test_client_class = RequestClient
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"csrf_token": token, "user_type": user_type, "id_number": id_number,
                                    "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return client


def app_http(client, unit, n):
    query = f"?flt0_3={BENCH_UNIT}"  # the queue's 工作单位 filter: exactly the bench rows
    page = client.get("/admin/person_registration/" + query).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def post():
        return client.post("/admin/person_registration/action/" + query, data={
            "csrf_token": token, "action": "approve", "select_all": "1", "expected": str(n),
            "url": "/admin/person_registration/" + query}, follow_redirects=False)

    seconds, r = timed(post)
    db.session.expire_all()
    done = db.session.scalar(select(func.count()).where(Person.org_id == unit.id, Person.status == "approved"))
    assert r.status_code == 302 and done == n, (r.status_code, done, re.sub(r"\s+", " ", r.get_data(as_text=True))[-800:])
    return seconds


def median_ms(fn, repeat=30):
    fn()  # warm: the first call pays for compiling the statements
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def dashboard_counts(org_id):
    """Every queue's count for a reviewer whose scope is ``org_id`` (None: unbounded), as the dashboard runs them."""
    from models.queues import QUEUES, count_all

    return median_ms(lambda: count_all(QUEUES, org_id))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", action="store_true", help="an empty database gets the demo and 100,000 staff")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        upgrade_database()
        if args.seed and not db.session.scalar(select(func.count()).select_from(Organization)):
            from demo import add_persons, load_demo
            load_demo()
            add_persons(100_000, progress=None)
        dialect = db.engine.dialect.name
        log(f"数据库：{dialect}；机构 {db.session.scalar(select(func.count()).select_from(Organization))} 个，"
            f"专技人员 {db.session.scalar(select(func.count()).select_from(Person))} 名")
        root, unit, reviewer, person_ids = setup(args.pending)
        n = len(person_ids)
        subtree = db.session.scalar(select(func.count()).where(OrgClosure.ancestor_id == root.id))
        log(f"待审核注册 {n} 条，审核人范围：{root.name}（下属机构 {subtree} 个）")
        client = http_client(app, reviewer)

        runs = {"app (model)": [], "app (HTTP)": [], "raw UPDATE": []}
        for _ in range(args.repeat):
            reset(unit.id, person_ids)
            runs["app (model)"].append(timed(lambda: app_model(root, person_ids))[0])
            reset(unit.id, person_ids)
            runs["app (HTTP)"].append(app_http(client, unit, n))
            reset(unit.id, person_ids)
            runs["raw UPDATE"].append(timed(lambda: raw_update(person_ids))[0])
        best = {k: min(v) for k, v in runs.items()}
        for name, seconds in best.items():
            log(f"  {name:<12} 批量通过 {n} 条：{seconds * 1000:8.1f} ms（{args.repeat} 次中最快；"
                f"全部：{', '.join(f'{s * 1000:.0f}' for s in runs[name])} ms）")
        for name in ("app (model)", "app (HTTP)"):
            ratio = best[name] / best["raw UPDATE"]
            log(f"  {name} / raw UPDATE = {ratio:.2f}×（目标 ≤ 3×）{'达标' if ratio <= 3 else '未达标'}")

        reset(unit.id, person_ids)
        for label, org_id in ((f"{root.name}（全省）", root.id), (BENCH_UNIT, unit.id), ("平台运维（不限范围）", None)):
            log(f"  待办事项计数 {label}：全部队列共 {dashboard_counts(org_id):.2f} ms（30 次中位数，目标 ≤ 20 ms）")
        todo = median_ms(lambda: client.get("/admin/todo.json"))
        log(f"  /admin/todo.json 整个请求（全省审核员）：{todo:.2f} ms（中位数）")
        cleanup()
        log("测试数据已清理")


if __name__ == "__main__":
    main()
