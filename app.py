"""继续教育管理后台 — application factory.

``flask --app app run`` serves it; ``flask --app app db-upgrade`` migrates; ``seed`` loads data.
"""
import logging
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, render_template, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from forms.input import init_input
from models import Account, db

ROOT = Path(__file__).resolve().parent
csrf = CSRFProtect()
login_manager = LoginManager()
log = logging.getLogger(__name__)


def _secret_key(instance_path: str) -> str:
    """A per-installation key kept in instance/, so sessions survive restarts without a committed secret."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(path, secrets.token_hex(32))
    return path.read_text().strip()


def _create_private(path: Path, text: str = ""):
    """A file only the server's user may read: the key signs sessions, the SQLite file holds every record.
    Created with its mode (not chmod-ed after), so it is never readable by others, not even for a moment."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first
        return
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _private_sqlite_file(url: str, instance_path: str):
    """SQLite creates its file on the first connect with the umask's mode (usually world-readable)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(instance_path) / parsed.database  # Flask-SQLAlchemy's rule: relative to instance/
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(path)


def create_app(config: dict | None = None) -> Flask:
    # INSTANCE_PATH: a host's own files (deploy/: /var/lib/jxjy); absolute, as Flask wants it.
    instance = os.environ.get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=str(Path(instance).resolve()) if instance else None)
    app.json.ensure_ascii = False  # JSON answers carry their Chinese messages readable, not as \uXXXX escapes
    init_input(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL")
        or f"sqlite:///{Path(app.instance_path) / 'app.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # A response sets the cookie only when the session changed (seen_at counts activity, so a used cookie is
        # still renewed). Re-sent unchanged by every response, a background request begun before a form's POST
        # (学时申报's hours preview) answered after it and put the older session back: its flash showed twice.
        SESSION_REFRESH_EACH_REQUEST=False,
        SESSION_IDLE_MINUTES=int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        SESSION_MAX_HOURS=int(os.environ.get("SESSION_MAX_HOURS", "12")),
        MAIL_SERVER=os.environ.get("MAIL_SERVER"),
        MAIL_PORT=int(os.environ.get("MAIL_PORT", "25")),
        MAIL_FROM=os.environ.get("MAIL_FROM", "noreply@jxjy.example.cn"),
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        FLASK_ADMIN_SWATCH="default",
        # Anything larger is refused (413) before its body is read; a declaration's proof files may total 30 MB.
        MAX_CONTENT_LENGTH=int(os.environ.get("MAX_UPLOAD_MB", "32")) * 1024 * 1024,
        # Shared by the app servers of an installation: the job queue and the rate limits (deploy/README.md).
        REDIS_URL=os.environ.get("REDIS_URL") or None,
        DATABASE_REPLICA_URL=os.environ.get("DATABASE_REPLICA_URL") or None,
        **{name: int(os.environ.get(name) or 0) for name in PROXY_FIX},
    )
    _file_folders(app)
    if config:
        app.config.update(config)
    _proxy_fix(app)
    _session_cookie_config(app, config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql://"):  # psycopg 3 is the driver
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://"):]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # psycopg prepares a statement run five times, and PostgreSQL then plans it once for every value. List
        # filters are skewed (操作=新增 matches millions of entries or none in a subtree): plan each run for its
        # own values, keeping the parse the preparation saves.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"options": "-c plan_cache_mode=force_custom_plan",
                                   **options.get("connect_args", {})}
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    replica = app.config["DATABASE_REPLICA_URL"]
    if replica:  # 查询统计's counting statements read there (models/stats)
        if replica.startswith("postgresql://"):
            replica = "postgresql+psycopg://" + replica[len("postgresql://"):]
        app.config["SQLALCHEMY_BINDS"] = {**app.config.get("SQLALCHEMY_BINDS", {}), "stats_replica": replica}

    db.init_app(app)
    csrf.init_app(app)
    Babel(app, locale_selector=lambda: "zh_CN")
    _init_login(app)

    from admin_views import init_admin
    from models.access import load_request_context
    from portal import init_portal

    app.before_request(load_request_context)
    init_portal(app)
    init_admin(app, csp_nonce=_csp_nonce)
    from api import init_api

    init_api(app)
    _init_errors(app)
    _init_filters(app)
    _init_headers(app)

    from cli import register_cli
    from models.job_queue import init_jobs

    register_cli(app)
    init_jobs(app)
    return app


# How many proxies in front of the app set each X-Forwarded-* header (werkzeug's ProxyFix); 0, the default, trusts
# none. Behind one nginx: PROXY_FIX_X_FOR=1 PROXY_FIX_X_PROTO=1 PROXY_FIX_X_HOST=1. Then request.remote_addr (the
# login rate limit, the audit log's IP) is the client's and url_for(_external=True) builds https URLs. Only for an
# app server that nothing but the proxy can reach: anyone else could claim any address.
PROXY_FIX = {"PROXY_FIX_X_FOR": "x_for", "PROXY_FIX_X_PROTO": "x_proto", "PROXY_FIX_X_HOST": "x_host",
             "PROXY_FIX_X_PORT": "x_port", "PROXY_FIX_X_PREFIX": "x_prefix"}


FOLDERS = {"JOBS_FOLDER": "jobs", "IMPORTS_FOLDER": "imports", "ATTACHMENTS_FOLDER": "attachments"}


def _file_folders(app):
    """Where files live that another host must read: a job's result is written by the consumer and downloaded
    through any app server, an upload is kept by one server and imported by a job, proof files are served by all.
    SHARED_FOLDER (one directory every host mounts, deploy/README.md) holds the three; each may be set alone.
    Unset, they stay under instance/ — right for one machine."""
    shared = os.environ.get("SHARED_FOLDER")
    for name, sub in FOLDERS.items():
        value = os.environ.get(name) or (str(Path(shared) / sub) if shared else None)
        if value:
            app.config[name] = value


def _proxy_fix(app):
    counts = {arg: int(app.config.get(name) or 0) for name, arg in PROXY_FIX.items()}
    if any(counts.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)


def _session_cookie_config(app, config):
    """Settings that follow from others, after the caller's overrides are in."""
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    if "SESSION_COOKIE_SECURE" not in config:
        # Secure cookies by default wherever the site is served over https; SESSION_COOKIE_SECURE=0/1 overrides.
        env = os.environ.get("SESSION_COOKIE_SECURE")
        app.config["SESSION_COOKIE_SECURE"] = (env.strip().lower() in ("1", "true", "yes", "on") if env
                                               else app.config["PUBLIC_BASE_URL"].startswith("https://"))


def _init_login(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(token):
        account_id, _, version = (token or "").partition(".")
        if not account_id.isdigit() or not version.isdigit():
            return None
        account = db.session.get(Account, int(account_id))
        if account is None or account.disabled or account.session_version != int(version):
            return None
        return account

    from portal.auth import end_expired_session

    # Registered before the request context is loaded, so an expired session acts as nobody at all.
    app.before_request(end_expired_session)


def _init_errors(app):
    limit_mb = (app.config["MAX_CONTENT_LENGTH"] or 0) // 2**20
    messages = {
        400: ("请求无效", "提交的数据无法处理，请返回重试。"),
        403: ("没有权限", "您没有访问此页面或执行此操作的权限。"),
        404: ("页面不存在", "您访问的页面或记录不存在，或不在您的管理范围内。"),
        405: ("请求方式不允许", "此操作不支持该请求方式。"),
        413: ("内容过大", f"提交的内容（含上传的文件）超过了 {limit_mb} MB 的大小限制。"),
        429: ("操作过于频繁", "请稍后再试。"),
        500: ("系统错误", "服务器处理请求时出错，请稍后重试；如问题持续，请联系客服。"),
    }

    def render_error(code, detail=None):
        title, text = messages.get(code, messages[500])
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code

    def handle_http_error(e):
        if is_api_request():  # the API answers in JSON, also for URLs under /api/ that match no route
            return api_http_error(e)
        if e.code not in messages:  # 401, 415, 422 have pages of their own only under /api/
            return e.get_response()
        # Our own abort(code, "中文说明") texts are shown; werkzeug's English defaults are not.
        detail = e.description if re.search(r"[\u4e00-\u9fff]", e.description or "") else None
        return render_error(e.code, detail)

    from api import is_api_request
    from api.common import error_response
    from api.common import http_error as api_http_error

    for code in (*messages, 401, 415, 422):
        if code != 500:
            app.register_error_handler(code, handle_http_error)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        log.info("CSRF refused on %s: %s", request.path, e.description)
        return render_error(400, "页面已过期或缺少安全令牌，请刷新页面后重新提交。")

    @app.errorhandler(500)
    def server_error(e):
        log.exception("unhandled error on %s", request.path)
        try:
            db.session.rollback()
        except Exception:  # the database may be what failed; the page below must render anyway
            log.exception("rollback failed after an error on %s", request.path)
        if is_api_request():
            return error_response(500)
        # Straight from the Jinja environment: no context processor (the menu queries the database), no
        # current_user (loading it does too) — so this page renders even when the database is the problem.
        title, text = messages[500]
        page = app.jinja_env.get_template("errors/server_error.html").render(code=500, title=title, text=text)
        return page, 500, {"Content-Type": "text/html; charset=utf-8"}


# style-src keeps 'unsafe-inline': Bootstrap's and select2's scripts set element styles at run time, and the
# templates (ours and Flask-Admin's) use style="" attributes; inline styles cannot run code, inline scripts can.
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _csp_nonce() -> str:
    """The nonce of this request's CSP, the same for Flask-Admin's templates and ours."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _security_headers(response):
    # A response with a policy of its own keeps it: a proof file (models/hours/attachments.py) is stricter still,
    # and our own pages may frame it.
    response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=_csp_nonce()))
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _init_headers(app):
    """Headers every response carries: a Content-Security-Policy with one nonce per request, no framing, no
    MIME sniffing, no referrer leaving the site."""
    app.jinja_env.globals["csp_nonce"] = _csp_nonce
    app.after_request(_security_headers)


def _init_filters(app):
    from models.validators import mask_id_number

    @app.template_filter("date")
    def fmt_date(value):
        return value.strftime("%Y-%m-%d") if value else ""

    @app.template_filter("datetime")
    def fmt_datetime(value):
        return value.strftime("%Y-%m-%d %H:%M") if value else ""

    app.jinja_env.filters["mask_id"] = mask_id_number


def main():  # pragma: no cover - convenience for `python app.py`
    create_app().run()


if __name__ == "__main__":  # pragma: no cover
    main()
