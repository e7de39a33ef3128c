"""The cell normalisers: what Excel, WPS and LibreOffice put into cells, and what users type there."""
from datetime import date, datetime, time

import pytest

from forms.input import DAY_OUT_OF_RANGE
from models.spreadsheet import cells
from models.spreadsheet.cells import ID_AS_NUMBER, ID_AS_NUMBER_15

ID = "370102199001011231"  # a valid 18-digit number whose check digit is a digit
ID_X = "11010519491231002X"  # one whose check digit is X


@pytest.mark.parametrize("raw, clean", [
    (None, ""),
    ("", ""),
    ("   ", ""),
    ("  张三  ", "张三"),
    ("张　三", "张 三"),                       # ideographic space inside
    ("\u3000张三\u3000", "张三"),
    ("张\u00a0三", "张 三"),                  # NBSP pasted from a web page
    ("张\u200b三\ufeff", "张三"),             # zero-width space, BOM
    ("a \t\n  b", "a b"),                      # runs of spaces, a tab, an Alt+Enter line break
    ("ＡＢＣ１２３ａｂｃ", "ABC123abc"),       # full-width letters and digits
    ("办公室（一）：", "办公室（一）："),      # Chinese punctuation is kept as written
    ("x\x00y", "x y"),                         # NUL never reaches the database
    ("x\x85\x9fy", "x y"),                     # C1 controls of a mis-decoded file
    (13800138000.0, "13800138000"),            # a number cell as Excel shows it
    (42, "42"),
    (2.5, "2.5"),
    (0.1 + 0.2, "0.3"),                        # Excel shows 15 significant digits
    (3.70102199001011e17, "3.70102199001011e+17"),
    (True, "TRUE"),
    (date(2026, 11, 28), "2026-11-28"),
    (datetime(2026, 11, 28), "2026-11-28"),
    (datetime(2026, 11, 28, 9, 5), "2026-11-28 09:05:00"),
    (time(9, 5), "09:05:00"),
])
def test_text(raw, clean):
    assert cells.text(raw) == clean


@pytest.mark.parametrize("raw", [
    ID, f" {ID} ", f"{ID}.0", ID.replace("1", "１"), f"\u200b{ID}\u3000", f"{ID[:6]} {ID[6:14]} {ID[14:]}",
])
def test_id_number_from_text(raw):
    assert cells.id_number(raw) == ID


@pytest.mark.parametrize("raw", [ID_X, ID_X.lower(), ID_X.lower() + ".0", "１１０１０５１９４９１２３１００２ｘ"])
def test_id_number_lowercase_and_full_width_x(raw):
    assert cells.id_number(raw) == ID_X


def test_id_number_empty_is_left_to_the_engine():
    assert cells.id_number(None) == "" and cells.id_number("  ") == ""


@pytest.mark.parametrize("raw", [
    370102199001011000.0,       # what Excel stores for 370102199001011234 typed into a General cell
    3.70102199001011e17,
    370102199001011000,         # the same read as an int
    "3.70102199001011E+17",     # the text of that number, e.g. a CSV saved from a General column
    "3.70102E+17",              # how Excel writes it into a CSV: only what the cell showed
    "3.70102199001011e17",
])
def test_id_number_that_lost_digits_to_excel_names_the_15_digit_limit_and_the_text_format(raw):
    with pytest.raises(ValueError) as refused:
        cells.id_number(raw)
    assert str(refused.value) == ID_AS_NUMBER_15
    assert "15 位" in ID_AS_NUMBER_15 and "文本" in ID_AS_NUMBER_15


@pytest.mark.parametrize("raw", [
    float(ID),                  # the nearest float: its last digits are already wrong
    int(ID),                    # even an exact integer cell: the column is a number column, refuse it
    3.701021990010112e17,
    1.0,
])
def test_id_number_from_any_number_cell_is_refused_as_untrustworthy(raw):
    with pytest.raises(ValueError) as refused:
        cells.id_number(raw)
    assert str(refused.value) == ID_AS_NUMBER
    assert "文本" in ID_AS_NUMBER


def test_id_number_text_ending_in_000_that_fails_says_why_it_may_have():
    with pytest.raises(ValueError, match="000.*文本"):
        cells.id_number("370102199001011000")


@pytest.mark.parametrize("raw, message", [
    (ID[:-1] + ("0" if ID[-1] != "0" else "1"), "校验位"),
    (ID[:17], "18位"),
    ("37010219900230123X", "出生日期"),
    (True, "18位"),
])
def test_id_number_rules_are_the_validators_own(raw, message):
    with pytest.raises(ValueError, match=message):
        cells.id_number(raw)


@pytest.mark.parametrize("raw, day", [
    (date(2026, 11, 28), date(2026, 11, 28)),
    (datetime(2026, 11, 28, 23, 59), date(2026, 11, 28)),    # the time part is ignored
    (46354, date(2026, 11, 28)),                             # an Excel serial
    (46354.75, date(2026, 11, 28)),                          # a serial with a time of day
    (1, date(1900, 1, 1)),
    (59, date(1900, 2, 28)),
    (61, date(1900, 3, 1)),                                  # after Lotus' 1900-02-29
    (73415, date(2100, 12, 31)),
    (20261128, date(2026, 11, 28)),                          # 20261128 typed into a General cell
    (20261128.0, date(2026, 11, 28)),
    ("2026-11-28", date(2026, 11, 28)),
    ("2026/11/28", date(2026, 11, 28)),
    ("2026.11.28", date(2026, 11, 28)),
    ("2026年11月28日", date(2026, 11, 28)),
    ("2026年11月28", date(2026, 11, 28)),
    ("2026 年 11 月 28 日", date(2026, 11, 28)),
    ("20261128", date(2026, 11, 28)),
    ("20261128.0", date(2026, 11, 28)),
    ("2026-1-5", date(2026, 1, 5)),
    ("2026/1/5", date(2026, 1, 5)),
    ("２０２６－１１－２８", date(2026, 11, 28)),            # full-width digits and dash
    ("２０２６／１１／２８", date(2026, 11, 28)),
    ("２０２６年１１月２８日", date(2026, 11, 28)),
    (" 2026-11-28 ", date(2026, 11, 28)),
    ("2026-11-28 10:30:00", date(2026, 11, 28)),
    ("2026-11-28T10:30", date(2026, 11, 28)),
    ("1900-01-01", date(1900, 1, 1)),
    ("2100-12-31", date(2100, 12, 31)),
])
def test_day(raw, day):
    assert cells.day(raw) == day


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_day_is_none(raw):
    assert cells.day(raw) is None


@pytest.mark.parametrize("raw, message", [
    ("1899-12-31", DAY_OUT_OF_RANGE),
    ("2101-01-01", DAY_OUT_OF_RANGE),
    (date(1899, 12, 31), DAY_OUT_OF_RANGE),
    (datetime(2101, 1, 1), DAY_OUT_OF_RANGE),
    (0, DAY_OUT_OF_RANGE),
    (-5, DAY_OUT_OF_RANGE),
    (73416, DAY_OUT_OF_RANGE),
    (999999, DAY_OUT_OF_RANGE),
    (60, "1900-02-29 不存在"),
    ("2026-02-30", "2026-02-30 不存在"),
    ("2026-13-01", "不存在"),
    ("20260230", "不存在"),
    ("28/11/2026", "2026-11-28"),       # the message shows the accepted forms
    ("2026-11", "2026-11-28"),
    ("明天", "2026年11月28日"),
    (True, "2026-11-28"),
    (time(9, 30), "2026-11-28"),
    (float("nan"), "2026-11-28"),
    (float("inf"), "2026-11-28"),
])
def test_bad_day(raw, message):
    with pytest.raises(ValueError, match=message):
        cells.day(raw)


def test_choice():
    assert cells.choice(" 中级 ", ["初级", "中级", "副高级", "正高级"]) == "中级"
    assert cells.choice("", ["男", "女"]) == "" and cells.choice(None, ["男", "女"]) == ""
    with pytest.raises(ValueError) as refused:
        cells.choice("中", ["初级", "中级"])
    assert "初级、中级" in str(refused.value) and "中" in str(refused.value)


def test_choice_message_stays_short_for_long_lists():
    allowed = [f"选项{i}" for i in range(30)]
    with pytest.raises(ValueError) as refused:
        cells.choice("x" * 500, allowed)
    message = str(refused.value)
    assert "共 30 项" in message or "等 30 项" in message
    assert "选项7" in message and "选项8" not in message and len(message) < 120


@pytest.mark.parametrize("raw, clean", [
    (13800138000.0, "13800138000"),     # a number cell
    (13800138000, "13800138000"),
    ("13800138000.0", "13800138000"),
    (" 138 0013 8000 ", "13800138000"),
    ("１３８００１３８０００", "13800138000"),
    ("0531-88888888", "0531-88888888"),
    (None, ""),
    ("", ""),
])
def test_phone(raw, clean):
    assert cells.phone(raw) == clean


@pytest.mark.parametrize("raw", ["1380013800", 1380013800.0, "abc", "23800138000"])
def test_bad_phone(raw):
    with pytest.raises(ValueError, match="手机号"):
        cells.phone(raw)


@pytest.mark.parametrize("raw, clean", [
    (" Zhang.San@Example.COM ", "zhang.san@example.com"),
    ("ｚｈａｎｇ＠ｑｑ．ｃｏｍ", "zhang@qq.com"),
    (None, ""),
])
def test_email(raw, clean):
    assert cells.email(raw) == clean


@pytest.mark.parametrize("raw", ["zhang", "zhang@qq", 123.0])
def test_bad_email(raw):
    with pytest.raises(ValueError, match="电子邮箱"):
        cells.email(raw)
