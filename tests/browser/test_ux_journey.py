"""What a new user meets first (issue #8), in a real browser at 1366 px: the 账户管理 menu in the guide's groups,
a date-range filter whose picker speaks Chinese, and list dates that stay on one line."""
import re
from datetime import date

from playwright.sync_api import expect

from models import db
from models import transfer as tr

from ..helpers import make_admin, make_org, make_person
from .steps import login, open_menu

HEADINGS = ["本级机构管理", "下属机构管理", "注册审核管理", "变更审核管理", "人员调转"]
# Long unit names squeeze a nine-column list the way the demo data does.
UNIT = "济南示范软件与信息技术服务股份有限公司"
TARGET = "青岛海岸重型机械装备制造集团股份有限公司"

# The height of a cell's text, against its font size: one line stays under 1.6 × the font size.
LINES = """el => { const r = document.createRange(); r.selectNodeContents(el);
                   return r.getBoundingClientRect().height / parseFloat(getComputedStyle(el).fontSize); }"""


def _world():
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    unit = make_org(UNIT, parent=make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province))
    target = make_org(TARGET, parent=province, region="青岛市")
    admin = make_admin(unit, "王管理")
    actor = tr.Actor(account_id=admin.id, name="王管理", org_id=unit.id, scope_org_id=unit.id)
    for name in ("李调转", "欧阳明月", "张伟"):
        tr.start(make_person(unit, name), target, "因工作需要调往新单位从事技术研发工作", date(2026, 12, 2), actor)
    db.session.commit()
    return admin


def test_menu_groups_chinese_date_picker_and_one_line_dates(page, shot):
    admin = _world()
    login(page, admin.id_number)

    # The 账户管理 dropdown: the guide's five groups as headings, in its order.
    page.locator("#admin-navbar-collapse a.dropdown-toggle", has_text="账户管理").click()
    headers = page.locator("#admin-navbar-collapse .dropdown-menu.show .dropdown-header")
    expect(headers).to_have_text(HEADINGS)
    shot("account-menu")
    page.locator("#admin-navbar-collapse a.dropdown-toggle", has_text="账户管理").click()  # closes it again

    open_menu(page, "账户管理", "人员调出")
    expect(page.locator("table.model-list tbody tr")).to_have_count(3)

    # Dates, ID numbers and names of people stay on one line at 1366 px, however long the unit names are.
    for column in ("created_at", "transfer_date", "id_number", "person"):
        for cell in page.locator(f"table.model-list td.col-{column}").all():
            assert cell.evaluate(LINES) < 1.6, f"{column} wraps: {cell.inner_text()!r}"
    assert page.locator("table.model-list td.col-to_org").first.evaluate(LINES) >= 1.6  # long names still wrap
    shot("list-1366")

    # 添加筛选器 → 申请时间: the picker is Chinese, weeks start on Monday, and the range reaches the server.
    page.get_by_role("link", name="添加筛选器").click()
    page.locator(".field-filters a.filter", has_text="申请时间").click()
    field = page.locator("#filter_form input.filter-val[data-date-format]")
    field.click()
    picker = page.locator(".daterangepicker:visible")
    expect(picker.locator(".applyBtn")).to_have_text("确定")
    expect(picker.locator(".cancelBtn")).to_have_text("取消")
    expect(picker.locator(".daterangepicker_start_input label")).to_have_text("起")
    expect(picker.locator(".daterangepicker_end_input label")).to_have_text("止")
    expect(picker.locator(".calendar.left thead tr").nth(1).locator("th")).to_have_text(
        ["一", "二", "三", "四", "五", "六", "日"])
    expect(picker.locator(".calendar.left select.monthselect option").first).to_have_text("一月")
    shot("date-picker")
    picker.locator(".applyBtn").click()
    expect(field).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}$"))
    field.fill("2026-12-01 to 2026-12-31")
    with page.expect_navigation():
        field.press("Enter")
    expect(page.locator("table.model-list tbody tr")).to_have_count(3)
    expect(page.get_by_role("link", name="重置筛选器")).to_be_visible()

    # A Flask-Admin form marks a required field as our own forms do: the red * before the label.
    open_menu(page, "账户管理", "管理内设部门")
    with page.expect_navigation():
        page.get_by_role("link", name="添加部门").click()
    expect(page.locator("label[for=name]")).to_have_text("*部门名称")
    shot("required-marker")
