"""REST API /api/v1 (flask-smorest, OpenAPI 3.1): views only, thin; the rules are in models/ (api_tokens.py for
tokens, the web's own models for everything else).

Requests carry ``Authorization: Bearer <secret>`` and no cookie: the session is neither read nor written under
/api/, so a browser's login never acts through the API and no API answer sets a cookie. The blueprints are exempt
from CSRF for the same reason (a cross-site page cannot add the header). Errors under /api/ are JSON in Chinese
(app.py sends them to ``common.http_error``); every other URL keeps its HTML pages.
"""
from flask import Blueprint, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_smorest import Api

from forms.input import BoundedIntConverter

PREFIX = "/api/"
DESCRIPTION = """继续教育管理后台的接口。每个请求在请求头中携带接口令牌：`Authorization: Bearer <令牌>`。

令牌由单位的超级管理员在「账户管理 → 接口令牌」中创建（只显示一次），带有权限范围（scope）和有效期；
令牌的权限不超过创建人本人的权限，创建人失去某项权限或被停用，令牌随即失去。所有查询限于令牌所属单位及其下属单位。

错误以 JSON 返回：`{"code": "…", "message": "中文说明", "errors": {"字段": "中文说明"}}`，
状态码 401（令牌缺失、无效、过期、吊销）、403（权限范围不足）、404（不存在或不在本单位范围内）、422（校验未通过）、429（请求过于频繁）。
"""


class _SmorestApi(Api):
    def _register_error_handlers(self):
        """flask-smorest would answer every HTTP error of the whole app in JSON; only /api/ answers JSON here."""


class ApiSessionInterface(SecureCookieSessionInterface):
    """No session under /api/: neither the browser's login read nor a cookie set."""

    def open_session(self, app, request):
        if request.path.startswith(PREFIX):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if request.path.startswith(PREFIX):
            return None
        return super().save_session(app, session, response)


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def init_api(app):
    from app import csrf

    from . import certificates, completion, credits, persons

    app.config.setdefault("API_TITLE", "继续教育管理后台接口")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "description": "接口令牌（jxjy_ 开头）"}}},
        "security": [{"bearerAuth": []}],
    })
    app.session_interface = ApiSessionInterface()
    api = _SmorestApi(app)
    api.register_converter(BoundedIntConverter, lambda c: {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    for module in (persons, completion, credits, certificates):
        csrf.exempt(module.bp)
        api.register_blueprint(module.bp)
    docs = Blueprint("api_docs", __name__)

    @docs.route("/api/docs")
    def swagger_ui():
        return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))

    app.register_blueprint(docs)
    return api
