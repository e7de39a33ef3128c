"""Checks for Chinese identity numbers, credit codes and contact data.

python-stdnum's ``cn.ric`` rejects real ID numbers whose county code postdates the
birth year, and ``cn.uscc`` rejects codes that start with a letter, so the check
digits are computed here instead.
"""
import re
import unicodedata
from datetime import date
from operator import mul

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def clean(value) -> str:
    """Full-width to half-width, stray spaces removed: what Excel and WPS users paste."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")


_ID_ZERO = ord("0") * sum(_ID_WEIGHTS)


def id_check_digit(first17: str) -> str:
    # Over the ASCII codes in one C loop (each "0" contributes ord("0") times its weight, taken off at the end):
    # an import checks 100,000 of these at once, and per-digit int() calls were most of the cost.
    return _ID_CHECK[(sum(map(mul, first17.encode(), _ID_WEIGHTS)) - _ID_ZERO) % 11]


def normalize_id_number(value) -> str:
    """Return the canonical 18-character ID number or raise ValueError with a Chinese message."""
    text = clean(value).upper()
    if text.endswith(".0"):  # a number cell read from Excel
        text = text[:-2]
    if len(text) != 18:
        raise ValueError("身份证号应为18位")
    if not text.isascii() or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValueError("身份证号只能包含数字，最后一位可以是X")
    if text[:2] not in _PROVINCES:
        raise ValueError("身份证号的地区码无效")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValueError("身份证号中的出生日期无效") from None
    if born.year < 1900 or born > date.today():
        raise ValueError("身份证号中的出生日期无效")
    if id_check_digit(text[:17]) != text[17]:
        raise ValueError("身份证号校验位错误，请核对")
    return text


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_of(id_number: str) -> str:
    return "男" if int(id_number[16]) % 2 else "女"


def mask_id_number(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[14:] if id_number else ""


def uscc_check_digit(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value) -> str:
    """Return the canonical 统一社会信用代码 (GB 32100) or raise ValueError."""
    text = clean(value).upper()
    if len(text) != 18:
        raise ValueError("统一社会信用代码应为18位")
    if any(c not in _USCC_ALPHABET for c in text):
        raise ValueError("统一社会信用代码含有无效字符（不使用I、O、Z、S、V）")
    if uscc_check_digit(text[:17]) != text[17]:
        raise ValueError("统一社会信用代码校验位错误，请核对")
    return text


def normalize_phone(value) -> str:
    text = clean(value)
    if text.endswith(".0"):
        text = text[:-2]
    if not (_PHONE.match(text) or _LANDLINE.match(text)):
        raise ValueError("请输入有效的手机号或固定电话")
    return text


def normalize_email(value) -> str:
    text = clean(value).lower()
    if not _EMAIL.match(text) or len(text) > 120:
        raise ValueError("请输入有效的电子邮箱")
    return text


def check_password_policy(password: str) -> None:
    if len(password or "") < 8:
        raise ValueError("密码至少8位")
    if len(password) > 64:
        raise ValueError("密码最长64位")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise ValueError("密码须同时包含字母和数字")
