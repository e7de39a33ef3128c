"""账户管理 · 管理单位管理员 (F10), 角色管理 (F11) and 新增管理员 three ways (F12) over HTTP."""
import re

import pytest
from sqlalchemy import func, select

from demo.ids import id_number
from models import Account, AdminMembership, AuditEntry, Role, db, permissions

from .conftest import Auth
from .helpers import PASSWORD, make_account, make_admin, make_org, make_person, make_role, next_seq


def _text(response):
    return response.get_data(as_text=True)


def _membership(account, org):
    db.session.expire_all()
    return db.session.scalar(select(AdminMembership).where(AdminMembership.account_id == account.id,
                                                           AdminMembership.org_id == org.id))


def _second_session(app, account, **kw):
    other = Auth(app.test_client())
    other.login(account, **kw)
    return other


# -- F10 管理单位管理员 --------------------------------------------------------------------------------------
def test_admin_list_shows_the_units_admins_with_roles(auth, client, unit):
    role = make_role(unit.employer, "审核员", ["review.person_registration"])
    make_admin(unit.employer, "李审核", is_super=False, role=role)
    make_admin(unit.employer, "赵无角色", is_super=False)
    make_admin(unit.branch, "分公司管理")
    auth.login(unit.admin)
    page = _text(client.get("/admin/admins/"))
    assert "王管理" in page and "超级管理员" in page and "李审核" in page and "审核员" in page
    assert "赵无角色" in page and "未分配角色" in page
    assert "分公司管理" not in page and "赵管理" not in page  # own unit only
    assert unit.admin.id_number not in page  # ID numbers masked
    assert page.index("王管理") < page.index("李审核")  # the super admin first


def test_set_super_admin_moves_the_status_and_removes_the_former(auth, client, app, unit):
    deputy = make_admin(unit.employer, "李副管", is_super=False)
    target = _membership(deputy, unit.employer)
    auth.login(unit.admin)
    assert client.get("/admin/admins/").status_code == 200
    r = auth.post(f"/admin/admins/set-super/{target.id}", form_url="/admin/admins/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _membership(deputy, unit.employer).is_super
    assert _membership(unit.admin, unit.employer) is None
    # The former super admin's already-open session is refused at its next click.
    r = client.get("/admin/admins/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get("/admin/unit_info/").status_code == 302
    # It had no other rights: its sessions end everywhere, and a new login is refused.
    assert db.session.get(Account, unit.admin.id).session_version > 1
    assert "该账号不是用人单位管理员" in _text(Auth(app.test_client()).login(unit.admin))
    actions = {(e.entity, e.action) for e in db.session.scalars(select(AuditEntry))}
    assert ("admin_membership", "delete") in actions and ("admin_membership", "update") in actions


def test_old_super_admin_with_rights_elsewhere_keeps_those_only(auth, client, app, unit):
    deputy = make_admin(unit.employer, "李副管", is_super=False)
    make_admin(unit.branch, account=unit.admin, is_super=True)  # also super admin of the branch
    target = _membership(deputy, unit.employer)
    old = auth.login(unit.admin)
    assert old.headers["Location"].endswith("/choose-org")
    auth.post("/choose-org", {"org_id": unit.employer.id})
    # The super admin's open session in a second browser.
    other = Auth(app.test_client())
    other.login(unit.admin)
    other.post("/choose-org", {"org_id": unit.employer.id})
    assert other.client.get("/admin/admins/").status_code == 200

    r = auth.post(f"/admin/admins/set-super/{target.id}", form_url="/admin/admins/")
    assert r.headers["Location"].endswith("/choose-org")
    r = other.client.get("/admin/admins/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert db.session.get(Account, unit.admin.id).session_version == 1  # still admin of the branch
    # Logging in again leads straight into the one unit it still administers.
    assert other.login(unit.admin).headers["Location"].endswith("/admin/")
    page = _text(other.client.get("/admin/admins/"))
    assert "济南示范科技有限公司历下分公司" in page and "李副管" not in page


def test_only_the_super_admin_may_transfer_super_status(auth, client, unit):
    role = make_role(unit.employer, "管理员管理", ["account.admins"])
    clerk = make_admin(unit.employer, "钱管理", is_super=False, role=role)
    mine = _membership(clerk, unit.employer)
    auth.login(clerk)
    r = auth.post(f"/admin/admins/set-super/{mine.id}", form_url="/admin/admins/", follow_redirects=True)
    assert "只有本单位的超级管理员可以设置超级管理员" in _text(r)
    assert not _membership(clerk, unit.employer).is_super
    assert _membership(unit.admin, unit.employer).is_super


def test_set_super_refusals(auth, client, unit):
    own = _membership(unit.admin, unit.employer)
    foreign = _membership(unit.other_admin, unit.other)
    auth.login(unit.admin)
    r = auth.post(f"/admin/admins/set-super/{own.id}", form_url="/admin/admins/", follow_redirects=True)
    assert "该管理员已是超级管理员" in _text(r)
    assert auth.post(f"/admin/admins/set-super/{foreign.id}", form_url="/admin/admins/").status_code == 404
    branch_admin = make_admin(unit.branch, "分公司管理", is_super=False)
    branch_membership = _membership(branch_admin, unit.branch)
    assert auth.post(f"/admin/admins/set-super/{branch_membership.id}",
                     form_url="/admin/admins/").status_code == 404  # another unit, even below
    assert client.get(f"/admin/admins/set-super/{own.id}").status_code == 405  # never through GET


def test_remove_admin(auth, client, app, unit):
    deputy = make_admin(unit.employer, "李副管", is_super=False)
    deputy_session = _second_session(app, deputy)
    assert deputy_session.client.get("/admin/").status_code == 200
    target = _membership(deputy, unit.employer)
    auth.login(unit.admin)
    r = auth.post(f"/admin/admins/remove/{target.id}", form_url="/admin/admins/", follow_redirects=True)
    assert "已删除管理员李副管" in _text(r)
    assert _membership(deputy, unit.employer) is None
    assert deputy_session.client.get("/admin/").status_code == 302
    assert db.session.get(Account, deputy.id) is not None  # the account stays; only the rights go


def test_remove_refuses_the_super_admin_and_the_last_admin(auth, client, unit):
    own = _membership(unit.admin, unit.employer)
    auth.login(unit.admin)
    r = auth.post(f"/admin/admins/remove/{own.id}", form_url="/admin/admins/", follow_redirects=True)
    assert "不能删除超级管理员" in _text(r)
    assert _membership(unit.admin, unit.employer) is not None

    lonely_unit = make_org("只有一名管理员的单位", parent=unit.employer)
    lonely = make_admin(lonely_unit, "孤管理", is_super=False)
    membership = _membership(lonely, lonely_unit)
    from models.unit_admin import remove_admin
    with pytest.raises(ValueError, match="不能删除本单位唯一的管理员"):
        remove_admin(membership, unit.admin.id)


def test_removing_oneself_needs_an_explicit_confirmation(auth, client, app, unit):
    role = make_role(unit.employer, "管理员管理", ["account.admins"])
    clerk = make_admin(unit.employer, "钱管理", is_super=False, role=role)
    mine = _membership(clerk, unit.employer)
    auth.login(clerk)
    page = _text(client.get("/admin/admins/"))
    assert f'href="/admin/admins/remove/{mine.id}"' in page  # own row: a confirmation page, not a one-click form
    r = auth.post(f"/admin/admins/remove/{mine.id}", {})
    assert r.status_code == 200 and "您正在删除自己的管理员权限，请勾选确认后再提交" in _text(r)
    assert _membership(clerk, unit.employer) is not None
    r = auth.post(f"/admin/admins/remove/{mine.id}", {"confirm_self": "y"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _membership(clerk, unit.employer) is None
    assert client.get("/admin/").status_code == 302


def test_assign_role(auth, client, unit):
    role = make_role(unit.employer, "审核员", ["review.person_registration", "hours.review"])
    foreign_role = make_role(unit.other, "外单位角色", ["hours.review"])
    deputy = make_admin(unit.employer, "李副管", is_super=False)
    target = _membership(deputy, unit.employer)
    auth.login(unit.admin)
    page = _text(client.get(f"/admin/admins/role/{target.id}"))
    assert "审核员" in page and "外单位角色" not in page
    r = auth.post(f"/admin/admins/role/{target.id}", {"role_id": foreign_role.id})
    assert "请选择本单位的角色" in _text(r) and _membership(deputy, unit.employer).role_id is None
    r = auth.post(f"/admin/admins/role/{target.id}", {"role_id": role.id}, follow_redirects=True)
    assert "已为李副管分配角色：审核员" in _text(r)
    assert _membership(deputy, unit.employer).role_id == role.id
    own = _membership(unit.admin, unit.employer)
    r = auth.post(f"/admin/admins/role/{own.id}", {"role_id": role.id})
    assert "超级管理员拥有全部权限，无需分配角色" in _text(r)
    foreign = _membership(unit.other_admin, unit.other)
    assert client.get(f"/admin/admins/role/{foreign.id}").status_code == 404


def test_assigning_a_role_beyond_ones_own_rights_is_refused(auth, client, unit):
    limited = make_role(unit.employer, "管理员管理", ["account.admins"])
    broad = make_role(unit.employer, "全能", ["account.admins", "audit.view"])
    clerk = make_admin(unit.employer, "钱管理", is_super=False, role=limited)
    mine = _membership(clerk, unit.employer)
    auth.login(clerk)
    r = auth.post(f"/admin/admins/role/{mine.id}", {"role_id": broad.id})
    assert "不能分配含有您自己没有的权限的角色：审计日志" in _text(r)
    assert _membership(clerk, unit.employer).role_id == limited.id


# -- F11 角色管理 -----------------------------------------------------------------------------------------
def test_create_role_with_grouped_permission_checkboxes(auth, client, unit):
    auth.login(unit.admin)
    page = _text(client.get("/admin/roles/new/"))
    for group in ("账户管理", "学时（分）申报", "学时（分）审核", "查询统计"):
        assert f"{group}</legend>" in page
    boxes = re.findall(r'<input class="form-check-input" type="checkbox" name="permissions"[^>]*>', page)
    assert len(boxes) == len(permissions.ALL) and not [b for b in boxes if "disabled" in b]  # a super admin holds all
    r = auth.post("/admin/roles/new/", {"name": "学时审核员", "permissions": ["hours.review", "stats.completion"]})
    assert r.status_code == 302
    role = db.session.scalar(select(Role).where(Role.name == "学时审核员"))
    assert role.org_id == unit.employer.id and role.permissions == ["hours.review", "stats.completion"]
    page = _text(client.get("/admin/roles/"))
    assert "学时审核、继教完成情况查询" in page
    r = auth.post("/admin/roles/new/", {"name": "学时审核员", "permissions": ["hours.review"]})
    assert "本单位已有同名角色" in _text(r)
    r = auth.post("/admin/roles/new/", {"name": "空角色"})
    assert "请至少选择一项权限" in _text(r)
    r = auth.post("/admin/roles/new/", {"name": "乱码角色", "permissions": ["nope.code"]})
    assert "包含无效的权限" in _text(r)
    assert db.session.scalar(select(func.count()).select_from(Role)) == 1


def test_forged_permission_list_cannot_escalate(auth, client, unit):
    editor_role = make_role(unit.employer, "角色编辑", ["account.roles", "hours.review"])
    editor = make_admin(unit.employer, "孙编辑", is_super=False, role=editor_role)
    auth.login(editor)
    page = _text(client.get("/admin/roles/new/"))
    assert 'value="audit.view" disabled' in page and 'value="hours.review" disabled' not in page
    r = auth.post("/admin/roles/new/", {"name": "提权角色", "permissions": ["hours.review", "audit.view",
                                                                         "account.admins"]})
    assert "不能授予自己没有的权限" in _text(r) and "审计日志" in _text(r)
    assert db.session.scalar(select(Role).where(Role.name == "提权角色")) is None

    # Editing its own role upwards is the same escalation.
    r = auth.post(f"/admin/roles/edit/?id={editor_role.id}", {"name": "角色编辑",
                                                             "permissions": ["account.roles", "account.admins"]})
    assert "不能授予自己没有的权限" in _text(r)
    db.session.expire_all()
    assert db.session.get(Role, editor_role.id).permissions == ["account.roles", "hours.review"]

    r = auth.post("/admin/roles/new/", {"name": "学时角色", "permissions": ["hours.review"]})
    assert r.status_code == 302


def test_editing_keeps_codes_beyond_the_editors_reach(auth, client, unit):
    editor_role = make_role(unit.employer, "角色编辑", ["account.roles", "hours.review", "hours.declare"])
    editor = make_admin(unit.employer, "孙编辑", is_super=False, role=editor_role)
    role = make_role(unit.employer, "综合", ["hours.review", "audit.view"])
    auth.login(editor)
    page = _text(client.get(f"/admin/roles/edit/?id={role.id}"))
    assert 'value="audit.view" checked disabled' in page
    r = auth.post(f"/admin/roles/edit/?id={role.id}", {"name": "综合", "permissions": ["hours.declare"]})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Role, role.id).permissions == ["hours.declare", "audit.view"]


def test_deleting_a_role_in_use_is_refused(auth, client, unit):
    used = make_role(unit.employer, "在用角色", ["hours.review"])
    unused = make_role(unit.employer, "闲置角色", ["hours.review"])
    make_admin(unit.employer, "甲", is_super=False, role=used)
    make_admin(unit.employer, "乙", is_super=False, role=used)
    auth.login(unit.admin)
    r = auth.post("/admin/roles/delete/", {"id": used.id}, form_url="/admin/roles/", follow_redirects=True)
    assert "该角色正由 2 名管理员使用" in _text(r)
    unused_id = unused.id
    auth.post("/admin/roles/delete/", {"id": unused_id}, form_url="/admin/roles/")
    db.session.expire_all()
    assert db.session.get(Role, used.id) is not None and db.session.get(Role, unused_id) is None


def test_another_units_role_is_not_found(auth, client, unit):
    foreign = make_role(unit.other, "外单位角色", ["hours.review"])
    auth.login(unit.admin)
    assert client.get(f"/admin/roles/edit/?id={foreign.id}").status_code == 404
    r = auth.post(f"/admin/roles/edit/?id={foreign.id}", {"name": "x", "permissions": ["hours.review"]},
                  form_url="/admin/roles/")
    assert r.status_code == 404
    assert "外单位角色" not in _text(client.get("/admin/roles/"))


def test_a_role_shows_only_its_menu_entries(auth, client, unit):
    role = make_role(unit.employer, "两项权限", ["account.departments", "stats.staff"])
    clerk = make_admin(unit.employer, "周办事", is_super=False, role=role)
    auth.login(clerk)
    page = _text(client.get("/admin/"))
    assert "管理内设部门" in page and "专技人员信息查询" in page
    for hidden in ("基本信息管理", "管理单位管理员", "角色管理", "下属机构管理", "审计日志"):
        assert hidden not in page
    assert client.get("/admin/departments/").status_code == 200
    assert client.get("/admin/roles/").status_code == 403
    # A menu category none of whose entries the user may open is not shown at all.
    for category in ("学时（分）审核", "平台设置"):
        assert category not in page


def test_a_super_admin_of_a_unit_has_no_platform_settings_menu(auth, client, unit):
    auth.login(unit.admin)
    page = _text(client.get("/admin/"))
    assert "学时（分）申报" in page and "学时（分）审核" in page and "平台设置" not in page


# -- F12 新增管理员 ----------------------------------------------------------------------------------------
def test_a_pick_an_approved_person_of_this_unit(auth, client, unit):
    role = make_role(unit.employer, "审核员", ["hours.review"])
    person = make_person(unit.employer, "李专技")
    make_person(unit.employer, "李待审", status="pending")
    make_person(unit.branch, "李分公司")
    make_person(unit.other, "李外单位")
    auth.login(unit.admin)
    found = client.get("/admin/admins/persons.json?query=李").get_json()
    assert [text.split("（")[0] for _, text in found] == ["李专技"]
    assert person.id_number not in str(found)
    assert client.get(f"/admin/admins/persons.json?query={person.id_number}").get_json()[0][0] == person.id
    assert client.get("/admin/admins/persons.json").get_json() == []

    r = auth.post("/admin/admins/add/person", {"person_id": person.id, "role_id": role.id}, follow_redirects=True)
    assert "已新增管理员：李专技" in _text(r)
    membership = _membership(person.account, unit.employer)
    assert membership.role_id == role.id and not membership.is_super
    r = auth.post("/admin/admins/add/person", {"person_id": person.id, "role_id": ""}, follow_redirects=True)
    assert "该账号已是本单位管理员" in _text(r)


def test_a_refuses_persons_outside_the_unit_or_not_approved(auth, client, unit):
    pending = make_person(unit.employer, "李待审", status="pending")
    branch_person = make_person(unit.branch, "李分公司")
    foreign = make_person(unit.other, "李外单位")
    auth.login(unit.admin)
    for person_id in (pending.id, branch_person.id, foreign.id, 99999999, "x"):
        r = auth.post("/admin/admins/add/person", {"person_id": person_id})
        assert r.status_code == 200 and "请选择本单位已审核的人员" in _text(r), person_id
    assert db.session.scalar(select(func.count()).select_from(AdminMembership)) == 2


def test_b_register_a_new_account_as_admin(auth, client, app, unit):
    new_id = id_number(next_seq())
    auth.login(unit.admin)
    data = {"id_number": new_id.lower(), "name": "新管理", "phone": "13912345678", "email": "new@example.cn",
            "password": "Chushi2026", "confirm": "Chushi2026", "role_id": ""}
    r = auth.post("/admin/admins/add/register", data, follow_redirects=True)
    assert "已新增管理员：新管理" in _text(r)
    account = db.session.scalar(select(Account).where(Account.id_number == new_id))
    assert account.must_change_password and _membership(account, unit.employer) is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "account", AuditEntry.action == "create"))
    assert entry.changes["password_hash"] == {"after": "***"}
    # The new admin logs in and must set its own password first.
    new = Auth(app.test_client())
    new.login(new_id, "Chushi2026")
    r = new.client.get("/admin/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/password")


def test_b_refuses_an_id_already_registered_and_bad_input(auth, client, unit):
    existing = make_account("已有账号")
    auth.login(unit.admin)
    base = {"name": "新管理", "phone": "13912345678", "email": "new@example.cn", "password": "Chushi2026",
            "confirm": "Chushi2026", "role_id": ""}
    r = auth.post("/admin/admins/add/register", dict(base, id_number=existing.id_number))
    assert "该身份证号已在系统中注册，请使用“添加成为管理员”" in _text(r)
    r = auth.post("/admin/admins/add/register", dict(base, id_number="370102197501011238"))
    assert "身份证号校验位错误" in _text(r)
    r = auth.post("/admin/admins/add/register", dict(base, id_number=id_number(next_seq()), password="short",
                                                     confirm="short", email="bad"))
    page = _text(r)
    assert "密码至少8位" in page and "请输入有效的电子邮箱" in page
    assert db.session.scalar(select(func.count()).select_from(Account)) == 3


def test_c_add_an_existing_account_with_its_password(auth, client, unit):
    auth.login(unit.admin)
    r = auth.post("/admin/admins/add/existing", {"id_number": unit.other_admin.id_number, "name": "赵管理",
                                                 "password": PASSWORD, "role_id": ""}, follow_redirects=True)
    assert "已新增管理员：赵管理" in _text(r)
    assert _membership(unit.other_admin, unit.employer) is not None
    assert _membership(unit.other_admin, unit.other).is_super  # its own unit is untouched


def test_c_wrong_credentials_say_nothing_about_the_id_and_count_towards_the_lock(auth, client, unit):
    auth.login(unit.admin)
    url = "/admin/admins/add/existing"
    unknown = id_number(next_seq())
    answers = [
        _text(auth.post(url, {"id_number": unknown, "name": "赵管理", "password": PASSWORD})),
        _text(auth.post(url, {"id_number": unit.other_admin.id_number, "name": "别人", "password": PASSWORD})),
        _text(auth.post(url, {"id_number": unit.other_admin.id_number, "name": "赵管理", "password": "Wrong1234"})),
    ]
    for page in answers:
        assert "身份证号、姓名或密码不正确" in page
        assert "不存在" not in page and "未注册" not in page
    assert _membership(unit.other_admin, unit.employer) is None
    db.session.expire_all()
    assert db.session.get(Account, unit.other_admin.id).failed_logins == 1
    for attempt in range(3):
        auth.post(url, {"id_number": unit.other_admin.id_number, "name": "赵管理", "password": f"Wrong{attempt}234"})
    page = _text(auth.post(url, {"id_number": unit.other_admin.id_number, "name": "赵管理", "password": "Wrong9999"}))
    assert "该账号因多次密码错误已被锁定" in page
    db.session.expire_all()
    assert db.session.get(Account, unit.other_admin.id).is_locked
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "lock")) is not None
    page = _text(auth.post(url, {"id_number": unit.other_admin.id_number, "name": "赵管理", "password": PASSWORD}))
    assert "该账号因多次密码错误已被锁定" in page and _membership(unit.other_admin, unit.employer) is None


def test_adding_with_a_role_beyond_ones_rights_is_refused(auth, client, unit):
    limited = make_role(unit.employer, "管理员管理", ["account.admins"])
    broad = make_role(unit.employer, "全能", ["account.admins", "audit.view"])
    clerk = make_admin(unit.employer, "钱管理", is_super=False, role=limited)
    person = make_person(unit.employer, "李专技")
    auth.login(clerk)
    r = auth.post("/admin/admins/add/person", {"person_id": person.id, "role_id": broad.id})
    assert "不能分配含有您自己没有的权限的角色" in _text(r)
    assert _membership(person.account, unit.employer) is None
    r = auth.post("/admin/admins/add/person", {"person_id": person.id, "role_id": limited.id})
    assert r.status_code == 302


# -- permissions ---------------------------------------------------------------------------------------
ENDPOINTS = ["/admin/admins/", "/admin/admins/add/person", "/admin/admins/add/register", "/admin/admins/add/existing",
             "/admin/admins/persons.json", "/admin/roles/", "/admin/roles/new/"]


def test_admin_pages_need_their_permission(auth, client, unit):
    role = make_role(unit.employer, "统计员", ["stats.staff"])
    clerk = make_admin(unit.employer, "统计员甲", is_super=False, role=role)
    own = _membership(unit.admin, unit.employer)
    auth.login(clerk)
    for url in ENDPOINTS + [f"/admin/admins/role/{own.id}", f"/admin/admins/remove/{own.id}"]:
        assert client.get(url).status_code == 403, url
    assert auth.post(f"/admin/admins/set-super/{own.id}", form_url="/admin/").status_code == 403
    assert _membership(unit.admin, unit.employer).is_super


def test_anonymous_is_sent_to_login(client, unit):
    for url in ENDPOINTS:
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_admin_and_role_lists_run_a_constant_number_of_queries(auth, client, unit):
    from .querycount import count_queries

    def queries(url):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    auth.login(unit.admin)
    role = make_role(unit.employer, "角色0", ["hours.review"])
    make_admin(unit.employer, "管理0", is_super=False, role=role)
    few = {url: queries(url) for url in ("/admin/admins/", "/admin/roles/")}
    for i in range(1, 10):
        role = make_role(unit.employer, f"角色{i}", ["hours.review"])
        make_admin(unit.employer, f"管理{i}", is_super=False, role=role)
    assert {url: queries(url) for url in few} == few


def test_bulk_delete_of_roles_keeps_the_refusal(auth, client, unit):
    used = make_role(unit.employer, "在用角色", ["hours.review"])
    unused = make_role(unit.employer, "闲置角色", ["hours.review"])
    make_admin(unit.employer, "甲", is_super=False, role=used)
    ids = [used.id, unused.id]
    auth.login(unit.admin)
    r = auth.post("/admin/roles/action/", {"action": "delete", "rowid": ids}, form_url="/admin/roles/",
                  follow_redirects=True)
    assert "该角色正由 1 名管理员使用" in _text(r)
    db.session.expire_all()
    assert [r.name for r in db.session.scalars(select(Role))] == ["在用角色"]


def test_platform_operator_pages_work_without_an_own_unit(auth, client, unit):
    operator = make_account("客服小周", is_operator=True)
    auth.login(operator, user_type="operator")
    assert "平台运维账号没有所属单位" in _text(client.get("/admin/unit_info/"))
    page = _text(client.get("/admin/admins/"))
    assert "王管理" in page and "赵管理" in page  # the operator sees every unit's admins
    r = client.get("/admin/admins/add/person", follow_redirects=True)
    assert "请以单位管理员身份登录后再新增管理员" in _text(r)
    for url in ("/admin/roles/", "/admin/departments/", "/admin/subordinates/", "/admin/unit_info/edit",
                "/admin/admins/persons.json?query=王", "/admin/unit_info/superiors.json?query=济南"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/roles/new/").status_code in (302, 403)  # a role belongs to a unit
