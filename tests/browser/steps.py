"""Steps every browser journey takes: submit a form, log in as a user type, log out, open a menu entry."""
import re

from playwright.sync_api import expect

from ..helpers import PASSWORD


def submit(page, button_name):
    """Click and wait for the next document: a refused form re-renders the same URL, often with the same message."""
    with page.expect_navigation():
        page.get_by_role("button", name=button_name).click()


def login(page, id_number, password=PASSWORD, user_type="用人单位"):
    page.goto("/login")
    page.get_by_label(user_type).check()
    page.get_by_label("账号（身份证号）").fill(id_number)
    page.get_by_label("密码").fill(password)
    submit(page, "登录")


def logout(page):
    page.locator("#user-menu > a").click()
    submit(page, "退出登录")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text("您已安全退出")


def open_menu(page, category, entry):
    page.locator("#admin-navbar-collapse a.dropdown-toggle", has_text=category).click()
    with page.expect_navigation():
        page.locator("#admin-navbar-collapse a.dropdown-item").get_by_text(entry, exact=True).click()
