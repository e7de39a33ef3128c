"""批量导入 and 导出 in a real browser (F28/F29, seed §5.4.3.1): a unit admin downloads the template, fills in 50
people of whom 3 are wrong, sees the errors by row and column, imports the 47 good ones, downloads the failed rows,
fixes them and imports them; then exports the staff list as a background job and watches its progress bar to the
end."""
import io
import signal

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select

from demo.ids import id_number
from models import Person, db
from models.job_queue import consumer, make_huey

from ..helpers import make_admin, make_department, make_org
from .steps import login, open_menu, submit

UNIT = "济南示范科技有限公司"


def _header_index(ws):
    return {str(c.value).strip().strip("*").strip(): c.column for c in ws[1] if c.value}


def _fill_template(path, people):
    """What the admin does in Excel: fills the downloaded template below its header (the example row replaced)."""
    book = load_workbook(path)
    ws = book.worksheets[0]
    cols = _header_index(ws)
    ws.delete_rows(2, ws.max_row)
    for r, person in enumerate(people, start=2):
        for label, value in person.items():
            ws.cell(row=r, column=cols[label], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _person(i, **kw):
    return {"姓名": f"导入{i:02d}号", "身份证号": id_number(700000 + i), "所在部门": "检验科", "学历": "大学本科",
            "职称系列": "卫生技术", "职称级别": "中级", "手机号": f"1380000{i:04d}", **kw}


def test_template_upload_errors_import_failed_rows_fix_and_export(app, page, shot, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    city = make_org("济南市人力资源和社会保障局", kind="supervisor")
    unit = make_org(UNIT, parent=city)
    boss = make_admin(unit, "王管理")
    make_department(unit, "检验科")
    db.session.commit()

    login(page, boss.id_number)
    open_menu(page, "查询统计", "专技人员信息查询")
    page.locator("#staff-import").click()
    expect(page.get_by_role("heading", name="批量导入专技人员信息")).to_be_visible()
    with page.expect_download() as info:
        page.locator("#download-template").click()
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    assert info.value.suggested_filename.endswith(".xlsx") and "专技人员" in info.value.suggested_filename

    people = [_person(i) for i in range(1, 51)]
    people[4]["身份证号"] = people[4]["身份证号"][:-1] + ("0" if people[4]["身份证号"][-1] != "0" else "1")
    people[19]["所在部门"] = "不存在的科室"
    people[36]["手机号"] = "12345"
    upload = tmp_path / "staff.xlsx"
    upload.write_bytes(_fill_template(template, people))

    page.locator("#upload-form input[type=file]").set_input_files(str(upload))
    shot("upload")
    submit(page, "上传并预览")
    expect(page.locator("#count-total")).to_have_text("50")
    expect(page.locator("#count-valid")).to_have_text("47")
    expect(page.locator("#count-invalid")).to_have_text("3")
    errors = page.locator("#error-table tbody tr")
    expect(errors).to_have_count(3)
    # row numbers as in the file: the header is row 1, so people[4] is row 6
    expect(errors.nth(0)).to_contain_text("6")
    expect(errors.nth(0)).to_contain_text("身份证号")
    expect(errors.nth(1)).to_contain_text("21")
    expect(errors.nth(1)).to_contain_text("所在部门")
    expect(errors.nth(1)).to_contain_text("不存在的科室")
    expect(errors.nth(2)).to_contain_text("38")
    expect(errors.nth(2)).to_contain_text("手机号")
    expect(page.get_by_role("button", name="全部正确才导入")).to_be_disabled()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0, "the preview writes nothing"
    shot("preview-with-errors")

    with page.expect_download() as info:
        page.locator("#failed-rows").click()
    failed = tmp_path / "failed.xlsx"
    info.value.save_as(failed)

    page.locator("#password").fill("Init2026ab")
    page.locator("#confirm").fill("Init2026ab")
    submit(page, "仅导入正确的行（47 行）")
    expect(page.locator("#count-created")).to_contain_text("47")
    expect(page.locator("#count-skipped")).to_contain_text("3")
    shot("imported-47")
    assert db.session.scalar(select(func.count()).select_from(Person)) == 47

    # The failed rows: the admin fixes each one where the 错误原因 column says, and uploads the same file.
    book = load_workbook(failed)
    ws = book.worksheets[0]
    cols = _header_index(ws)
    assert ws.max_row == 4 and "错误原因" in cols
    for r in range(2, 5):
        name = ws.cell(row=r, column=cols["姓名"]).value
        i = int(name[2:4])
        ws.cell(row=r, column=cols["身份证号"], value=id_number(700000 + i))
        ws.cell(row=r, column=cols["所在部门"], value="检验科")
        ws.cell(row=r, column=cols["手机号"], value=f"1380000{i:04d}")
    fixed = tmp_path / "fixed.xlsx"
    book.save(fixed)
    page.get_by_role("link", name="继续导入").click()
    page.locator("#upload-form input[type=file]").set_input_files(str(fixed))
    submit(page, "上传并预览")
    expect(page.locator("#count-valid")).to_have_text("3")
    expect(page.locator("#count-invalid")).to_have_text("0")
    page.locator("#password").fill("Init2026ab")
    page.locator("#confirm").fill("Init2026ab")
    submit(page, "全部正确才导入")
    expect(page.locator("#count-created")).to_contain_text("3")
    shot("imported-the-fixed-rows")
    assert db.session.scalar(select(func.count()).select_from(Person)) == 50

    # A large export: over the threshold it runs as a job with a real worker; the page follows its bar.
    import admin_views.export as export

    app.extensions["huey"] = huey = make_huey(app, store="sqlite", filename=tmp_path / "queue.sqlite3")
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    worker = consumer(huey)
    threshold, export.EXPORT_SYNC_ROWS = export.EXPORT_SYNC_ROWS, 20
    worker.start()
    try:
        open_menu(page, "查询统计", "专技人员信息查询")
        with page.expect_navigation():
            page.locator("#export-xlsx").click()
        bar = page.locator(".job-progress .progress-bar")
        expect(page.locator(".job-status-label")).to_have_text("已完成")
        expect(bar).to_have_text("100%")
        page.wait_for_timeout(700)  # Bootstrap's bar slides to its width
        shot("export-done")
        with page.expect_download() as info:
            page.locator(".job-download").click()
        assert info.value.suggested_filename.startswith("专技人员信息_")
        out = tmp_path / "export.xlsx"
        info.value.save_as(out)
        rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
        assert len(rows) == 51 and rows[0][0] == "姓名"
        assert {r[1] for r in rows[1:]} == {id_number(700000 + i) for i in range(1, 51)}
    finally:
        export.EXPORT_SYNC_ROWS = threshold
        worker.stop(graceful=True)
        for s, handler in handlers.items():
            signal.signal(s, handler)
