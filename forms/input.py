"""What every request's input must be before any view reads it.

Ids inside the range of their column, dates inside a sane range, and no NUL byte anywhere. PostgreSQL refuses
out-of-range ids and NUL with an error ("integer out of range", "string literal cannot contain NUL") that would
become a 500, while SQLite stores or compares them silently; a date at the calendar's edge overflows on both.
So they are checked here, once, at the edge, and every view inherits it.
"""
from datetime import date, datetime

from flask import abort, request
from sqlalchemy import BigInteger
from werkzeug.routing import IntegerConverter

from models.base import MAX_ID, is_row_id
MIN_DAY, MAX_DAY = date(1900, 1, 1), date(2100, 12, 31)
DAY_OUT_OF_RANGE = "日期须在 1900-01-01 至 2100-12-31 之间"
NUL_REFUSED = "提交的内容中含有非法字符（空字符 NUL），请删除后重新提交。"


def to_id(raw, big=False) -> int | None:
    """``raw`` (text or int) as a row id, or None when it cannot be one: not plain ASCII digits, or outside
    1..2^31-1 (1..2^63-1 with ``big``, for BigInteger keys)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        # isdigit() alone accepts full-width and superscript digits, which int() then mis-reads or refuses.
        if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
            return None
        value = int(text)
    else:
        return None
    return value if is_row_id(value, big) else None


def day_in_range(value) -> bool:
    """No date of this domain (births, registrations, transfers) lies outside 1900–2100; a date that does is a
    typing slip, and one at the calendar's edge would overflow date arithmetic (end day + 1)."""
    if isinstance(value, datetime):
        value = value.date()
    return MIN_DAY <= value <= MAX_DAY


def is_big(column) -> bool:
    """Whether ``column`` (e.g. ``Model.id``) holds BigInteger ids."""
    return isinstance(column.type, BigInteger)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` route parts: a number beyond the INTEGER column range does not match the route (404)."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul():
    """Refused rather than stripped: a value silently changed is worse than a request answered "请重新提交".
    Uploaded files are left alone (binary content holds NUL bytes by nature)."""
    values = [request.path, *request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        values += request.form.items(multi=True)
        if request.is_json:
            values.append(request.get_json(silent=True))
    if any(_has_nul(v) for v in values):
        abort(400, NUL_REFUSED)


def init_input(app):
    """Before any route is added (rules bind their converter when added) and before any other hook runs."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul)
