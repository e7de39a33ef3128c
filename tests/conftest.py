"""Fixtures: one app per test on a clean database — SQLite by default, PostgreSQL with TEST_DATABASE_URL."""
import os
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
          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def pytest_report_header(config):
    return f"database: {DATABASE_URL.split('@')[-1]}"


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
