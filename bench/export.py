"""Export of 100,000 staff: the app's own 导出 Excel against openpyxl write-only writing the same cells.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.export [--rows 100000] [--seed]

``--seed``: an empty database gets the demo first, and any database gets staff (``seed --persons``) until the
demo province admin's 专技人员信息查询 lists at least ``--rows`` rows. Then, as that admin (the root of the
tree: every staff member), it times

  * app:       GET /admin/staff/export.xlsx and the job's status — a list this long is written by the
               background job, run here inside the request (JOBS_IMMEDIATE): the scoped list query, its ids, the
               rows in chunks with their units and departments, typed cells, progress committed every 1,000
               rows, the audit entry, the file in instance/jobs/;
  * openpyxl:  a write-only workbook appending the same cells (read back from the app's file beforehand) as
               plain values from a list, saved to a file;

and prints both times (wall clock and this process's CPU, the fastest of ``--repeat`` alternating runs), the
ratio (target ≤ 1.5×) and each one's peak Python memory (tracemalloc, in runs of
their own: tracing slows both down). What the runs add (the job rows, their audit entries, the files) is
deleted at the end.
"""
import argparse
import io
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import quote, urlsplit

from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import delete, func, select, text

from app import create_app
from cli import upgrade_database
from demo.accounts import BY_KEY, PASSWORD
from models import AuditEntry, Organization, Person, db
from models.jobs import Job, result_path

from .bulk_approve import log, login

URL = "/admin/staff/export.xlsx"


def seed(rows):
    from demo import add_persons, load_demo

    if not db.session.scalar(select(func.count()).select_from(Organization)):
        load_demo()
    missing = rows - db.session.scalar(select(func.count()).select_from(Person))
    if missing > 0:
        log(f"新增 {missing:,} 名专技人员……")
        add_persons(missing, progress=None)
        if db.engine.dialect.name == "postgresql":  # the planner's statistics describe the data just loaded
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))


def app_export(client):
    """The export as the user starts it: the request, which runs the job; the job's status as its page reads it."""
    r = client.get(URL)
    assert r.status_code == 302 and "/admin/jobs/" in r.headers["Location"], (r.status_code, r.headers)
    status = client.get(urlsplit(r.headers["Location"]).path + ".json").get_json()
    assert status["status"] == "done", status
    return status


def download(client, status) -> bytes:
    r = client.get(status["download"])
    assert r.status_code == 200
    return r.get_data()


def openpyxl_export(header, rows, path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)


def plain_cells(data: bytes):
    """The app file's cells as plain Python values: text, dates and datetimes, empty cells None."""
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return sheet[0], [[None if v == "" else v for v in row] for row in sheet[1:]]


def timed(fn):
    """(wall seconds, CPU seconds of this process, result)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - start, time.process_time() - cpu, result


def traced(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def cleanup(app, after_job_id):
    """The bench's jobs (those after ``after_job_id``), their files and every audit entry of their requests."""
    with app.app_context():
        jobs = db.session.scalars(select(Job).where(Job.id > after_job_id)).all()
        request_ids = [job.request_id for job in jobs]
        for job in jobs:
            path = result_path(job)
            if path is not None:
                path.unlink()
            db.session.delete(job)
        db.session.flush()
        db.session.execute(delete(AuditEntry.__table__).where(AuditEntry.request_id.in_(request_ids)))
        db.session.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", action="store_true", help="add the demo and staff up to --rows first")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each; the fastest counts")
    args = parser.parse_args()

    app = create_app({"JOBS_IMMEDIATE": True})
    with app.app_context():
        upgrade_database()
        if args.seed:
            seed(args.rows)
        dialect = db.engine.dialect.name
        persons = db.session.scalar(select(func.count()).select_from(Person))
    admin = BY_KEY["province_admin"]
    client = login(app, admin.id_number, PASSWORD, admin.user_type)
    with app.app_context():
        before = db.session.scalar(select(func.max(Job.id))) or 0
    log(f"数据库：{dialect}；专技人员 {persons:,} 名；导出人：{admin.name}（省人社厅，全省范围）")

    try:
        # Warm: the first export pays for compiling the statements and importing what writing needs.
        assert client.get(URL + "?search=" + quote("孙立新")).status_code == 200
        app_runs, raw_runs = [], []
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "openpyxl.xlsx"
            for _ in range(args.repeat):  # alternating, so a busy moment of the machine hits both alike
                wall, cpu, status = timed(lambda: app_export(client))
                app_runs.append((wall, cpu))
                header, rows = plain_cells(download(client, status))
                raw_runs.append(timed(lambda: openpyxl_export(header, rows, path))[:2])
            (app_seconds, app_cpu), (raw_seconds, raw_cpu) = min(app_runs), min(raw_runs)
            log(f"  app       {len(rows):,} 行 × {len(header)} 列：{app_seconds:7.2f} s，CPU {app_cpu:.2f} s"
                f"（导出请求，后台任务在请求内执行；{args.repeat} 次中最快，全部 "
                f"{', '.join(f'{w:.1f}' for w, _c in app_runs)} s）")
            log(f"  openpyxl  同样的单元格（write_only，从列表写入）：{raw_seconds:7.2f} s，CPU {raw_cpu:.2f} s（全部 "
                f"{', '.join(f'{w:.1f}' for w, _c in raw_runs)} s）")
            ratio = app_seconds / raw_seconds
            log(f"  app / openpyxl = {ratio:.2f}×（目标 ≤ 1.5×）{'达标' if ratio <= 1.5 else '未达标'}；CPU 之比 "
                f"{app_cpu / raw_cpu:.2f}×（本进程；PostgreSQL 服务器的 CPU 不在其内）")
            app_peak = traced(lambda: app_export(client))
            raw_peak = traced(lambda: openpyxl_export(header, rows, path))
        log(f"  内存峰值（tracemalloc）：app {app_peak / 2**20:.1f} MB，openpyxl {raw_peak / 2**20:.1f} MB"
            f"（不含 openpyxl 的输入列表本身）；进程最大 RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        cleanup(app, before)
    log("本次导出的任务、文件和审计记录已清理")


if __name__ == "__main__":
    main()
