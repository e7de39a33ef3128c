"""账户管理 · 基本信息管理 (F8), 管理内设部门 (F9) and 下属机构管理 (F12b) over HTTP."""
from sqlalchemy import func, select

from models import AuditEntry, ChangeRequest, Department, Organization, OrgClosure, db
from models.login import ORG_DISABLED
from models.org_change import apply_org_change, describe_changes

from .conftest import Auth
from .helpers import make_admin, make_department, make_org, make_person, make_role

BASIC = {"name": "济南示范科技有限公司", "nature": "民营企业", "industry": "制造业", "region": "济南市",
         "address": "济南市历下区经十路1号", "contact_name": "联系人", "contact_phone": "13800000000",
         "contact_email": ""}


def _basic(org, **changes):
    data = dict(BASIC, uscc=org.uscc, contact_email=org.contact_email)
    data.update(changes)
    return data


def _text(response):
    return response.get_data(as_text=True)


def _requests(org):
    db.session.expire_all()
    return db.session.scalars(select(ChangeRequest).where(ChangeRequest.target_type == "org",
                                                          ChangeRequest.target_id == org.id)).all()


def _prepare_basic(org):
    """The test tree has no 单位性质/所属行业; fill them so a diff shows only what a test changes."""
    org.nature, org.industry, org.address = BASIC["nature"], BASIC["industry"], BASIC["address"]
    db.session.commit()


# -- F8 基本信息管理 ---------------------------------------------------------------------------------------
def test_unit_info_shows_the_unit_and_an_empty_history(auth, client, unit):
    auth.login(unit.admin)
    page = _text(client.get("/admin/unit_info/"))
    assert "济南示范科技有限公司" in page and unit.employer.uscc in page
    assert "山东省人力资源和社会保障厅 / 济南市人力资源和社会保障局 / 济南示范科技有限公司" in page
    assert "暂无变更记录" in page


def test_editing_basic_info_files_a_request_for_the_superior(auth, client, unit):
    _prepare_basic(unit.employer)
    auth.login(unit.admin)
    r = auth.post("/admin/unit_info/edit", _basic(unit.employer, address="济南市高新区新泺大街2号",
                                                  contact_phone="0531-88886666"))
    assert r.status_code == 302
    [request] = _requests(unit.employer)
    assert request.status == "pending" and request.org_id == unit.city.id
    assert request.changes == {"address": {"before": "济南市历下区经十路1号", "after": "济南市高新区新泺大街2号"},
                               "contact_phone": {"before": "13800000000", "after": "0531-88886666"}}
    assert request.requested_by_id == unit.admin.id
    db.session.expire_all()
    assert db.session.get(Organization, unit.employer.id).address == "济南市历下区经十路1号"  # not applied yet
    page = _text(client.get("/admin/unit_info/"))
    assert "待审核的变更申请" in page and "济南市高新区新泺大街2号" in page and "待审核" in page
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "change_request")).all()
    assert [a.action for a in audit] == ["create"] and audit[0].actor_name == "王管理"


def test_a_second_request_is_refused_while_one_is_pending(auth, client, unit):
    _prepare_basic(unit.employer)
    auth.login(unit.admin)
    auth.post("/admin/unit_info/edit", _basic(unit.employer, address="新地址一"))
    r = auth.post("/admin/unit_info/edit", _basic(unit.employer, address="新地址二"), follow_redirects=True)
    assert "本单位已有一条待审核的变更申请" in _text(r)
    r = auth.post("/admin/unit_info/superior", {"superior_id": unit.other.id}, form_url="/admin/unit_info/",
                  follow_redirects=True)
    assert "本单位已有一条待审核的变更申请" in _text(r)
    assert [r.changes["address"]["after"] for r in _requests(unit.employer)] == ["新地址一"]


def test_bad_basic_info_is_refused_next_to_the_field(auth, client, unit):
    _prepare_basic(unit.employer)
    auth.login(unit.admin)
    r = auth.post("/admin/unit_info/edit", _basic(unit.employer, uscc="91370100000000000X", contact_phone="123"))
    page = _text(r)
    assert r.status_code == 200 and "统一社会信用代码" in page and "请输入有效的手机号或固定电话" in page
    r = auth.post("/admin/unit_info/edit", _basic(unit.employer, uscc=unit.other.uscc))
    assert "该统一社会信用代码已被其他单位使用" in _text(r)
    r = auth.post("/admin/unit_info/edit", _basic(unit.employer), follow_redirects=True)
    assert "没有修改任何内容" in _text(r)
    assert _requests(unit.employer) == []


def test_a_unit_without_superior_edits_directly(auth, client, unit):
    _prepare_basic(unit.province)
    province_admin = make_admin(unit.province, "省管理")
    auth.login(province_admin, user_type="supervisor")
    r = auth.post("/admin/unit_info/edit", _basic(unit.province, name="山东省人力资源和社会保障厅",
                                                  address="济南市市中区"), follow_redirects=True)
    assert "修改已生效" in _text(r)
    db.session.expire_all()
    assert db.session.get(Organization, unit.province.id).address == "济南市市中区"
    assert _requests(unit.province) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "organization",
                                                       AuditEntry.action == "update").order_by(AuditEntry.id.desc()))
    assert entry.changes == {"address": {"before": "济南市历下区经十路1号", "after": "济南市市中区"}}
    assert entry.reason == "无上级部门，修改直接生效" and entry.actor_name == "省管理"


def test_change_of_superior_is_reviewed_by_the_new_superior(auth, client, unit):
    auth.login(unit.admin)
    found = client.get("/admin/unit_info/superiors.json?query=青岛").get_json()
    assert found == [[unit.other.id, "青岛其他制造有限公司（济南市）"]]
    assert client.get("/admin/unit_info/superiors.json?query=济南示范").get_json() == []  # own subtree
    assert client.get("/admin/unit_info/superiors.json").get_json() == []
    r = auth.post("/admin/unit_info/superior", {"superior_id": unit.other.id})
    assert r.status_code == 302
    [request] = _requests(unit.employer)
    assert request.org_id == unit.other.id
    assert request.changes == {"parent_id": {"before": unit.city.id, "after": unit.other.id}}
    assert describe_changes(request.changes) == [{"field": "parent_id", "label": "上级部门",
                                                  "before": "济南市人力资源和社会保障局",
                                                  "after": "青岛其他制造有限公司"}]
    page = _text(client.get("/admin/unit_info/"))
    assert "由青岛其他制造有限公司审核" in page


def test_change_of_superior_refusals(auth, client, unit):
    pending_org = make_org("待审核单位", status="pending", parent=unit.province)
    auth.login(unit.admin)
    for target, message in [(unit.branch.id, "不能选择本单位或本单位的下属单位作为上级部门"),
                            (unit.employer.id, "不能选择本单位或本单位的下属单位作为上级部门"),
                            (unit.city.id, "所选单位已是本单位的上级部门"),
                            (pending_org.id, "请选择已审核通过的上级部门"),
                            (999999, "请选择已审核通过的上级部门"),
                            ("abc", "请选择新的上级部门")]:
        r = auth.post("/admin/unit_info/superior", {"superior_id": target})
        assert r.status_code == 200 and message in _text(r), target
    assert _requests(unit.employer) == []


def test_apply_org_change_sets_fields_and_moves_the_subtree(auth, client, unit):
    _prepare_basic(unit.employer)
    auth.login(unit.admin)
    auth.post("/admin/unit_info/superior", {"superior_id": unit.other.id})
    [request] = _requests(unit.employer)
    apply_org_change(request)
    request.status = "approved"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Organization, unit.employer.id).parent_id == unit.other.id
    ancestors = set(db.session.scalars(select(OrgClosure.ancestor_id).where(OrgClosure.descendant_id == unit.branch.id)))
    assert ancestors == {unit.branch.id, unit.employer.id, unit.other.id, unit.province.id}

    auth.post("/admin/unit_info/edit", _basic(unit.employer, address="新址"))
    request = [r for r in _requests(unit.employer) if r.status == "pending"][0]
    assert request.org_id == unit.other.id  # the superior now reviews
    apply_org_change(request)
    db.session.commit()
    assert db.session.get(Organization, unit.employer.id).address == "新址"


def test_apply_org_change_refuses_a_stale_request(auth, client, unit):
    _prepare_basic(unit.employer)
    auth.login(unit.admin)
    auth.post("/admin/unit_info/edit", _basic(unit.employer, address="申请的新地址"))
    [request] = _requests(unit.employer)
    unit.employer.address = "客服更正的地址"
    db.session.commit()
    try:
        apply_org_change(request)
    except ValueError as e:
        assert "已被修改" in str(e)
    else:
        raise AssertionError("a stale request must not apply")
    assert db.session.get(Organization, unit.employer.id).address == "客服更正的地址"


def test_history_lists_decided_requests_with_reviewer(auth, client, unit):
    _prepare_basic(unit.employer)
    reviewer = make_admin(unit.city, "市局审核员")
    db.session.add(ChangeRequest(target_type="org", target_id=unit.employer.id, org_id=unit.city.id,
                                 subject_name="济南示范科技有限公司", status="rejected", reason="地址不实",
                                 changes={"address": {"before": "旧", "after": "不实的地址"}},
                                 requested_by_id=unit.admin.id, reviewed_by_id=reviewer.id))
    db.session.commit()
    auth.login(unit.admin)
    page = _text(client.get("/admin/unit_info/"))
    assert "不实的地址" in page and "已驳回" in page and "市局审核员" in page and "地址不实" in page
    assert "待审核的变更申请" not in page


# -- F9 管理内设部门 ----------------------------------------------------------------------------------------
def test_departments_list_add_rename_unique(auth, client, unit):
    office = make_department(unit.employer, "办公室")
    make_person(unit.employer, "甲", department=office)
    make_department(unit.branch, "分公司财务部")
    auth.login(unit.admin)
    page = _text(client.get("/admin/departments/"))
    assert "办公室" in page and "分公司财务部" not in page  # own unit only, not the subtree

    r = auth.post("/admin/departments/new/", {"name": " 财务部 "})
    assert r.status_code == 302
    dept = db.session.scalar(select(Department).where(Department.name == "财务部"))
    assert dept.org_id == unit.employer.id

    r = auth.post("/admin/departments/new/", {"name": "办公室"})
    assert "本单位已有同名部门" in _text(r)
    r = auth.post(f"/admin/departments/edit/?id={dept.id}", {"name": "办公室"})
    assert "本单位已有同名部门" in _text(r)
    r = auth.post(f"/admin/departments/edit/?id={dept.id}", {"name": "计划财务部"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Department, dept.id).name == "计划财务部"
    assert db.session.scalar(select(func.count()).where(Department.org_id == unit.employer.id)) == 2
    r = auth.post("/admin/departments/new/", {"name": "分公司财务部"})  # another unit's name is free here
    assert r.status_code == 302
    renames = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "department",
                                                          AuditEntry.action == "update")).all()
    assert renames[0].changes == {"name": {"before": "财务部", "after": "计划财务部"}}


def test_deleting_a_department_with_people_is_refused_naming_how_many(auth, client, unit):
    office = make_department(unit.employer, "办公室")
    empty = make_department(unit.employer, "空部门")
    make_person(unit.employer, "甲", department=office)
    make_person(unit.employer, "乙", department=office)
    auth.login(unit.admin)
    r = auth.post("/admin/departments/delete/", {"id": office.id, "url": "/admin/departments/"},
                  form_url="/admin/departments/", follow_redirects=True)
    assert "该部门下还有 2 名人员" in _text(r)
    assert db.session.get(Department, office.id) is not None
    empty_id = empty.id
    r = auth.post("/admin/departments/delete/", {"id": empty_id}, form_url="/admin/departments/")
    db.session.expire_all()
    assert db.session.get(Department, empty_id) is None
    assert db.session.scalar(select(func.count()).where(AuditEntry.entity == "department",
                                                        AuditEntry.action == "delete")) == 1


def test_another_units_department_is_not_found(auth, client, unit):
    foreign = make_department(unit.other, "外单位部门")
    branch_dept = make_department(unit.branch, "分公司部门")
    auth.login(unit.admin)
    for dept in (foreign, branch_dept):
        assert client.get(f"/admin/departments/edit/?id={dept.id}").status_code == 404
        r = auth.post(f"/admin/departments/edit/?id={dept.id}", {"name": "改名"}, form_url="/admin/departments/")
        assert r.status_code == 404
        auth.post("/admin/departments/delete/", {"id": dept.id}, form_url="/admin/departments/")
    db.session.expire_all()
    assert {d.name for d in db.session.scalars(select(Department))} == {"外单位部门", "分公司部门"}


# -- F12b 下属机构管理 --------------------------------------------------------------------------------------
def test_subordinates_list_filters_and_tree_path(auth, client, unit):
    city_admin = make_admin(unit.city, "市局管理", is_super=True)
    make_org("济南继续教育基地", kind="base", parent=unit.city)
    make_org("济南待审核单位", parent=unit.city, status="pending")
    auth.login(city_admin, user_type="supervisor")
    page = _text(client.get("/admin/subordinates/"))
    assert "济南示范科技有限公司历下分公司" in page and "济南继续教育基地" in page
    assert "青岛其他制造有限公司" not in page and "山东省人力资源和社会保障厅" not in page
    assert "济南市人力资源和社会保障局 / 济南示范科技有限公司 / 济南示范科技有限公司历下分公司" in page
    # Filters are declared in order: name, uscc, kind (2), status (3), region (4).
    page = _text(client.get("/admin/subordinates/?flt0_2=base"))
    assert "济南继续教育基地" in page and "济南示范科技有限公司历下分公司" not in page
    page = _text(client.get("/admin/subordinates/?flt0_3=pending"))
    assert "济南待审核单位" in page and "济南继续教育基地" not in page
    page = _text(client.get("/admin/subordinates/?search=济南示范科技有限公司历下"))  # the search is a prefix
    assert "济南示范科技有限公司历下分公司" in page and "济南继续教育基地" not in page
    page = _text(client.get(f"/admin/subordinates/?search={unit.branch.uscc}"))
    assert "济南示范科技有限公司历下分公司" in page and "济南继续教育基地" not in page


def test_subordinate_details_show_its_admins(auth, client, unit):
    branch_admin = make_admin(unit.branch, "分公司管理")
    auth.login(unit.admin)
    page = _text(client.get(f"/admin/subordinates/details/?id={unit.branch.id}"))
    assert "分公司管理" in page and "超级管理员" in page and branch_admin.id_number not in page  # masked
    assert client.get(f"/admin/subordinates/details/?id={unit.other.id}").status_code == 404
    assert client.get(f"/admin/subordinates/details/?id={unit.employer.id}").status_code == 404  # not its own


def _subordinate_form(org, **changes):
    data = dict(BASIC, name=org.name, uscc=org.uscc, contact_email=org.contact_email, change_reason="")
    data.update(changes)
    return data


def test_editing_a_subordinate_needs_a_reason_and_is_audited(auth, client, unit):
    auth.login(unit.admin)
    url = f"/admin/subordinates/edit/?id={unit.branch.id}"
    r = auth.post(url, _subordinate_form(unit.branch, address="新地址"))
    assert r.status_code == 200 and "请填写修改原因" in _text(r)
    r = auth.post(url, _subordinate_form(unit.branch, uscc=unit.other.uscc, change_reason="更正"))
    assert "该统一社会信用代码已被其他单位使用" in _text(r)
    db.session.expire_all()
    assert db.session.get(Organization, unit.branch.id).address is None

    r = auth.post(url, _subordinate_form(unit.branch, address="济南市历下区新地址", change_reason="按营业执照更正地址"))
    assert r.status_code == 302
    db.session.expire_all()
    branch = db.session.get(Organization, unit.branch.id)
    assert branch.address == "济南市历下区新地址" and branch.parent_id == unit.employer.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "organization", AuditEntry.action == "update",
                                                       AuditEntry.entity_id == str(unit.branch.id)))
    assert entry.reason == "按营业执照更正地址" and entry.actor_name == "王管理"
    assert entry.changes["address"] == {"before": None, "after": "济南市历下区新地址"}

    r = auth.post(f"/admin/subordinates/edit/?id={unit.other.id}", _subordinate_form(unit.other, change_reason="x"),
                  form_url="/admin/subordinates/")
    assert r.status_code == 404


def test_disabling_a_unit_stops_its_admins_and_staff(auth, client, app, unit):
    branch_admin = make_admin(unit.branch, "分公司管理")
    staff = make_person(unit.branch, "分公司员工")
    branch_client = app.test_client()
    branch_auth = Auth(branch_client)
    branch_auth.login(branch_admin)
    assert branch_client.get("/admin/").status_code == 200

    auth.login(unit.admin)
    r = auth.post(f"/admin/subordinates/status/{unit.branch.id}", {"enabled": "0", "reason": "单位注销"},
                  form_url=f"/admin/subordinates/details/?id={unit.branch.id}", follow_redirects=True)
    assert "已停用 1 个单位" in _text(r)
    db.session.expire_all()
    assert db.session.get(Organization, unit.branch.id).status == "disabled"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "disable"))
    assert entry.entity_id == str(unit.branch.id) and entry.reason == "单位注销"

    # The open session ends at the next click; new logins are refused with the reason.
    assert branch_client.get("/admin/").status_code == 302
    fresh = Auth(app.test_client())
    assert ORG_DISABLED in _text(fresh.login(branch_admin))
    assert ORG_DISABLED in _text(Auth(app.test_client()).login(staff.account, user_type="person"))

    r = auth.post(f"/admin/subordinates/status/{unit.branch.id}", {"enabled": "0"},
                  form_url=f"/admin/subordinates/details/?id={unit.branch.id}", follow_redirects=True)
    assert "该单位已停用" in _text(r)
    r = auth.post(f"/admin/subordinates/status/{unit.branch.id}", {"enabled": "1"},
                  form_url=f"/admin/subordinates/details/?id={unit.branch.id}", follow_redirects=True)
    assert "已启用 1 个单位" in _text(r)
    assert Auth(app.test_client()).login(branch_admin).headers["Location"].endswith("/admin/")


def test_bulk_disable_acts_only_inside_the_subtree(auth, client, unit):
    auth.login(unit.admin)
    r = auth.post("/admin/subordinates/action/", {"action": "disable", "rowid": [unit.branch.id, unit.other.id,
                                                                                 unit.employer.id]},
                  form_url="/admin/subordinates/", follow_redirects=True)
    assert "已停用 1 个单位" in _text(r)
    db.session.expire_all()
    assert db.session.get(Organization, unit.branch.id).status == "disabled"
    assert db.session.get(Organization, unit.other.id).status == "approved"
    assert db.session.get(Organization, unit.employer.id).status == "approved"
    assert client.post(f"/admin/subordinates/status/{unit.other.id}", data={"enabled": "0"}).status_code == 400  # CSRF
    r = auth.post(f"/admin/subordinates/status/{unit.other.id}", {"enabled": "0"}, form_url="/admin/subordinates/")
    assert r.status_code == 404


# -- permissions ---------------------------------------------------------------------------------------
ENDPOINTS = ["/admin/unit_info/", "/admin/unit_info/edit", "/admin/unit_info/superior",
             "/admin/unit_info/superiors.json", "/admin/departments/", "/admin/subordinates/"]


def test_pages_need_their_permission(auth, client, unit):
    role = make_role(unit.employer, "统计员", ["stats.staff"])
    clerk = make_admin(unit.employer, "统计员甲", is_super=False, role=role)
    auth.login(clerk)
    for url in ENDPOINTS:
        assert client.get(url).status_code == 403, url
    page = _text(client.get("/admin/"))
    for name in ("基本信息管理", "管理内设部门", "下属机构管理"):
        assert name not in page


def test_anonymous_is_sent_to_login(client, unit):
    for url in ENDPOINTS:
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_bulk_delete_of_departments_keeps_the_refusal(auth, client, unit):
    office = make_department(unit.employer, "办公室")
    empty = make_department(unit.employer, "空部门")
    make_person(unit.employer, "甲", department=office)
    ids = [office.id, empty.id]
    auth.login(unit.admin)
    r = auth.post("/admin/departments/action/", {"action": "delete", "rowid": ids},
                  form_url="/admin/departments/", follow_redirects=True)
    assert "该部门下还有 1 名人员" in _text(r)
    db.session.expire_all()
    assert [d.name for d in db.session.scalars(select(Department))] == ["办公室"]


def test_history_also_shows_direct_edits_by_the_superior(auth, client, app, unit):
    auth.login(unit.admin)
    auth.post(f"/admin/subordinates/edit/?id={unit.branch.id}",
              _subordinate_form(unit.branch, address="上级更正的地址", change_reason="按营业执照更正"))
    auth.post(f"/admin/subordinates/status/{unit.branch.id}", {"enabled": "0", "reason": "暂停业务"},
              form_url=f"/admin/subordinates/details/?id={unit.branch.id}")
    auth.post(f"/admin/subordinates/status/{unit.branch.id}", {"enabled": "1"},
              form_url=f"/admin/subordinates/details/?id={unit.branch.id}")
    branch_admin = make_admin(unit.branch, "分公司管理")
    branch = Auth(app.test_client())
    branch.login(branch_admin)
    page = _text(branch.client.get("/admin/unit_info/"))
    assert "直接修改记录" in page and "上级更正的地址" in page and "按营业执照更正" in page and "王管理" in page
    assert "暂停业务" in page and "已停用" in page and "停用" in page and "启用" in page


def test_a_unit_created_without_uscc_can_be_edited_without_one(auth, client, unit):
    special = make_org("无代码的单位", parent=unit.employer, uscc=None, no_uscc=True)
    auth.login(unit.admin)
    r = auth.post(f"/admin/subordinates/edit/?id={special.id}",
                  _subordinate_form(special, uscc="", address="新地址", change_reason="客服核实"))
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, special.id).address == "新地址"
    r = auth.post(f"/admin/subordinates/edit/?id={unit.branch.id}", _subordinate_form(unit.branch, uscc="",
                                                                                   change_reason="x"))
    assert "请输入统一社会信用代码" in _text(r)
