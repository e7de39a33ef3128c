"""Two app servers, one PostgreSQL, one Redis, one job consumer (deploy/README.md): a user's requests alternate
between the servers and everything works — the session, CSRF tokens, a background export started on one server,
run by the consumer and downloaded from the other, the login rate limit counted once for both.

Real processes (bench/cluster.py: gunicorn ×2 and ``flask jobs-worker``, each with its own INSTANCE_PATH, all
with one SECRET_KEY and one SHARED_FOLDER) talking HTTP over loopback. The database is a PostgreSQL database of
its own, ``<test database>_servers`` (``TEST_SERVERS_DATABASE_URL`` overrides): it is migrated from zero here, and
the suite's other tests, which wipe their database after each test, never touch it. On a SQLite run the
PostgreSQL at 127.0.0.1 is used when reachable; an installation of several servers is PostgreSQL only, so a
SQLite database would prove nothing. Redis: db 14 of the test Redis (the throttle tests use db 15).
"""
import http.cookiejar
import io
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import redis
from openpyxl import load_workbook
from sqlalchemy import text

from app import create_app
from bench.cluster import Cluster
from cli import upgrade_database
from demo import add_persons
from demo.ids import id_number
from models import Job, Throttle, db
from models.login import ADDRESS_FAILURES
from models.title_series import seed_title_series

from .conftest import CONFIG, SERVERS_DATABASE_URL, SERVERS_REDIS_URL
from .helpers import PASSWORD, make_admin, make_org, next_seq

pytestmark = [pytest.mark.servers]
STAFF = 2_100  # above EXPORT_SYNC_ROWS (2,000): the export is a background job


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One user's cookie jar, sending each request to the server it is told."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect)

    def open(self, url, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:  # 3xx too: redirects are answers here
            return e.code, e.headers, e.read()

    def page(self, url):
        status, headers, body = self.open(url)
        return status, body.decode()


def token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    """The database migrated from zero with one unit, its admin and STAFF approved staff; then the cluster."""
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": SERVERS_DATABASE_URL, "TESTING": False,
                      "JOBS_IMMEDIATE": True})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade_database()
        seed_title_series()
        province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
        employer = make_org("济南双服务器测试有限公司", parent=province)
        admin = make_admin(employer, "王双机")
        add_persons(STAFF, progress=lambda *a, **k: None)
        db.session.commit()
        admin_id_number = admin.id_number
        db.session.remove()
        db.engine.dispose()
    queue = redis.Redis.from_url(SERVERS_REDIS_URL)
    queue.flushdb()  # db 14 is this test's alone: the queue and the rate limits of the run before
    base = tmp_path_factory.mktemp("servers")
    cluster = Cluster(SERVERS_DATABASE_URL, SERVERS_REDIS_URL, base / "shared", secrets.token_hex(32),
                      servers=2, workers=2, threads=2, log_folder=base)
    with cluster:
        yield type("Installation", (), dict(cluster=cluster, app=app, admin=admin_id_number, redis=queue))
    queue.flushdb()
    assert not any(cluster.alive().values()), "every process we started has ended"


def login(browser, server, id_number, password=PASSWORD):
    _, page = browser.page(server + "/login")
    return browser.open(server + "/login", {"csrf_token": token(page), "user_type": "employer",
                                            "id_number": id_number, "password": password})


def test_a_user_alternates_between_the_servers(installation):
    one, two = installation.cluster.urls
    user = Browser()
    status, headers, _ = login(user, one, installation.admin)
    assert status == 302 and "/admin" in headers["Location"]

    # The session cookie of server 1 is a session on server 2, and back again.
    for server in (two, one, two, one):
        status, page = user.page(server + "/admin/")
        assert status == 200 and "王双机" in page and "济南双服务器测试有限公司" in page, server

    # A form from server 1, posted to server 2: its CSRF token is accepted there.
    _, form = user.page(one + "/admin/departments/new/")
    status, _, _ = user.open(two + "/admin/departments/new/", {"csrf_token": token(form), "name": "双机测试部"})
    assert status == 302
    _, listed = user.page(one + "/admin/departments/")
    assert "双机测试部" in listed

    # An export large enough for a job, started on server 1; the page that follows it is on server 2.
    status, headers, _ = user.open(one + "/admin/staff/export.xlsx")
    assert status == 302, "more than 2,000 rows: a background job"
    job_id = int(re.search(r"/admin/jobs/(\d+)", headers["Location"]).group(1))
    deadline, data = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        status, _, body = user.open(f"{two}/admin/jobs/{job_id}.json")
        assert status == 200
        data = json.loads(body)
        if data["finished"]:
            break
        time.sleep(0.5)
    assert data and data["status"] == "done", data
    assert data["message"] == f"已导出 {STAFF:,} 条记录"
    status, headers, body = user.open(two + data["download"])  # the consumer wrote it; server 2 serves it
    assert status == 200 and headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) == STAFF + 1
    with installation.app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "done" and job.heartbeat_at is not None  # run by the consumer, not in a request
        db.session.remove()
    consumer_log = (installation.cluster.logs / "consumer.log").read_text()
    assert "RedisHuey" in consumer_log and "run_job" in consumer_log

    # 退出登录 on server 2 with server 1's token ends the session on both.
    _, page = user.page(one + "/admin/")
    assert user.open(two + "/logout", {"csrf_token": token(page)})[0] == 302
    for server in (one, two):
        status, headers, _ = user.open(server + "/admin/")
        assert status == 302 and "/login" in headers["Location"], server


def test_the_login_rate_limit_counts_across_both_servers(installation):
    one, two = installation.cluster.urls
    guesser = Browser()
    for i in range(ADDRESS_FAILURES):  # unknown ID numbers: no account gets locked, only the address counts
        status, _, body = login(guesser, (one, two)[i % 2], id_number(next_seq()), "Wrong1234")
        assert status == 200 and "账号或密码错误" in body.decode(), i
    for server in (one, two):
        status, _, body = login(Browser(), server, installation.admin)
        assert status == 429 and "登录失败次数过多" in body.decode(), server
    assert installation.redis.zcard("jxjy:throttle:login-ip:127.0.0.1") == ADDRESS_FAILURES + 2
    with installation.app.app_context():
        assert db.session.query(Throttle).count() == 0, "the attempts live in Redis, not in the table"
        db.session.remove()


def test_the_load_mix_runs_on_two_servers_without_errors(installation, capsys):
    """bench.load_mix in miniature on this installation's database (its own servers; Redis db 14 emptied)."""
    from bench import load_mix

    stats = load_mix.run(installation.app, SERVERS_DATABASE_URL, SERVERS_REDIS_URL, sessions=3, seconds=4,
                         workers=1, threads=2, api=False, password=PASSWORD)
    out = capsys.readouterr().out
    assert sum(stats.errors.values()) == 0, stats.examples
    assert stats.latencies["bulk_approve"] and stats.latencies["import.confirm"], out
    assert {"dashboard", "list", "search"} <= set(stats.latencies)
    assert f"已入库 {load_mix.IMPORT_ROWS} 人" in out
