"""Background jobs (exports, imports): the scoped, audited ``job`` table and what a job function gets.

A request calls :func:`start_job`; the Job row freezes who started it (account, session user type, org, ip)
and the request id. The job function (registered with :func:`job_kind`) runs later in the huey consumer, or at
once in immediate mode, inside a request context rebuilt for that actor (:func:`execute`): ``access.scope``,
``access.can``, ``current_user`` and every audit entry behave as in the request that started it.

Its status moves queued → running → done | failed and nowhere else; a job never stays "running" after its
process died: readers mark it failed once its heartbeat is old (:func:`fail_stale`).
"""
import logging
import re
import secrets
import threading
import traceback
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, g, request, session, url_for
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, exists, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from . import audit
from .base import db, lock_row, now
from .org import OrgScoped

log = logging.getLogger(__name__)

STATUSES = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}
ACTIVE = ("queued", "running")
STALE_RUNNING = timedelta(minutes=5)  # no heartbeat for this long: the process running it is gone
STALE_QUEUED = timedelta(minutes=30)  # queued this long while no job beats: no consumer is running
HEARTBEAT_SECONDS = 30
GENERIC_FAILURE = "任务执行失败，请重试或联系客服"
INTERRUPTED = "后台任务中断（处理进程已停止），请重新发起"
NOT_PICKED_UP = "后台任务进程未运行，任务未能开始，请联系管理员启动后台任务进程后重新发起"
QUEUE_DOWN = "后台任务队列不可用，任务未能提交，请稍后重试或联系客服"
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


class Job(OrgScoped, db.Model):
    __tablename__ = "job"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))  # None: the platform operator
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(50), nullable=False)
    # The session the actor acted in, so the job's request context can be rebuilt as it was.
    user_type: Mapped[str] = mapped_column(String(20), nullable=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="queued", nullable=False)
    # Progress is the job's own bookkeeping, written every few thousand rows: only the status changes around
    # it are worth an audit entry each.
    phase: Mapped[str | None] = mapped_column(String(50), info={"audit": False})
    total: Mapped[int] = mapped_column(Integer, default=0, nullable=False, info={"audit": False})
    done: Mapped[int] = mapped_column(Integer, default=0, nullable=False, info={"audit": False})
    errors: Mapped[int] = mapped_column(Integer, default=0, nullable=False, info={"audit": False})
    message: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict | None] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON)
    result_file: Mapped[str | None] = mapped_column(String(200))  # a name inside instance/jobs/
    result_name: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None] = mapped_column(info={"audit": False})

    __table_args__ = (
        Index("ix_job_account_id", "account_id", "id"),  # the list of one actor's jobs, newest first
        Index("ix_job_org_id", "org_id", "id"),
        Index("ix_job_status_heartbeat", "status", "heartbeat_at"),  # is any job beating (fail_stale)
    )

    def __str__(self):
        return self.title

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(100, int(self.done * 100 / self.total)) if self.total else 0

    def seconds_left(self) -> int | None:
        """Estimated from the rate so far; None until there is a rate to go by."""
        if self.status != "running" or not self.started_at or not self.total or not self.done:
            return None
        spent = (now() - self.started_at).total_seconds()
        if spent <= 0:
            return None
        return max(0, int((self.total - self.done) * spent / self.done))


# -- kinds -------------------------------------------------------------------------------------------
_KINDS = {}


def job_kind(name):
    """``@job_kind("export") def run(job: JobRun) -> None``: the function a Job of that kind runs."""
    def register(func):
        _KINDS[name] = func
        return func
    return register


class JobInterrupted(RuntimeError):
    """The job's row is no longer running (marked failed meanwhile): stop, write nothing more."""


class JobRun:
    """What a job function gets. ``progress`` and ``finish`` commit the session: call them between phases or
    chunks of work, never inside a write transaction that must stay whole (``finish`` may close the last one:
    the job's final writes and its "done" commit together)."""

    def __init__(self, job: Job):
        self.job_id = job.id
        self.params = dict(job.params or {})
        self.title = job.title
        self._file = None

    def _row(self) -> Job:
        job = lock_row(Job, self.job_id, Job.status == "running")
        if job is None:
            db.session.rollback()
            raise JobInterrupted("任务已被中断，已停止执行")
        return job

    def progress(self, done, total=None, errors=None, phase=None):
        job = self._row()
        job.done = done
        if total is not None:
            job.total = total
        if errors is not None:
            job.errors = errors
        if phase is not None:
            job.phase = phase
        job.heartbeat_at = now()
        db.session.commit()

    def file_path(self, suffix=".xlsx") -> Path:
        """A fresh, unguessable file in instance/jobs/ (only the server's user may read it)."""
        folder = jobs_folder()
        self._file = f"{self.job_id}-{secrets.token_hex(8)}{suffix}"
        return folder / self._file

    def finish(self, message="", result=None, file_name=None):
        job = self._row()
        job.status, job.finished_at, job.heartbeat_at = "done", now(), now()
        job.message = message or None
        if result is not None:
            job.result = result
        if self._file and (jobs_folder() / self._file).exists():
            job.result_file = self._file
            job.result_name = file_name or f"{self.title}{Path(self._file).suffix}"
        if job.done < job.total:
            job.done = job.total
        db.session.commit()


def jobs_folder() -> Path:
    folder = Path(current_app.config.get("JOBS_FOLDER") or Path(current_app.instance_path) / "jobs")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def result_path(job: Job) -> Path | None:
    """The job's result file if it is still there (cleanup removes old ones)."""
    if not job.result_file or "/" in job.result_file or job.result_file.startswith("."):
        return None
    path = jobs_folder() / job.result_file
    return path if path.is_file() else None


# -- starting --------------------------------------------------------------------------------------
def start_job(kind, title, params, total=0) -> Job:
    """Commit a queued Job for the current actor and hand it to the queue (see the module docstring)."""
    if kind not in _KINDS:
        raise KeyError(f"unknown job kind {kind!r}")
    actor = g.get("actor") or {}
    job = Job(org_id=actor.get("org_id") if not g.get("is_operator") else None, account_id=current_user.id,
              actor_name=current_user.name, user_type=session.get("user_type") or "", ip=request.remote_addr,
              kind=kind, title=title, status="queued", params=params, total=total or 0,
              request_id=g.get("request_id") or secrets.token_hex(16))
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    from .job_queue import enqueue

    try:
        enqueue(job_id)
    except Exception:
        log.exception("could not enqueue job %s", job_id)
        _fail(job_id, QUEUE_DOWN, ACTIVE)
    return db.session.get(Job, job_id, populate_existing=True)


def job_url(job, **kw) -> str:
    return url_for("jobs.status_view", id=job.id, **kw)


# -- running ---------------------------------------------------------------------------------------
def execute(app, job_id: int):
    """Run one job in a fresh app context and a request context rebuilt for its actor. Never raises: a failure
    the job cannot even be marked with (the database gone) is logged, and readers mark the job stale later."""
    try:
        _execute(app, job_id)
    except Exception:
        log.exception("job %s could not be run", job_id)


def _execute(app, job_id: int):
    with app.app_context():
        job = db.session.get(Job, job_id)
        if job is None:
            log.warning("job %s does not exist (deleted, or another database)", job_id)
            return
        environ = {"REMOTE_ADDR": job.ip or "127.0.0.1"}
        with app.test_request_context(f"/admin/jobs/{job_id}", base_url=app.config.get("PUBLIC_BASE_URL"),
                                      environ_base=environ):
            _as_actor(job)
            if not _claim(job_id):
                log.info("job %s is not queued any more: not run twice", job_id)
                return
            refusal = _actor_refusal(job)
            if refusal:
                _fail(job_id, refusal)
                return
            kind = job.kind
            beat = _Heartbeat(db.engine, job_id)
            beat.start()
            try:
                run = JobRun(job)
                _KINDS[kind](run)
                if db.session.get(Job, job_id, populate_existing=True).status == "running":
                    run.finish()
            except JobInterrupted:
                db.session.rollback()
                log.info("job %s was interrupted", job_id)
            except Exception as e:
                db.session.rollback()
                text = str(e)
                # A database or file error may quote SQL, row values or paths that are no user's business.
                if isinstance(e, (SQLAlchemyError, OSError)) or not _CHINESE.search(text):
                    log.error("job %s (%s) failed:\n%s", job_id, kind, traceback.format_exc())
                    text = GENERIC_FAILURE
                _fail(job_id, text[:2000])
            finally:
                beat.stop()


def _as_actor(job: Job):
    """The session the actor had when starting the job; the login layer then reads it as for any request."""
    from .access import load_request_context
    from .account import Account

    account = db.session.get(Account, job.account_id)
    if account is not None:
        session["_user_id"] = account.get_id()  # the current version: a later logout does not cancel the job
    session["user_type"] = job.user_type
    if job.org_id:
        session["org_id"] = job.org_id
    load_request_context()
    g.request_id = job.request_id


def _actor_refusal(job: Job) -> str | None:
    """Why the actor may no longer do what it started (rights are re-read, as at every click)."""
    if not current_user.is_authenticated:
        return "发起任务的账号已停用，任务未执行"
    if job.user_type == "operator":
        return None if g.get("is_operator") else "发起任务的账号已不是平台运维人员，任务未执行"
    if job.user_type == "person":
        return None if g.get("person") is not None else "发起任务的人员信息已停用，任务未执行"
    if g.get("membership") is None:
        return "发起任务的管理员已不再管理该单位（或单位已停用），任务未执行"
    return None


def _claim(job_id: int) -> bool:
    """queued → running, once: a redelivered or retried task finds the job taken and does nothing."""
    started = now()
    claimed = db.session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(
        status="running", started_at=started, heartbeat_at=started)).rowcount == 1
    if claimed:
        audit.record("job", job_id, "update", {"status": {"before": "queued", "after": "running"},
                                               "started_at": {"before": None, "after": str(started)}})
    db.session.commit()
    return claimed


def _fail(job_id: int, message: str, statuses=("running",)) -> bool:
    """Mark the job failed (audited) if it is still in one of ``statuses``."""
    try:
        job = lock_row(Job, job_id, Job.status.in_(statuses))
        if job is None:
            db.session.rollback()
            return False
        job.status, job.message, job.finished_at = "failed", message, now()
        db.session.commit()
        return True
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not mark job %s failed", job_id)
        return False


class _Heartbeat:
    """Bumps the running job's heartbeat from a thread of its own, so a long phase without progress calls is
    not taken for a dead process. A beat that finds the database busy is skipped: the next one comes soon."""

    def __init__(self, engine, job_id):
        self.engine, self.job_id = engine, job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self):
        while not self._stop.wait(HEARTBEAT_SECONDS):  # read here, so a test may shorten it
            try:
                with self.engine.begin() as conn:
                    conn.execute(update(Job).where(Job.id == self.job_id, Job.status == "running")
                                 .values(heartbeat_at=now()))
            except SQLAlchemyError as e:
                log.info("job %s heartbeat skipped: %s", self.job_id, e)


# -- reading ---------------------------------------------------------------------------------------
def fail_stale(jobs) -> bool:
    """Mark failed (audited) those of ``jobs`` whose process is gone; True when any was. Every reader calls it,
    so no page shows a job "running" forever after its worker died."""
    beat_cutoff, queue_cutoff = now() - STALE_RUNNING, now() - STALE_QUEUED
    last_beat = func.coalesce(Job.heartbeat_at, Job.created_at)
    stale = [(j.id, "running", last_beat < beat_cutoff, INTERRUPTED) for j in jobs
             if j.status == "running" and (j.heartbeat_at or j.created_at) < beat_cutoff]
    queued = [j.id for j in jobs if j.status == "queued" and j.created_at < queue_cutoff]
    # A busy consumer leaves jobs queued for long; a job beating lately says one is alive.
    if queued and not db.session.scalar(select(exists().where(Job.status == "running",
                                                              Job.heartbeat_at >= beat_cutoff))):
        stale += [(job_id, "queued", Job.created_at < queue_cutoff, NOT_PICKED_UP) for job_id in queued]
    changed = False
    for job_id, status, still_stale, message in stale:
        # Re-checked under the row lock: the worker may have finished or beaten meanwhile.
        job = lock_row(Job, job_id, Job.status == status, still_stale)
        if job is None:
            db.session.rollback()
            continue
        job.status, job.message, job.finished_at = "failed", message, now()
        db.session.commit()
        changed = True
    return changed


def status_json(job: Job) -> dict:
    data = {"id": job.id, "title": job.title, "status": job.status, "status_label": job.status_label,
            # A finished job's last phase ("写入中") would read as if it were still at work.
            "phase": "—" if job.finished else (job.phase or ""), "done": job.done, "total": job.total, "errors": job.errors,
            "percent": job.percent(), "seconds_left": job.seconds_left(), "message": job.message or "",
            "finished": job.finished, "url": None, "download": None}
    if job.status == "done":
        url = (job.result or {}).get("url")
        data["url"] = url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else None
        data["url_label"] = str((job.result or {}).get("url_label") or "查看结果")
        if result_path(job) is not None:
            data["download"] = url_for("jobs.download_view", id=job.id)
            data["file_name"] = job.result_name
    return data
