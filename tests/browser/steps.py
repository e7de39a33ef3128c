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


def open_menu(page, category, entry, section=None):
    """Open ``category``'s dropdown and click ``entry``; ``section`` names the heading it stands under when two
    sections hold an entry of that name (学时（分）申报 › 学时申报 and 单位培训计划 › 学时申报). Without it the name
    must be unique in the menu."""
    page.locator("#admin-navbar-collapse a.dropdown-toggle", has_text=category).click()
    if section is None:
        link = page.locator("#admin-navbar-collapse a.dropdown-item").get_by_text(entry, exact=True)
    else:
        link = page.locator(f"xpath=//*[@id='admin-navbar-collapse']//h6[normalize-space()='{section}']/parent::li"
                            f"/following-sibling::li/a[normalize-space()='{entry}']").first
    with page.expect_navigation():
        link.click()
