"""导出 Excel in the browser: the unit admin searches the staff list, downloads exactly what it shows under a Chinese
name, then exports a list over the synchronous limit and watches the job's progress bar to the end."""
import re
import time

from openpyxl import load_workbook
from playwright.sync_api import expect

from admin_views import export as export_module
from models import db
from models.jobs import JobRun
from models.spreadsheet.writing import download_name

from ..helpers import file_queue, job_worker, make_admin, make_org, make_person
from .steps import login, open_menu


def names_in(path):
    ws = load_workbook(path).worksheets[0]
    return sorted(row[0] for row in ws.iter_rows(min_row=2, values_only=True))


def test_the_admin_exports_the_searched_list_and_watches_a_large_export(app, page, shot, tmp_path, monkeypatch):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    unit = make_org("济南示范科技有限公司")
    admin = make_admin(unit, "王管理")
    for i in range(8):
        make_person(unit, f"张{i}")
    make_person(unit, "李工")
    make_person(make_org("青岛其他制造有限公司"), "张外单位")
    db.session.commit()

    login(page, admin.id_number)
    open_menu(page, "查询统计", "专技人员信息查询")
    page.locator("input[name=search]").fill("张")
    with page.expect_navigation():
        page.locator("input[name=search]").press("Enter")
    button = page.locator("#export-xlsx")
    expect(button).to_have_text("导出 Excel")
    expect(button).to_have_attribute("href", "/admin/staff/export.xlsx?search=%E5%BC%A0")
    shot("searched")
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == download_name("专技人员信息")
    info.value.save_as(tmp_path / "small.xlsx")
    assert names_in(tmp_path / "small.xlsx") == [f"张{i}" for i in range(8)]

    # Over the limit the export is a job; a real worker runs it, one progress step every two rows.
    monkeypatch.setattr(export_module, "EXPORT_SYNC_ROWS", 3)
    monkeypatch.setattr(export_module, "EXPORT_CHUNK", 2)
    monkeypatch.setattr("models.spreadsheet.writing.PROGRESS_EVERY", 2)
    progress = JobRun.progress

    def slow_progress(self, *args, **kwargs):
        progress(self, *args, **kwargs)
        time.sleep(0.4)  # long enough for the page's poll to see the bar move

    monkeypatch.setattr(JobRun, "progress", slow_progress)
    huey = file_queue(app, tmp_path)
    with job_worker(huey):
        with page.expect_navigation():
            button.click()
        expect(page).to_have_url(re.compile(r"/admin/jobs/\d+$"))
        bar = page.locator(".job-progress .progress-bar")
        expect(page.locator(".job-phase")).to_have_text("写入中")
        shot("job-running")
        expect(bar).to_have_text("100%")
        expect(page.locator(".job-status-label")).to_have_text("已完成")
        expect(page.locator(".job-message")).to_have_text("已导出 8 条记录")
        expect(page.locator(".job-result")).to_have_text("返回专技人员信息查询")
        download = page.locator(".job-download")
        expect(download).to_contain_text(download_name("专技人员信息"))
        page.wait_for_timeout(700)  # Bootstrap's bar slides to its width
        shot("job-done")
        with page.expect_download() as info:
            download.click()
        assert info.value.suggested_filename == download_name("专技人员信息")
        info.value.save_as(tmp_path / "large.xlsx")
        assert names_in(tmp_path / "large.xlsx") == [f"张{i}" for i in range(8)]
