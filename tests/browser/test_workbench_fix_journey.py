"""运维工作台 · 数据修正 in the browser: a 运维 finds a person by ID, fixes the 职称 (refused first without a
reason), unlocks nothing that is not locked, creates a unit without USCC; a 客服 sees the same page read-only."""
import re

from playwright.sync_api import expect

from models import Person, db

from ..helpers import make_account, make_admin, make_person
from .steps import login, open_menu, submit


def test_ops_fixes_a_title_with_a_reason_and_service_only_looks(page, shot, unit):
    person = make_person(unit.employer, "来电人", title_series="工程技术", title_level="中级")
    ops = make_account("运维小周", is_operator=True, operator_role="ops")
    service = make_account("客服小王", is_operator=True, operator_role="service")
    db.session.commit()

    login(page, ops.id_number, user_type="平台运维")
    open_menu(page, "运维工作台", "数据修正")
    page.get_by_label("身份证号或统一社会信用代码").fill(person.id_number)
    submit(page, "查找")
    expect(page.locator("#person-summary")).to_contain_text(person.id_number)
    page.locator("#fix-edit").get_by_label("职称级别").select_option("副高级")
    page.locator("#fix-edit").get_by_label("职称名称").fill("高级工程师")
    submit(page, "保存修改")
    expect(page.locator("#fix-edit .field-error")).to_contain_text("请填写原因")
    shot("reason-missing")
    page.locator("#fix-edit").get_by_label("原因").fill("本人来电，核对职称证书后更正")
    submit(page, "保存修改")
    expect(page.get_by_role("alert")).to_contain_text("已修改 来电人 的信息")
    shot("title-fixed")
    db.session.expire_all()
    assert db.session.get(Person, person.id).title_level == "副高级"

    page.goto(f"/admin/workbench/fix/unit/new?parent={unit.city.id}")
    page.get_by_label("单位名称").fill("济南某医院内设科室")
    page.get_by_label("无统一社会信用代码").check()
    page.get_by_label("单位性质").select_option(index=1)
    page.get_by_label("所属行业").select_option(index=1)
    page.get_by_label("所属地区").select_option(index=1)
    page.get_by_label("联系人").fill("刘联系")
    page.get_by_label("联系电话").fill("13800000001")
    page.get_by_label("原因").fill("该机构无统一社会信用代码，主管部门来函")
    submit(page, "新建")
    expect(page.locator("h4 .no-uscc")).to_have_text("无统一社会信用代码")
    shot("unit-without-uscc")

    # its superior's 下属机构管理 lists it, marked
    city_admin = make_admin(unit.city, "市管理")
    page.context.clear_cookies()
    login(page, city_admin.id_number, user_type="主管部门")
    open_menu(page, "账户管理", "下属机构管理")
    row = page.locator("tr", has_text="济南某医院内设科室")
    expect(row.locator(".no-uscc")).to_have_text("无统一社会信用代码")
    shot("subordinates-marked")

    page.context.clear_cookies()
    login(page, service.id_number, user_type="平台运维")
    page.goto(f"/admin/workbench/fix/person/?id={person.id}")
    expect(page.locator("#read-only-note")).to_contain_text("客服")
    expect(page.get_by_role("button", name="保存修改")).to_have_count(0)
    expect(page.locator("#fix-edit").get_by_label("姓名")).to_be_disabled()
    shot("service-read-only")
