"""职称系列分布查询 in the browser: a city's admin reads the table and both charts (SVG text), picks a hospital with
the keyboard in the unit tree, finds a unit by typing its name, narrows to a department, follows a count into
专技人员信息查询 and downloads the workbook with its native charts."""
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from sqlalchemy import func, select

from models import Person, db

from ..helpers import make_admin, make_department, make_org, make_person
from .steps import login, open_menu

STAFF = [("卫生技术", "正高级", 2), ("卫生技术", "副高级", 5), ("卫生技术", "中级", 9), ("卫生技术", "助理级", 6),
         ("卫生技术", "员级", 3), ("工程技术", "中级", 3), ("会计", "助理级", 4), ("会计", "中级", 2),
         ("经济", "中级", 2), ("中小学教师", "副高级", 1)]


def build():
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    city = make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province)
    first = make_org("济南市第一人民医院", parent=city)
    second = make_org("济南市第二人民医院", parent=city)
    make_org("济南市第一人民医院东院区", parent=first)
    wards = [make_department(first, "内科"), make_department(first, "外科")]
    n = 0
    for series, level, count in STAFF:
        for i in range(count):
            n += 1
            make_person(first if n % 3 else second, f"人员{n}", title_series=series, title_level=level,
                        department=wards[n % 2] if n % 3 else None)
    make_person(make_org("青岛市市立医院", parent=province), "外市人员", title_series="档案", title_level="员级")
    admin = make_admin(city, "市管理员")
    db.session.commit()
    return admin


def chart_text(page, selector):
    chart = page.locator(selector)
    expect(chart).to_have_attribute("data-chart-ready", "1")
    return chart.locator("svg").evaluate("n => n.textContent")


def watch(page):
    """Script errors, CSP violations and failed requests of the journey (see test_csp.py)."""
    problems = []
    page.on("console", lambda m: problems.append((page.url, m.text))
            if (m.type == "error" or "Content Security Policy" in m.text)
            and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append((r.url, r.status))
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return problems


def test_the_city_admin_reads_picks_drills_and_exports(page, shot, tmp_path):
    admin = build()
    problems = watch(page)
    login(page, admin.id_number, user_type="主管部门")
    open_menu(page, "查询统计", "职称系列分布查询")
    expect(page.locator("#dist-total")).to_have_text("37")
    assert "档案" not in page.locator("#title-distribution").inner_text()
    bar, pie = chart_text(page, "#chart-bar"), chart_text(page, "#chart-pie")
    assert "卫生技术" in bar and "副高级" in bar and "卫生技术" in pie and "档案" not in bar + pie
    shot("city")

    # The tree with the keyboard: ↓ opens it, → opens the city, ↓ to its first unit, Enter picks and submits.
    picker = page.get_by_label("单位", exact=True)
    picker.focus()
    picker.press("ArrowDown")
    city = page.get_by_role("treeitem", name=re.compile("济南市人力资源和社会保障局"))
    expect(city).to_be_focused()
    page.keyboard.press("ArrowRight")
    first = page.get_by_role("treeitem", name=re.compile("^▸?济南市第一人民医院$"))
    expect(first).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(first).to_be_focused()
    shot("tree")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(picker).to_have_value("济南市第一人民医院")
    first_total = int(page.locator("#dist-total").inner_text())
    assert 0 < first_total < 37

    # Typing a name's beginning finds the unit anywhere in the subtree, with its parent as a hint.
    picker.fill("济南市第二")
    hit = page.get_by_role("treeitem", name=re.compile("济南市第二人民医院"))
    expect(hit).to_contain_text("济南市人力资源和社会保障局")
    shot("search")
    with page.expect_navigation():
        picker.press("Enter")
    expect(picker).to_have_value("济南市第二人民医院")
    assert int(page.locator("#dist-total").inner_text()) == 37 - first_total

    # Back to the first hospital, its 内科 only.
    picker.fill("济南市第一人民医院")
    with page.expect_navigation():
        picker.press("Enter")
    page.get_by_label("部门").select_option(label="内科")
    with page.expect_navigation():
        page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("#dist-scope")).to_contain_text("济南市第一人民医院 · 内科")
    dept_total = int(page.locator("#dist-total").inner_text())
    chart_text(page, "#chart-pie")
    shot("department")

    # A count opens exactly its persons in the staff query.
    cell = page.locator("#title-distribution tbody tr", has_text="卫生技术").locator("td a").first
    expected = int(cell.inner_text())
    with page.expect_navigation():
        cell.click()
    expect(page).to_have_url(re.compile(r"/admin/staff/\?"))
    expect(page.locator("td.col-name")).to_have_count(expected)
    shot("drill")
    page.go_back()

    with page.expect_download() as info:
        page.get_by_role("link", name="导出数据").click()
    assert info.value.suggested_filename.startswith("职称系列分布_济南市第一人民医院")
    info.value.save_as(tmp_path / "dist.xlsx")
    ws = load_workbook(tmp_path / "dist.xlsx").active
    assert sorted(type(c).__name__ for c in ws._charts) == ["BarChart", "PieChart"]
    totals = next(row for row in ws.iter_rows(values_only=True) if row[0] == "合计")
    assert totals[7] == dept_total
    assert not problems, problems


def test_the_operator_reads_the_demo_province(page, shot):
    """The demo as loaded: the province's 29 series in one table and its charts; 全省 first in the tree."""
    from demo import accounts as documented
    from demo import load_demo

    load_demo()
    db.session.commit()
    problems = watch(page)
    operator = documented.BY_KEY["operator"]
    login(page, operator.id_number, documented.PASSWORD, user_type="平台运维")
    page.goto("/admin/stats/title-distribution/")
    expect(page.get_by_label("单位", exact=True)).to_have_value("全省")
    total = db.session.scalar(select(func.count()).select_from(Person).where(Person.status == "approved"))
    expect(page.locator("#dist-total")).to_have_text(str(total))
    chart_text(page, "#chart-bar")
    chart_text(page, "#chart-pie")
    shot("province")
    page.get_by_role("button", name="选择单位").click()
    tree = page.get_by_role("tree", name="单位树")
    expect(tree.get_by_role("treeitem").first).to_have_text("全省")
    expect(tree.get_by_role("treeitem").nth(1)).to_contain_text("山东省人力资源和社会保障厅")
    shot("province-tree")
    page.keyboard.press("Escape")
    expect(tree).to_be_hidden()
    # With the mouse: the triangle opens a unit, its name picks it.
    page.get_by_role("button", name="选择单位").click()
    province = tree.get_by_role("treeitem").nth(1)
    province.locator(".unit-picker-twist").click()
    expect(province).to_have_attribute("aria-expanded", "true")
    child = province.get_by_role("treeitem").first
    name = child.locator(".unit-picker-name").inner_text()
    with page.expect_navigation():
        child.locator(".unit-picker-name").click()
    expect(page.get_by_label("单位", exact=True)).to_have_value(name)
    assert not problems, problems
