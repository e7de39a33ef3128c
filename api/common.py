"""What every /api/v1 endpoint shares: the token check before each request, errors as JSON in Chinese, the cursor.

The rules are models/api_tokens.py's; this module turns them into HTTP.
"""
import re
from copy import deepcopy
from functools import wraps

import marshmallow as ma
from flask import g, jsonify, request
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from models import api_tokens, db

MAX_LIMIT = 100
DEFAULT_LIMIT = 20

MESSAGES = {
    400: ("bad_request", "请求无效：请检查请求的格式"),
    401: ("unauthorized", api_tokens.NO_TOKEN),
    403: ("forbidden", "该接口令牌没有执行此操作的权限"),
    404: ("not_found", "请求的记录不存在，或不在本单位（含下属单位）范围内"),
    405: ("method_not_allowed", "该接口不支持此请求方式"),
    413: ("too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）"),
    422: ("invalid", "提交的数据未通过校验，请按 errors 中的说明修改后重试"),
    429: ("rate_limited", "请求过于频繁，请稍后重试"),
    500: ("server_error", "服务器处理请求时出错，请稍后重试"),
}

# marshmallow / webargs say what is wrong in English; a client's user reads Chinese.
_TRANSLATIONS = (
    (re.compile(r"^Missing data for required field\.$"), "必填项，不能为空"),
    (re.compile(r"^Field may not be null\.$"), "不能为空"),
    (re.compile(r"^Not a valid integer\.$"), "请填写整数"),
    (re.compile(r"^Not a valid string\.$"), "请填写文本"),
    (re.compile(r"^Not a valid boolean\.$"), "请填写 true 或 false"),
    (re.compile(r"^Not a valid list\.$"), "须为数组"),
    (re.compile(r"^Not a valid mapping type\.$|^Invalid input type\.$"), "须为 JSON 对象"),
    (re.compile(r"^Unknown field\.$"), "未知的字段"),
    (re.compile(r"^String does not match expected pattern\.$"), "格式不正确"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"), r"须在 \1 至 \2 之间"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), r"须不小于 \1"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), r"长度须在 \1 至 \2 之间"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"至少 \1 项"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"最多 \1 项"),
)
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def chinese(message) -> str:
    message = str(message)
    if _CHINESE.search(message):
        return message
    for pattern, text in _TRANSLATIONS:
        if pattern.match(message):
            return pattern.sub(text, message)
    return "格式不正确"


def flat_errors(errors, at="") -> dict:
    """{"persons.3.name": "中文"} from marshmallow's nested {"json": {"persons": {3: {"name": [...]}}}}."""
    if isinstance(errors, dict):
        out = {}
        for key, value in errors.items():
            if at == "" and key in ("json", "query", "querystring", "view_args"):
                out.update(flat_errors(value, at))  # where the value came from is no part of the field's name
                continue
            out.update(flat_errors(value, f"{at}.{key}" if at else str(key)))
        return out
    if isinstance(errors, (list, tuple)):
        if errors and all(isinstance(e, str) for e in errors):
            return {at or "_": chinese(errors[0])}
        out = {}
        for e in errors:
            out.update(flat_errors(e, at))
        return out
    return {at or "_": chinese(errors)}


def error_response(status: int, message: str | None = None, errors: dict | None = None, code: str | None = None):
    default_code, default_message = MESSAGES.get(status, MESSAGES[500])
    body = {"code": code or default_code, "message": message or default_message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def http_error(e: HTTPException):
    """Any HTTP error of an /api/ URL (app.py sends them here): our own Chinese text, or the code's default."""
    data = getattr(e, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if errors:
        return error_response(e.code, errors=flat_errors(errors))
    text = e.description if _CHINESE.search(e.description or "") else None
    if e.code == 404 and request.url_rule is None:
        text = "没有这个接口地址，接口列表见 /api/docs"
    return error_response(e.code or 500, text)


class Invalid(Exception):
    """422 with field errors ({field path: 中文}), raised by a view after the model refused the input."""

    def __init__(self, errors: dict, message: str | None = None):
        super().__init__(message)
        self.errors, self.message = errors, message


def blueprint(name, url_prefix, description):
    """A /api/v1 blueprint: every request authenticated by its token before the view runs."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix, description=description)
    bp.before_request(_authenticate)
    bp.register_error_handler(api_tokens.Refused, _refused)
    bp.register_error_handler(Invalid, lambda e: error_response(422, e.message, e.errors))
    bp.register_error_handler(HTTPException, http_error)
    return bp


def _authenticate():
    caller = api_tokens.authenticate(request.headers.get("Authorization"), request.remote_addr)
    api_tokens.act_as(caller)
    g.api_caller = caller


def _refused(e: api_tokens.Refused):
    db.session.rollback()
    return error_response(e.status, e.message, code=e.code)


def needs(*scopes: str):
    """The view runs only for a token with one of ``scopes`` whose creator still holds its permission (else 403,
    saying why for the first); the OpenAPI document names the scopes on the operation."""

    def wrap(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            refusal = None
            for scope in scopes:
                try:
                    api_tokens.require(g.api_caller, scope)
                    break
                except api_tokens.Refused as e:
                    refusal = refusal or e
            else:
                raise refusal
            return view(*args, **kwargs)

        guarded.api_scopes = scopes  # the access-matrix walk reads them
        guarded._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        guarded._apidoc["manual_doc"] = {**guarded._apidoc.get("manual_doc", {}),
                                         "security": [{"bearerAuth": [scope]} for scope in scopes]}
        return guarded

    return wrap


def caller() -> api_tokens.Caller:
    return g.api_caller


# -- schemas every list shares --------------------------------------------------------------------------------
class CursorArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT),
                              metadata={"description": f"每页条数，1–{MAX_LIMIT}"})
    after = ma.fields.Integer(load_default=None, validate=ma.validate.Range(0, 2**31 - 1),
                              metadata={"description": "游标：上一页返回的 next_after；第一页不传"})


class ErrorSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "错误代码，如 unauthorized、forbidden、not_found、invalid"})
    message = ma.fields.String(metadata={"description": "中文说明"})
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                            metadata={"description": "字段错误：{字段路径: 中文说明}（422）"})


def next_after(rows, limit, key=lambda r: r["id"]):
    """The cursor of the next page: the last row's id when the page is full (one more row was read to know)."""
    return key(rows[limit - 1]) if len(rows) > limit else None
