"""The one huey instance of an app, chosen by configuration, and its consumer.

- tests, ``JOBS_IMMEDIATE=1``: immediate mode, in memory: the job runs inside ``start_job``;
- ``REDIS_URL``: Redis;
- a PostgreSQL ``DATABASE_URL``: huey's own ``huey_*`` tables in that database (``JOBS_STORE=sqlite`` opts out);
- otherwise a SQLite file, ``instance/jobs.sqlite3``.

Only the job id travels through the queue; everything else is in the ``job`` table.
"""
import logging
import os
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from huey import MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from sqlalchemy import select
from sqlalchemy.engine import make_url

from .base import db, now

log = logging.getLogger(__name__)
KEEP_FILES = timedelta(days=7)
KEEP_ROWS = timedelta(days=90)
WORKERS = 2


def _flag(app, name) -> bool:
    value = app.config.get(name, os.environ.get(name, ""))
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _private_file(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def make_huey(app, store=None, filename=None):
    """A huey for ``app`` whose one task runs a Job by id. ``store`` overrides the configured choice."""
    from .jobs import execute

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    redis_url = app.config.get("REDIS_URL", os.environ.get("REDIS_URL"))
    store = store or app.config.get("JOBS_STORE", os.environ.get("JOBS_STORE"))
    name = "jxjy-jobs"
    if store is None:
        if app.config.get("TESTING") or _flag(app, "JOBS_IMMEDIATE"):
            store = "immediate"
        elif redis_url:
            store = "redis"
        elif url.get_backend_name() == "postgresql":
            store = "postgresql"
        else:
            store = "sqlite"
    if store == "immediate":
        huey = MemoryHuey(name, immediate=True, results=False)
    elif store == "redis":
        huey = RedisHuey(name, url=redis_url, results=False)
    elif store == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        huey = PostgresHuey(name, dsn=dsn, results=False)
    else:
        path = Path(filename or Path(app.instance_path) / "jobs.sqlite3")
        _private_file(path)  # the queue names job ids only, but it is the server's own file all the same
        huey = SqliteHuey(name, filename=str(path), results=False)

    @huey.task(name="run_job")
    def run_job(job_id):
        execute(app, job_id)

    huey.run_job = run_job
    return huey


def init_jobs(app):
    app.extensions["huey"] = make_huey(app)
    register_cli(app)


def enqueue(job_id: int):
    current_app.extensions["huey"].run_job(job_id)


def consumer(huey, workers=WORKERS):
    # Polls at most a second apart: a user waits for the job to start (Redis and PostgreSQL are woken at once).
    return huey.create_consumer(workers=workers, worker_type="thread", max_delay=1.0, periodic=False)


def cleanup(app) -> tuple[int, int]:
    """Delete result files older than KEEP_FILES and finished rows older than KEEP_ROWS (audited)."""
    from .jobs import Job, jobs_folder

    with app.app_context():
        folder = jobs_folder()
        cutoff = (now() - KEEP_FILES).timestamp()
        files = 0
        for path in folder.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    files += 1
            except OSError:
                log.exception("could not remove old job file %s", path)
        # The rows whose file went: the page then says the file expired instead of offering a dead link.
        gone = db.session.scalars(select(Job).where(Job.result_file.is_not(None),
                                                    Job.finished_at < now() - KEEP_FILES)).all()
        for job in gone:
            if not (folder / job.result_file).exists():
                job.result_file = None
        old = db.session.scalars(select(Job).where(Job.status.in_(("done", "failed")),
                                                   Job.finished_at < now() - KEEP_ROWS)).all()
        for job in old:
            db.session.delete(job)
        db.session.commit()
        return files, len(old)


def register_cli(app):
    @app.cli.command("jobs-worker")
    @click.option("--workers", default=WORKERS, show_default=True, help="Worker threads.")
    def jobs_worker(workers):
        """Run the background job consumer (exports, imports) until Ctrl-C or SIGTERM."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        huey = current_app.extensions["huey"]
        if huey.immediate:
            raise click.ClickException("JOBS_IMMEDIATE 已开启：任务在请求内直接执行，无需后台任务进程")
        files, rows = cleanup(current_app._get_current_object())
        click.echo(f"后台任务进程已启动（{workers} 个线程，{type(huey).__name__}）；已清理 {files} 个过期文件、{rows} 条过期任务")
        consumer(huey, workers).run()

    @app.cli.command("jobs-cleanup")
    def jobs_cleanup():
        """Delete job result files older than 7 days and finished jobs older than 90 days."""
        files, rows = cleanup(current_app._get_current_object())
        click.echo(f"已清理 {files} 个过期文件、{rows} 条过期任务")
