"""Behind nginx (deploy/): X-Forwarded-For/-Proto are honoured when PROXY_FIX_* says how many proxies set them,
and ignored otherwise (a client could claim any address)."""
from flask import request, url_for
from sqlalchemy import select

from app import create_app
from models import AuditEntry, db

from .conftest import CONFIG, Auth, FreshContextClient, throttle_count

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "jxjy.example.cn"}


def proxied_app(**proxy):
    app = create_app({**CONFIG, **proxy})
    app.test_client_class = FreshContextClient

    @app.get("/_whoami")
    def whoami():
        return {"ip": request.remote_addr, "login": url_for("auth.login", _external=True), "secure": request.is_secure}

    return app


def forwarded_client(app):
    client = app.test_client()
    client.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in FORWARDED.items()})
    return client


def test_behind_one_proxy_the_client_address_and_https_are_the_forwarded_ones(app):
    behind = proxied_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1, PROXY_FIX_X_HOST=1)
    seen = forwarded_client(behind).get("/_whoami").get_json()
    assert seen == {"ip": "203.0.113.7", "login": "https://jxjy.example.cn/login", "secure": True}


def test_without_the_setting_forwarded_headers_are_ignored(app):
    seen = forwarded_client(proxied_app()).get("/_whoami").get_json()
    assert seen == {"ip": "127.0.0.1", "login": "http://localhost/login", "secure": False}


def test_only_the_last_proxy_is_believed(app):
    behind = proxied_app(PROXY_FIX_X_FOR=1)
    client = behind.test_client()
    # A client's own X-Forwarded-For arrives first in the list; nginx appends the address it saw.
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "10.6.6.6, 198.51.100.4"
    assert client.get("/_whoami").get_json()["ip"] == "198.51.100.4"


def test_the_login_rate_limit_and_the_audit_log_see_the_client_address(app, unit, throttle_store):
    behind = proxied_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    behind.config.update(REDIS_URL=app.config["REDIS_URL"], THROTTLE_PREFIX=app.config.get("THROTTLE_PREFIX"))
    with behind.app_context():
        client = forwarded_client(behind)
        del client.environ_base["HTTP_X_FORWARDED_HOST"]
        # Over https Flask-WTF wants a same-origin Referer, which browsers send (Referrer-Policy: same-origin).
        client.environ_base["HTTP_REFERER"] = "https://localhost/login"
        auth = Auth(client)
        for _ in range(5):  # the fifth wrong password locks the account: an audited event
            assert auth.login(unit.admin, "Wrong1234").status_code == 200
        assert throttle_count(throttle_store, "login-ip:203.0.113.7") == 5
        assert throttle_count(throttle_store, "login-ip:127.0.0.1") == 0
        ips = db.session.scalars(select(AuditEntry.ip).where(AuditEntry.action == "lock")).all()
    assert ips == ["203.0.113.7"], "the lock's audit entry carries the client's address"
