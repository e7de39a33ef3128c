"""Two admins deciding the same request at the same moment: exactly one decision, one review record.

Each reviewer runs in its own thread with its own database session and holds its transaction open a
moment after deciding, so the other's UPDATE really meets the row lock and must re-check the status guard.
On SQLite the second writer waits for the database lock instead; the status guard must hold there too.
"""
import threading
import time

import pytest
from sqlalchemy import func, select

from models import AuditEntry, ChangeRequest, Person, ReviewRecord, db
from models.bulk import ALREADY_DECIDED
from models.change_requests import decide_changes
from models.actor import Actor
from models.registration_review import PERSONS, decide_registrations

from .helpers import in_threads, make_admin, make_person

HOLD_SECONDS = 0.3


def race(app, *jobs):
    """Run ``jobs`` at once, each in its own app context (own session); commit after a pause."""
    start = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i, job):
        with app.app_context():
            try:
                start.wait()
                results[i] = job()
                time.sleep(HOLD_SECONDS)  # keep the row lock while the other reviewer tries
                db.session.commit()
            except Exception as e:  # noqa: BLE001 - re-raised in the main thread below
                db.session.rollback()
                errors.append(e)
            finally:
                db.session.remove()

    in_threads([lambda i=i, job=job: run(i, job) for i, job in enumerate(jobs)], timeout=30)
    assert not errors, errors
    return results


@pytest.fixture
def reviewers(unit):
    second = make_admin(unit.city, "市级审核员")
    return (Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id),
            Actor(second.id, "市级审核员", unit.city.id, unit.city.id))


@pytest.mark.parametrize("decisions", [("approved", "approved"), ("approved", "rejected"),
                                       ("rejected", "approved")])
def test_one_registration_decided_by_two_admins_at_once(app, unit, reviewers, decisions):
    person = make_person(unit.employer, "并发待审", status="pending")
    pid = person.id
    outcomes = race(app, *[
        (lambda r=r, d=d: decide_registrations(PERSONS, [pid], d, r, "资料不全" if d == "rejected" else None))
        for r, d in zip(reviewers, decisions)])
    winners = [o for o in outcomes if o.done == [pid]]
    losers = [o for o in outcomes if not o.done]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].skipped == {ALREADY_DECIDED: 1}
    db.session.expire_all()
    assert db.session.get(Person, pid).status == winners[0].decision
    assert db.session.scalar(select(func.count()).select_from(ReviewRecord)) == 1
    assert db.session.scalar(select(func.count()).where(
        AuditEntry.entity == "person", AuditEntry.action.in_(["approve", "reject"]))) == 1


@pytest.mark.parametrize("decisions", [("approved", "approved"), ("approved", "rejected")])
def test_one_change_request_decided_by_two_admins_at_once(app, unit, reviewers, decisions):
    person = make_person(unit.employer, "并发修改")
    request = ChangeRequest(target_type="person", target_id=person.id, org_id=unit.employer.id,
                            subject_name=person.name, changes={"title_level": {"before": "中级", "after": "副高级"}})
    db.session.add(request)
    db.session.commit()
    rid, pid = request.id, person.id
    outcomes = race(app, *[
        (lambda r=r, d=d: decide_changes("person", [rid], d, r, "请补充材料" if d == "rejected" else None))
        for r, d in zip(reviewers, decisions)])
    winners = [o for o in outcomes if o.done == [rid]]
    assert len(winners) == 1
    assert [o.skipped for o in outcomes if not o.done] == [{ALREADY_DECIDED: 1}]
    db.session.expire_all()
    assert db.session.get(ChangeRequest, rid).status == winners[0].decision
    assert db.session.get(Person, pid).title_level == ("副高级" if winners[0].decision == "approved" else "中级")
    assert db.session.scalar(select(func.count()).select_from(ReviewRecord)) == 1
    assert db.session.scalar(select(func.count()).where(AuditEntry.entity == "change_request")) == 2  # filed, decided
