"""The 账户管理 journey in a real browser (F10–F12): a super admin creates a role with two permissions, adds an
admin by way (a), gives it the role; that admin sees exactly those two menu entries; then super-admin status is
transferred and the former super admin has lost its access."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from models import AdminMembership, db

from ..helpers import make_admin, make_department, make_org, make_person
from .steps import login, logout, open_menu

UNIT = "济南示范科技有限公司"


def _menu_entries(page):
    return sorted(t.strip() for t in page.locator("#admin-navbar-collapse ul.mr-auto .dropdown-menu a.dropdown-item")
                  .all_text_contents())


def test_role_new_admin_menus_and_super_admin_transfer(page, shot):
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    city = make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province)
    unit = make_org(UNIT, parent=city)
    boss = make_admin(unit, "王管理")
    office = make_department(unit, "办公室")
    clerk = make_person(unit, "李办事", department=office)
    make_person(unit, "李待审", status="pending")

    # 1. The super admin creates a role with two permissions.
    login(page, boss.id_number)
    expect(page.get_by_role("heading", name="待办事项")).to_be_visible()
    open_menu(page, "账户管理", "角色管理")
    page.get_by_role("link", name="新增角色", exact=True).click()
    page.get_by_label("角色名称").fill("内设部门与人员查询")
    page.get_by_label("管理内设部门").check()
    page.get_by_label("专技人员信息查询").check()
    shot("role-form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("table.model-list")).to_contain_text("管理内设部门、专技人员信息查询")
    shot("role-created")

    # 2. It adds an admin by way (a): an approved person of the unit, found with the search box.
    open_menu(page, "账户管理", "管理单位管理员")
    page.locator("#add-admin").click()
    expect(page.get_by_role("heading", name="新增管理员")).to_be_visible()
    page.locator("#s2id_person_id").click()
    page.locator("#select2-drop input.select2-input").fill("李")
    result = page.locator("#select2-drop .select2-result-label")
    expect(result).to_have_count(1)  # the pending person is not offered
    expect(result).to_contain_text("李办事")
    shot("pick-person")
    result.click()
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已新增管理员：李办事")
    row = page.locator("table.model-list tr", has_text="李办事")
    expect(row).to_contain_text("未分配角色")
    shot("admin-added")

    # 3. ... and gives it the role.
    with page.expect_navigation():
        row.get_by_role("link", name="分配角色").click()
    page.get_by_label("角色").select_option(label="内设部门与人员查询")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator("table.model-list tr", has_text="李办事")).to_contain_text("内设部门与人员查询")
    shot("role-assigned")
    logout(page)

    # 4. The new admin sees exactly those two menu entries (and 导入导出任务, every admin's own jobs), and a page
    # outside them is refused.
    login(page, clerk.id_number)
    expect(page.locator("#unit-menu > a")).to_have_text(UNIT)
    assert _menu_entries(page) == ["专技人员信息查询", "导入导出任务", "管理内设部门"]
    shot("limited-menu")
    open_menu(page, "账户管理", "管理内设部门")
    expect(page.locator("table.model-list")).to_contain_text("办公室")
    response = page.goto("/admin/admins/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="没有权限")).to_be_visible()
    shot("forbidden")
    logout(page)

    # 5. The super admin hands super-admin status to the new admin and loses its own rights at once.
    login(page, boss.id_number)
    open_menu(page, "账户管理", "管理单位管理员")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("table.model-list tr", has_text="李办事").get_by_role("button", name="设为超级管理员").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("alert").first).to_contain_text("已将李办事设为超级管理员，您在本单位的管理员权限已删除")
    shot("super-transferred")
    page.goto("/admin/admins/")
    expect(page).to_have_url(re.compile(r"/login"))
    login(page, boss.id_number)
    expect(page.locator("#login-error")).to_contain_text("该账号不是用人单位管理员")
    shot("old-super-refused")

    db.session.expire_all()
    memberships = db.session.scalars(select(AdminMembership).where(AdminMembership.org_id == unit.id)).all()
    assert [(m.account_id, m.is_super, m.role_id) for m in memberships] == [(clerk.account_id, True, None)]

    # 6. The new super admin now holds every entry of the menu.
    login(page, clerk.id_number)
    entries = _menu_entries(page)
    assert {"基本信息管理", "管理内设部门", "管理单位管理员", "角色管理", "下属机构管理"} <= set(entries)
    shot("new-super-menu")
