"""Fixtures: one app per test on a clean database — SQLite by default, PostgreSQL with TEST_DATABASE_URL."""
import os
import secrets
import tempfile

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from cli import upgrade_database
from models import db
from models.title_series import seed_title_series

from .helpers import PASSWORD, csrf_token, make_admin, make_org

_tmp = tempfile.mkdtemp(prefix="jxjy-test-")
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp}/test.sqlite3"
CONFIG = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": DATABASE_URL, "SECRET_KEY": "test",
          "WTF_CSRF_ENABLED": True, "MAIL_SERVER": None,
          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
          # The suite's store choices do not follow the shell's: the Redis tests ask for Redis (throttle_store).
          "REDIS_URL": None, "DATABASE_REPLICA_URL": None}

# Redis for the tests that run against it: TEST_REDIS_URL, else db 15 of REDIS_URL's server, else db 15 on this
# machine. Given explicitly (either variable), an unreachable Redis fails those tests; not given, they are
# deselected and the run says so in its header and summary — a machine without Redis still runs everything else.
def _test_redis_url():
    if os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"], True
    if os.environ.get("REDIS_URL"):
        from urllib.parse import urlsplit, urlunsplit

        return urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/15")), True
    return "redis://127.0.0.1:6379/15", False


REDIS_URL, REDIS_EXPLICIT = _test_redis_url()


def _with_db(url, database):
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def _servers_database_url():
    """tests/test_two_servers.py's own PostgreSQL database: TEST_SERVERS_DATABASE_URL, else ``<name>_servers`` next
    to a PostgreSQL TEST_DATABASE_URL (both explicit: must be reachable), else jxjy_test_servers at 127.0.0.1."""
    if os.environ.get("TEST_SERVERS_DATABASE_URL"):
        return os.environ["TEST_SERVERS_DATABASE_URL"], True
    if DATABASE_URL.startswith("postgresql"):
        name = DATABASE_URL.rsplit("/", 1)[1].split("?")[0]
        return _with_db(DATABASE_URL, f"{name}_servers"), True
    return "postgresql://postgres@127.0.0.1:5432/jxjy_test_servers", False


SERVERS_DATABASE_URL, SERVERS_EXPLICIT = _servers_database_url()
SERVERS_REDIS_URL = _with_db(REDIS_URL, "14")


def _servers_unavailable() -> str | None:
    """Creates the database when its server is there and it is not; why not, else None."""
    import psycopg
    from psycopg import sql

    name = SERVERS_DATABASE_URL.rsplit("/", 1)[1].split("?")[0]
    try:
        with psycopg.connect(_with_db(SERVERS_DATABASE_URL, "postgres"), autocommit=True, connect_timeout=3) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as e:
        return f"PostgreSQL: {type(e).__name__}: {str(e).strip()[:200]}"
    import redis

    try:
        redis.Redis.from_url(SERVERS_REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as e:
        return f"Redis: {type(e).__name__}: {e}"
    return None


def _redis_unreachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as e:
        return f"{type(e).__name__}: {e}"
    return None


def pytest_collection_modifyitems(session, config, items):
    config._deselected_notes = []
    checks = [("redis", REDIS_EXPLICIT, _redis_unreachable, f"no Redis at {REDIS_URL}", "TEST_REDIS_URL"),
              ("servers", SERVERS_EXPLICIT and REDIS_EXPLICIT, _servers_unavailable,
               f"no PostgreSQL/Redis for {SERVERS_DATABASE_URL.split('@')[-1]}",
               "TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL")]
    for marker, explicit, unavailable, what, variable in checks:
        needing = [i for i in items if marker in i.keywords]
        if not needing:
            continue
        why = unavailable()
        if why and not explicit:
            config._deselected_notes.append(f"{len(needing)} {marker} test(s) deselected: {what} ({why}); set "
                                            f"{variable} to make them required")
            config.hook.pytest_deselected(items=needing)
            items[:] = [i for i in items if marker not in i.keywords]


def pytest_terminal_summary(terminalreporter, config):
    for note in getattr(config, "_deselected_notes", ()):
        terminalreporter.write_line(note, yellow=True, bold=True)


def pytest_report_header(config):
    return f"database: {DATABASE_URL.split('@')[-1]}; redis: {REDIS_URL} ({'required' if REDIS_EXPLICIT else 'if reachable'})"


@pytest.fixture(scope="session")
def _schema():
    """Drop whatever an earlier run left and migrate from zero: the migrations themselves are under test."""
    app = create_app(CONFIG)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # Tables of other branches or older runs must go too, not only the ones these models know.
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade_database()
    return app


def _wipe():
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production: its own ``g`` and its own db session.

    The test keeps its outer context for setup and checks; after a request the outer session is
    expired, so checks read what the request committed.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(_schema):
    app = create_app(CONFIG)
    app.test_client_class = FreshContextClient
    with app.app_context():
        seed_title_series()  # reference rows the migration inserts; _wipe empties every table after a test
        db.session.commit()
        yield app
        db.session.remove()
        _wipe()


@pytest.fixture(params=["db", pytest.param("redis", marks=pytest.mark.redis)])
def throttle_store(request, app):
    """Run a test on each store of models.account.Throttle: the table, and Redis under a key prefix of its own."""
    if request.param == "db":
        yield "db"
        return
    from models import throttle_redis

    prefix = f"jxjy-test:{secrets.token_hex(4)}:"
    app.config.update(REDIS_URL=REDIS_URL, THROTTLE_PREFIX=prefix)
    throttle_redis.client().ping()  # unreachable although asked for: this fails here, loudly
    yield "redis"
    conn = throttle_redis.client()
    for name in conn.scan_iter(match=prefix + "*"):
        conn.delete(name)
    app.config["REDIS_URL"] = None


def throttle_count(store, key_prefix=""):
    """Attempts stored for keys starting with ``key_prefix``, in whichever store the test runs on."""
    from models import Throttle, throttle_redis

    if store == "redis":
        return throttle_redis.count(key_prefix)
    return Throttle.query.filter(Throttle.key.like(key_prefix + "%")).count()


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, account_or_id, password=PASSWORD, user_type="employer", follow=False):
        id_number = getattr(account_or_id, "id_number", account_or_id)
        page = self.client.get("/login")
        return self.client.post("/login", data={
            "csrf_token": csrf_token(page.get_data(as_text=True)), "user_type": user_type,
            "id_number": id_number, "password": password}, follow_redirects=follow)

    def logout(self):
        page = self.client.get("/admin/")
        return self.client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})

    def post(self, url, data=None, form_url=None, **kw):
        """POST with a fresh CSRF token taken from ``form_url`` (default: the same url)."""
        page = self.client.get(form_url or url)
        data = dict(data or {})
        data["csrf_token"] = csrf_token(page.get_data(as_text=True))
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def unit(app):
    """A province tree: 省人社厅 > 济南市人社局 > 示范单位 (with a branch), plus an unrelated unit."""
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    city = make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province)
    employer = make_org("济南示范科技有限公司", parent=city)
    branch = make_org("济南示范科技有限公司历下分公司", parent=employer)
    other = make_org("青岛其他制造有限公司", parent=province)
    return type("Tree", (), dict(province=province, city=city, employer=employer, branch=branch, other=other,
                                 admin=make_admin(employer, "王管理"), other_admin=make_admin(other, "赵管理")))
