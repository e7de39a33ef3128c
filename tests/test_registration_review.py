"""专技人员注册审核 (F13) and 下属单位注册审核 (F14) over HTTP: queues, bulk decisions, refusals, 已审核."""
import re

import pytest
from sqlalchemy import select

from models import AuditEntry, Organization, Person, ReviewRecord, db

from .helpers import make_account, make_admin, make_department, make_org, make_person, make_role
from .querycount import count_queries

PERSON_QUEUE = "/admin/person_registration/"
ORG_QUEUE = "/admin/org_registration/"


def act(auth, queue, action, ids=(), reason=None, query="", **extra):
    data = {"action": action, "rowid": [str(i) for i in ids], "url": queue + query}
    if reason is not None:
        data["reason"] = reason
    data.update(extra)
    return auth.post(f"{queue}action/{query}", data, form_url=queue + query, follow_redirects=True)


def text(response):
    return response.get_data(as_text=True)


def status(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk).status


def records(target_type="person"):
    return db.session.scalars(select(ReviewRecord).where(ReviewRecord.target_type == target_type)).all()


@pytest.fixture
def pending(unit):
    dept = make_department(unit.employer, "研发部")
    return type("Pending", (), dict(
        a=make_person(unit.employer, "待审甲", status="pending", department=dept),
        b=make_person(unit.branch, "待审乙", status="pending"),
        foreign=make_person(unit.other, "外单位丙", status="pending"),
        dept=dept))


def test_queue_lists_pending_staff_of_the_subtree_only(auth, client, unit, pending):
    make_person(unit.employer, "已审丁")
    auth.login(unit.admin)
    page = text(client.get(PERSON_QUEUE))
    assert "待审甲" in page and "待审乙" in page and "研发部" in page
    assert "外单位丙" not in page and "已审丁" not in page
    assert "待审核（2）" in page and "已审核" in page
    assert pending.a.id_number not in page  # masked in the list; in full on the details page
    details = text(client.get(f"{PERSON_QUEUE}details/?id={pending.a.id}"))
    assert pending.a.id_number in details and "通过" in details and "驳回" in details
    assert client.get(f"{PERSON_QUEUE}details/?id={pending.foreign.id}").status_code == 404


def test_filters_narrow_the_queue(auth, client, unit, pending):
    auth.login(unit.admin)
    # Filter arguments are flt<n>_<index of the filter in column_filters>: 0 姓名, 2 所在部门, 3 工作单位.
    by_dept = text(client.get(PERSON_QUEUE + "?flt0_2=研发"))
    assert "待审甲" in by_dept and "待审乙" not in by_dept
    by_unit = text(client.get(PERSON_QUEUE + "?flt0_3=历下分公司"))
    assert "待审乙" in by_unit and "待审甲" not in by_unit
    by_name = text(client.get(PERSON_QUEUE + "?flt0_0=待审乙"))
    assert "待审乙" in by_name and "待审甲" not in by_name
    by_id = text(client.get(PERSON_QUEUE + f"?search={pending.a.id_number}"))
    assert "待审甲" in by_id and "待审乙" not in by_id


def test_bulk_approve_lets_the_staff_log_in_at_once(auth, client, unit, pending):
    auth.login(unit.admin)
    r = act(auth, PERSON_QUEUE, "approve", [pending.a.id, pending.b.id])
    assert "已通过 2 条" in text(r)
    assert status(Person, pending.a.id) == status(Person, pending.b.id) == "approved"
    recs = records()
    assert {rec.target_id for rec in recs} == {pending.a.id, pending.b.id}
    assert {rec.org_id for rec in recs} == {unit.employer.id} and recs[0].reviewer_name == "王管理"
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "person",
                                                        AuditEntry.action == "approve")).all()
    assert len(audit) == 2 and audit[0].actor_name == "王管理"
    auth.logout()
    login = auth.login(pending.a.account, user_type="person")
    assert login.status_code == 302 and login.headers["Location"].endswith("/me/")


def test_reject_requires_a_reason_and_changes_nothing_without_one(auth, client, unit, pending):
    auth.login(unit.admin)
    for reason in (None, "", "   "):
        r = act(auth, PERSON_QUEUE, "reject", [pending.a.id], reason=reason)
        assert "驳回时必须填写驳回原因" in text(r)
    assert status(Person, pending.a.id) == "pending" and not records()


def test_rejected_staff_sees_the_reason_at_login(auth, client, unit, pending):
    auth.login(unit.admin)
    r = act(auth, PERSON_QUEUE, "reject", [pending.a.id], reason="职称证书照片不清晰")
    assert "已驳回 1 条" in text(r)
    db.session.expire_all()
    person = db.session.get(Person, pending.a.id)
    assert person.status == "rejected" and person.reject_reason == "职称证书照片不清晰"
    assert records()[0].reason == "职称证书照片不清晰" and records()[0].decision == "rejected"
    auth.logout()
    login = text(auth.login(pending.a.account, user_type="person"))
    assert "职称证书照片不清晰" in login


def test_out_of_scope_ids_posted_by_hand_are_skipped(auth, client, unit, pending):
    auth.login(unit.admin)
    r = act(auth, PERSON_QUEUE, "approve", [pending.a.id, pending.foreign.id, 987654])
    assert "已通过 1 条" in text(r) and "不存在或不在管理范围内 2 条" in text(r)
    assert status(Person, pending.foreign.id) == "pending"
    assert [rec.target_id for rec in records()] == [pending.a.id]


def test_a_registration_already_decided_is_skipped_with_the_reason(auth, client, unit, pending):
    city_admin = make_admin(unit.city, "市管理员")
    auth.login(city_admin, user_type="supervisor")
    act(auth, PERSON_QUEUE, "reject", [pending.a.id], reason="不是本单位人员")
    auth.logout()
    auth.login(unit.admin)
    r = act(auth, PERSON_QUEUE, "approve", [pending.a.id, pending.b.id])
    assert "已通过 1 条" in text(r) and "已被他人审核 1 条" in text(r)
    assert status(Person, pending.a.id) == "rejected"
    assert len([rec for rec in records() if rec.target_id == pending.a.id]) == 1


def test_select_all_acts_on_every_filtered_row_across_pages(auth, client, unit, pending):
    for i in range(25):
        make_person(unit.branch, f"批量{i:02d}", status="pending")
    auth.login(unit.admin)
    query = "?search=批量"
    page = text(client.get(PERSON_QUEUE + query))
    assert "选择全部符合当前筛选条件的 25 条记录" in page
    r = act(auth, PERSON_QUEUE, "approve", query=query, select_all="1", expected="25")
    assert "已通过 25 条" in text(r)
    left = db.session.scalars(select(Person.name).where(Person.status == "pending")).all()
    assert sorted(left) == ["外单位丙", "待审乙", "待审甲"]
    assert len(records()) == 25


def test_select_all_reevaluates_the_filter_at_post_time(auth, client, unit, pending):
    auth.login(unit.admin)
    query = "?search=待审"
    assert "待审核（2）" in text(client.get(PERSON_QUEUE + query))
    late = make_person(unit.employer, "待审后到", status="pending")
    r = act(auth, PERSON_QUEUE, "reject", query=query, select_all="1", expected="2", reason="资料不全")
    assert "提交时符合条件的记录为 3 条" in text(r) and "已驳回 3 条" in text(r)
    assert status(Person, late.id) == "rejected" and status(Person, pending.foreign.id) == "pending"


def test_select_all_refuses_beyond_the_cap(auth, client, unit, pending, monkeypatch, app):
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "person_registration")
    monkeypatch.setattr(view, "max_filtered_rows", 1)
    auth.login(unit.admin)
    r = act(auth, PERSON_QUEUE, "approve", select_all="1")
    assert "超过一次最多处理的 1 条" in text(r)
    assert status(Person, pending.a.id) == "pending" and not records()


def test_reviewing_needs_the_permission(auth, client, unit, pending):
    role = make_role(unit.employer, "只查询", codes=["stats.staff"])
    clerk = make_admin(unit.employer, "查询员", is_super=False, role=role)
    auth.login(clerk)
    assert client.get(PERSON_QUEUE).status_code == 403
    assert client.get("/admin/person_registration_done/").status_code == 403
    page = client.get("/admin/staff/")
    r = client.post(PERSON_QUEUE + "action/", data={
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(page)).group(1),
        "action": "approve", "rowid": [str(pending.a.id)]})
    assert r.status_code == 403
    assert status(Person, pending.a.id) == "pending"


# -- 下属单位注册审核 ----------------------------------------------------------------------------------
@pytest.fixture
def pending_units(unit):
    a = make_org("新注册单位甲", parent=unit.employer, status="pending")
    b = make_org("新注册分公司乙", parent=unit.branch, status="pending")
    foreign = make_org("外单位下属丙", parent=unit.other, status="pending")
    admin_a = make_admin(a, "甲单位管理员")
    admin_b = make_admin(b, "乙单位管理员")
    return type("Units", (), dict(a=a, b=b, foreign=foreign, admin_a=admin_a, admin_b=admin_b))


def test_unit_queue_is_scoped_by_the_chosen_superior(auth, client, unit, pending_units):
    auth.login(unit.admin)
    page = text(client.get(ORG_QUEUE))
    assert "新注册单位甲" in page and "新注册分公司乙" in page and "外单位下属丙" not in page
    details = text(client.get(f"{ORG_QUEUE}details/?id={pending_units.a.id}"))
    assert "甲单位管理员" in details and pending_units.a.uscc in details
    assert client.get(f"{ORG_QUEUE}details/?id={pending_units.foreign.id}").status_code == 404


def test_approved_unit_logs_in_and_rejected_unit_sees_the_reason(auth, client, unit, pending_units):
    auth.login(unit.admin)
    assert "已通过 1 条" in text(act(auth, ORG_QUEUE, "approve", [pending_units.a.id]))
    r = act(auth, ORG_QUEUE, "reject", [pending_units.b.id, pending_units.foreign.id], reason="单位名称与执照不符")
    assert "已驳回 1 条" in text(r) and "不存在或不在管理范围内 1 条" in text(r)
    assert status(Organization, pending_units.a.id) == "approved"
    assert status(Organization, pending_units.foreign.id) == "pending"
    recs = records("org")
    assert {(rec.subject_name, rec.decision) for rec in recs} == {("新注册单位甲", "approved"),
                                                                 ("新注册分公司乙", "rejected")}
    auth.logout()
    assert auth.login(pending_units.admin_a).headers["Location"].endswith("/admin/")
    auth.logout()
    assert "单位名称与执照不符" in text(auth.login(pending_units.admin_b))


def test_the_superiors_superior_may_review_too(auth, client, unit, pending_units):
    province_admin = make_admin(unit.province, "省管理员")
    auth.login(province_admin, user_type="supervisor")
    r = act(auth, ORG_QUEUE, "approve", [pending_units.a.id, pending_units.foreign.id])
    assert "已通过 2 条" in text(r)
    assert {rec.org_id for rec in records("org")} == {unit.province.id}


# -- 已审核 --------------------------------------------------------------------------------------------
def test_review_records_tab_details_and_deletion(auth, client, unit, pending):
    auth.login(unit.admin)
    act(auth, PERSON_QUEUE, "reject", [pending.a.id, pending.b.id], reason="请补充学历信息")
    done = text(client.get("/admin/person_registration_done/"))
    assert "待审甲" in done and "请补充学历信息" in done and "驳回" in done and "王管理" in done
    rec_a, rec_b = sorted((rec.id for rec in records()))
    details = text(client.get(f"/admin/person_registration_done/details/?id={rec_a}"))
    assert "当前状态：已驳回" in details and pending.a.id_number in details
    r = auth.post("/admin/person_registration_done/action/", {
        "action": "delete", "rowid": [str(rec_a)], "url": "/admin/person_registration_done/"},
        form_url="/admin/person_registration_done/", follow_redirects=True)
    assert "已删除 1 条" in text(r)
    r = auth.post("/admin/person_registration_done/delete/", {"id": str(rec_b)},
                  form_url=f"/admin/person_registration_done/details/?id={rec_b}", follow_redirects=True)
    assert r.status_code == 200
    assert not records()
    assert status(Person, pending.a.id) == "rejected"  # the record only, never the person
    deleted = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "review_record",
                                                          AuditEntry.action == "delete")).all()
    assert {e.entity_id for e in deleted} == {str(rec_a), str(rec_b)}


def test_review_records_of_other_units_cannot_be_deleted(auth, client, unit, pending):
    auth.login(unit.admin)
    act(auth, PERSON_QUEUE, "approve", [pending.a.id])
    auth.logout()
    auth.login(unit.other_admin)
    rec = records()[0]
    assert "待审甲" not in text(client.get("/admin/person_registration_done/"))
    r = auth.post("/admin/person_registration_done/action/", {
        "action": "delete", "rowid": [str(rec.id)], "url": "/admin/person_registration_done/"},
        form_url="/admin/person_registration_done/", follow_redirects=True)
    assert "已删除 0 条" in text(r)
    assert len(records()) == 1


# -- 待办事项 ------------------------------------------------------------------------------------------
def test_dashboard_counts_each_queue_the_role_may_act_on(auth, client, unit, pending, pending_units):
    auth.login(unit.admin)
    counts = {q["key"]: q for q in client.get("/admin/todo.json").get_json()["queues"]}
    assert counts["person_registration"]["count"] == 2 and counts["org_registration"]["count"] == 2
    assert counts["person_change"]["count"] == 0
    assert counts["person_registration"]["url"] == PERSON_QUEUE
    page = text(client.get("/admin/"))
    assert "专技人员注册审核" in page and 'href="/admin/person_registration/"' in page
    assert re.search(r'data-key="person_change".*?<div class="count">0</div>', page, re.S)
    auth.logout()
    role = make_role(unit.employer, "人员审核", codes=["review.person_registration"])
    reviewer = make_admin(unit.employer, "审核员", is_super=False, role=role)
    auth.login(reviewer)
    keys = [q["key"] for q in client.get("/admin/todo.json").get_json()["queues"]]
    assert "person_registration" in keys and "org_registration" not in keys and "person_change" not in keys


def test_dashboard_shows_each_org_kind_the_queues_it_acts_on(auth, client, unit):
    """A training base has none of the registration, change or transfer queues: its super admin sees no card."""
    base = make_org("山东省继续教育基地", kind="base", parent=unit.province)
    auth.login(make_admin(base, "基地管理员"), user_type="base")
    assert client.get("/admin/todo.json").get_json()["queues"] == []
    assert "暂无待办事项" in text(client.get("/admin/"))
    auth.logout()
    auth.login(unit.admin)
    from models.queues import QUEUES  # every queue a unit has (学时审核 and others join it)
    assert len(client.get("/admin/todo.json").get_json()["queues"]) == sum("employer" in q.kinds for q in QUEUES)


def test_dashboard_counts_come_from_one_statement(auth, client, unit, pending, pending_units):
    auth.login(unit.admin)
    client.get("/admin/todo.json")
    with count_queries() as statements:
        client.get("/admin/todo.json")
    counting = [s for s in statements if "count(" in s.lower()]
    assert len(counting) == 1, counting


def test_dashboard_count_follows_decisions(auth, client, unit, pending):
    auth.login(unit.admin)
    count = lambda: {q["key"]: q["count"] for q in client.get("/admin/todo.json").get_json()["queues"]}
    assert count()["person_registration"] == 2
    act(auth, PERSON_QUEUE, "approve", [pending.a.id])
    assert count()["person_registration"] == 1


# -- constant queries -------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [PERSON_QUEUE, ORG_QUEUE, "/admin/person_registration_done/",
                                 "/admin/org_registration_done/"])
def test_queue_pages_run_a_constant_number_of_queries(auth, client, unit, url):
    reviewer = make_account("审核人")

    def grow(n, start):
        for i in range(start, start + n):
            dept = make_department(unit.branch, f"部门{i}")
            p = make_person(unit.branch if i % 2 else unit.employer, f"人员{i}", status="pending", department=dept)
            o = make_org(f"新单位{i}", parent=unit.branch if i % 2 else unit.employer, status="pending")
            for target_type, target in (("person", p), ("org", o)):
                db.session.add(ReviewRecord(target_type=target_type, target_id=target.id, org_id=o.parent_id,
                                            subject_name=target.name, decision="approved",
                                            reviewer_id=reviewer.id, reviewer_name="审核人"))
        db.session.commit()

    auth.login(unit.admin)
    grow(5, 0)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    grow(15, 5)
    with count_queries() as many:
        page = client.get(url)
    assert page.status_code == 200 and text(page).count('name="rowid"') == 20
    assert len(many) == len(few), many
