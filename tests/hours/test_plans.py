"""单位培训计划 (F22–F23): every transition of a plan and of its hours, every refusal, and the pages."""
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AuditEntry, CreditRecord, LearningForm, TrainingPlan, db, now
from models.actor import Actor
from models.hours import plans
from models.hours.catalogue import seed_catalogue
from models.queues import QUEUES, count_all

from ..helpers import make_admin, make_person, make_role

PLANS, PLAN_HOURS = "/admin/hours/plans/", "/admin/hours/plan-hours/"
REVIEW, HOURS_REVIEW = "/admin/hours/plan-review/", "/admin/hours/plan-review/hours/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def tree(unit, app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "attachments")
    seed_catalogue()
    db.session.commit()
    unit.city_admin = make_admin(unit.city, "孙主管")
    unit.unit_actor = Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id)
    unit.city_actor = Actor(unit.city_admin.id, "孙主管", unit.city.id, unit.city.id)
    unit.province_actor = Actor(None, "省管理", unit.province.id, unit.province.id)
    unit.form = LearningForm.query.filter_by(code="face_to_face").one()
    return unit


def values(tree, **kw):
    ended = now().date() - timedelta(days=10)
    base = dict(name="2026年新技术培训班", category="专业科目", form_id=str(tree.form.id),
                start_date=ended - timedelta(days=2), end_date=ended, hours="24", expected_participants="30",
                place="济南", organizer="示范科技", content="新技术")
    base.update(kw)
    return base


def draft(tree, **kw):
    plan = plans.create_plan(values(tree, **kw), tree.unit_actor, tree.employer)
    db.session.commit()
    return plan


def filed(tree, **kw):
    plan = draft(tree, **kw)
    plans.submit_plan(plan.id, tree.unit_actor)
    plans.decide_plan(plan.id, "approved", tree.city_actor)
    db.session.commit()
    return db.session.get(TrainingPlan, plan.id)


def fresh(plan):
    db.session.expire_all()
    return db.session.get(TrainingPlan, plan.id)


class Upload:
    """A posted file as Flask gives it to a view (werkzeug FileStorage)."""

    def __new__(cls, data=PDF, name="签到表.pdf", content_type="application/pdf"):
        from werkzeug.datastructures import FileStorage

        return FileStorage(io.BytesIO(data), filename=name, content_type=content_type)


def declared(tree, plan, people):
    plans.declare_plan_hours(fresh(plan), [p.id for p in people], [Upload()], tree.unit_actor)
    db.session.commit()
    return fresh(plan)


# -- the plan ------------------------------------------------------------------------------------------------
def test_create_submit_file(tree):
    plan = draft(tree)
    assert plan.status == "draft" and plan.hours == Decimal("24.0") and plan.review_org_id is None
    plans.submit_plan(plan.id, tree.unit_actor)
    db.session.commit()
    plan = fresh(plan)
    assert plan.status == "pending" and plan.review_org_id == tree.city.id and plan.submitted_at
    plans.decide_plan(plan.id, "approved", tree.city_actor)
    db.session.commit()
    plan = fresh(plan)
    assert plan.status == "approved" and plan.reviewer_name == "孙主管"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "training_plan")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["create", "submit", "approve"]


def test_a_unit_without_a_superior_submits_to_the_operator(tree):
    plan = plans.create_plan(values(tree), Actor(None, "省管理", tree.province.id, tree.province.id), tree.province)
    plans.submit_plan(plan.id, tree.province_actor)
    db.session.commit()
    plan = fresh(plan)
    assert plan.status == "pending" and plan.review_org_id is None
    with pytest.raises(ValueError, match="不存在"):  # a unit is never its own reviewer
        plans.decide_plan(plan.id, "approved", tree.province_actor)
    plans.decide_plan(plan.id, "approved", Actor(1, "运维", None, None))
    assert fresh(plan).status == "approved"


def test_rejected_needs_a_reason_then_edited_and_submitted_again(tree):
    plan = draft(tree)
    plans.submit_plan(plan.id, tree.unit_actor)
    with pytest.raises(ValueError, match="驳回原因"):
        plans.decide_plan(plan.id, "rejected", tree.city_actor, " ")
    plans.decide_plan(plan.id, "rejected", tree.city_actor, "学时偏高")
    db.session.commit()
    plan = fresh(plan)
    assert plan.status == "rejected" and plan.reject_reason == "学时偏高"
    plans.edit_plan(plan.id, values(tree, hours="16"), tree.unit_actor)
    plans.submit_plan(plan.id, tree.unit_actor)
    db.session.commit()
    plan = fresh(plan)
    assert plan.status == "pending" and plan.hours == Decimal("16.0") and plan.reject_reason is None


def test_a_submitted_plan_is_neither_edited_nor_submitted_twice(tree):
    plan = draft(tree)
    plans.submit_plan(plan.id, tree.unit_actor)
    db.session.commit()
    with pytest.raises(ValueError, match="已被他人处理"):
        plans.submit_plan(plan.id, tree.unit_actor)
    with pytest.raises(ValueError, match="只有草稿或已驳回"):
        plans.edit_plan(plan.id, values(tree, name="改名"), tree.unit_actor)
    db.session.rollback()
    assert fresh(plan).name == "2026年新技术培训班"
    plans.decide_plan(plan.id, "approved", tree.city_actor)
    with pytest.raises(ValueError, match="已被他人处理"):  # the second of two clicks
        plans.decide_plan(plan.id, "rejected", tree.city_actor, "晚了")
    outcome = plans.decide_plans([plan.id], "approved", tree.city_actor)
    assert outcome.done == [] and outcome.skipped == {"已被他人处理": 1}


def test_another_units_plan_is_not_found(tree):
    plan = draft(tree)
    other = Actor(tree.other_admin.id, "赵管理", tree.other.id, tree.other.id)
    with pytest.raises(ValueError, match="不存在"):
        plans.submit_plan(plan.id, other)
    with pytest.raises(ValueError, match="不存在"):
        plans.edit_plan(plan.id, values(tree), other)
    plans.submit_plan(plan.id, tree.unit_actor)
    with pytest.raises(ValueError, match="不存在"):  # the province is not the plan's reviewer
        plans.decide_plan(plan.id, "approved", tree.province_actor)


@pytest.mark.parametrize("change, field, message", [
    (dict(end_date=date(2026, 1, 1), start_date=date(2026, 2, 1)), "end_date", "不能早于开始日期"),
    (dict(hours="0"), "hours", "大于 0"),
    (dict(hours="abc"), "hours", "请填写每人学时"),
    (dict(hours="81"), "hours", "上限（80 学时）"),
    (dict(expected_participants="0"), "expected_participants", "至少为 1 人"),
    (dict(expected_participants="2.5"), "expected_participants", "至少为 1 人"),
    (dict(category="个人选修"), "category", "请选择计入科目"),
    (dict(form_id="999999"), "form_id", "请选择学习形式"),
    (dict(name=""), "name", "必填"),
])
def test_plan_validation(tree, change, field, message):
    with pytest.raises(plans.PlanInvalid) as e:
        plans.create_plan(values(tree, **change), tree.unit_actor, tree.employer)
    assert message in e.value.errors[field]
    db.session.rollback()
    assert TrainingPlan.query.count() == 0


def test_the_form_must_take_the_category_and_unit_declarers(tree):
    post = LearningForm.query.filter_by(code="post_training").one()  # 专业科目 only
    with pytest.raises(plans.PlanInvalid) as e:
        plans.create_plan(values(tree, form_id=str(post.id), category="公需科目"), tree.unit_actor, tree.employer)
    assert "不能计入公需科目" in e.value.errors["form_id"]
    tree.form.declarers = ["person"]
    db.session.commit()
    with pytest.raises(plans.PlanInvalid) as e:
        plans.create_plan(values(tree), tree.unit_actor, tree.employer)
    assert "不接受单位申报" in e.value.errors["form_id"]


# -- its hours ---------------------------------------------------------------------------------------------
def test_hours_declared_then_approved(tree):
    people = [make_person(tree.employer, f"参训{i}") for i in range(3)]
    plan = declared(tree, filed(tree), people)
    assert plan.hours_status == "pending"
    records = CreditRecord.query.filter_by(plan_id=plan.id).all()
    assert len(records) == 3 and {r.review_org_id for r in records} == {tree.city.id}
    assert {r.declared_by for r in records} == {"plan"} and {r.hours for r in records} == {Decimal("24.0")}
    declaration = plans.current_declaration(plan.id)
    assert declaration.attachments and declaration.attachments[0].filename.endswith(".pdf")
    outcome = plans.decide_plan_hours(plan.id, "approved", tree.city_actor)
    db.session.commit()
    assert len(outcome.done) == 3 and fresh(plan).hours_status == "approved"
    assert {r.status for r in CreditRecord.query.filter_by(plan_id=plan.id)} == {"approved"}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "credit_record", AuditEntry.action == "approve")) == 3
    with pytest.raises(ValueError, match="已被他人处理"):
        plans.decide_plan_hours(plan.id, "rejected", tree.city_actor, "晚了")
    with pytest.raises(ValueError, match="不能重复申报"):
        plans.declare_plan_hours(fresh(plan), [people[0].id], [Upload()], tree.unit_actor)


def test_hours_rejected_are_declared_again(tree):
    person = make_person(tree.employer)
    plan = declared(tree, filed(tree), [person])
    with pytest.raises(ValueError, match="驳回原因"):
        plans.decide_plan_hours(plan.id, "rejected", tree.city_actor, "")
    plans.decide_plan_hours(plan.id, "rejected", tree.city_actor, "签到表不清晰")
    db.session.commit()
    plan = fresh(plan)
    assert plan.hours_status == "rejected" and plan.hours_reject_reason == "签到表不清晰"
    assert CreditRecord.query.filter_by(plan_id=plan.id).one().status == "rejected"
    plan = declared(tree, plan, [person])
    assert plan.hours_status == "pending" and plans.current_declaration(plan.id).applicants == 1


def test_yearly_cap_clips_a_participant(tree):
    conference = LearningForm.query.filter_by(code="conference").one()  # 18 per record, 36 per year
    person = make_person(tree.employer)
    plan = declared(tree, filed(tree, form_id=str(conference.id), hours="18"), [person])
    plan2 = declared(tree, filed(tree, form_id=str(conference.id), hours="18", name="二期"), [person])
    plans.decide_plan_hours(plan.id, "approved", tree.city_actor)
    # someone else's 6 hours of the same form and year meanwhile: the second plan has 12 left for the person
    r = CreditRecord.query.filter_by(plan_id=plan.id).one()
    r.approved_hours = Decimal("24.0")
    db.session.commit()
    outcome = plans.decide_plan_hours(plan2.id, "approved", tree.city_actor)
    db.session.commit()
    assert "核减为 12" in outcome.summary()
    assert CreditRecord.query.filter_by(plan_id=plan2.id).one().approved_hours == Decimal("12.0")


def test_hours_refused_before_the_plan_ended_or_while_not_filed(tree):
    person = make_person(tree.employer)
    today = now().date()
    running = filed(tree, start_date=today - timedelta(days=1), end_date=today + timedelta(days=3))
    with pytest.raises(ValueError, match="尚未结束"):
        plans.declare_plan_hours(running, [person.id], [Upload()], tree.unit_actor)
    plan = draft(tree)
    with pytest.raises(ValueError, match="只有已备案"):
        plans.declare_plan_hours(plan, [person.id], [Upload()], tree.unit_actor)
    ended = filed(tree, name="已结束")
    with pytest.raises(plans.ProofRefusal, match="证明材料"):
        plans.declare_plan_hours(ended, [person.id], [], tree.unit_actor)
    with pytest.raises(ValueError, match="请至少选择"):
        plans.declare_plan_hours(ended, [], [Upload()], tree.unit_actor)
    db.session.rollback()
    assert CreditRecord.query.count() == 0 and fresh(ended).hours_status == "none"


def test_plan_records_stay_out_of_the_per_record_queue_and_the_dashboard_counts_plans(tree):
    from models.hours import approval

    plan = declared(tree, filed(tree), [make_person(tree.employer)])
    draft(tree, name="待备案")
    plans.submit_plan(TrainingPlan.query.filter_by(name="待备案").one().id, tree.unit_actor)
    db.session.commit()
    assert db.session.scalar(approval.pending_count_query(tree.city.id)) == 0
    queue = next(q for q in QUEUES if q.key == "plan_review")
    assert count_all([queue], tree.city.id) == {"plan_review": 2}
    assert count_all([queue], tree.employer.id) == {"plan_review": 0}
    assert plan.hours_status == "pending"


# -- the pages ---------------------------------------------------------------------------------------------
def form_data(tree, **kw):
    data = values(tree, **kw)
    data["start_date"], data["end_date"] = str(data["start_date"]), str(data["end_date"])
    return data


def test_plan_pages_create_edit_submit(client, auth, tree):
    auth.login(tree.admin)
    page = client.get(PLANS)
    assert page.status_code == 200 and "新增" in page.get_data(as_text=True)
    draft(tree, name="已有草稿")
    assert "Submit" not in client.get(PLANS).get_data(as_text=True)
    r = auth.post(PLANS + "new/", form_data(tree), follow_redirects=True)
    assert r.status_code == 200
    plan = TrainingPlan.query.filter_by(name="2026年新技术培训班").one()
    assert plan.status == "draft" and plan.org_id == tree.employer.id and plan.created_by_name == "王管理"
    r = auth.post(PLANS + f"edit/?id={plan.id}", form_data(tree, name="改名后"), follow_redirects=True)
    assert fresh(plan).name == "改名后"
    r = auth.post(PLANS + "submit/", {"id": plan.id}, form_url=PLANS + f"details/?id={plan.id}",
                  follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "已提交" in text and "待审核" in text and fresh(plan).status == "pending"
    listed = client.get(PLANS).get_data(as_text=True)
    assert f"edit/?id={plan.id}" not in listed and "edit/?id=" in listed  # the other, still a 草稿, keeps its icon
    # double submit: told, nothing changes
    r = auth.post(PLANS + "submit/", {"id": plan.id}, form_url=PLANS, follow_redirects=True)
    assert "已被他人处理" in r.get_data(as_text=True)
    # editing a submitted plan
    r = client.get(PLANS + f"edit/?id={plan.id}", follow_redirects=True)
    assert "只有草稿或已驳回" in r.get_data(as_text=True)
    r = auth.post(PLANS + f"edit/?id={plan.id}", form_data(tree, name="偷改"), form_url=PLANS,
                  follow_redirects=True)
    assert "只有草稿或已驳回" in r.get_data(as_text=True) and fresh(plan).name == "改名后"


def test_bad_input_is_shown_next_to_the_field(client, auth, tree):
    auth.login(tree.admin)
    r = auth.post(PLANS + "new/", form_data(tree, hours="100", expected_participants="0"), form_url=PLANS + "new/")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "上限（80 学时）" in text and "至少为 1 人" in text
    r = auth.post(PLANS + "new/", form_data(tree, name="", start_date="2026-13-01"), form_url=PLANS + "new/")
    text = r.get_data(as_text=True)
    assert "请填写培训班名称" in text and "2018-06-30" in text
    assert TrainingPlan.query.count() == 0


def test_another_units_plan_is_404_and_missing_permission_403(client, auth, tree):
    plan = draft(tree)
    auth.login(tree.other_admin)
    assert client.get(PLANS + f"details/?id={plan.id}").status_code == 404
    assert client.get(PLANS + f"edit/?id={plan.id}").status_code == 404
    r = auth.post(PLANS + "submit/", {"id": plan.id}, form_url=PLANS)
    assert r.status_code == 404 and fresh(plan).status == "draft"
    assert client.get(PLAN_HOURS + f"declare/?id={plan.id}").status_code == 404
    auth.logout()
    clerk = make_admin(tree.employer, "钱办事", is_super=False,
                       role=make_role(tree.employer, "办事员", ["hours.declare"]))
    auth.login(clerk)
    for url in (PLANS, PLAN_HOURS, REVIEW, HOURS_REVIEW):
        assert client.get(url).status_code == 403, url
    auth.logout()
    auth.login(tree.admin)  # the employer reviews nobody's plans: no superior's queue of its subordinates' here
    assert client.get(REVIEW).status_code == 200 and "暂无待备案" in client.get(REVIEW).get_data(as_text=True)


def test_review_pages_file_reject_and_decide_hours(client, auth, tree):
    plan = draft(tree)
    other = draft(tree, name="第二期")
    for p in (plan, other):
        plans.submit_plan(p.id, tree.unit_actor)
    db.session.commit()
    auth.login(tree.city_admin, user_type="supervisor")
    text = client.get(REVIEW).get_data(as_text=True)
    assert "2026年新技术培训班" in text and "第二期" in text
    r = auth.post(REVIEW + "action/", {"action": "reject", "rowid": [plan.id], "url": REVIEW}, form_url=REVIEW,
                  follow_redirects=True)
    assert "驳回原因" in r.get_data(as_text=True) and fresh(plan).status == "pending"
    r = auth.post(REVIEW + "action/", {"action": "approve", "rowid": [plan.id, other.id], "url": REVIEW},
                  form_url=REVIEW, follow_redirects=True)
    assert "已通过 2 条" in r.get_data(as_text=True) or "2 条" in r.get_data(as_text=True)
    assert fresh(plan).status == fresh(other).status == "approved"
    r = auth.post(REVIEW + "action/", {"action": "approve", "rowid": [plan.id], "url": REVIEW},
                  form_url=REVIEW, follow_redirects=True)
    assert "已被他人处理" in r.get_data(as_text=True)
    people = [make_person(tree.employer, "参训甲"), make_person(tree.branch, "参训乙")]
    declared(tree, plan, people)
    r = client.get(HOURS_REVIEW + f"details/?id={plan.id}")
    text = r.get_data(as_text=True)
    assert "参训甲" in text and "参训乙" in text and "签到表.pdf" in text
    r = auth.post(HOURS_REVIEW + "action/", {"action": "approve", "rowid": [plan.id], "url": HOURS_REVIEW},
                  form_url=HOURS_REVIEW, follow_redirects=True)
    assert r.status_code == 200 and fresh(plan).hours_status == "approved"
    assert {r.status for r in CreditRecord.query.filter_by(plan_id=plan.id)} == {"approved"}
    auth.logout()
    auth.login(tree.other_admin)
    assert client.get(REVIEW + f"details/?id={plan.id}").status_code == 404
    assert client.get(HOURS_REVIEW + f"details/?id={plan.id}").status_code == 404


def test_demo_has_a_plan_in_every_state(app, tmp_path):
    from demo import load_demo

    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "attachments")
    load_demo()
    states = {(p.status, p.hours_status) for p in TrainingPlan.query}
    assert {("draft", "none"), ("pending", "none"), ("rejected", "none"), ("approved", "none"),
            ("approved", "pending"), ("approved", "approved")} <= states
    ended = [p for p in TrainingPlan.query.filter_by(status="approved") if p.end_date < now().date()]
    assert {p.hours_status for p in ended} == {"none", "pending", "approved"}
    pending = TrainingPlan.query.filter_by(hours_status="pending").one()
    assert {r.status for r in CreditRecord.query.filter_by(plan_id=pending.id)} == {"pending"}
    assert plans.current_declaration(pending.id).attachments
    done = TrainingPlan.query.filter_by(hours_status="approved").one()
    assert {r.status for r in CreditRecord.query.filter_by(plan_id=done.id)} == {"approved"}


def test_declare_page_files_participants_and_proof(client, auth, tree):
    plan = filed(tree)
    today = now().date()
    running = filed(tree, name="进行中", start_date=today - timedelta(days=1), end_date=today + timedelta(days=2))
    people = [make_person(tree.employer, "参训甲"), make_person(tree.branch, "参训乙")]
    stranger = make_person(tree.other, "外单位")
    auth.login(tree.admin)
    text = client.get(PLAN_HOURS).get_data(as_text=True)
    assert "申报学时" in text and "培训结束后可申报" in text and "Declare" not in text
    r = client.get(PLAN_HOURS + f"declare/?id={running.id}", follow_redirects=True)
    assert "尚未结束" in r.get_data(as_text=True)
    url = PLAN_HOURS + f"declare/?id={plan.id}"
    page = client.get(url)
    assert page.status_code == 200 and 'id="applicants"' in page.get_data(as_text=True)
    assert 'id="participants-import"' in page.get_data(as_text=True)
    # no participants, no proof: told next to the fields, nothing filed
    r = auth.post(url, {"applicants": []}, form_url=url)
    text = r.get_data(as_text=True)
    assert "请至少选择一名申请人" in text and "请上传证明材料" in text
    # a program renamed .pdf is refused by its content
    r = auth.post(url, {"applicants": [people[0].id], "files": (io.BytesIO(b"MZ\x90\x00"), "签到表.pdf")},
                  form_url=url, content_type="multipart/form-data")
    assert "不是有效的" in r.get_data(as_text=True) and CreditRecord.query.count() == 0
    # another unit's person is dropped by the scoped query: only the unit's own are declared
    r = auth.post(url, {"applicants": [people[0].id, people[1].id, stranger.id],
                        "files": (io.BytesIO(PDF), "签到表.pdf")}, form_url=url,
                  content_type="multipart/form-data", follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "已为培训计划" in text and "2 人" in text and "参训甲" in text and "签到表.pdf" in text
    assert {r.person_id for r in CreditRecord.query.filter_by(plan_id=plan.id)} == {p.id for p in people}
    assert fresh(plan).hours_status == "pending"
    # declared twice (a second POST of the same page): refused, nothing more filed
    r = client.get(url, follow_redirects=True)
    assert "不能重复申报" in r.get_data(as_text=True)
    assert CreditRecord.query.count() == 2


def test_plan_lists_do_not_grow_with_rows(client, auth, tree):
    from ..querycount import count_queries

    def queries(url):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    def add(n):
        for i in range(n):
            plan = declared(tree, filed(tree, name=f"计划{n}-{i}"), [make_person(tree.employer, f"人{n}-{i}")])
            submitted = draft(tree, name=f"待审{n}-{i}")
            plans.submit_plan(submitted.id, tree.unit_actor)
            db.session.commit()
            assert plan.hours_status == "pending"

    add(1)
    urls = {tree.admin: (PLANS, PLAN_HOURS), tree.city_admin: (REVIEW, HOURS_REVIEW)}
    few = {}
    for admin, pages in urls.items():
        auth.login(admin, user_type="employer" if admin is tree.admin else "supervisor")
        few.update({url: queries(url) for url in pages})
        auth.logout()
    add(6)
    for admin, pages in urls.items():
        auth.login(admin, user_type="employer" if admin is tree.admin else "supervisor")
        for url in pages:
            assert queries(url) == few[url], url
        auth.logout()


@pytest.mark.parametrize("who, user_type", [("admin", "employer"), ("city_admin", "supervisor")])
def test_plan_pages_walk_never_errors(app, client, auth, tree, who, user_type):
    """Junk ids, filters, actions and form values on every plan page: a Chinese answer, never a 500."""
    from ..helpers import csrf_token
    from ..test_bad_input import Walk, report

    declared(tree, filed(tree), [make_person(tree.employer)])
    draft(tree, name="草稿计划")
    auth.login(getattr(tree, who), user_type=user_type)
    walk = Walk(client)
    token = csrf_token(client.get(PLANS if who == "admin" else REVIEW).get_data(as_text=True))
    walk.run(app, token, prefixes=("plans.", "plan_hours.", "plan_review.", "plan_hours_review."))
    for view in app.extensions["admin"][0]._views:
        if getattr(view, "endpoint", "") in ("plans", "plan_hours", "plan_review", "plan_hours_review"):
            walk.view_cases(view, token)
    assert walk.requests > 100
    assert not walk.failures, report(walk.failures)
