"""The Content-Security-Policy holds in a real browser: the login page, the dashboard, a list's filters and a
delete confirm work, and Chromium reports no violation and no script error on the way."""
from playwright.sync_api import expect

from models import Department, db

from ..helpers import make_admin, make_department, make_org, make_person
from .steps import login


def test_pages_run_under_the_csp_without_violations(page, live_server, shot):
    city = make_org("济南市人力资源和社会保障局", kind="supervisor")
    unit = make_org("济南示范科技有限公司", parent=city)
    admin = make_admin(unit, "王管理")
    dept_id = make_department(unit, "临时部门").id
    make_person(unit, "张静")
    db.session.commit()

    problems, dialogs = [], []
    # Chromium logs the browser's own favicon request as a failed resource; any other error counts.
    page.on("console", lambda m: problems.append((page.url, m.text, m.location))
            if (m.type == "error" or "Content Security Policy" in m.text)
            and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append((r.url, r.status))
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    login(page, admin.id_number)
    expect(page.locator("#todo")).to_be_visible()

    page.goto("/admin/staff/")
    page.get_by_text("添加筛选器").click()
    page.locator(".field-filters a.filter", has_text="姓名").click()
    expect(page.locator("#filter_form")).to_contain_text("姓名")
    assert page.url.endswith("/admin/staff/"), "a filter item followed its link"
    shot("filter-added")

    page.goto("/admin/departments/")
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_title("删除记录").first.click()
    expect(page.get_by_text("临时部门")).to_be_visible()
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    with page.expect_navigation():
        page.get_by_title("删除记录").first.click()
    expect(page.get_by_role("alert").first).to_be_visible()
    shot("deleted")

    assert dialogs == ["你确定要删除这条记录吗？"] * 2
    db.session.expire_all()
    assert db.session.get(Department, dept_id) is None
    assert not problems, "\n".join(map(str, problems))
