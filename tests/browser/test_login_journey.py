"""The issue's journey in a real browser: a unit admin logs in, changes the password, logs out and back in (F3–F5)."""
import re

from playwright.sync_api import expect

from models import Account, db

from ..helpers import PASSWORD, make_admin, make_org
from .steps import login, logout, submit

NEW_PASSWORD = "Xinmima2026"
UNIT = "济南示范科技有限公司"


def _setup_unit_admin():
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    city = make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province)
    unit = make_org(UNIT, parent=city)
    return make_admin(unit, "王管理")


def _field_error(page, field_id):
    return page.locator(".form-group", has=page.locator(f"#{field_id}")).locator(".field-error")


def _expect_dashboard(page):
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="待办事项")).to_be_visible()
    expect(page.locator("#unit-menu > a")).to_have_text(UNIT)


def test_unit_admin_logs_in_changes_password_and_logs_out(page, shot):
    admin = _setup_unit_admin()
    id_number = admin.id_number

    page.goto("/login")
    expect(page.get_by_label("用人单位")).to_be_checked()
    shot("login-form")
    login(page, id_number, PASSWORD)
    _expect_dashboard(page)
    expect(page.locator("#user-menu > a")).to_have_text("王管理")
    shot("dashboard")

    page.locator("#unit-menu > a").click()
    expect(page.get_by_role("link", name="修改密码")).to_be_visible()
    shot("unit-menu-open")
    page.get_by_role("link", name="修改密码").click()
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()

    page.locator("#current_password").fill("Cuowu12345")
    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    submit(page, "保存")
    expect(_field_error(page, "current_password")).to_have_text("原密码不正确")
    shot("wrong-current-password")

    page.locator("#current_password").fill(PASSWORD)
    page.locator("#new_password").fill("abcdefghij")
    page.locator("#confirm").fill("abcdefghij")
    submit(page, "保存")
    expect(_field_error(page, "new_password")).to_have_text("密码须同时包含字母和数字")
    expect(_field_error(page, "current_password")).to_have_count(0)
    shot("password-policy")

    page.locator("#current_password").fill(PASSWORD)
    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    submit(page, "保存")
    _expect_dashboard(page)
    expect(page.get_by_role("alert")).to_contain_text("密码修改成功")
    shot("password-changed")

    page.locator("#user-menu > a").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    shot("user-menu-open")
    submit(page, "退出登录")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text("您已安全退出")
    shot("logged-out")

    login(page, id_number, NEW_PASSWORD)
    _expect_dashboard(page)
    shot("new-password-login")
    logout(page)

    login(page, id_number, PASSWORD)
    expect(page.locator("#login-error")).to_contain_text("账号或密码错误")
    expect(page).to_have_url(re.compile(r"/login$"))
    shot("old-password-refused")


def test_five_wrong_passwords_lock_the_account(page, shot):
    admin = _setup_unit_admin()
    id_number = admin.id_number

    for attempt in range(1, 5):
        login(page, id_number, f"Cuowu{attempt}2345")
        expect(page.locator("#login-error")).to_contain_text("账号或密码错误")
    shot("fourth-wrong-password")
    login(page, id_number, "Cuowu52345")
    expect(page.locator("#login-error")).to_have_text(re.compile("该账号因多次密码错误已被锁定"))
    shot("locked")

    # Locked means locked: the right password is refused too, and the database agrees.
    login(page, id_number, PASSWORD)
    expect(page.locator("#login-error")).to_have_text(re.compile("该账号因多次密码错误已被锁定"))
    expect(page).to_have_url(re.compile(r"/login$"))
    shot("locked-right-password")
    db.session.expire_all()
    assert db.session.get(Account, admin.id).is_locked
