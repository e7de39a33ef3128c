"""运维工作台 in a real browser (F32): the operator searches by an ID prefix, opens the person's 360° page, goes on to
the unit's, and comes back to search by a unit's name."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from models import Account, db, now

from ..helpers import make_account, make_admin, make_department, make_org, make_person
from ..workbench.conftest import li, person_with  # noqa: F401 (li: a fixture)
from .steps import login, open_menu, submit


def test_search_and_360_pages(page, shot):
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    city = make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province)
    hospital = make_org("济南市第一人民医院", parent=city)
    make_admin(hospital, "王管理")
    heart = make_department(hospital, "心血管内科")
    li = person_with(hospital, "李寻欢", "370102199001011234", "13912345678", department_id=heart.id,
                     title_series="卫生技术")
    person_with(hospital, "李寻常", "370102199202023456", "13912340000")
    for i in range(3):
        make_person(hospital, f"张护士{i}")
    account = db.session.get(Account, li.account_id)
    account.locked_until = now() + timedelta(minutes=15)
    account.last_login_at = now() - timedelta(days=1)
    db.session.commit()
    operator = make_account("周敏", is_operator=True)

    login(page, operator.id_number, user_type="平台运维")
    open_menu(page, "运维工作台", "全局搜索")
    page.get_by_label("身份证号、姓名、手机号、统一社会信用代码或单位名称").fill("3701021990")
    shot("search-box")
    submit(page, "搜索")
    persons = page.locator("section[data-kind='person'] tbody tr")
    expect(persons).to_have_count(1)
    expect(persons.first).to_contain_text("李寻欢")
    expect(page.locator("section[data-kind='account']")).to_contain_text("李寻欢")
    shot("id-prefix-results")

    with page.expect_navigation():
        persons.first.get_by_role("link", name="李寻欢").click()
    expect(page.get_by_role("heading", name="人员 360° · 李寻欢")).to_be_visible()
    expect(page.locator("#account-lock")).to_contain_text("已锁定")
    expect(page.locator("#person-department")).to_contain_text("心血管内科")
    expect(page.locator("#fix-card")).to_contain_text("处理")
    shot("person-360")

    with page.expect_navigation():
        page.locator("#person-unit a").click()
    expect(page.get_by_role("heading", name="单位 360° · 济南市第一人民医院")).to_be_visible()
    expect(page.locator("#staff-counts")).to_contain_text("已审核 5")
    expect(page.locator("#unit-parent")).to_contain_text("济南市人力资源和社会保障局")
    shot("unit-360")

    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("返回全局搜索")).click()
    page.get_by_label("身份证号、姓名、手机号、统一社会信用代码或单位名称").fill("济南")
    submit(page, "搜索")
    units = page.locator("section[data-kind='unit'] tbody tr")
    expect(units).to_have_count(2)
    shot("unit-name-results")


def test_person_360_with_every_section_filled(page, shot, li, unit):
    """李四 (tests/workbench/conftest.py): hours, a certificate, a change request, a transfer, an admin membership."""
    operator = make_account("周敏", is_operator=True)
    login(page, operator.id_number, user_type="平台运维")
    page.goto(f"/admin/workbench/?q={li.name}")
    with page.expect_navigation():
        page.locator("section[data-kind='person']").get_by_role("link", name=li.name).click()
    expect(page.locator("table.hour-records tbody tr")).to_have_count(3)
    expect(page.locator("table.transfers")).to_contain_text("待调出审核")
    expect(page.locator("table.change-requests")).to_contain_text("副高级")
    expect(page.locator("table.memberships")).to_contain_text("学时审核员")
    expect(page.locator("table.year-hours")).to_contain_text("是")
    shot("person-360-full")
    with page.expect_navigation():
        page.locator("table.hour-records tbody tr").first.get_by_role("link", name="查看").click()
    expect(page.locator("body")).to_contain_text(li.name)
    shot("record-details")
