"""The issue's journey in a real browser (F2 → F7 → F13 → F3): two staff register under a demo unit, its admin sees
待办事项 = 2, approves one and rejects the other with a reason; the approved one logs in, the rejected one is
told why at login."""
import re

from playwright.sync_api import expect

from demo import build_plan, load_demo
from demo.accounts import PASSWORD as DEMO_PASSWORD
from demo.ids import person_id_number

from .steps import login, logout, submit

UNIT = "济南市第一人民医院东院区"  # a demo unit with no registrations waiting
STAFF_PASSWORD = "Zhuce2026ok"
REASON = "所在科室填写有误，请选择急诊科后重新注册"
APPLICANTS = [("周子涵", 90_000_001, "急诊科"), ("吴明轩", 90_000_002, "财务处")]


def _register(page, name, id_number, department):
    page.goto("/register/person")
    page.locator("#name").fill(name)
    page.locator("#id_number").fill(id_number)
    page.locator("#employer_name").fill("东院区")
    page.locator(".org-picker-menu .list-group-item-action", has_text=UNIT).dispatch_event("mousedown")
    expect(page.locator("#department_id option", has_text=department)).to_be_attached()
    page.locator("#department_id").select_option(label=department)
    page.locator("#education").select_option("大学本科")
    page.locator("#title_series").select_option("卫生技术")
    page.locator("#title_level").select_option("中级")
    page.locator("#phone").fill("13905310" + id_number[-3:])
    page.locator("#email").fill(f"{id_number[-6:]}@example.cn")
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("#confirm").fill(STAFF_PASSWORD)
    submit(page, "提交注册")
    expect(page).to_have_url(re.compile(r"/register/done/"))


def _row(page, name):
    return page.locator("table.model-list tr", has_text=name)


def test_unit_admin_bulk_reviews_two_registrations(page, shot, live_server):
    load_demo()
    admin_id = next(a.id_number for a in build_plan().admins if a.org == "jn_first_east" and a.is_super)
    (approved, approved_id, _), (rejected, rejected_id, _) = [
        (name, person_id_number(seq), dept) for name, seq, dept in APPLICANTS]
    for name, seq, dept in APPLICANTS:
        _register(page, name, person_id_number(seq), dept)
    shot("registered")

    login(page, admin_id, DEMO_PASSWORD, user_type="用人单位")
    card = page.locator('[data-key="person_registration"]')
    expect(card.locator(".count")).to_have_text("2")
    shot("dashboard-two-waiting")
    with page.expect_navigation():
        card.click()
    expect(page.get_by_role("link", name=re.compile(r"待审核（2）"))).to_be_visible()
    shot("queue")

    _row(page, approved).locator("input.action-checkbox").check()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("button.bulk-action[data-action=approve]").click()
    expect(page.get_by_role("alert")).to_contain_text("已通过 1 条")

    _row(page, rejected).locator("input.action-checkbox").check()
    page.locator("button.bulk-action[data-action=reject]").click()
    expect(page.locator("#reason-modal")).to_be_visible()
    page.locator("#reason-submit").click()
    expect(page.locator("#reason-error")).to_have_text("请填写驳回原因")  # no reason, nothing sent
    page.locator("#reason-text").fill(REASON)
    shot("reject-reason")
    with page.expect_navigation():
        page.locator("#reason-submit").click()
    expect(page.get_by_role("alert")).to_contain_text("已驳回 1 条")
    expect(page.locator("table.model-list")).to_contain_text("暂无待审核的记录")

    page.get_by_role("link", name="已审核").click()
    expect(_row(page, rejected)).to_contain_text(REASON)
    expect(_row(page, approved)).to_contain_text("通过")
    shot("reviewed-tab")
    page.goto("/admin/")
    expect(card.locator(".count")).to_have_text("0")
    logout(page)

    login(page, approved_id, STAFF_PASSWORD, user_type="专业技术人员")
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_text(approved).first).to_be_visible()
    shot("approved-logs-in")
    logout(page)

    login(page, rejected_id, STAFF_PASSWORD, user_type="专业技术人员")
    expect(page.locator("#login-error")).to_contain_text(REASON)
    shot("rejected-sees-reason")
