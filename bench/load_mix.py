"""A bounded load run of the multi-server installation: two gunicorn servers and a job consumer (bench/cluster.py)
on one PostgreSQL database and Redis, 50 sessions doing a realistic mix, every request sent to a server at random.

    DATABASE_URL=postgresql://... REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python -m bench.load_mix \\
        [--sessions 50] [--seconds 60] [--servers 2] [--no-api]

The mix: 50 admin sessions (super admins of different units, bench.load) walk the 待办事项 dashboard and its
refresh, list pages, a search and a details page; one reviewer runs one bulk approve (批量通过 of a page of
专技人员注册审核) a minute, the first at once; one admin runs an import through 专技人员信息 · 批量导入 (upload,
preview, 仅导入正确的行) of 50 new staff; with the API (not ``--no-api``) one client pushes 学时 with a Bearer
token to ``POST /api/v1/credits`` every two seconds. Pending registrations are added first where fewer than 500
wait. Logins are not measured (scrypt on purpose). Any status outside 2xx/3xx and any exception is an error.
Figures per kind: requests, errors, p50, p95. REDIS_URL is the run's own: its db is emptied before and after.
"""
import argparse
import http.cookiejar
import io
import json
import os
import random
import re
import secrets
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from demo.accounts import PASSWORD
from demo.ids import person_id_number

from .cluster import Cluster
from .load import LISTS, SUPERVISOR_LISTS, NoRedirect, percentile, super_admins

IMPORT_ROWS = 50
PENDING_WANTED = 500
BULK_EVERY = 60.0
API_EVERY = 2.0


def log(msg):
    print(msg, flush=True)


class Stats:
    def __init__(self, seconds):
        self.lock = threading.Lock()
        self.latencies, self.errors, self.examples = defaultdict(list), defaultdict(int), []
        self.seconds, self.started, self.deadline = seconds, None, None

    def start(self):
        self.started = time.monotonic()
        self.deadline = self.started + self.seconds

    def more(self):
        return time.monotonic() < self.deadline

    def add(self, kind, seconds, error=None):
        with self.lock:
            if error:
                self.errors[kind] += 1
                if len(self.examples) < 8:
                    self.examples.append(f"{kind}: {error}")
            else:
                self.latencies[kind].append(seconds)


class Client:
    """A user: one cookie jar, each request to a server drawn at random (no stickiness)."""

    def __init__(self, servers, stats, rng):
        self.servers, self.stats, self.rng = servers, stats, rng
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect)

    def send(self, kind, path, data=None, headers=None, timed=True, raw=False):
        url = self.rng.choice(self.servers) + path
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data, doseq=True).encode()
        start = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(url, data, headers or {}), timeout=120) as r:
                body, status, location = r.read(), r.status, r.headers.get("Location")
        except urllib.error.HTTPError as e:  # 3xx too: redirects are answers of their own
            body, status, location = e.read(), e.code, e.headers.get("Location")
        except Exception as e:  # noqa: BLE001 — any failure of the round trip is an error of the run
            self.stats.add(kind, 0, f"{path}: {type(e).__name__}: {e}")
            return None, None
        seconds = time.perf_counter() - start
        if not 200 <= status < 400:
            self.stats.add(kind, seconds, f"{path}: HTTP {status} {body[:200].decode(errors='replace')!r}")
            return None, None
        if timed:
            self.stats.add(kind, seconds)
        return (body if raw else body.decode(errors="replace")), location

    def login(self, id_number, user_type, password=PASSWORD):
        page, _ = self.send("login", "/login", timed=False)
        token = csrf(page)
        if not token:
            return False
        answer, location = self.send("login", "/login", {"csrf_token": token, "user_type": user_type,
                                                         "id_number": id_number, "password": password}, timed=False)
        return answer is not None and location is not None and "/admin" in location


def csrf(page):
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page or "")
    return found.group(1) if found else None


def multipart(fields, files):
    boundary = secrets.token_hex(16)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: application/octet-stream\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


# -- the kinds of work -----------------------------------------------------------------------------------------
def browse(client, user_type, stats):
    lists = LISTS + (SUPERVISOR_LISTS if user_type == "supervisor" else [])
    while stats.more():
        client.send("dashboard", "/admin/")
        client.send("todo.json", "/admin/todo.json")
        client.send("list", client.rng.choice(lists))
        staff, _ = client.send("search", "/admin/staff/?search=" + urllib.parse.quote(client.rng.choice("王李张刘陈杨")))
        detail = re.search(r'/admin/staff/details/\?id=(\d+)', staff or "")
        if detail and stats.more():
            client.send("details", f"/admin/staff/details/?id={detail.group(1)}")


def bulk_approve(client, stats, approved):
    queue = "/admin/person_registration/"
    next_at = time.monotonic()
    while stats.more():
        if time.monotonic() >= next_at:
            next_at += BULK_EVERY
            page, _ = client.send("bulk_approve.page", queue)
            ids = re.findall(r'name="rowid"[^>]*value="(\d+)"', page or "")
            if ids:
                answer, _ = client.send("bulk_approve", queue + "action/", {
                    "csrf_token": csrf(page), "action": "approve", "rowid": ids, "url": queue})
                if answer is not None:
                    approved.append(len(ids))
        time.sleep(0.5)


def staff_import(client, stats, outcome, seq):
    template, _ = client.send("import.template", "/admin/staff/import/template", raw=True)
    if template is None:
        return
    try:
        header = [c.value for c in next(load_workbook(io.BytesIO(template), read_only=True).active.iter_rows(max_row=1))]
    except Exception as e:  # noqa: BLE001 — a login page instead of the template, say
        stats.add("import.template", 0, f"not a template: {type(e).__name__}: {e}")
        return
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for i in range(IMPORT_ROWS):
        values = {"姓名*": f"压测{i:03d}", "身份证号*": person_id_number(seq + i), "学历": "大学本科",
                  "职称系列": "工程技术", "职称级别": "中级", "手机号*": f"139{seq % 10000:04d}{i:04d}"}
        sheet.append([values.get(h, "") for h in header])
    data = io.BytesIO()
    book.save(data)
    page, _ = client.send("import.page", "/admin/staff/import/")
    body, headers = multipart({"csrf_token": csrf(page)}, {"file": ("压测导入.xlsx", data.getvalue())})
    _, location = client.send("import.upload", "/admin/staff/import/", body, headers)
    token = re.search(r"/admin/staff/import/([A-Za-z0-9_-]{22})/", location or "")
    if not token:
        stats.add("import.upload", 0, f"no preview after the upload: {location}")
        return
    preview, _ = client.send("import.preview", f"/admin/staff/import/{token.group(1)}/")
    result, location = client.send("import.confirm", f"/admin/staff/import/{token.group(1)}/import", {
        "csrf_token": csrf(preview), "mode": "valid_only", "password": "Init1234x", "confirm": "Init1234x"})
    if result is not None:
        outcome.append(location)


def api_pushes(client, stats, push):
    n = 0
    while stats.more():
        body, headers = push(n)
        client.send("api_push", "/api/v1/credits", json.dumps(body).encode(),
                    {"Content-Type": "application/json", **headers})
        n += 1
        time.sleep(API_EVERY)


# -- set-up on the database ------------------------------------------------------------------------------------
def prepare(app, sessions, api):
    """The accounts the run logs in with, seeded data where missing, and the API pusher."""
    from demo.bulk import add_pending_persons
    from models import Account, AdminMembership, Organization, Person, db

    with app.app_context():
        pending = db.session.scalar(select(func.count()).where(Person.status == "pending"))
        if pending < PENDING_WANTED:
            add_pending_persons(PENDING_WANTED - pending)
            db.session.commit()
        accounts = super_admins(sessions)
        if not accounts:
            raise SystemExit("数据库里没有可登录的单位超级管理员：先装入演示数据（flask --app app seed --demo）")
        one_unit = (select(AdminMembership.account_id).group_by(AdminMembership.account_id).having(func.count() == 1))
        reviewer = db.session.execute(
            select(Account.id_number, Organization.kind, Organization.id).join(
                AdminMembership, AdminMembership.account_id == Account.id)
            .join(Organization, Organization.id == AdminMembership.org_id)
            .join(Person, (Person.org_id == Organization.id) & (Person.status == "pending"))
            .where(AdminMembership.is_super.is_(True), AdminMembership.account_id.in_(one_unit),
                   Organization.status == "approved", Account.disabled.is_(False))
            .group_by(Account.id_number, Organization.kind, Organization.id)
            .order_by(func.count().desc()).limit(1)).one()
        seq = 90_000_000 + db.session.scalar(select(func.count()).select_from(Person))
        push = api_pusher(app, reviewer[2]) if api else None
        db.session.commit()
    return accounts, reviewer[:2], seq, push


def api_pusher(app, org_id):
    """A unit's token (models.api_tokens.issue) and the push of one day's 其他 hours for one of its staff, with a
    one-page PDF as proof: the body the API documents at /api/docs (POST /api/v1/credits)."""
    import base64

    from models import AdminMembership, Organization, Person, db
    from models import api_tokens
    from models.base import now

    org = db.session.get(Organization, org_id)
    creator = db.session.scalar(select(AdminMembership).where(AdminMembership.org_id == org_id,
                                                              AdminMembership.is_super.is_(True))).account
    _, secret = api_tokens.issue(org, creator, f"压测推送{secrets.token_hex(3)}", ["credits:write"],
                                 now().date() + timedelta(days=1))
    people = db.session.execute(select(Person.id_number, Person.name).where(
        Person.org_id == org_id, Person.status == "approved").limit(20)).all()
    proof = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").decode()
    day = (now().date() - timedelta(days=1)).isoformat()
    run = secrets.token_hex(4)

    def push(n):
        person = people[n % len(people)]
        return ({"idempotency_key": f"load-{run}-{n}", "form": "other", "category": "公需",
                 "title": "压测推送的专业科目学习", "start_date": day, "end_date": day,
                 "values": {"description": "线上课程", "hours": 1},
                 "persons": [{"id_number": person.id_number, "name": person.name}],
                 "attachments": [{"filename": "证明.pdf", "content_base64": proof}]},
                {"Authorization": f"Bearer {secret}"})

    return push


def run(app, database_url, redis_url, sessions=50, seconds=60.0, servers=2, workers=2, threads=4, api=True,
        password=PASSWORD):
    import redis

    accounts, reviewer, seq, push = prepare(app, sessions, api)
    redis.Redis.from_url(redis_url).flushdb()
    base = Path(tempfile.mkdtemp(prefix="jxjy-load-"))
    log(f"\n多服务器负载测试：{servers} 台 gunicorn（各 {workers} 进程 × {threads} 线程）+ 1 个后台任务进程，"
        f"同一 PostgreSQL 与 Redis；{len(accounts)} 个浏览会话 + 批量通过（每分钟 1 次）+ 批量导入 {IMPORT_ROWS} 人"
        f"{' + API 推送（每 2 秒）' if push else '（不含 API 推送：--no-api）'}；{seconds:.0f} 秒；日志 {base}")
    stats, approved, imported = Stats(seconds), [], []
    with Cluster(database_url, redis_url, base / "shared", secrets.token_hex(32), servers=servers, workers=workers,
                 threads=threads, log_folder=base) as cluster:
        rng = random.Random(7)
        browsers = [(Client(cluster.urls, stats, random.Random(i)), kind) for i, (_, kind) in enumerate(accounts)]
        for (client, _), (id_number, kind) in zip(browsers, accounts):
            if not client.login(id_number, kind, password):
                stats.add("login", 0, f"登录失败：{id_number}")
        worker = Client(cluster.urls, stats, random.Random(rng.random()))
        importer = Client(cluster.urls, stats, random.Random(rng.random()))
        for client in (worker, importer):
            if not client.login(*reviewer, password):
                stats.add("login", 0, f"登录失败：{reviewer[0]}")
        stats.start()
        jobs = [threading.Thread(target=browse, args=(c, kind, stats), daemon=True) for c, kind in browsers]
        jobs.append(threading.Thread(target=bulk_approve, args=(worker, stats, approved), daemon=True))
        jobs.append(threading.Thread(target=staff_import, args=(importer, stats, imported, seq), daemon=True))
        if push:
            pusher = Client(cluster.urls, stats, random.Random(rng.random()))
            jobs.append(threading.Thread(target=api_pushes, args=(pusher, stats, push), daemon=True))
        for t in jobs:
            t.start()
        for t in jobs:
            t.join(seconds + 300)
        elapsed = time.monotonic() - stats.started
    redis.Redis.from_url(redis_url).flushdb()
    report(stats, elapsed, approved, imported)
    check(app, seq)
    return stats


def check(app, seq):
    """What the writes did, read back from the database: the answers alone could be a page with an error on it."""
    from models import Person, db

    with app.app_context():
        new = db.session.scalar(select(func.count()).where(
            Person.id_number.in_([person_id_number(seq + i) for i in range(IMPORT_ROWS)])))
        pending = db.session.scalar(select(func.count()).where(Person.status == "pending"))
        db.session.remove()
    log(f"  数据库核对：导入的 {IMPORT_ROWS} 人中已入库 {new} 人；待审核注册剩 {pending} 条")


def report(stats, elapsed, approved, imported):
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(stats.errors.values())
    log(f"  共 {total + errors} 次请求，{errors} 次错误，用时 {elapsed:.1f} 秒，吞吐 {total / max(elapsed, 1e-9):.1f} 次/秒")
    log(f"  {'类别':<18}{'请求':>7}{'错误':>6}{'p50 ms':>9}{'p95 ms':>9}")
    for kind in sorted(set(stats.latencies) | set(stats.errors)):
        done = stats.latencies.get(kind, [])
        p50 = f"{percentile(done, 50):.0f}" if done else "—"
        p95 = f"{percentile(done, 95):.0f}" if done else "—"
        log(f"  {kind:<20}{len(done) + stats.errors.get(kind, 0):>7}{stats.errors.get(kind, 0):>6}{p50:>9}{p95:>9}")
    everything = [s for v in stats.latencies.values() for s in v]
    if everything:
        log(f"  全部：p50 {percentile(everything, 50):.0f} ms，p95 {percentile(everything, 95):.0f} ms，"
            f"平均 {statistics.mean(everything) * 1000:.0f} ms")
    log(f"  批量通过 {len(approved)} 次（{sum(approved)} 条），导入 {'完成' if imported else '未完成'}")
    for example in stats.examples:
        log(f"  错误示例：{example}")


def main():
    from app import create_app

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes per server")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--no-api", action="store_true", help="without the API pushes")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        raise SystemExit("需要 Redis：请设置 REDIS_URL=redis://127.0.0.1:6379/13（该库会被清空）")
    app = create_app({"REDIS_URL": None})  # the set-up writes through the app; only the servers use Redis
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise SystemExit("负载测试需要 PostgreSQL：请设置 DATABASE_URL=postgresql://...")
    stats = run(app, os.environ["DATABASE_URL"], redis_url, args.sessions, args.seconds, args.servers, args.workers,
                args.threads, api=not args.no_api)
    raise SystemExit(1 if sum(stats.errors.values()) else 0)


if __name__ == "__main__":
    main()
