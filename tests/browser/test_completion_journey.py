"""继教完成情况查询 in a real browser (F27) on the demo data: the unit admin of 济南市第一人民医院 reads the summary and
its chart, filters 未达标 for last year, drills into one person's 学习记录, exports the list, picks the 东院区 row of
the summary, then prints the year's certificates of the 达标 persons (F30) and opens one QR code's link in a fresh
browser, as anyone holding the paper would."""
import io
import re
import subprocess

from openpyxl import load_workbook
from playwright.sync_api import expect

from demo import accounts as documented
from demo import load_demo
from models import now
from models.spreadsheet.writing import download_name

from .conftest import SCREENSHOTS
from .steps import login, open_menu


def test_filter_drill_export_pick_a_unit_then_print_and_verify(browser, page, shot, live_server, tmp_path):
    load_demo()
    admin = documented.BY_KEY["employer_admin"]
    login(page, admin.id_number, documented.PASSWORD)
    open_menu(page, "查询统计", "继教完成情况查询")
    expect(page.locator(".unit-picker-input")).to_have_value("济南市第一人民医院")
    chart = page.locator("#completion-chart")
    expect(chart).to_have_attribute("data-chart-ready", "1")
    expect(chart.locator("svg")).to_contain_text("济南市第一人民医院东院区")  # SVG: the labels are text
    shot("summary-and-chart")

    last = str(now().year - 1)
    page.locator("#year-select").select_option(last)
    page.locator("#met-select").select_option("0")
    with page.expect_navigation():
        page.get_by_role("button", name="查询", exact=True).click()
    rows = page.locator("table.completion-people tbody tr")
    expect(rows.first).to_contain_text("未达标")
    expect(page.locator("table.completion-people .badge-success")).to_have_count(0)
    expect(page.locator(".completion-missing").first).to_contain_text("差")
    shot("not-met-last-year")

    # One who fell a few hours short: their 学习记录 of that year.
    short = page.locator("table.completion-people tbody tr", has=page.locator(".completion-missing",
                                                                                has_text=re.compile(r"差 [1-9] 学时$")))
    name = short.first.locator("td").first.inner_text()
    with page.expect_navigation():
        short.first.get_by_role("link", name="学习记录").click()
    expect(page.locator("table.completion-person")).to_contain_text(name)
    expect(page.locator("table.completion-records tbody tr").first).to_contain_text("已通过")
    expect(page.locator("h5").first).to_contain_text(f"{last}年完成情况")
    shot("learning-records")
    with page.expect_navigation():
        page.get_by_role("link", name="返回继教完成情况查询").click()
    expect(page.locator("#met-select")).to_have_value("0")

    with page.expect_download() as info:
        page.locator("#completion-export").click()
    assert info.value.suggested_filename == download_name(f"{last}年继教完成情况")
    ws = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).worksheets[0]
    shown = int(re.search(r"共 (\d+) 人", page.locator("h5", has_text="人员明细").inner_text()).group(1))
    values = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(values) == shown and {v[11] for v in values} == {"否"}

    with page.expect_navigation():
        page.locator("table.completion-units").get_by_role("link", name="济南市第一人民医院东院区").first.click()
    expect(page.locator(".unit-picker-input")).to_have_value("济南市第一人民医院东院区")
    expect(page.locator("table.completion-people tbody tr").first).to_contain_text("东院区")
    shot("picked-east-campus")

    # 电子证书查询打印 of the same year: everyone listed met the rule; all of them in one PDF (fewer than 200).
    open_menu(page, "查询统计", "电子证书查询打印")
    page.locator("select[name=year]").select_option(last)
    with page.expect_navigation():
        page.get_by_role("button", name="查询", exact=True).click()
    count = int(re.search(r"(\d+)", page.locator("#certificate-count strong").inner_text()).group(1))
    first = page.locator("#certificate-list tbody tr").first.locator("td").nth(1).inner_text()
    assert 0 < count <= 200
    with page.expect_download(timeout=120_000) as info:  # a hundred pages of WeasyPrint: seconds, not milliseconds
        page.get_by_role("button", name="打印全部符合条件").click(no_wait_after=True)
    pdf = tmp_path / "certificates.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("专业技术人员继续教育证书") == count and f"（{last}年度）" in text
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    page_png = next(tmp_path.glob("page-*.png"))
    url = subprocess.run(["zbarimg", "-q", "--raw", str(page_png)], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert re.fullmatch(re.escape(live_server.url) + r"/v/[A-Za-z0-9_-]{22}", url), url
    page.reload()
    expect(page.locator("#certificate-list tbody tr").first).to_contain_text(f"{last}01")  # numbered: year + 济南
    shot("certificates-printed")

    stranger = browser.new_context(locale="zh-CN")  # no session: whoever scans the paper
    try:
        check = stranger.new_page()
        check.goto(url)
        expect(check.locator("#check-result")).to_contain_text("证书有效")
        expect(check.locator("#certificate-check")).to_contain_text(first)
        expect(check.locator("body")).not_to_contain_text("身份证")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        check.screenshot(path=str(SCREENSHOTS / "completion-journey-qr-verified.png"), full_page=True)
    finally:
        stranger.close()


def test_the_city_reads_its_units_and_a_bar_opens_one(page, shot, live_server):
    load_demo()
    city = documented.BY_KEY["city_admin"]
    login(page, city.id_number, documented.PASSWORD, user_type="主管部门")
    page.goto("/admin/stats/completion/")
    chart = page.locator("#completion-chart")
    expect(chart).to_have_attribute("data-chart-ready", "1")
    units = page.locator("table.completion-units tbody tr")
    expect(units.first).to_contain_text("济南市人力资源和社会保障局")
    assert units.count() >= 5
    shot("city-summary")
    # The tallest bar is the unit with the most staff; clicking it narrows the page to that unit.
    bars = chart.locator("svg path")
    best, box = None, None
    for i in range(bars.count()):
        b, fill = bars.nth(i).bounding_box(), bars.nth(i).get_attribute("fill") or "none"
        if fill in ("none", "#000", "transparent") or not b or not 8 < b["width"] < 150:
            continue  # axes, the rate line, labels: not a bar
        if box is None or b["height"] > box["height"]:
            best, box = i, b
    assert best is not None
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 5)
    expect(page).to_have_url(re.compile(r"org=\d+"))
    expect(page.locator(".unit-picker-input")).not_to_have_value("济南市人力资源和社会保障局")
    shot("bar-opened-unit")
