"""人员调转 rules (F17–F20): every transition, every refusal, and what each step writes."""
from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEntry, ChangeRequest, Person, Transfer, db
from models import transfer as tr
from models.bulk import ALREADY_DECIDED, OUT_OF_SCOPE

from .helpers import make_department, make_org, make_person

TODAY = date(2026, 11, 28)


def admin_of(org, name="王管理", account_id=None):
    return tr.Actor(account_id=account_id, name=name, org_id=org.id, scope_org_id=org.id)


@pytest.fixture
def two(unit):
    """Person 李四 at unit.employer's branch; target unit.other (outside the employer's subtree)."""
    unit.dept = make_department(unit.employer, "研发部")
    unit.person = make_person(unit.branch, "李四", department=unit.dept)
    unit.target_dept = make_department(unit.other, "生产部")
    unit.out_admin = admin_of(unit.employer, "王管理", unit.admin.id)
    unit.in_admin = admin_of(unit.other, "赵管理", unit.other_admin.id)
    return unit


def started(two, **kw):
    t = tr.start(two.person, kw.pop("to_org", two.other), kw.pop("reason", "工作调动"), TODAY,
                 kw.pop("actor", two.out_admin), **kw)
    db.session.commit()
    return t


def audit_rows(entity, entity_id=None, action=None):
    q = select(AuditEntry).where(AuditEntry.entity == entity)
    if entity_id is not None:
        q = q.where(AuditEntry.entity_id == str(entity_id))
    if action:
        q = q.where(AuditEntry.action == action)
    return db.session.scalars(q.order_by(AuditEntry.id)).all()


# -- start ----------------------------------------------------------------------------------------
def test_start_creates_a_pending_out_transfer_with_frozen_facts(two):
    t = started(two)
    assert t.status == "pending_out" and t.status_label == "待调出审核"
    assert (t.from_org_id, t.to_org_id, t.from_department_id) == (two.branch.id, two.other.id, two.dept.id)
    assert (t.initiated_by_id, t.initiated_by_name, t.initiated_via) == (two.admin.id, "王管理", "unit")
    assert t.reason == "工作调动" and t.transfer_date == TODAY and t.to_department_id is None
    [entry] = audit_rows("transfer", t.id, "create")
    assert entry.changes["status"] == {"after": "pending_out"} and "工作调动" in entry.reason


def test_a_person_may_apply_for_themself(two):
    me = tr.Actor(two.person.account_id, "李四", person_id=two.person.id)
    t = started(two, actor=me, via="self")
    assert t.initiated_via == "self" and t.via_label == "本人申请"


@pytest.mark.parametrize("case, message", [
    ("own_unit", "调入单位不能是该人员当前所在单位"),
    ("disabled", "调入单位已停用，不能调入"),
    ("pending", "调入单位必须是已审核通过的用人单位"),
    ("supervisor", "调入单位必须是已审核通过的用人单位"),
    ("no_target", "请选择调入单位"),
    ("no_reason", "请填写调转原因"),
    ("long_reason", "调转原因最长500个字"),
    ("no_date", "请选择调转日期"),
    ("person_pending", "只能调转已审核通过的人员"),
    ("out_of_scope", "该人员不在管理范围内"),
    ("someone_else", "只能为本人申请调转"),
    ("bad_via", "未知的发起方式"),
])
def test_start_refusals_change_nothing(two, case, message):
    person, to_org, reason, when, actor, via = two.person, two.other, "工作调动", TODAY, two.out_admin, "unit"
    if case == "own_unit":
        to_org = two.branch
    elif case == "disabled":
        to_org = make_org("停用单位", status="disabled")
    elif case == "pending":
        to_org = make_org("待审单位", status="pending")
    elif case == "supervisor":
        to_org = two.city
    elif case == "no_target":
        to_org = None
    elif case == "no_reason":
        reason = "  "
    elif case == "long_reason":
        reason = "长" * 501
    elif case == "no_date":
        when = None
    elif case == "person_pending":
        person = make_person(two.employer, "待审人员", status="pending")
    elif case == "out_of_scope":
        actor = two.in_admin
    elif case == "someone_else":
        other = make_person(two.employer, "王五")
        actor, via = tr.Actor(other.account_id, "王五", person_id=other.id), "self"
    elif case == "bad_via":
        via = "mail"
    with pytest.raises(ValueError, match=message):
        tr.start(person, to_org, reason, when, actor, via)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


def test_only_one_active_transfer_per_person(two):
    started(two)
    with pytest.raises(ValueError, match="该人员已有进行中的调转"):
        tr.start(two.person, make_org("另一单位"), "再次调动", TODAY, two.out_admin)


def test_the_database_itself_refuses_a_second_active_transfer(two):
    """The check in code is only for the message; the partial unique index is the guard."""
    t = started(two)
    db.session.add(Transfer(person_id=t.person_id, from_org_id=t.from_org_id, to_org_id=make_org("丙单位").id,
                            reason="绕过检查", transfer_date=TODAY, initiated_by_name="x", initiated_via="unit"))
    with pytest.raises(Exception) as e:
        db.session.flush()
    assert "unique" in str(e.value).lower()
    db.session.rollback()


def test_a_finished_transfer_does_not_block_a_new_one(two):
    t = started(two)
    tr.reject_out(t.id, two.out_admin, "信息有误")
    db.session.commit()
    again = started(two, reason="重新发起")
    assert again.status == "pending_out"


# -- the out side ------------------------------------------------------------------------------------
def test_approve_out_moves_to_pending_in_and_records_the_reviewer(two):
    t = started(two)
    tr.approve_out(t.id, two.out_admin, "同意")
    db.session.commit()
    assert t.status == "pending_in"
    assert (t.out_reviewer_id, t.out_reviewer_name, t.out_note) == (two.admin.id, "王管理", "同意")
    assert t.out_reviewed_at is not None
    [entry] = audit_rows("transfer", t.id, "approve")
    assert entry.changes["status"] == {"before": "pending_out", "after": "pending_in"}
    assert entry.changes["out_reviewer_name"]["after"] == "王管理"


def test_reject_out_needs_a_reason_and_keeps_the_transfer(two):
    t = started(two)
    with pytest.raises(ValueError, match="驳回时必须填写驳回原因"):
        tr.reject_out(t.id, two.out_admin, " ")
    tr.reject_out(t.id, two.out_admin, "该人员仍有未完成工作")
    db.session.commit()
    assert t.status == "rejected" and t.reject_reason == "该人员仍有未完成工作"
    assert t.out_note == "该人员仍有未完成工作" and t.in_reviewer_name is None
    [entry] = audit_rows("transfer", t.id, "reject")
    assert entry.reason == "该人员仍有未完成工作"


def test_out_steps_are_refused_to_the_target_side_and_outsiders(two):
    t = started(two)
    for actor in (two.in_admin, tr.Actor(two.person.account_id, "李四", person_id=two.person.id)):
        with pytest.raises(ValueError, match="该调转不存在或不在管理范围内"):
            tr.approve_out(t.id, actor)
        with pytest.raises(ValueError, match="该调转不存在或不在管理范围内"):
            tr.reject_out(t.id, actor, "x")
    assert db.session.scalar(select(Transfer.status).where(Transfer.id == t.id)) == "pending_out"


def test_each_step_only_follows_the_one_before(two):
    t = started(two)
    with pytest.raises(ValueError, match="该调转已被他人处理，请刷新后查看"):
        tr.confirm_in(t.id, two.in_admin)
    with pytest.raises(ValueError, match="该调转已被他人处理"):
        tr.reject_in(t.id, two.in_admin, "不要")
    tr.approve_out(t.id, two.out_admin)
    db.session.commit()
    with pytest.raises(ValueError, match="该调转已被他人处理"):
        tr.approve_out(t.id, two.out_admin)
    with pytest.raises(ValueError, match="该调转已被他人处理"):
        tr.reject_out(t.id, two.out_admin, "晚了")
    tr.confirm_in(t.id, two.in_admin)
    db.session.commit()
    for step in (lambda: tr.confirm_in(t.id, two.in_admin), lambda: tr.reject_in(t.id, two.in_admin, "x"),
                 lambda: tr.cancel(t.id, two.out_admin)):
        with pytest.raises(ValueError, match="该调转已被他人处理"):
            step()
    assert len(audit_rows("transfer", t.id)) == 3  # create, approve out, confirm in


# -- the in side ----------------------------------------------------------------------------------
def pending_in(two, **kw):
    t = started(two, **kw)
    tr.approve_out(t.id, two.out_admin)
    db.session.commit()
    return t


def test_confirm_in_moves_the_person_in_one_go(two):
    t = pending_in(two)
    cr = ChangeRequest(target_type="person", target_id=two.person.id, org_id=two.branch.id, subject_name="李四",
                       changes={"education": {"before": "大学本科", "after": "硕士研究生"}})
    db.session.add(cr)
    db.session.commit()
    tr.confirm_in(t.id, two.in_admin, two.target_dept.id, "欢迎")
    db.session.commit()
    person = db.session.get(Person, two.person.id)
    assert (person.org_id, person.department_id) == (two.other.id, two.target_dept.id)
    assert t.status == "completed" and t.status_label == "已完成" and t.completed_at is not None
    assert (t.in_reviewer_name, t.in_note, t.to_department_id) == ("赵管理", "欢迎", two.target_dept.id)
    assert cr.status == "cancelled" and "人员已调转至青岛其他制造有限公司" in cr.reason
    [moved] = audit_rows("person", person.id, "transfer")
    assert moved.changes["org_id"] == {"before": two.branch.id, "after": two.other.id}
    assert moved.changes["department_id"] == {"before": two.dept.id, "after": two.target_dept.id}
    [cancelled] = audit_rows("change_request", cr.id, "cancel")
    assert cancelled.changes["status"] == {"before": "pending", "after": "cancelled"}
    [confirmed] = audit_rows("transfer", t.id, "approve")[1:]
    assert confirmed.changes["status"] == {"before": "pending_in", "after": "completed"}


def test_confirm_in_without_a_department_clears_it(two):
    t = pending_in(two)
    tr.confirm_in(t.id, two.in_admin)
    db.session.commit()
    person = db.session.get(Person, two.person.id)
    assert person.org_id == two.other.id and person.department_id is None


def test_confirm_in_refuses_a_department_of_another_unit(two):
    t = pending_in(two)
    with pytest.raises(ValueError, match="所选部门不属于调入单位"):
        tr.confirm_in(t.id, two.in_admin, two.dept.id)
    db.session.rollback()
    assert db.session.get(Person, two.person.id).org_id == two.branch.id
    assert db.session.get(Transfer, t.id).status == "pending_in"


def test_confirm_in_refuses_a_target_disabled_meanwhile(two):
    t = pending_in(two)
    two.other.status = "disabled"
    db.session.commit()
    with pytest.raises(ValueError, match="调入单位已停用"):
        tr.confirm_in(t.id, two.in_admin)


def test_in_steps_are_refused_to_the_out_side(two):
    t = pending_in(two)
    with pytest.raises(ValueError, match="该调转不存在或不在管理范围内"):
        tr.confirm_in(t.id, two.out_admin)
    with pytest.raises(ValueError, match="该调转不存在或不在管理范围内"):
        tr.reject_in(t.id, two.out_admin, "x")


def test_reject_in_needs_a_reason(two):
    t = pending_in(two)
    with pytest.raises(ValueError, match="驳回时必须填写驳回原因"):
        tr.reject_in(t.id, two.in_admin, "")
    tr.reject_in(t.id, two.in_admin, "岗位已满")
    db.session.commit()
    assert t.status == "rejected" and t.in_note == "岗位已满" and t.reject_reason == "岗位已满"
    assert db.session.get(Person, two.person.id).org_id == two.branch.id


def test_the_platform_operator_may_act_on_both_sides(two):
    op = tr.Actor(None, "运维", scope_org_id=None)
    t = started(two)
    tr.approve_out(t.id, op)
    tr.confirm_in(t.id, op)
    db.session.commit()
    assert t.status == "completed"


# -- cancel ------------------------------------------------------------------------------------------
def test_the_initiating_unit_cancels_until_completed(two):
    t = started(two)
    tr.cancel(t.id, two.out_admin)
    db.session.commit()
    assert t.status == "cancelled" and t.cancelled_by_name == "王管理" and t.cancelled_at is not None
    [entry] = audit_rows("transfer", t.id, "cancel")
    assert entry.changes["status"] == {"before": "pending_out", "after": "cancelled"}
    t2 = pending_in(two, reason="再调")
    tr.cancel(t2.id, two.out_admin)
    db.session.commit()
    assert t2.status == "cancelled"


def test_only_the_initiator_cancels(two):
    me = tr.Actor(two.person.account_id, "李四", person_id=two.person.id)
    unit_started = started(two)
    with pytest.raises(ValueError, match="只有发起方可以撤销该调转"):
        tr.cancel(unit_started.id, me)
    with pytest.raises(ValueError, match="该调转不存在或不在管理范围内"):
        tr.cancel(unit_started.id, two.in_admin)
    tr.cancel(unit_started.id, two.out_admin)
    db.session.commit()
    self_started = started(two, actor=me, via="self")
    with pytest.raises(ValueError, match="只有发起方可以撤销该调转"):
        tr.cancel(self_started.id, two.out_admin)
    tr.cancel(self_started.id, me)
    db.session.commit()
    assert self_started.status == "cancelled" and self_started.cancelled_by_name == "李四"


def test_cancel_of_a_rejected_transfer_is_refused(two):
    t = started(two)
    tr.reject_out(t.id, two.out_admin, "不行")
    db.session.commit()
    with pytest.raises(ValueError, match="该调转已被他人处理"):
        tr.cancel(t.id, two.out_admin)
    with pytest.raises(ValueError, match="该调转不存在"):
        tr.cancel(999999, two.out_admin)


# -- bulk ---------------------------------------------------------------------------------------------
def test_bulk_steps_report_every_row(two):
    others = [make_person(two.employer, f"员工{i}") for i in range(3)]
    ts = [started(two)] + [tr.start(p, two.other, "调动", TODAY, two.out_admin) for p in others]
    db.session.commit()
    tr.reject_out(ts[3].id, two.out_admin, "先驳回")
    db.session.commit()
    outcome = tr.decide_many("approve_out", [t.id for t in ts] + [999999], two.out_admin)
    db.session.commit()
    assert outcome.done == [t.id for t in ts[:3]]
    assert outcome.skipped == {ALREADY_DECIDED: 1, OUT_OF_SCOPE: 1}
    assert outcome.summary() == f"已通过 3 条；跳过 2 条（{ALREADY_DECIDED} 1 条，{OUT_OF_SCOPE} 1 条）"

    with pytest.raises(ValueError, match="驳回时必须填写驳回原因"):
        tr.decide_many("reject_in", [ts[0].id], two.in_admin, "")
    outcome = tr.decide_many("confirm_in", [t.id for t in ts[:2]], two.in_admin)
    db.session.commit()
    assert len(outcome.done) == 2
    # the out side cannot reach the in side's steps: skipped as not found, nothing changed
    outcome = tr.decide_many("reject_in", [ts[2].id], two.out_admin, "越权")
    assert outcome.done == [] and outcome.skipped == {OUT_OF_SCOPE: 1}
    assert db.session.get(Transfer, ts[2].id).status == "pending_in"


def test_queue_counts_and_target_search(two):
    t = started(two)
    assert db.session.scalar(tr.queue_count_query("pending_out", Transfer.from_org_id, two.employer.id)) == 1
    assert db.session.scalar(tr.queue_count_query("pending_out", Transfer.from_org_id, two.other.id)) == 0
    assert db.session.scalar(tr.queue_count_query("pending_in", Transfer.to_org_id, None)) == 0
    tr.approve_out(t.id, two.out_admin)
    db.session.commit()
    assert db.session.scalar(tr.queue_count_query("pending_in", Transfer.to_org_id, two.other.id)) == 1
    assert db.session.scalar(tr.queue_count_query("pending_in", Transfer.to_org_id, two.province.id)) == 1

    make_org("青岛停用公司", status="disabled")
    found = tr.target_candidates("青岛")
    assert [r.name for r in found] == ["青岛其他制造有限公司"]
    assert set(found[0]._fields) == {"id", "name", "uscc", "region"}
    assert [r.name for r in tr.target_candidates(two.other.uscc.lower())] == ["青岛其他制造有限公司"]
    assert tr.target_candidates("山东省人力") == []  # supervisors are no employers
    assert tr.target_candidates("%") == [] and tr.target_candidates("") == []
