"""Background jobs: started in a request, run as its actor, audited under its request id, scoped pages."""
import os
import time
from datetime import timedelta
from urllib.parse import unquote

import pytest
from flask import redirect, request
from sqlalchemy import func, select

from models import AdminMembership, AuditEntry, Department, Job, Person, access, db, now
from models import jobs as jobs_module
from models.job_queue import cleanup, make_huey
from models.jobs import (GENERIC_FAILURE, INTERRUPTED, NOT_PICKED_UP, QUEUE_DOWN, execute, job_kind, job_url,
                         start_job)

from .helpers import file_queue, job_worker, make_account, make_admin, make_person

STEPS = []  # what the test kinds saw while running, read back by the tests


@job_kind("test_count")
def _count_in_scope(run):
    """Reads through access.scope, writes an audited row, reports progress, writes a file."""
    people = db.session.scalars(access.scope(select(Person), Person).order_by(Person.name)).all()
    run.progress(0, total=len(people), phase="统计中")
    with db.engine.connect() as other:  # what another connection (the polling page) sees: committed progress
        STEPS.append(other.execute(select(Job.done, Job.total, Job.phase).where(Job.id == run.job_id)).one())
    db.session.add(Department(org_id=access.current_org().id, name=run.params["department"]))
    run.progress(len(people), phase="写入中")
    path = run.file_path(".txt")
    path.write_text("\n".join(p.name for p in people), encoding="utf-8")
    run.finish(f"共 {len(people)} 人", result={"url": "/admin/departments/"}, file_name="专技人员名单_2026-12-01.txt")


@job_kind("test_fail")
def _fail(run):
    db.session.add(Department(org_id=access.current_org().id, name="不应留下的部门"))
    db.session.flush()
    raise ValueError(run.params["error"])


@job_kind("test_duplicate")
def _duplicate(run):
    org = access.current_org().id
    db.session.add_all([Department(org_id=org, name="重名部门"), Department(org_id=org, name="重名部门")])
    db.session.flush()


@job_kind("test_once")
def _once(run):
    STEPS.append(run.job_id)


@job_kind("test_quiet")
def _quiet(run):
    """A long phase without progress calls: only the heartbeat thread says the job is alive."""
    with db.engine.connect() as other:
        first = other.execute(select(Job.heartbeat_at).where(Job.id == run.job_id)).scalar_one()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.2)
            beat = other.execute(select(Job.heartbeat_at).where(Job.id == run.job_id)).scalar_one()
            if beat > first:
                STEPS.append((first, beat))
                return


@pytest.fixture(autouse=True)
def _isolated(app, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    STEPS.clear()

    @app.route("/test/start-job", methods=["POST"])
    def _start():
        job = start_job(request.form["kind"], request.form.get("title", "测试任务"), dict(request.form))
        return redirect(job_url(job))


def start(auth, kind, **params):
    return auth.post("/test/start-job", {"kind": kind, **params}, form_url="/admin/")


def only_job():
    return db.session.scalars(select(Job)).one()


def test_a_job_runs_as_its_actor_under_its_request_id(client, auth, unit):
    make_person(unit.employer, "甲人员")
    make_person(unit.branch, "乙人员")
    make_person(unit.other, "他单位人员")
    auth.login(unit.admin)
    r = start(auth, "test_count", department="任务新建部门")
    job = only_job()
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/jobs/{job.id}")
    assert job.status == "done" and job.message == "共 2 人" and (job.done, job.total) == (2, 2)
    assert STEPS == [(0, 2, "统计中")]
    assert (job.account_id, job.org_id, job.user_type) == (unit.admin.id, unit.employer.id, "employer")

    # Every entry — the Job row's own and the job's writes — carries the starting request's id and actor.
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.request_id == job.request_id)
                                 .order_by(AuditEntry.id)).all()
    assert [(e.entity, e.action) for e in entries] == [
        ("job", "create"), ("job", "update"), ("department", "create"), ("job", "update")]
    assert {(e.actor_id, e.actor_name, e.actor_org_id, e.ip) for e in entries} == {
        (unit.admin.id, "王管理", unit.employer.id, "127.0.0.1")}
    assert entries[1].changes["status"] == {"before": "queued", "after": "running"}
    assert entries[3].changes["status"] == {"before": "running", "after": "done"}

    data = client.get(f"/admin/jobs/{job.id}.json").get_json()
    assert data["status"] == "done" and data["percent"] == 100 and data["url"] == "/admin/departments/"
    assert data["download"] == f"/admin/jobs/{job.id}/download"
    page = client.get(f"/admin/jobs/{job.id}").get_data(as_text=True)
    assert "共 2 人" in page and "专技人员名单_2026-12-01.txt" in page and "jobs.js" in page

    download = client.get(data["download"])
    assert download.status_code == 200 and download.get_data(as_text=True) == "乙人员\n甲人员"
    disposition = download.headers["Content-Disposition"]
    assert "attachment" in disposition and unquote(disposition.split("filename*=UTF-8''")[1]) == \
        "专技人员名单_2026-12-01.txt"

    listing = client.get("/admin/jobs/").get_data(as_text=True)
    assert "测试任务" in listing and "已完成" in listing


def test_a_failing_job_is_marked_failed_and_its_writes_roll_back(client, auth, unit):
    auth.login(unit.admin)
    start(auth, "test_fail", error="第 3 行：身份证号校验位错误")
    job = only_job()
    assert job.status == "failed" and job.message == "第 3 行：身份证号校验位错误" and job.finished_at
    assert db.session.scalar(select(func.count()).select_from(Department)) == 0
    page = client.get(f"/admin/jobs/{job.id}").get_data(as_text=True)
    assert "alert-danger" in page and "身份证号校验位错误" in page
    assert client.get(f"/admin/jobs/{job.id}/download").status_code == 404


def test_an_english_exception_shows_the_generic_message_and_logs_the_traceback(client, auth, unit, caplog):
    auth.login(unit.admin)
    start(auth, "test_fail", error="division by zero")
    job = only_job()
    assert job.status == "failed" and job.message == GENERIC_FAILURE
    assert "division by zero" in caplog.text and "Traceback" in caplog.text


def test_a_database_error_never_shows_its_sql_or_values(client, auth, unit, caplog):
    auth.login(unit.admin)
    start(auth, "test_duplicate")
    job = only_job()
    assert job.status == "failed" and job.message == GENERIC_FAILURE
    assert "重名部门" in caplog.text  # the log has the whole story


def _aged_job(unit, status, **times):
    job = Job(org_id=unit.employer.id, account_id=unit.admin.id, actor_name="王管理", user_type="employer",
              kind="test_once", title="旧任务", status=status, request_id="f" * 32, **times)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_running_job_whose_heartbeat_stopped_is_marked_failed_when_read(client, auth, unit):
    old = now() - timedelta(minutes=6)
    job = _aged_job(unit, "running", created_at=old, started_at=old, heartbeat_at=old)
    fresh = _aged_job(unit, "running", started_at=now(), heartbeat_at=now())
    auth.login(unit.admin)
    data = client.get(f"/admin/jobs/{job.id}.json").get_json()
    assert data["status"] == "failed" and data["message"] == INTERRUPTED and data["finished"]
    assert client.get(f"/admin/jobs/{fresh.id}.json").get_json()["status"] == "running"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "job", AuditEntry.action == "update",
                                                        AuditEntry.entity_id == str(job.id))).one()
    assert entry.changes["status"] == {"before": "running", "after": "failed"} and entry.actor_name == "王管理"


def test_a_queued_job_no_worker_picks_up_is_marked_failed_on_the_list(client, auth, unit):
    job = _aged_job(unit, "queued", created_at=now() - timedelta(minutes=31))
    auth.login(unit.admin)
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert NOT_PICKED_UP in page
    db.session.refresh(job)
    assert job.status == "failed" and job.message == NOT_PICKED_UP


def test_a_queued_job_waits_while_a_worker_is_busy(client, auth, unit):
    job = _aged_job(unit, "queued", created_at=now() - timedelta(minutes=31))
    _aged_job(unit, "running", started_at=now(), heartbeat_at=now())  # a worker alive, just busy
    auth.login(unit.admin)
    assert client.get(f"/admin/jobs/{job.id}.json").get_json()["status"] == "queued"


def test_the_heartbeat_goes_on_while_the_job_is_quiet(client, auth, unit, monkeypatch):
    monkeypatch.setattr(jobs_module, "HEARTBEAT_SECONDS", 0.3)
    auth.login(unit.admin)
    start(auth, "test_quiet")
    assert len(STEPS) == 1, "no heartbeat while the job ran"
    assert only_job().status == "done"


def test_another_units_admin_gets_404_for_the_page_json_and_file(client, auth, unit):
    auth.login(unit.admin)
    start(auth, "test_count", department="任务新建部门")
    job = only_job()
    auth.logout()
    colleague = make_admin(unit.employer, "同单位另一管理员", is_super=False)  # the same unit, another account
    for someone in (unit.other_admin, colleague):
        auth.login(someone)
        for url in (f"/admin/jobs/{job.id}", f"/admin/jobs/{job.id}.json", f"/admin/jobs/{job.id}/download"):
            assert client.get(url).status_code == 404, url
        assert "测试任务" not in client.get("/admin/jobs/").get_data(as_text=True)
        auth.logout()
    operator = make_account("客服小周", is_operator=True)
    auth.login(operator, user_type="operator")
    assert client.get(f"/admin/jobs/{job.id}/download").status_code == 200
    assert "测试任务" in client.get("/admin/jobs/").get_data(as_text=True)


def test_a_job_is_run_once_whatever_the_queue_redelivers(app, unit):
    job = _aged_job(unit, "queued")
    execute(app, job.id)
    execute(app, job.id)  # a retry or a redelivery of the same task
    assert STEPS == [job.id]
    db.session.refresh(job)
    assert job.status == "done"
    starts = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "job", AuditEntry.entity_id == str(job.id), AuditEntry.action == "update"))
    assert starts == 2  # queued → running, running → done: once each


def test_an_actor_whose_rights_went_meanwhile_gets_a_failed_job(app, client, auth, unit, tmp_path):
    file_queue(app, tmp_path)  # nobody consumes
    auth.login(unit.admin)
    start(auth, "test_count", department="任务新建部门")
    job = only_job()
    assert job.status == "queued"
    db.session.execute(AdminMembership.__table__.delete().where(AdminMembership.account_id == unit.admin.id))
    db.session.commit()
    execute(app, job.id)
    db.session.refresh(job)
    assert job.status == "failed" and "不再管理该单位" in job.message
    assert db.session.scalar(select(func.count()).select_from(Department)) == 0


def test_a_queue_that_cannot_be_reached_fails_the_job_with_a_message(app, client, auth, unit):
    # A dead Redis for the queue only: with REDIS_URL left set the rate limits would go to it too.
    auth.login(unit.admin)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.extensions["huey"] = make_huey(app, store="redis")
    app.config["REDIS_URL"] = None  # the huey keeps its URL; the rate limits stay on the table
    r = start(auth, "test_count", department="任务新建部门")
    job = only_job()
    assert r.status_code == 302 and job.status == "failed" and job.message == QUEUE_DOWN


def test_cleanup_deletes_old_files_and_old_rows(app, client, auth, unit):
    auth.login(unit.admin)
    start(auth, "test_count", department="任务新建部门")
    job = only_job()
    path = jobs_module.jobs_folder() / job.result_file
    eight_days = time.time() - 8 * 86400
    os.utime(path, (eight_days, eight_days))
    job.finished_at = now() - timedelta(days=8)
    ancient = _aged_job(unit, "done", finished_at=now() - timedelta(days=91)).id
    db.session.commit()
    assert cleanup(app) == (1, 1)
    assert not path.exists()
    db.session.expire_all()
    assert db.session.get(Job, job.id).result_file is None and db.session.get(Job, ancient) is None
    r = client.get(f"/admin/jobs/{job.id}/download")
    assert r.status_code == 404 and "已过期清理" in r.get_data(as_text=True)


def test_a_real_consumer_runs_a_queued_job_to_the_end(app, client, auth, unit, tmp_path):
    """SqliteHuey on a file and huey's consumer in threads, against the test database."""
    make_person(unit.employer, "甲人员")
    huey = file_queue(app, tmp_path)
    auth.login(unit.admin)
    start(auth, "test_count", department="后台新建部门")
    job = only_job()
    assert job.status == "queued" and huey.pending_count() == 1
    with job_worker(huey):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            data = client.get(f"/admin/jobs/{job.id}.json").get_json()
            if data["finished"]:
                break
            time.sleep(0.2)
    assert data["status"] == "done" and data["message"] == "共 1 人", data
    assert db.session.scalar(select(Department.name)) == "后台新建部门"
    assert client.get(data["download"]).get_data(as_text=True) == "甲人员"
