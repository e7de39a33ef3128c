"""岗位培训 in the browser (F21 批量导入): a unit admin declares 30 staff by importing the downloaded template, filled
in with 30 rows and 2 wrong ones (someone of another unit, a name that is not the registered one), reads the two
errors by row and column, downloads them, attaches the proof PDF and submits; the superior (the city's admin)
approves the 30 records at once in 学时审核, and the 30 show 已通过."""
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

from models import CreditRecord, db
from models.hours import participants
from models.hours.catalogue import seed_catalogue

from ..helpers import make_admin, make_org, make_person
from .steps import login, logout, open_menu, submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def filled(template: bytes, rows) -> bytes:
    """The downloaded template filled in below its example row, as a user does."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    for r, values in enumerate(rows, 3):
        for c, value in enumerate(values, 1):
            ws.cell(r, c, value).number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def script_problems(page) -> list:
    """Every CSP violation and script error the pages report (Chromium's own favicon request aside)."""
    problems = []
    page.on("console", lambda m: problems.append((page.url, m.text)) if (
        m.type == "error" or "Content Security Policy" in m.text)
        and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append((page.url, str(e))))
    return problems


def test_post_training_for_30_people_by_import_then_approved_in_bulk(app, page, shot, tmp_path):
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "attachments")
    seed_catalogue()
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    city = make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province)
    unit = make_org("济南示范科技有限公司", parent=city)
    branch = make_org("济南示范科技有限公司历下分公司", parent=unit)
    other = make_org("青岛其他制造有限公司", parent=province)
    staff = [make_person(unit if i % 3 else branch, f"员工{i:02d}") for i in range(30)]
    stranger = make_person(other, "外单位人员")
    misnamed = make_person(unit, "孙登记")
    admin = make_admin(unit, "王管理")
    city_admin = make_admin(city, "市管理")
    db.session.commit()
    problems = script_problems(page)

    login(page, admin.id_number)
    open_menu(page, "学时（分）申报", "学时申报", section="学时（分）申报")
    section = page.locator("#participants-import")
    page.locator("#category").select_option("专业科目")
    page.locator("#form_id").select_option(label="面授培训")
    expect(section).to_be_hidden()  # 批量导入 is 岗位培训's alone
    page.locator("#form_id").select_option(label="岗位培训")
    expect(section).to_be_visible()
    expect(page.locator("#f_days")).to_be_visible()
    end = date.today() - timedelta(days=1)
    page.locator("#title").fill("2026年安全生产岗位培训")
    page.locator("#start_date").fill((end - timedelta(days=2)).isoformat())
    page.locator("#end_date").fill(end.isoformat())
    page.locator("#f_organizer").fill("济南示范科技有限公司")
    page.locator("#f_place").fill("公司培训中心")
    page.locator("#f_days").fill("3")
    shot("post-training-chosen")

    with page.expect_download() as info:
        section.get_by_role("link", name="下载模板").click()
    template = open(info.value.path(), "rb").read()
    rows = [[p.name, p.id_number, "生产部"] for p in staff]
    rows.insert(10, [stranger.name, stranger.id_number, ""])       # file row 13
    rows.insert(20, ["孙等级", misnamed.id_number, ""])               # row 23: not the registered name
    section.locator("#participants-file").set_input_files(
        {"name": "参训人员名单.xlsx", "mimeType": "application/octet-stream", "buffer": filled(template, rows)})
    section.get_by_role("button", name="校验并添加").click()
    status = section.locator("#participants-status")
    expect(status).to_contain_text("已添加 30 人")
    expect(status).to_contain_text("2 行有误")
    errors = section.locator("#participants-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("第 13 行")
    expect(errors.nth(0)).to_contain_text(participants.NOT_OURS)
    expect(errors.nth(1)).to_contain_text("第 23 行")
    expect(errors.nth(1)).to_contain_text("姓名与该身份证号登记的姓名（孙登记）不一致")
    expect(page.locator("#applicants option:checked")).to_have_count(30)
    expect(page.locator("#applicants-count")).to_have_text("30")  # the picker heard the change
    shot("imported-with-two-errors")

    with page.expect_download() as info:
        section.get_by_role("link", name="导出错误行").click()
    failed = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).worksheets[0]
    assert [c.value for c in failed[1]] == ["姓名*", "身份证号*", "所在部门", "错误原因"]
    assert [r[1] for r in failed.iter_rows(min_row=2, values_only=True)] == [stranger.id_number, misnamed.id_number]

    # The same file again adds nobody twice.
    section.locator("#participants-file").set_input_files(
        {"name": "参训人员名单.xlsx", "mimeType": "application/octet-stream", "buffer": filled(template, rows[:5])})
    section.get_by_role("button", name="校验并添加").click()
    expect(status).to_contain_text("已添加 0 人（另有 5 人已在申请人中）")
    expect(page.locator("#applicants option")).to_have_count(30)

    page.locator("#files").set_input_files({"name": "培训通知.pdf", "mimeType": "application/pdf", "buffer": PDF})
    shot("ready-to-submit")
    submit(page, "提交申报")
    expect(page.get_by_role("alert").first).to_contain_text("已提交 30 人的学时申报")
    shot("declared")
    records = db.session.query(CreditRecord).all()
    assert len(records) == 30 and {r.review_org_id for r in records} == {city.id}
    assert {r.person_id for r in records} == {p.id for p in staff}
    assert {r.status for r in records} == {"pending"}

    logout(page)
    login(page, city_admin.id_number, user_type="主管部门")
    review_in_bulk(page, shot)
    db.session.expire_all()
    assert {r.status for r in db.session.query(CreditRecord).all()} == {"approved"}
    assert not problems


def review_in_bulk(page, shot):
    """学时审核: the 30 pending records over two pages, every one of them selected at once and approved."""
    open_menu(page, "学时（分）审核", "学时审核")
    expect(page.locator(".credit-tabs .nav-link.active")).to_have_text("待审核（30）")
    expect(page.locator("table.model-list tbody tr")).to_have_count(20)
    shot("review-queue")
    page.locator("input.action-rowtoggle").check()
    page.locator("#select-all-link").click()
    expect(page.locator("#select-all-on")).to_contain_text("已选择全部符合当前筛选条件的 30 条记录")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("button.bulk-action[data-action=approve]").click()
    expect(page.get_by_role("alert").first).to_contain_text("已通过 30 条")
    shot("approved-in-bulk")
    with page.expect_navigation():
        page.locator(".credit-tabs .nav-link", has_text="已通过").click()
    expect(page.locator(".credit-tabs .nav-link.active")).to_have_text("已通过（30）")
    expect(page.locator("table.model-list tbody tr", has_text="已通过")).to_have_count(20)
    shot("approved-list")


def test_a_list_over_the_job_threshold_is_checked_in_the_background(app, page, shot, tmp_path):
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    app.config["IMPORT_JOB_ROWS"] = 3
    seed_catalogue()
    city = make_org("济南市人力资源和社会保障局", kind="supervisor")
    unit = make_org("济南示范科技有限公司", parent=city)
    staff = [make_person(unit, f"职工{i}") for i in range(5)]
    admin = make_admin(unit, "王管理")
    db.session.commit()
    problems = script_problems(page)
    try:
        login(page, admin.id_number)
        page.goto("/admin/hours/declare/")
        page.locator("#category").select_option("专业科目")
        page.locator("#form_id").select_option(label="岗位培训")
        section = page.locator("#participants-import")
        with page.expect_download() as info:
            section.get_by_role("link", name="下载模板").click()
        data = filled(open(info.value.path(), "rb").read(), [[p.name, p.id_number, ""] for p in staff]
                      + [["无此人", "11010519491231002X", ""]])
        with page.expect_response(lambda r: "/admin/jobs/" in r.url and r.url.endswith(".json")):
            section.locator("#participants-file").set_input_files(
                {"name": "名单.xlsx", "mimeType": "application/octet-stream", "buffer": data})
            section.get_by_role("button", name="校验并添加").click()
        expect(section.locator("#participants-status")).to_contain_text("已添加 5 人")
        expect(section.locator("#participants-errors tbody tr")).to_have_count(1)
        expect(page.locator("#applicants option:checked")).to_have_count(5)
        shot("checked-as-a-job")
        assert not problems
    finally:
        app.config.pop("IMPORT_JOB_ROWS")
