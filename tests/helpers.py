"""Factories that build valid objects in one call (after CTFd's tests/helpers.py)."""
import io
import itertools
import re
import signal
import threading
import zipfile
from contextlib import contextmanager

from openpyxl import load_workbook

from demo.ids import id_number, uscc
from models import (Account, AdminMembership, Department, Organization, Person, Role, db)
from models.validators import birth_date_of, gender_of

PASSWORD = "Passw0rd1"
_seq = itertools.count(900000)


def next_seq():
    return next(_seq)


def make_org(name=None, kind="employer", parent=None, status="approved", **kw):
    seq = next_seq()
    org = Organization(name=name or f"测试单位{seq}", uscc=kw.pop("uscc", uscc(seq)), kind=kind,
                       parent_id=parent.id if parent else None, status=status,
                       region=kw.pop("region", "济南市"), contact_name="联系人", contact_phone="13800000000",
                       contact_email=f"org{seq}@example.cn", **kw)
    db.session.add(org)
    db.session.flush()
    org.attach_to_tree()
    db.session.commit()
    return org


def make_account(name="张三", password=PASSWORD, **kw):
    seq = next_seq()
    account = Account(id_number=kw.pop("id_number", id_number(seq)), name=name,
                      email=kw.pop("email", f"user{seq}@example.cn"), phone=kw.pop("phone", f"139{seq:08d}"[-11:]), **kw)
    account.set_password(password)
    db.session.add(account)
    db.session.commit()
    return account


def make_admin(org, name="管理员", is_super=True, role=None, account=None, password=PASSWORD):
    account = account or make_account(name, password)
    membership = AdminMembership(account_id=account.id, org_id=org.id, is_super=is_super,
                                 role_id=role.id if role else None)
    db.session.add(membership)
    db.session.commit()
    return account


def make_role(org, name="角色", codes=()):
    role = Role(org_id=org.id, name=name, permissions=list(codes))
    db.session.add(role)
    db.session.commit()
    return role


def make_department(org, name=None):
    dept = Department(org_id=org.id, name=name or f"部门{next_seq()}")
    db.session.add(dept)
    db.session.commit()
    return dept


def make_person(org, name="李四", status="approved", department=None, password=PASSWORD, **kw):
    account = make_account(name, password)
    person = Person(account_id=account.id, org_id=org.id, department_id=department.id if department else None,
                    name=name, id_number=account.id_number, gender=gender_of(account.id_number),
                    birth_date=birth_date_of(account.id_number), status=status,
                    title_series=kw.pop("title_series", "工程技术"), title_level=kw.pop("title_level", "中级"),
                    education=kw.pop("education", "大学本科"), **kw)
    db.session.add(person)
    db.session.commit()
    return person


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def response_text(response) -> str:
    """What a response shows a reader: a page's text, or every cell of a downloaded workbook (templates, exports),
    so the route walks can look for leaked names in files too."""
    if response.mimetype == XLSX:
        book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    return response.get_data(as_text=True)


def zip_bomb() -> bytes:
    """An .xlsx-looking zip whose one sheet unpacks to 300 MB: what the readers must refuse before unpacking."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (300 * 1024 * 1024) + b">")
    return out.getvalue()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf token in page"
    return match.group(1)


def in_threads(targets, timeout=120):
    """Start every callable in its own thread and wait for all: the race tests' "many requests at the same
    moment" (the callables meet at a Barrier of their own)."""
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)


def file_queue(app, tmp_path):
    """A real job queue for ``app`` (SqliteHuey on a file) instead of the tests' immediate mode."""
    from models.job_queue import make_huey

    app.extensions["huey"] = huey = make_huey(app, store="sqlite", filename=tmp_path / "queue.sqlite3")
    return huey


@contextmanager
def job_worker(huey):
    """huey's consumer in threads for the block. Its start() installs signal handlers: they are put back after."""
    from models.job_queue import consumer

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    worker = consumer(huey)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop(graceful=True)
        for s, handler in handlers.items():
            signal.signal(s, handler)
