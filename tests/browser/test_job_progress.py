"""导入导出任务: a job's page fills its progress bar from the worker's progress, survives a reload, ends with the
message and the download."""
import threading
import time

from flask import redirect
from playwright.sync_api import expect

from models import db
from models.jobs import job_kind, job_url, start_job

from ..helpers import file_queue, job_worker, make_admin, make_org
from .steps import login

STEPS = 4
_gate = threading.Semaphore(0)  # the test lets the job take one step at a time


@job_kind("test_steps")
def _steps(run):
    run.progress(0, total=STEPS * 250, phase="准备中")
    for step in range(1, STEPS + 1):
        if not _gate.acquire(timeout=30):
            raise RuntimeError("the test never released the step")
        run.progress(step * 250, errors=step - 1, phase=f"第 {step} 步")
    path = run.file_path(".txt")
    path.write_text("完成", encoding="utf-8")
    run.finish("已处理 1,000 行，其中 3 行有误", file_name="测试结果.txt")


def test_the_progress_bar_follows_the_job_to_its_end(app, page, shot, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    unit = make_org("济南示范科技有限公司")
    admin = make_admin(unit, "王管理")
    db.session.commit()
    huey = file_queue(app, tmp_path)

    @app.route("/test/start-steps")
    def _start():
        return redirect(job_url(start_job("test_steps", "测试分步任务", {})))

    with job_worker(huey):
        login(page, admin.id_number)
        page.goto("/test/start-steps")
        bar = page.locator(".job-progress .progress-bar")
        expect(page.locator(".job-phase")).to_have_text("准备中")
        expect(bar).to_have_text("0%")
        shot("started")

        time.sleep(1.1)  # a second on the clock (times are kept to the second): a rate to estimate from
        _gate.release()
        expect(bar).to_have_text("25%")
        expect(page.locator(".job-done")).to_have_text("250")
        expect(page.locator(".job-left")).to_contain_text("约")
        _gate.release()
        expect(bar).to_have_text("50%")
        expect(page.locator(".job-errors")).to_have_text("1")
        shot("halfway")

        page.reload()  # the page reads where the job is, then keeps polling
        expect(bar).to_have_text("50%")
        _gate.release()
        expect(bar).to_have_text("75%")
        expect(page.locator(".job-phase")).to_have_text("第 3 步")
        _gate.release()
        expect(bar).to_have_text("100%")
        expect(page.locator(".job-status-label")).to_have_text("已完成")
        expect(page.locator(".job-message")).to_have_text("已处理 1,000 行，其中 3 行有误")
        download = page.locator(".job-download")
        expect(download).to_be_visible()
        expect(download).to_contain_text("测试结果.txt")
        page.wait_for_timeout(700)  # Bootstrap's bar slides to its width
        shot("done")
        with page.expect_download() as info:
            download.click()
        assert info.value.suggested_filename == "测试结果.txt"

        page.goto("/admin/jobs/")
        expect(page.locator("table.model-list")).to_contain_text("测试分步任务")
        shot("list")
