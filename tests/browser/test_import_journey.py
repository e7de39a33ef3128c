"""批量导入 in the browser: a unit admin downloads the template, uploads 50 rows of which 3 are wrong, reads the errors
by row and column, imports the 47, downloads the failed rows, fixes them and imports them; and a file over the job
threshold goes through the job pages, which continue to the preview and to the result by themselves."""
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from demo.ids import id_number
from models import Person, db
from models.validators import id_check_digit

from ..helpers import file_queue, job_worker, make_admin, make_department, make_org
from .steps import login, open_menu, submit

INITIAL = "Init1234x"


def filled(template: bytes, rows) -> bytes:
    """The downloaded template, filled in as a user does: below the example row, which is left in place."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    for r, values in enumerate(rows, 3):
        for c, value in enumerate(values, 1):
            ws.cell(r, c, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def person_row(i, department="研发部"):
    return [f"员工{i:02d}", id_number(700_000 + i), None, None, department, "大学本科", None, "工程技术", "工程师", "中级",
            None, None, f"139{i:08d}", None]


def upload(page, data, name):
    page.locator("input[type=file]").set_input_files({"name": name, "mimeType": "application/octet-stream",
                                                      "buffer": data})
    submit(page, "上传并预览")


def test_template_upload_errors_import_fix_and_import_again(app, page, shot, tmp_path):
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    unit = make_org("济南示范科技有限公司")
    make_department(unit, "研发部")
    admin = make_admin(unit, "王管理")
    db.session.commit()
    login(page, admin.id_number)
    open_menu(page, "查询统计", "专技人员信息查询")
    with page.expect_navigation():
        page.get_by_role("link", name="批量导入").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载模板").click()
    template = open(info.value.path(), "rb").read()
    shot("upload-form")

    rows = [person_row(i) for i in range(50)]
    rows[9][1] = rows[9][1][:17] + ("0" if rows[9][1][17] != "0" else "1")  # file row 12: check digit
    rows[19][4] = "市场部"                                                  # row 22: no such department
    rows[29][12] = "1390000"                                               # row 32: phone
    upload(page, filled(template, rows), "专技人员.xlsx")
    expect(page.locator("#count-valid")).to_have_text("47")
    expect(page.locator("#count-invalid")).to_have_text("3")
    expect(page.get_by_text("第2行与模板中的示例行相同，已忽略")).to_be_visible()
    errors = page.locator("#error-table tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("12身份证号")
    expect(errors.nth(1)).to_contain_text("22所在部门市场部本单位没有名为“市场部”的部门")
    expect(errors.nth(2)).to_contain_text("32手机号1390000")
    expect(page.get_by_role("button", name="全部正确才导入")).to_be_disabled()
    shot("preview-with-errors")

    page.get_by_label("新账号的初始密码").fill(INITIAL)
    page.get_by_label("确认初始密码").fill(INITIAL)
    submit(page, "仅导入正确的行（47 行）")
    expect(page.locator("#count-created")).to_have_text("47 行")
    expect(page.locator("#count-skipped")).to_have_text("3 行")
    shot("result")
    with page.expect_download() as info:
        page.get_by_role("link", name="导出未导入的行").click()
    failed = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    ws = failed.worksheets[0]
    assert [ws.cell(r, 1).value for r in range(2, 5)] == ["员工09", "员工19", "员工29"]
    assert ws.cell(1, 15).value == "错误原因" and "身份证号校验位错误" in ws.cell(2, 15).value
    ws.cell(2, 2).value = ws.cell(2, 2).value[:17] + id_check_digit(ws.cell(2, 2).value[:17])
    ws.cell(3, 5).value = "研发部"
    ws.cell(4, 13).value = "13900000029"
    fixed = io.BytesIO()
    failed.save(fixed)

    with page.expect_navigation():
        page.get_by_role("link", name="继续导入").click()
    upload(page, fixed.getvalue(), "改正后.xlsx")
    expect(page.locator("#count-valid")).to_have_text("3")
    expect(page.get_by_text("以下列不属于导入模板，已忽略：错误原因")).to_be_visible()
    page.get_by_label("新账号的初始密码").fill(INITIAL)
    page.get_by_label("确认初始密码").fill(INITIAL)
    submit(page, "全部正确才导入")
    expect(page.locator("#count-created")).to_have_text("3 行")
    shot("fixed-rows-imported")
    with page.expect_navigation():
        page.get_by_role("link", name="在审计日志中查看本次导入的全部变更").click()
    expect(page.locator("table.model-list tbody tr")).to_have_count(6)  # 3 accounts, 3 persons
    assert db.session.query(Person).filter(Person.org_id == unit.id).count() == 50


def test_a_big_file_goes_through_the_job_pages(app, page, shot, tmp_path):
    app.config.update(IMPORTS_FOLDER=str(tmp_path / "imports"), JOBS_FOLDER=str(tmp_path / "jobs"),
                      IMPORT_JOB_ROWS=10)
    unit = make_org("济南示范科技有限公司")
    make_department(unit, "研发部")
    admin = make_admin(unit, "王管理")
    db.session.commit()
    huey = file_queue(app, tmp_path)
    with job_worker(huey):
        login(page, admin.id_number)
        page.goto("/admin/staff/import/")
        with page.expect_download() as info:
            page.get_by_role("link", name="下载模板").click()
        data = filled(open(info.value.path(), "rb").read(), [person_row(i) for i in range(30)])
        upload(page, data, "三十人.xlsx")
        expect(page).to_have_url(re.compile(r"/admin/staff/import/[^/]+/$"))  # the job page went on by itself
        expect(page.locator("#count-valid")).to_have_text("30")
        page.get_by_label("新账号的初始密码").fill(INITIAL)
        page.get_by_label("确认初始密码").fill(INITIAL)
        page.get_by_role("button", name="全部正确才导入").click()
        expect(page.locator("#count-created")).to_have_text("30 行")
        shot("imported-by-a-job")
        assert db.session.query(Person).filter(Person.org_id == unit.id).count() == 30
