"""A bounded load run: gunicorn on a free loopback port, 50 admin sessions clicking through the back office.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.load [--sessions 50] [--seconds 60] [--workers 4]

Each session is a thread with its own cookie jar that logs in through the login page as the super admin of a
different unit where the data has enough units (every unit has one; all demo and scale accounts share the
password Demo1234), then repeats a working admin's round: the 待办事项 dashboard and its todo.json refresh, a
list page, a search, a details page. The run stops by itself after ``--seconds`` or ``--requests``, whichever
comes first; then gunicorn is stopped. Any status outside 2xx/3xx, and any exception, is an error.
"""
import argparse
import http.cookiejar
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from demo.accounts import PASSWORD
from models import Account, AdminMembership, Organization, db

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_LOG = ROOT / "instance" / "bench-gunicorn.log"
LISTS = ["/admin/staff/", "/admin/person_registration/", "/admin/person_registration_done/",
         "/admin/transfer_records/", "/admin/audit/", "/admin/departments/", "/admin/admins/"]
SUPERVISOR_LISTS = ["/admin/org_registration/", "/admin/subordinates/"]


def log(msg):
    print(msg, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(database_url, port, workers, threads):
    env = dict(os.environ, DATABASE_URL=database_url)
    # Its output goes to a file: a child holding our stdout open would keep a pipe reading it waiting forever.
    GUNICORN_LOG.parent.mkdir(exist_ok=True)
    output = open(GUNICORN_LOG, "w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning", "app:create_app()"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30).read()
            return proc
        except OSError:  # refused while binding, or a timeout while the workers import the app
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn 启动失败（退出码 {proc.returncode}，见 {GUNICORN_LOG}）")
            time.sleep(0.5)
    stop(proc)
    raise SystemExit(f"gunicorn 120 秒内没有就绪（见 {GUNICORN_LOG}）")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def super_admins(n):
    """(ID number, user type) of super admins of approved units who administer exactly one unit (no unit picker
    after login), one per unit, the biggest kinds of unit first; repeated when there are fewer units than ``n``."""
    one_unit = (select(AdminMembership.account_id).group_by(AdminMembership.account_id)
                .having(func.count() == 1))
    rows = db.session.execute(
        select(Account.id_number, Organization.kind).join(AdminMembership, AdminMembership.account_id == Account.id)
        .join(Organization, Organization.id == AdminMembership.org_id)
        .where(AdminMembership.is_super.is_(True), Organization.status == "approved", Account.disabled.is_(False),
               AdminMembership.account_id.in_(one_unit))
        .order_by(Organization.kind.desc(), Organization.id)).all()
    return [tuple(rows[i % len(rows)]) for i in range(n)] if rows else []


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer of its own: timed, counted, not followed


class Stats:
    """Shared by the sessions. The clock starts when every session has logged in (logins are not the round
    being measured: they pay for scrypt on purpose)."""

    def __init__(self, sessions, max_requests, seconds):
        self.lock = threading.Lock()
        self.latencies, self.errors, self.examples = [], 0, []
        self.max_requests, self.seconds = max_requests, seconds
        self.started = self.deadline = None
        self.all_logged_in = threading.Barrier(sessions, action=self._start)

    def _start(self):
        self.started = time.monotonic()
        self.deadline = self.started + self.seconds

    def more(self):
        return time.monotonic() < self.deadline and len(self.latencies) + self.errors < self.max_requests

    def add(self, seconds, error=None):
        with self.lock:
            if error:
                self.errors += 1
                if len(self.examples) < 5:
                    self.examples.append(error)
            else:
                self.latencies.append(seconds)


class Session:
    def __init__(self, base, stats, id_number, user_type, seed):
        self.base, self.stats, self.rng = base, stats, random.Random(seed)
        self.id_number, self.user_type = id_number, user_type
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect)

    def get(self, path, data=None, timed=True):
        start = time.perf_counter()
        try:
            body = urllib.parse.urlencode(data).encode() if data else None
            with self.opener.open(self.base + path, body, timeout=60) as r:
                text, status = r.read().decode(), r.status
        except urllib.error.HTTPError as e:  # 3xx arrive here too, since redirects are not followed
            text, status = e.read().decode(errors="replace"), e.code
        except Exception as e:  # noqa: BLE001 — any failure of the round trip is an error of the run
            self.stats.add(0, f"{path}: {type(e).__name__}: {e}")
            return None
        seconds = time.perf_counter() - start
        if not 200 <= status < 400:
            self.stats.add(seconds, f"{path}: HTTP {status}")
            return None
        if timed:
            self.stats.add(seconds)
        return text

    def login(self):
        page = self.get("/login", timed=False)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page or "")
        if not token:
            return False
        answer = self.get("/login", {"csrf_token": token.group(1), "user_type": self.user_type,
                                     "id_number": self.id_number, "password": PASSWORD}, timed=False)
        # A refused login renders the form again (200); a good one redirects to the admin home.
        return answer is not None and "csrf_token" not in answer

    def run(self):
        logged_in = self.login()
        self.stats.all_logged_in.wait()
        if not logged_in:
            self.stats.add(0, f"登录失败：{self.id_number}（{self.user_type}）")
            return
        lists = LISTS + (SUPERVISOR_LISTS if self.user_type == "supervisor" else [])
        while self.stats.more():
            self.get("/admin/")
            self.get("/admin/todo.json")
            self.get(self.rng.choice(lists))
            staff = self.get("/admin/staff/?search=" + urllib.parse.quote(self.rng.choice("王李张刘陈杨")))
            detail = re.search(r'/admin/staff/details/\?id=(\d+)', staff or "")
            if detail and self.stats.more():
                self.get(f"/admin/staff/details/?id={detail.group(1)}")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def run(database_url, sessions=50, seconds=60.0, max_requests=20_000, workers=4, threads=4):
    accounts = super_admins(sessions)
    if not accounts:
        raise SystemExit("数据库里没有可登录的单位超级管理员：先装入演示数据")
    port = free_port()
    log(f"\n负载测试：gunicorn 127.0.0.1:{port}（{workers} 个进程 × {threads} 线程，gthread），{sessions} 个会话"
        f"（{len(set(accounts))} 个不同单位的超级管理员），最长 {seconds:.0f} 秒或 {max_requests} 次请求")
    proc = start_gunicorn(database_url, port, workers, threads)
    try:
        stats = Stats(len(accounts), max_requests, seconds)
        clients = [Session(f"http://127.0.0.1:{port}", stats, id_number, kind, i)
                   for i, (id_number, kind) in enumerate(accounts)]
        threads_ = [threading.Thread(target=c.run, daemon=True) for c in clients]
        for t in threads_:
            t.start()
        for t in threads_:
            t.join(seconds + 300)
        elapsed = time.monotonic() - (stats.started or time.monotonic())
    finally:
        stop(proc)
    done = stats.latencies
    log(f"  请求 {len(done)} 次成功，{stats.errors} 次错误，用时 {elapsed:.1f} 秒，吞吐 {len(done) / max(elapsed, 1e-9):.1f} 次/秒")
    if done:
        log(f"  延迟 p50 {percentile(done, 50):.0f} ms，p95 {percentile(done, 95):.0f} ms，"
            f"p99 {percentile(done, 99):.0f} ms，平均 {statistics.mean(done) * 1000:.0f} ms")
    for example in stats.examples:
        log(f"  错误示例：{example}")
    log("  gunicorn 已停止")
    return stats


def main():
    from app import create_app

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    app = create_app()
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise SystemExit("负载测试需要 PostgreSQL：请设置 DATABASE_URL=postgresql://...")
    with app.app_context():
        run(os.environ["DATABASE_URL"], args.sessions, args.seconds, args.requests, args.workers, args.threads)


if __name__ == "__main__":
    main()
