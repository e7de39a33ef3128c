"""专技人员信息查询 in a real browser (F28): a unit admin filters by 所在部门, opens a person, resets the password;
the person signs in with the temporary password and must set a new one first."""
import re

from playwright.sync_api import expect

from ..helpers import make_admin, make_department, make_org, make_person
from .steps import login, logout, open_menu, submit


def test_filter_details_and_reset_password(page, shot):
    city = make_org("济南市人力资源和社会保障局", kind="supervisor")
    unit = make_org("济南示范科技有限公司", parent=city)
    boss = make_admin(unit, "王管理")
    lab = make_department(unit, "检验科")
    make_department(unit, "办公室")
    nurse = make_person(unit, "刘护士", department=lab)
    make_person(unit, "陈会计")

    login(page, boss.id_number)
    open_menu(page, "查询统计", "专技人员信息查询")
    page.get_by_role("link", name="添加筛选器").click()
    page.locator("a.filter", has_text="所在部门").click()
    page.locator("#filter_form .select2-container").last.click()  # the value pick list (select2)
    page.locator("#select2-drop li", has_text="检验科").click()
    shot("department-filter")
    submit(page, "应用")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("刘护士")

    rows.first.locator("a[title='重置密码']").click()
    expect(page.get_by_role("heading", name="重置密码")).to_be_visible()
    shot("confirm")
    submit(page, "确认重置")
    password = page.locator(".reset-password").inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9]{10}", password)
    shot("temporary-password")

    logout(page)
    login(page, nurse.id_number, password, user_type="专业技术人员")
    # never signed in before: the temporary password is the first one an admin set for the account
    expect(page.locator("#change-password .alert-warning")).to_contain_text("请先修改密码")
    page.locator("#current_password").fill(password)
    page.locator("#new_password").fill("NewPass2026")
    page.locator("#confirm").fill("NewPass2026")
    shot("set-new-password")
    submit(page, "保存")
    expect(page).not_to_have_url(re.compile(r"/password$"))
