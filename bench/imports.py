"""批量导入 at scale: 100,000 staff rows from one xlsx through the app's import engine, against python-calamine
reading the same file plus one raw bulk insert of the same rows.

    .venv/bin/python -m bench.imports [--rows 100000] [--repeat 1] [--database URL]

``--database`` (default: ``DATABASE_URL``, else a fresh SQLite file in a temporary folder) is migrated when empty;
the bench adds one unit with ten departments and an admin, and deletes every row it imported after each run.
Use a database of its own (e.g. ``createdb bench_hd``): the rows it imports are real accounts until deleted.

  * app:       the import step as the confirmation runs it: reading.read_table → imports.validate (every cell
               normalised and checked, duplicates in the file) → imports.commit (one set-based lookup of the
               file's ID numbers, then accounts, persons and an audit entry per written row, set-based) → commit;
  * baseline:  python-calamine's rows of the same sheet → INSERT the accounts and the persons with the DBAPI's
               executemany (each person finds its account by ID number) → commit. No checks, no audit.

Prints the wall time of each phase (median of the runs), the ratio app / baseline (target ≤ 2×), the CPU time this
process spent in each phase of the last run (on SQLite that is nearly all the work; on PostgreSQL the server's own
work is not in it) and the peak memory.
"""
import argparse
import io
import resource
import statistics
import tempfile
import time
from datetime import date, datetime

from flask import g
from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import delete, func, inspect, select, text
from werkzeug.security import generate_password_hash

from app import create_app
from cli import upgrade_database
from demo.ids import id_number
from models import Account, AdminMembership, AuditEntry, Department, Organization, Person, db, now
from models.choices import EDUCATIONS, TITLE_LEVELS
from models.title_series import LEVELS, NATIONAL
from models.spreadsheet import imports as engine
from models.spreadsheet.reading import read_table
from models.staff_import import StaffImport
from models.validators import birth_date_of, gender_of

BENCH_SEQ = 80_000_000  # demo.ids.id_number seqs of bench rows: far from the demo's, the scale data's, bulk_approve's
# Series that have every level, so each generated series/level pair is one the import accepts.
BENCH_SERIES = [name for name, levels in NATIONAL if levels == LEVELS]
BENCH_UNIT = "导入性能测试单位（bench）"
REASON = "批量导入：性能测试"
DEPARTMENTS = [f"部门{i:02d}" for i in range(10)]
HEADER = ["姓名*", "身份证号*", "性别", "出生日期", "所在部门", "学历", "所学专业", "职称系列", "职称名称", "职称级别",
          "取得时间", "行政职务", "手机号*", "电子邮箱"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def log(msg=""):
    print(msg, flush=True)


CPU = {}  # phase -> this process's CPU seconds of the last run (the machine may be busy: wall time alone misleads)


def timed(fn, phase=None):
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    if phase:
        CPU[phase] = time.process_time() - cpu
    return time.perf_counter() - start, result


# -- the file ------------------------------------------------------------------------------------------------
def staff_rows(n):
    for i in range(n):
        id_no = id_number(BENCH_SEQ + i)
        yield [SURNAMES[i % 20] + GIVEN[i % 26] + GIVEN[(i // 26) % 26], id_no, gender_of(id_no), birth_date_of(id_no),
               DEPARTMENTS[i % 10], EDUCATIONS[i % 4], "计算机科学与技术", BENCH_SERIES[i % len(BENCH_SERIES)], "工程师",
               TITLE_LEVELS[i % 5], date(2015 + i % 10, 1 + i % 12, 1 + i % 28), "科员" if i % 3 else "",
               f"139{i:08d}", f"u{i}@example.cn"]


def xlsx(n) -> bytes:
    """What Excel users upload: the template's columns, IDs as text cells."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("专技人员信息")
    ws.append(HEADER)
    for row in staff_rows(n):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- the database ------------------------------------------------------------------------------------------------
def prepare():
    if not inspect(db.engine).has_table("account"):
        log("empty database: migrating")
        upgrade_database()
    unit = db.session.scalar(select(Organization).where(Organization.name == BENCH_UNIT))
    if unit is None:
        unit = Organization(name=BENCH_UNIT, kind="employer", status="approved")
        db.session.add(unit)
        db.session.flush()
        unit.attach_to_tree()
        for name in DEPARTMENTS:
            db.session.add(Department(org_id=unit.id, name=name))
        admin = Account(id_number=id_number(BENCH_SEQ - 1), name="导入管理员", password_hash="x")
        db.session.add(admin)
        db.session.flush()
        db.session.add(AdminMembership(account_id=admin.id, org_id=unit.id, is_super=True))
        db.session.commit()
    admin = db.session.scalar(select(Account).join(AdminMembership, AdminMembership.account_id == Account.id)
                              .where(AdminMembership.org_id == unit.id))
    return unit, admin


def cleanup(unit, n):
    """Every row an import of the bench file wrote, whoever wrote it."""
    ids = [id_number(BENCH_SEQ + i) for i in range(n)]
    for start in range(0, n, 5000):
        chunk = ids[start:start + 5000]
        db.session.execute(delete(Person).where(Person.id_number.in_(chunk)))
        db.session.execute(delete(Account).where(Account.id_number.in_(chunk)))
    db.session.execute(delete(AuditEntry).where(AuditEntry.reason == REASON))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE account, person, audit_entry"))


# -- the two paths -----------------------------------------------------------------------------------------------
def app_path(app, data, unit, admin, password_hash) -> dict:
    kind = StaffImport()
    times = {}
    with app.test_request_context("/admin/staff/import/"):
        g.request_id = "b" * 32
        g.actor = {"id": admin.id, "name": admin.name, "org_id": unit.id, "org_name": unit.name, "role": "超级管理员"}
        times["read"], table = timed(lambda: read_table("bench.xlsx", data), "app read")
        ctx = kind.context(unit, password_hash=password_hash, reason=REASON)
        # As the import step runs it (models/spreadsheet/import_runs.run_import): commit checks the database.
        times["validate"], preview = timed(lambda: engine.validate(kind, table, ctx, database=False),
                                           "app validate")

        def write():
            outcome = engine.commit(kind, preview, engine.VALID_ONLY, ctx)
            db.session.commit()
            return outcome

        times["write"], outcome = timed(write, "app write")
    assert outcome.written.created == len(table.rows), (outcome, list(preview.errors())[:5])
    return times


def baseline_path(data, unit, password_hash) -> dict:
    times = {}

    def read():
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        return sheet.to_python()[1:]

    times["read"], rows = timed(read, "baseline read")
    departments = dict(db.session.execute(select(Department.name, Department.id)
                                          .where(Department.org_id == unit.id)).all())

    def day(value):
        return value.date() if isinstance(value, datetime) else value

    def insert():
        t = now()
        conn = db.engine.raw_connection()
        try:
            cur = conn.cursor()
            mark = "%s" if db.engine.dialect.name == "postgresql" else "?"
            marks = ", ".join([mark] * 10)
            cur.executemany(
                "INSERT INTO account (id_number, name, phone, email, password_hash, is_operator, disabled, "
                f"must_change_password, session_version, failed_logins, created_at) VALUES ({marks}, {mark})",
                [(r[1], r[0], r[12], r[13], password_hash, False, False, True, 1, 0, t) for r in rows])
            marks = ", ".join([mark] * 16)
            cur.executemany(
                "INSERT INTO person (account_id, org_id, department_id, name, id_number, gender, birth_date, education, "
                "major, title_series, title_name, title_level, title_date, admin_post, status, created_at, reviewed_at) "
                f"VALUES ((SELECT id FROM account WHERE id_number = {mark}), {marks})",
                [(r[1], unit.id, departments[r[4]], r[0], r[1], r[2], day(r[3]), r[5], r[6], r[7], r[8], r[9],
                  day(r[10]), r[11] or None, "approved", t, t) for r in rows])
            conn.commit()
        finally:
            conn.close()

    times["write"], _ = timed(insert, "baseline write")
    return times


def run(database, n, repeat):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "JOBS_IMMEDIATE": True})
    with app.app_context():
        log(f"database: {db.engine.url.render_as_string(hide_password=True)} ({db.engine.dialect.name}); "
            f"{n:,} rows, {repeat} run(s) of each")
        unit, admin = prepare()
        cleanup(unit, n)
        seconds, data = timed(lambda: xlsx(n))
        log(f"file: {len(data) / 2**20:.1f} MB xlsx written in {seconds:.1f} s (not timed below)")
        password_hash = generate_password_hash("Bench2026x")  # once, as the import does for its batch
        apps, bases = [], []
        for i in range(repeat):
            bases.append(baseline_path(data, unit, password_hash))
            cleanup(unit, n)
            apps.append(app_path(app, data, unit, admin, password_hash))
            audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.reason == REASON))
            cleanup(unit, n)
            log(f"run {i + 1}: app {sum(apps[-1].values()):.2f} s, baseline {sum(bases[-1].values()):.2f} s; "
                f"{audited:,} audit entries written by the app")
        report(apps, bases)


def report(apps, bases):
    def med(runs, key=None):
        return statistics.median(sum(r.values()) if key is None else r[key] for r in runs)

    log()
    log(f"{'phase':<10}{'app (s)':>10}{'baseline (s)':>14}")
    for key, label in (("read", "read"), ("validate", "validate"), ("write", "write")):
        base = med(bases, key) if key in bases[0] else None
        log(f"{label:<10}{med(apps, key):>10.2f}{(f'{base:.2f}' if base is not None else '—'):>14}")
    total_app, total_base = med(apps), med(bases)
    log(f"{'total':<10}{total_app:>10.2f}{total_base:>14.2f}")
    log(f"ratio app / baseline: {total_app / total_base:.2f}× (target ≤ 2×)")
    log("CPU seconds of this process, last run: " + ", ".join(f"{k} {v:.2f}" for k, v in CPU.items()))
    log(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main(argv=None):
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args(argv)
    database = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='bench-import-')}/bench.sqlite3"
    if database.startswith("postgresql://"):
        database = "postgresql+psycopg://" + database[len("postgresql://"):]
    run(database, args.rows, args.repeat)


if __name__ == "__main__":
    main()
