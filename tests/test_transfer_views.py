"""人员调转 pages (F17–F20): every page and bulk action, from the right side, the wrong side and too late."""
from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Person, Transfer, db
from models import transfer as tr

from .helpers import make_department, make_org, make_person

TODAY = date(2026, 11, 28)
OUT, OUT_REVIEW, IN_REVIEW = "/admin/transfer_out/", "/admin/transfer_out_review/", "/admin/transfer_in_review/"
RECORDS_IN, RECORDS_OUT = "/admin/transfer_records/", "/admin/transfer_records_out/"


@pytest.fixture
def two(unit):
    """李四 at the employer's branch (unit A's subtree); unit B = unit.other with its department 生产部."""
    unit.dept = make_department(unit.employer, "研发部")
    unit.person = make_person(unit.branch, "李四", department=unit.dept)
    unit.target_dept = make_department(unit.other, "生产部")
    unit.out_actor = tr.Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id)
    unit.in_actor = tr.Actor(unit.other_admin.id, "赵管理", unit.other.id, unit.other.id)
    return unit


def start(two, person=None):
    t = tr.start(person or two.person, two.other, "工作调动", TODAY, two.out_actor)
    db.session.commit()
    return t


def approved_out(two, person=None):
    t = start(two, person)
    tr.approve_out(t.id, two.out_actor)
    db.session.commit()
    return t


def status(t):
    return db.session.scalar(select(Transfer.status).where(Transfer.id == t.id))


def audits():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def act(auth, url, action, ids, **extra):
    return auth.post(url + "action/", {"action": action, "rowid": [str(i) for i in ids], "url": url, **extra},
                     form_url=url, follow_redirects=True)


# -- 人员调出 ------------------------------------------------------------------------------------------
def test_person_search_is_scoped_and_capped(client, auth, two):
    make_person(two.other, "李四乙")
    for i in range(25):
        make_person(two.employer, f"李同事{i:02d}")
    auth.login(two.admin)
    rows = client.get(OUT + "persons.json?query=李").get_json()
    assert len(rows) == 20
    names = " ".join(text for _, text in client.get(OUT + "persons.json?query=李四").get_json())
    assert "李四（" in names and "李四乙" not in names
    assert client.get(OUT + "persons.json?query=").get_json() == []


def test_person_details_fill_in_only_inside_the_subtree(client, auth, two):
    stranger = make_person(two.other, "外单位人员")
    auth.login(two.admin)
    data = client.get(f"{OUT}person.json?id={two.person.id}").get_json()
    assert data["name"] == "李四" and data["department"] == "研发部" and data["org"] == two.branch.name
    assert "*" in data["id_number"] and data["active_transfer"] == ""
    assert client.get(f"{OUT}person.json?id={stranger.id}").status_code == 404
    assert client.get(f"{OUT}person.json?id=abc").status_code == 404


def test_target_search_shows_name_uscc_region_and_nothing_else(client, auth, two):
    auth.login(two.admin)
    rows = client.get(OUT + "targets.json?query=青岛").get_json()
    assert rows == [[two.other.id, f"青岛其他制造有限公司（{two.other.uscc}，济南市）"]]
    body = client.get(OUT + "targets.json?query=青岛").get_data(as_text=True)
    for private in (two.other.contact_phone, two.other.contact_email, "联系人"):
        assert private not in body


def test_admin_starts_a_transfer(client, auth, two):
    auth.login(two.admin)
    page = client.get(OUT + "new/")
    assert page.status_code == 200 and "发起调出" in page.get_data(as_text=True)
    r = auth.post(OUT + "new/", {"person_id": two.person.id, "to_org_id": two.other.id, "reason": "工作调动",
                                 "transfer_date": "2026-11-28"}, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "已发起李四的调出申请" in body and "待调出审核" in body
    t = db.session.scalar(select(Transfer))
    assert (t.status, t.initiated_via, t.initiated_by_name, t.transfer_date) == ("pending_out", "unit", "王管理", TODAY)


@pytest.mark.parametrize("change, message", [
    ({"reason": ""}, "请填写调转原因"),
    ({"transfer_date": "2026/13/40"}, "请按 2018-06-30 的格式填写调转日期"),
    ({"to_org_id": ""}, "请搜索并选择调入单位"),
    ({"to_org_id": "own"}, "调入单位不能是该人员当前所在单位"),
    ({"to_org_id": "supervisor"}, "调入单位必须是已审核通过的用人单位"),
    ({"person_id": "stranger"}, "请选择本单位（含下属单位）已审核通过的人员"),
    ({"person_id": ""}, "请搜索并选择调出人员"),
])
def test_bad_input_is_refused_next_to_the_field(client, auth, two, change, message):
    stranger = make_person(two.other, "外单位人员")
    data = {"person_id": two.person.id, "to_org_id": two.other.id, "reason": "工作调动", "transfer_date": "2026-11-28"}
    data.update(change)
    data["to_org_id"] = {"own": two.branch.id, "supervisor": two.city.id}.get(data["to_org_id"], data["to_org_id"])
    data["person_id"] = stranger.id if data["person_id"] == "stranger" else data["person_id"]
    auth.login(two.admin)
    before = audits()
    r = auth.post(OUT + "new/", data)
    assert r.status_code == 200
    assert message in r.get_data(as_text=True)
    assert 'class="invalid-feedback field-error">' + message in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0 and audits() == before


def test_a_second_transfer_for_the_same_person_is_refused(client, auth, two):
    start(two)
    auth.login(two.admin)
    r = auth.post(OUT + "new/", {"person_id": two.person.id, "to_org_id": make_org("第三单位").id,
                                 "reason": "再调", "transfer_date": "2026-11-28"})
    assert "该人员已有进行中的调转" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1


def test_the_out_list_shows_active_transfers_and_cancels_them(client, auth, two):
    t = start(two)
    auth.login(two.admin)
    assert "李四" in client.get(OUT).get_data(as_text=True)
    r = act(auth, OUT, "cancel", [t.id])
    assert "已撤销 1 条" in r.get_data(as_text=True)
    assert status(t) == "cancelled"
    assert "李四" not in client.get(OUT).get_data(as_text=True).split("model-list")[-1]


def test_another_unit_cannot_cancel_or_see_our_transfers(client, auth, two):
    t = start(two)
    auth.login(two.other_admin)
    assert "李四" not in client.get(OUT).get_data(as_text=True)
    before = audits()
    r = act(auth, OUT, "cancel", [t.id])
    assert "已被他人处理或不在管理范围内" in r.get_data(as_text=True)
    assert status(t) == "pending_out" and audits() == before
    assert client.get(f"{OUT}details/?id={t.id}").status_code == 404


# -- 人员调出审核 -----------------------------------------------------------------------------------------
def test_out_review_approves_in_bulk(client, auth, two):
    others = [make_person(two.employer, f"员工{i}") for i in range(2)]
    ts = [start(two)] + [start(two, p) for p in others]
    auth.login(two.admin)
    body = client.get(OUT_REVIEW).get_data(as_text=True)
    assert all(name in body for name in ("李四", "员工0", "员工1"))
    r = act(auth, OUT_REVIEW, "approve_out", [t.id for t in ts])
    assert "已通过 3 条" in r.get_data(as_text=True)
    assert [status(t) for t in ts] == ["pending_in"] * 3
    assert db.session.get(Transfer, ts[0].id).out_reviewer_name == "王管理"


def test_out_review_rejects_only_with_a_reason(client, auth, two):
    t = start(two)
    auth.login(two.admin)
    before = audits()
    r = act(auth, OUT_REVIEW, "reject_out", [t.id], reason="")
    assert "驳回时必须填写驳回原因" in r.get_data(as_text=True)
    assert status(t) == "pending_out" and audits() == before
    r = act(auth, OUT_REVIEW, "reject_out", [t.id], reason="交接未完成")
    assert "已驳回 1 条" in r.get_data(as_text=True)
    assert status(t) == "rejected" and db.session.get(Transfer, t.id).reject_reason == "交接未完成"


def test_out_review_from_the_details_page(client, auth, two):
    t = start(two)
    auth.login(two.admin)
    page = client.get(f"{OUT_REVIEW}details/?id={t.id}").get_data(as_text=True)
    assert "发起调转" in page and "王管理（单位发起）" in page and 'value="approve_out"' in page
    act(auth, OUT_REVIEW, "approve_out", [t.id])
    assert status(t) == "pending_in"


def test_out_review_refuses_the_wrong_state_and_the_wrong_unit(client, auth, two):
    t = approved_out(two)
    auth.login(two.admin)
    before = audits()
    r = act(auth, OUT_REVIEW, "reject_out", [t.id], reason="太晚了")
    assert "另有 1 条已被他人处理或不在管理范围内" in r.get_data(as_text=True)
    assert status(t) == "pending_in" and audits() == before

    t2 = start(two, make_person(two.employer, "王五"))
    auth.logout()
    auth.login(two.other_admin)
    assert "王五" not in client.get(OUT_REVIEW).get_data(as_text=True)
    before = audits()
    act(auth, OUT_REVIEW, "approve_out", [t2.id])
    assert status(t2) == "pending_out" and audits() == before


# -- 人员调入审核 -----------------------------------------------------------------------------------------
def test_the_target_unit_sees_it_only_after_the_out_review(client, auth, two):
    t = start(two)
    auth.login(two.other_admin)
    assert "李四" not in client.get(IN_REVIEW).get_data(as_text=True)
    assert "李四" not in client.get(RECORDS_IN).get_data(as_text=True)
    assert client.get(f"{RECORDS_IN}details/?id={t.id}").status_code == 404
    tr.approve_out(t.id, two.out_actor)
    db.session.commit()
    assert "李四" in client.get(IN_REVIEW).get_data(as_text=True)
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert 'data-key="transfer_in_review"' in dashboard


def test_confirm_with_a_department_moves_the_person(client, auth, two):
    t = approved_out(two)
    make_department(two.employer, "甲单位部门")
    auth.login(two.other_admin)
    page = client.get(f"{IN_REVIEW}confirm/?id={t.id}").get_data(as_text=True)
    assert "生产部" in page and "甲单位部门" not in page and "研发部" not in page
    r = auth.post(f"{IN_REVIEW}confirm/?id={t.id}", {"department_id": str(two.target_dept.id), "note": "欢迎"},
                  follow_redirects=True)
    assert "已确认调转，李四已调入青岛其他制造有限公司" in r.get_data(as_text=True)
    person = db.session.get(Person, two.person.id)
    assert (person.org_id, person.department_id) == (two.other.id, two.target_dept.id)
    assert status(t) == "completed"


def test_confirm_refuses_another_units_department_and_changes_nothing(client, auth, two):
    t = approved_out(two)
    auth.login(two.other_admin)
    before = audits()
    r = auth.post(f"{IN_REVIEW}confirm/?id={t.id}", {"department_id": str(two.dept.id)})
    assert "所选部门不属于调入单位，请重新选择" in r.get_data(as_text=True)
    assert status(t) == "pending_in" and audits() == before
    assert db.session.get(Person, two.person.id).org_id == two.branch.id


def test_confirm_of_a_decided_transfer_says_so(client, auth, two):
    t = approved_out(two)
    auth.login(two.other_admin)
    form_page = f"{IN_REVIEW}confirm/?id={t.id}"
    token_page = client.get(form_page)
    assert token_page.status_code == 200
    tr.reject_in(t.id, two.in_actor, "已招满")
    db.session.commit()
    before = audits()
    r = auth.post(form_page, {"department_id": ""}, form_url=IN_REVIEW, follow_redirects=True)
    assert tr.STALE in r.get_data(as_text=True)
    assert status(t) == "rejected" and audits() == before


def test_the_out_unit_cannot_confirm(client, auth, two):
    t = approved_out(two)
    auth.login(two.admin)
    assert client.get(f"{IN_REVIEW}confirm/?id={t.id}").status_code == 404
    r = auth.post(f"{IN_REVIEW}confirm/?id={t.id}", {"department_id": ""}, form_url=IN_REVIEW)
    assert r.status_code == 404
    act(auth, IN_REVIEW, "confirm_in", [t.id])
    act(auth, IN_REVIEW, "reject_in", [t.id], reason="越权")
    assert status(t) == "pending_in"


def test_in_review_bulk_confirm_and_reject(client, auth, two):
    ts = [approved_out(two)] + [approved_out(two, make_person(two.employer, f"员工{i}")) for i in range(2)]
    auth.login(two.other_admin)
    r = act(auth, IN_REVIEW, "reject_in", [ts[2].id], reason="岗位已满")
    assert "已驳回 1 条" in r.get_data(as_text=True)
    r = act(auth, IN_REVIEW, "confirm_in", [t.id for t in ts])
    body = r.get_data(as_text=True)
    assert "已确认调转 2 条" in body and "另有 1 条已被他人处理或不在管理范围内" in body
    moved = db.session.scalars(select(Person).where(Person.org_id == two.other.id)).all()
    assert sorted(p.name for p in moved) == ["员工0", "李四"] and all(p.department_id is None for p in moved)


# -- 调转记录 -------------------------------------------------------------------------------------------
def test_records_show_both_directions_with_every_step(client, auth, two):
    t = approved_out(two)
    tr.confirm_in(t.id, two.in_actor, two.target_dept.id, "欢迎")
    db.session.commit()
    rejected = start(two, make_person(two.employer, "王五"))
    tr.reject_out(rejected.id, two.out_actor, "不同意")
    db.session.commit()

    auth.login(two.admin)
    out_list = client.get(RECORDS_OUT).get_data(as_text=True)
    assert "李四" in out_list and "王五" in out_list and "已完成" in out_list and "已驳回" in out_list
    assert "李四" not in client.get(RECORDS_IN).get_data(as_text=True)
    details = client.get(f"{RECORDS_OUT}details/?id={t.id}").get_data(as_text=True)
    for text in ("发起调转", "人员调出审核", "人员调入审核", "确认调转", "赵管理", "欢迎", "生产部", "工作调动"):
        assert text in details, text
    # the person has left: unit A keeps the record but no longer opens the person
    assert client.get(f"/admin/staff/details/?id={two.person.id}").status_code == 404

    auth.logout()
    auth.login(two.other_admin)
    in_list = client.get(RECORDS_IN).get_data(as_text=True)
    assert "李四" in in_list and "王五" not in in_list
    assert client.get(f"{RECORDS_IN}details/?id={rejected.id}").status_code == 404
    assert client.get(f"/admin/staff/details/?id={two.person.id}").status_code == 200


def test_a_third_unit_sees_no_records(client, auth, two):
    t = approved_out(two)
    third = make_org("第三单位")
    from .helpers import make_admin
    auth.login(make_admin(third, "钱管理"))
    for url in (OUT, OUT_REVIEW, IN_REVIEW, RECORDS_IN, RECORDS_OUT):
        assert "李四" not in client.get(url).get_data(as_text=True), url
        assert client.get(f"{url}details/?id={t.id}").status_code == 404, url


def test_list_pages_do_not_grow_with_rows(client, auth, two):
    from .querycount import count_queries

    approved_out(two)
    auth.login(two.other_admin)

    def queries(url):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = {url: queries(url) for url in (IN_REVIEW, RECORDS_IN)}
    for i in range(6):
        approved_out(two, make_person(two.employer, f"员工{i}", department=two.dept))
    assert {url: queries(url) for url in few} == few


# -- 个人自助 · 调转申请 -------------------------------------------------------------------------------------
def test_a_person_applies_follows_and_withdraws(client, auth, two):
    auth.login(two.person.account, user_type="person")
    page = client.get("/me/transfer")
    assert page.status_code == 200 and "提交调转申请" in page.get_data(as_text=True)
    found = client.get("/me/transfer/targets.json?q=青岛").get_json()
    assert found == [{"id": two.other.id, "name": "青岛其他制造有限公司", "uscc": two.other.uscc, "region": "济南市"}]
    r = auth.post("/me/transfer", {"to_org_id": str(two.other.id), "reason": "家庭原因", "transfer_date": "2026-12-01"},
                  follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "调转申请已提交" in body and "待调出审核" in body and "撤销申请" in body
    t = db.session.scalar(select(Transfer))
    assert (t.initiated_via, t.initiated_by_name, t.reason) == ("self", "李四", "家庭原因")
    r = auth.post(f"/me/transfer/{t.id}/cancel", form_url="/me/transfer", follow_redirects=True)
    assert "调转申请已撤销" in r.get_data(as_text=True) and status(t) == "cancelled"


def test_a_person_gets_messages_and_cannot_touch_others(client, auth, two):
    auth.login(two.person.account, user_type="person")
    r = auth.post("/me/transfer", {"to_org_id": str(two.branch.id), "reason": "", "transfer_date": "2026-12-01"})
    body = r.get_data(as_text=True)
    assert "请填写调转原因" in body
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0
    r = auth.post("/me/transfer", {"to_org_id": str(two.branch.id), "reason": "x", "transfer_date": "2026-12-01"})
    assert "调入单位不能是该人员当前所在单位" in r.get_data(as_text=True)

    unit_started = start(two)
    other = start(two, make_person(two.employer, "王五"))
    for t in (unit_started, other):
        r = auth.post(f"/me/transfer/{t.id}/cancel", form_url="/me/transfer", follow_redirects=True)
        assert status(t) == "pending_out"
    assert "只有发起方可以撤销该调转" in r.get_data(as_text=True) or "不存在" in r.get_data(as_text=True)
    page = client.get("/me/transfer").get_data(as_text=True)
    assert "这条调转由单位发起" in page and "王五" not in page


def test_admins_cannot_use_the_person_pages(client, auth, two):
    auth.login(two.admin)
    assert client.get("/me/transfer").status_code == 403
    assert client.get("/me/transfer/targets.json?q=青岛").status_code == 403
