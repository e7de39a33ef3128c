"""No interleaving of clicks moves a person twice or starts two transfers (F17–F20 races).

Each thread is one request: its own app context, hence its own database session and transaction.
Run on PostgreSQL (TEST_DATABASE_URL) for real row locks; SQLite serialises writers with its file lock,
and the same assertions hold there.
"""
import threading
from datetime import date

from sqlalchemy import func, select

from models import AuditEntry, Person, Transfer, db
from models import transfer as tr

from .helpers import in_threads, make_department, make_org, make_person

THREADS = 20


def run_at_once(app, n, work):
    """Start ``n`` threads that each run ``work(i)`` in a fresh app context at the same instant."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def body(i):
        with app.app_context():
            barrier.wait()
            try:
                work(i)
                db.session.commit()
                results[i] = "ok"
            except ValueError as e:
                db.session.rollback()
                results[i] = str(e)
            except Exception as e:  # anything else is a bug the assertions below must show
                db.session.rollback()
                results[i] = f"error: {e!r}"
            finally:
                db.session.remove()

    in_threads([lambda i=i: body(i) for i in range(n)], timeout=60)
    return results


def count(q):
    return db.session.scalar(select(func.count()).select_from(q.subquery()))


def test_twenty_admins_confirming_at_once_move_the_person_once(app, unit):
    person = make_person(unit.employer, "李四")
    dept = make_department(unit.other, "生产部")
    out_admin = tr.Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id)
    t = tr.start(person, unit.other, "工作调动", date(2026, 11, 28), out_admin)
    tr.approve_out(t.id, out_admin)
    db.session.commit()
    transfer_id, person_id = t.id, person.id
    before = count(select(AuditEntry.id))

    def confirm(i):
        tr.confirm_in(transfer_id, tr.Actor(unit.other_admin.id, f"管理员{i}", unit.other.id, unit.other.id), dept.id)

    results = run_at_once(app, THREADS, confirm)
    db.session.expire_all()

    assert results.count("ok") == 1, results
    assert all(r == tr.STALE for r in results if r != "ok"), results
    winner = results.index("ok")
    done = db.session.get(Transfer, transfer_id)
    assert done.status == "completed" and done.in_reviewer_name == f"管理员{winner}"
    assert db.session.get(Person, person_id).org_id == unit.other.id
    # one status change and one move, each audited once; nothing else was written
    assert count(select(AuditEntry.id).where(AuditEntry.entity == "transfer", AuditEntry.action == "approve",
                                             AuditEntry.entity_id == str(transfer_id))) == 2  # out + in
    assert count(select(AuditEntry.id).where(AuditEntry.entity == "person", AuditEntry.action == "transfer")) == 1
    assert count(select(AuditEntry.id)) == before + 2


def test_two_transfers_started_at_once_one_wins(app, unit):
    person = make_person(unit.employer, "李四")
    targets = [unit.other, make_org("淄博第二制造有限公司", parent=unit.province)]
    db.session.commit()
    person_id, target_ids = person.id, [o.id for o in targets]

    def start(i):
        tr.start(db.session.get(Person, person_id), db.session.get(type(unit.other), target_ids[i]), "工作调动",
                 date(2026, 11, 28), tr.Actor(unit.admin.id, f"管理员{i}", unit.employer.id, unit.employer.id))

    results = run_at_once(app, 2, start)
    assert sorted(results) == sorted(["ok", tr.ACTIVE_EXISTS]), results
    assert count(select(Transfer.id).where(Transfer.person_id == person_id)) == 1


def test_the_unique_index_decides_when_both_pass_the_check(app, unit, monkeypatch):
    """The first start has inserted but not committed when the second checks: only the index can refuse it."""
    checks = []
    check = tr.active_transfer
    monkeypatch.setattr(tr, "active_transfer", lambda pid: checks.append(check(pid)) or checks[-1])
    person = make_person(unit.employer, "李四")
    second_target = make_org("淄博第二制造有限公司", parent=unit.province)
    person_id, targets = person.id, [unit.other.id, second_target.id]
    first_inserted, second_checking = threading.Event(), threading.Event()
    results = {}

    def start(i):
        with app.app_context():
            try:
                if i == 1:
                    first_inserted.wait(10)
                    second_checking.set()
                actor = tr.Actor(unit.admin.id, f"管理员{i}", unit.employer.id, unit.employer.id)
                tr.start(db.session.get(Person, person_id), db.session.get(type(second_target), targets[i]),
                         "工作调动", date(2026, 11, 28), actor)
                if i == 0:
                    first_inserted.set()
                    second_checking.wait(10)
                    threading.Event().wait(0.5)  # let the second INSERT reach the index and wait on it
                db.session.commit()
                results[i] = "ok"
            except ValueError as e:
                db.session.rollback()
                results[i] = str(e)
            finally:
                db.session.remove()

    in_threads([lambda i=i: start(i) for i in (0, 1)], timeout=60)
    assert results == {0: "ok", 1: tr.ACTIVE_EXISTS}
    assert checks == [None, None]  # both passed the check in code: the refusal came from the index
    assert db.session.scalar(select(Transfer.to_org_id).where(Transfer.person_id == person_id)) == unit.other.id


def test_change_request_filed_while_the_transfer_is_confirmed_does_not_stay_at_the_old_unit(app, unit):
    """The staff member submits an edit while the target unit confirms: the request must not stay pending
    at the unit the person just left (it is cancelled, or it was filed after the move with the new unit)."""
    import time

    from models import ChangeRequest
    from models.change_requests import submit_person_change

    person = make_person(unit.employer, "李四")
    out_admin = tr.Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id)
    t = tr.start(person, unit.other, "工作调动", date(2026, 11, 28), out_admin)
    tr.approve_out(t.id, out_admin)
    db.session.commit()
    transfer_id, person_id = t.id, person.id

    def work(i):
        if i == 0:
            submit_person_change(db.session.get(Person, person_id), {"education": "硕士研究生"})
            time.sleep(0.5)  # hold the person's row lock while the confirmation runs
        else:
            time.sleep(0.1)
            tr.confirm_in(transfer_id, tr.Actor(unit.other_admin.id, "赵管理", unit.other.id, unit.other.id))

    results = run_at_once(app, 2, work)
    db.session.expire_all()
    assert results == ["ok", "ok"], results
    assert db.session.get(Person, person_id).org_id == unit.other.id
    stale = db.session.scalars(select(ChangeRequest).where(
        ChangeRequest.target_id == person_id, ChangeRequest.status == "pending",
        ChangeRequest.org_id == unit.employer.id)).all()
    assert stale == []
