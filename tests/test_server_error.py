"""The 500 page never needs the database: it renders when a view fails, when the database fails, and when the
menu (whose context processor queries the database) fails."""
import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models import access


def boom(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def live(app):
    """Errors answered as in production instead of raised into the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/test-raises")
    def raises():
        raise RuntimeError("bug in a view")

    return app


def assert_chinese_500(r):
    body = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "系统错误" in body and "请稍后重试" in body
    assert "Traceback" not in body and "Internal Server Error" not in body and "RuntimeError" not in body


def test_a_failing_view_gets_the_chinese_500_page(live, client, auth, unit):
    auth.login(unit.admin)
    assert_chinese_500(client.get("/test-raises"))


def test_the_500_page_renders_while_the_database_fails(live, client, auth, unit, monkeypatch):
    auth.login(unit.admin)
    monkeypatch.setattr(Session, "execute", boom)
    assert_chinese_500(client.get("/admin/staff/"))


def test_the_500_page_renders_while_the_menu_fails(live, client, auth, unit, monkeypatch):
    auth.login(unit.admin)
    monkeypatch.setattr(access, "current_org", boom)
    assert_chinese_500(client.get("/test-raises"))
    assert_chinese_500(client.get("/password"))
