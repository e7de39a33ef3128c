"""Two clicks on one plan at the same moment: one step wins, the other is told 已被他人处理, one audit entry."""
import pytest
from sqlalchemy import func, select

from models import AuditEntry, CreditRecord, TrainingPlan, db
from models.hours import plans

from ..helpers import make_person
from ..test_review_races import race
from .test_plans import declared, draft, filed, tree  # noqa: F401  (the fixture)


def attempt(step):
    """The step's refusal text, or None when it won."""
    try:
        step()
    except ValueError as e:
        db.session.rollback()
        return str(e)
    return None


def entries(action):
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "training_plan", AuditEntry.action == action))


def test_double_submit_at_once(app, tree):
    plan_id, actor = draft(tree).id, tree.unit_actor
    results = race(app, *[lambda: attempt(lambda: plans.submit_plan(plan_id, actor))] * 2)
    assert sorted(results, key=str) == [None, plans.STALE]
    assert db.session.get(TrainingPlan, plan_id).status == "pending" and entries("submit") == 1


@pytest.mark.parametrize("decisions", [("approved", "approved"), ("approved", "rejected")])
def test_two_reviewers_file_one_plan_at_once(app, tree, decisions):
    plan = draft(tree)
    plans.submit_plan(plan.id, tree.unit_actor)
    db.session.commit()
    plan_id, reviewer = plan.id, tree.city_actor
    results = race(app, *[(lambda d=d: attempt(lambda: plans.decide_plan(plan_id, d, reviewer, "不符")))
                          for d in decisions])
    assert sorted(results, key=str) == [None, plans.STALE]
    db.session.expire_all()
    assert db.session.get(TrainingPlan, plan_id).status in decisions
    assert entries("approve") + entries("reject") == 1


def test_plan_hours_decided_once(app, tree):
    plan = declared(tree, filed(tree), [make_person(tree.employer, f"参训{i}") for i in range(3)])
    plan_id, reviewer = plan.id, tree.city_actor
    results = race(app, lambda: attempt(lambda: plans.decide_plan_hours(plan_id, "approved", reviewer)),
                   lambda: attempt(lambda: plans.decide_plan_hours(plan_id, "rejected", reviewer, "材料不全")))
    assert sorted(results, key=str) == [None, plans.STALE]
    db.session.expire_all()
    status = db.session.get(TrainingPlan, plan_id).hours_status
    assert {r.status for r in CreditRecord.query.filter_by(plan_id=plan_id)} == {status}
