"""人员调转 in a real browser between two units (seed §5.1.5, F17–F20): unit A starts the transfer and lets the
person go; unit B finds it on its dashboard and confirms it into a department; the person is then B's staff, both
units keep the record, and A can no longer open the person."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from models import Person, Transfer, db

from ..helpers import PASSWORD, make_admin, make_department, make_org, make_person
from .steps import login, logout, open_menu

UNIT_A = "济南示范科技有限公司"
UNIT_B = "青岛海岸制造有限公司"


def _login(page, id_number):
    login(page, id_number)
    expect(page.get_by_role("heading", name="待办事项")).to_be_visible()


def _pick(page, box_id, typed, expected):
    page.locator(f"#s2id_{box_id}").click()
    page.locator("#select2-drop input.select2-input").fill(typed)
    result = page.locator("#select2-drop .select2-result-label", has_text=expected)
    expect(result).to_have_count(1)
    result.click()


def test_transfer_between_two_units(page, shot):
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    city_a = make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province)
    city_b = make_org("青岛市人力资源和社会保障局", kind="supervisor", parent=province)
    unit_a = make_org(UNIT_A, parent=city_a)
    unit_b = make_org(UNIT_B, parent=city_b, region="青岛市")
    admin_a, admin_b = make_admin(unit_a, "王管理"), make_admin(unit_b, "赵管理")
    person = make_person(unit_a, "李调转", department=make_department(unit_a, "研发部"))
    make_department(unit_b, "生产部")

    # 1. Unit A starts the transfer: the person's details fill in, the target is found by name.
    _login(page, admin_a.id_number)
    open_menu(page, "账户管理", "人员调出")
    with page.expect_navigation():
        page.get_by_role("link", name="发起调出").click()
    expect(page.get_by_role("heading", name="发起调出")).to_be_visible()
    _pick(page, "person_id", "李调", "李调转")
    card = page.locator("#person-card")
    expect(card.locator('[data-field="department"]')).to_have_text("研发部")
    expect(card.locator('[data-field="org"]')).to_have_text(UNIT_A)
    _pick(page, "to_org_id", "青岛海岸", UNIT_B)
    expect(page.locator("#s2id_to_org_id")).to_contain_text(unit_b.uscc)
    page.get_by_label("调转原因").fill("工作调动")
    expect(page.get_by_label("调转日期")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    shot("out-form")
    with page.expect_navigation():
        page.get_by_role("button", name="提交调出申请").click()
    expect(page.locator(".alert-success")).to_contain_text("已发起李调转的调出申请")
    expect(page.locator("table.model-list")).to_contain_text("待调出审核")
    shot("out-started")

    # 2. Unit A approves it out, from its dashboard's queue.
    page.goto("/admin/")
    card = page.locator('[data-key="transfer_out_review"]')
    expect(card.locator(".count")).to_have_text("1")
    with page.expect_navigation():
        card.click()
    page.locator("table.model-list tr", has_text="李调转").locator("input.action-checkbox").check()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator(".bulk-action", has_text="通过").click()
    expect(page.locator(".alert-success")).to_contain_text("已通过 1 条")
    shot("out-approved")
    logout(page)

    # 3. Unit B sees it on its dashboard and confirms it into a department.
    _login(page, admin_b.id_number)
    card = page.locator('[data-key="transfer_in_review"]')
    expect(card.locator(".count")).to_have_text("1")
    shot("b-dashboard")
    with page.expect_navigation():
        card.click()
    row = page.locator("table.model-list tr", has_text="李调转")
    expect(row).to_contain_text(UNIT_A)
    with page.expect_navigation():
        row.locator('a[title="确认调转"]').click()
    expect(page.get_by_role("heading", name="确认调转")).to_be_visible()
    page.get_by_label("调入后所在部门").select_option(label="生产部")
    shot("confirm-form")
    with page.expect_navigation():
        page.get_by_role("button", name="确认调转").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已确认调转，李调转已调入{UNIT_B}")
    shot("confirmed")

    # 4. The person is now B's staff, and B's 调入记录 shows every step.
    page.goto("/admin/staff/")
    expect(page.locator("table.model-list tr", has_text="李调转")).to_contain_text("生产部")
    shot("b-staff")
    open_menu(page, "账户管理", "调转记录")
    row = page.locator("table.model-list tr", has_text="李调转")
    expect(row).to_contain_text("已完成")
    with page.expect_navigation():
        row.locator('a[title="查看记录"]').click()
    steps = page.locator("table.transfer-steps")
    for text in ("发起调转", "王管理（单位发起）", "人员调出审核", "人员调入审核", "确认调转", "赵管理"):
        expect(steps).to_contain_text(text)
    shot("b-record")
    logout(page)

    # 5. A keeps the record under 调出记录, and can no longer open the person.
    _login(page, admin_a.id_number)
    open_menu(page, "账户管理", "调转记录")
    with page.expect_navigation():
        page.locator(".transfer-tabs a", has_text="调出记录").click()
    expect(page.locator("table.model-list tr", has_text="李调转")).to_contain_text("已完成")
    shot("a-records")
    response = page.goto(f"/admin/staff/details/?id={person.id}")
    assert response.status == 404
    shot("a-person-gone")

    db.session.expire_all()
    moved = db.session.get(Person, person.id)
    assert moved.org_id == unit_b.id and moved.department.name == "生产部"
    assert db.session.scalar(select(Transfer.status)) == "completed"


def test_a_person_applies_from_the_staff_portal_and_withdraws(page, shot):
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    unit_a = make_org(UNIT_A, parent=province)
    make_org(UNIT_B, parent=province, region="青岛市")
    person = make_person(unit_a, "李申请")

    page.goto("/login")
    page.get_by_label("专业技术人员").check()
    page.get_by_label("账号（身份证号）").fill(person.id_number)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    with page.expect_navigation():
        page.get_by_role("link", name="调转申请").click()
    page.locator("#to_org_search").fill("青岛海岸")
    choice = page.locator(".org-search-menu .list-group-item-action", has_text=UNIT_B)
    expect(choice).to_have_count(1)
    shot("search")
    choice.click()
    page.get_by_label("调转原因").fill("家庭原因")
    with page.expect_navigation():
        page.get_by_role("button", name="提交调转申请").click()
    expect(page.get_by_role("alert")).to_contain_text("调转申请已提交")
    expect(page.locator("#active-transfer")).to_contain_text("待调出审核")
    shot("applied")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="撤销申请").click()
    expect(page.get_by_role("alert")).to_contain_text("调转申请已撤销")
    expect(page.locator("#transfer-history")).to_contain_text("已撤销")
    shot("withdrawn")
