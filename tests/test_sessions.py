"""Sessions end on the server: 退出登录 kills every copy of the cookie; idle and absolute lifetimes are enforced
from the timestamps kept in the signed session (the clock is moved by editing them, never by sleeping)."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from models import Account, Department, db

from .conftest import CONFIG, Auth
from .helpers import PASSWORD, csrf_token


def copy_of_cookie(app, client):
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_cookie_copied_before_logout_is_dead_after_it(app, auth, client, unit):
    auth.login(unit.admin)
    token = csrf_token(client.get("/admin/departments/new/").get_data(as_text=True))
    thief = copy_of_cookie(app, client)
    assert thief.get("/admin/").status_code == 200, "the copy works while the owner is logged in"
    auth.logout()
    r = thief.get("/admin/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = thief.post("/admin/departments/new/", data={"csrf_token": token, "name": "偷偷新增的部门"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert db.session.scalar(select(func.count()).where(Department.name == "偷偷新增的部门")) == 0
    before = db.session.get(Account, unit.admin.id).password_hash
    thief.post("/password", data={"csrf_token": token, "current_password": PASSWORD,
                                  "new_password": "Stolen1234", "confirm": "Stolen1234"})
    db.session.expire_all()
    assert db.session.get(Account, unit.admin.id).password_hash == before


def test_logout_ends_the_accounts_other_sessions_too(app, unit):
    first, second = app.test_client(), app.test_client()
    Auth(first).login(unit.admin)
    Auth(second).login(unit.admin)
    Auth(first).logout()
    assert second.get("/admin/").status_code == 302


def shift(client, **seconds):
    """Move the session's own clock back: ``login_at=3600`` makes the login an hour older."""
    with client.session_transaction() as s:
        for key, delta in seconds.items():
            s[key] -= delta


def test_idle_session_is_logged_out_with_a_message(app, auth, client, unit):
    auth.login(unit.admin)
    shift(client, seen_at=31 * 60)
    r = client.get("/admin/departments/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert "登录已超时，请重新登录" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert client.get("/admin/").status_code == 302, "logged out, not just redirected once"


def test_a_request_keeps_the_session_alive(app, auth, client, unit):
    auth.login(unit.admin)
    shift(client, seen_at=29 * 60)
    assert client.get("/admin/").status_code == 200
    shift(client, seen_at=29 * 60)
    assert client.get("/admin/").status_code == 200, "the idle time counts from the last request"


def test_background_polling_does_not_keep_an_idle_session_alive(app, auth, client, unit):
    auth.login(unit.admin)
    shift(client, seen_at=29 * 60)
    assert client.get("/admin/todo.json", headers={"Sec-Fetch-Mode": "cors"}).status_code == 200
    shift(client, seen_at=2 * 60)
    assert client.get("/admin/").status_code == 302


def test_absolute_lifetime_ends_even_an_active_session(app, auth, client, unit):
    auth.login(unit.admin)
    shift(client, login_at=12 * 3600 + 60)
    r = client.get("/admin/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert "登录已超时" in client.get("/login").get_data(as_text=True)


def test_lifetimes_are_configurable(app, auth, client, unit):
    app.config.update(SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=1)
    auth.login(unit.admin)
    shift(client, seen_at=4 * 60)
    assert client.get("/admin/").status_code == 200
    shift(client, seen_at=6 * 60)
    assert client.get("/admin/").status_code == 302
    assert create_app(dict(CONFIG, SESSION_MAX_HOURS=2)).permanent_session_lifetime == timedelta(hours=2)


def test_the_session_cookie_expires_with_the_absolute_lifetime(app, auth, client, unit):
    assert app.permanent_session_lifetime == timedelta(hours=12)
    r = auth.login(unit.admin)
    cookie = r.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie
    with client.session_transaction() as s:
        assert abs(s["login_at"] - time.time()) < 60


@pytest.mark.parametrize("base_url, env, secure", [
    ("http://127.0.0.1:5000", None, False), ("https://jxjy.example.cn", None, True),
    ("https://jxjy.example.cn", "0", False), ("http://127.0.0.1:5000", "1", True)])
def test_secure_cookie_follows_https_unless_set(monkeypatch, base_url, env, secure):
    if env is None:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", env)
    assert create_app(dict(CONFIG, PUBLIC_BASE_URL=base_url)).config["SESSION_COOKIE_SECURE"] is secure
