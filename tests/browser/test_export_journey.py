"""导出 Excel in a real browser (F29 item 8): a list over the threshold is exported by a background job; the admin
watches its progress bar to the end and downloads exactly the rows the list holds."""

from openpyxl import load_workbook
from playwright.sync_api import expect

import admin_views.export as export
from models import db

from ..helpers import file_queue, job_worker, make_admin, make_org, make_person
from .steps import login, open_menu


def test_a_large_export_runs_as_a_job_to_its_end(app, page, shot, tmp_path, monkeypatch):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    monkeypatch.setattr(export, "EXPORT_SYNC_ROWS", 20)  # 30 people count as a large list here
    city = make_org("济南市人力资源和社会保障局", kind="supervisor")
    unit = make_org("济南示范科技有限公司", parent=city)
    boss = make_admin(unit, "王管理")
    people = {make_person(unit, f"员工{i:02d}").id_number for i in range(30)}
    make_person(make_org("青岛其他制造有限公司", parent=city), "外单位")  # never in this unit's export
    db.session.commit()

    huey = file_queue(app, tmp_path)
    with job_worker(huey):
        login(page, boss.id_number)
        open_menu(page, "查询统计", "专技人员信息查询")
        with page.expect_navigation():
            page.locator("#export-xlsx").click()
        expect(page.get_by_role("heading", name="导出专技人员信息")).to_be_visible()
        bar = page.locator(".job-progress .progress-bar")
        expect(page.locator(".job-status-label")).to_have_text("已完成")
        expect(bar).to_have_text("100%")
        expect(page.locator(".job-message")).to_have_text("已导出 30 条记录")
        expect(page.locator(".job-result")).to_have_text("返回专技人员信息查询")
        page.wait_for_timeout(700)  # Bootstrap's bar slides to its width
        shot("export-done")
        with page.expect_download() as info:
            page.locator(".job-download").click()
        assert info.value.suggested_filename.startswith("专技人员信息_")
        out = tmp_path / "export.xlsx"
        info.value.save_as(out)
        rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
        assert rows[0][:2] == ("姓名", "身份证号") and {r[1] for r in rows[1:]} == people
