"""Raw spreadsheet cells to clean values, or ValueError with the Chinese message for that cell.

Each function takes what ``reading.read_table`` yields (str / int / float / bool / date / datetime / None). An
empty cell gives "" (None for ``day``): whether a column may be empty is the import engine's rule, not the cell's.
"""
import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from forms.input import DAY_OUT_OF_RANGE, MAX_DAY, MIN_DAY
from models.validators import normalize_email, normalize_id_number, normalize_phone

ID_AS_NUMBER_15 = ("身份证号被 Excel 存成了数字：Excel 的数字只保留 15 位有效数字，后 3 位已变成 000，无法还原。"
                   "请先把身份证号这一列设置为“文本”格式，再重新填写身份证号后上传。")
ID_AS_NUMBER = ("身份证号被 Excel 存成了数字，末几位可能已被改变，无法确认是否正确。"
                "请先把身份证号这一列设置为“文本”格式，再重新填写身份证号后上传。")
DAY_FORMATS = "请按 2026-11-28、2026/11/28、2026.11.28、2026年11月28日 或 20261128 的格式填写日期"

# Full-width letters and digits become ASCII, every kind of space a plain space, zero-width characters and
# controls go. Full-width punctuation is kept: （）、：are how Chinese names of units and departments are written,
# and folding them would make 办公室（一） in a file differ from the same department in the database.
_FOLD = {c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_FOLD.update({c: " " for c in [0x3000, 0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F,
                               *range(0x00, 0x20), *range(0x7F, 0xA0)]})
_FOLD.update({c: None for c in [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD]})
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?E[+-]?\d+$", re.IGNORECASE)
_DAY_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.0+)?$"),
)
_AROUND_SEPARATORS = re.compile(r"\s*([年月日/.-])\s*")
_SERIAL_MAX = 73415  # 2100-12-31
_EPOCH = date(1899, 12, 30)  # serials from 61 on; Lotus' 1900-02-29 (serial 60) shifts the ones before by a day


def _number_text(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return "%.15g" % value  # what Excel itself shows: 15 significant digits


def text(value) -> str:
    """The cell as one line of clean text; a number cell as Excel shows it (13800138000.0 → "13800138000")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.translate(_FOLD).split())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, datetime):
        midnight = not (value.hour or value.minute or value.second)
        return value.date().isoformat() if midnight else value.isoformat(" ", "seconds")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value).translate(_FOLD).split())


def _id_from_number(digits: str) -> ValueError:
    return ValueError(ID_AS_NUMBER_15 if len(digits) >= 15 and digits.endswith("000") else ID_AS_NUMBER)


def id_number(value) -> str:
    """The canonical 18-character ID number. Never from a number cell: python-calamine reads it as a float whose
    last digits are already wrong, and a wrong number can still pass the check digit as someone else's ID."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise ValueError("身份证号应为18位")
    if isinstance(value, (int, float)):
        try:
            digits = format(Decimal(repr(value)), "f").split(".")[0]
        except (InvalidOperation, ValueError):
            digits = ""
        raise _id_from_number(digits.lstrip("-"))
    raw = text(value).replace(" ", "")
    if not raw:
        return ""
    if _SCIENTIFIC.match(raw):  # the text of a number cell, e.g. a CSV saved from a General column
        raise _id_from_number(format(Decimal(raw.upper()), "f").split(".")[0])
    try:
        return normalize_id_number(raw)
    except ValueError as exc:
        if raw.endswith("000") and len(raw) in (18, 20) and raw[:15].isdigit():
            raise ValueError(f"{exc}。末尾是 000，可能是 Excel 按数字保存时丢失了后 3 位："
                             "请把这一列设置为“文本”格式后重新填写身份证号") from None
        raise


def _serial_day(serial: float) -> date:
    if not math.isfinite(serial):
        raise ValueError(DAY_FORMATS)
    whole = int(serial)  # a time of day in the fraction is ignored
    if 19000101 <= whole <= 21001231 and serial == whole:  # 20261128 typed into a General cell
        return _ymd(whole // 10000, whole // 100 % 100, whole % 100)
    if whole == 60:
        raise ValueError("日期 1900-02-29 不存在，请核对")
    if not 1 <= whole <= _SERIAL_MAX:
        raise ValueError(DAY_OUT_OF_RANGE)
    return _EPOCH + timedelta(days=whole + (1 if whole < 60 else 0))


def _ymd(year: int, month: int, day_: int) -> date:
    try:
        found = date(year, month, day_)
    except ValueError:
        raise ValueError(f"日期 {year}-{month:02d}-{day_:02d} 不存在，请核对") from None
    return _in_range(found)


def _in_range(found: date) -> date:
    if not MIN_DAY <= found <= MAX_DAY:
        raise ValueError(DAY_OUT_OF_RANGE)
    return found


def day(value) -> date | None:
    """A date from a date or datetime cell, an Excel serial number, or text in the forms Chinese users type."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, bool):
        raise ValueError(DAY_FORMATS)
    if isinstance(value, (int, float)):
        return _serial_day(value)
    if not isinstance(value, str):  # a time-of-day or duration cell
        raise ValueError(DAY_FORMATS)
    # text() keeps full-width punctuation; in a date, －／．are separators like their ASCII forms.
    raw = _AROUND_SEPARATORS.sub(r"\1", text(unicodedata.normalize("NFKC", value)))
    if not raw:
        return None
    for pattern in _DAY_PATTERNS:
        found = pattern.match(raw)
        if found:
            return _ymd(*map(int, found.groups()[:3]))
    raise ValueError(DAY_FORMATS)


def choice(value, choices) -> str:
    """One of ``choices``, exactly as written there (after text()); the message names the allowed values."""
    found = text(value)
    if not found or found in choices:
        return found
    allowed = list(choices)
    shown = "、".join(allowed[:8]) + (f" 等 {len(allowed)} 项" if len(allowed) > 8 else "")
    raise ValueError(f"“{found[:20]}”不是可选的值，只能填写：{shown}")


def phone(value) -> str:
    found = text(value)
    return normalize_phone(found) if found else ""


def email(value) -> str:
    found = text(value)
    return normalize_email(found) if found else ""
