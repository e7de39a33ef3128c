import pytest

from demo.ids import id_number, uscc
from models.validators import (birth_date_of, check_password_policy, gender_of, mask_id_number, normalize_email,
                               normalize_id_number, normalize_phone, normalize_uscc)


def test_real_id_whose_county_code_postdates_birth_year_is_accepted():
    # python-stdnum's cn.ric rejects this real number; the check digit is right.
    assert normalize_id_number("370102197501011239") == "370102197501011239"


@pytest.mark.parametrize("raw", ["11010519491231002x", " 11010519491231002X ", "１１０１０５１９４９１２３１００２Ｘ"])
def test_lowercase_x_full_width_and_spaces_are_normalised(raw):
    assert normalize_id_number(raw) == "11010519491231002X"


def test_excel_number_cell_is_accepted():
    assert normalize_id_number("370102197501011239.0") == "370102197501011239"


@pytest.mark.parametrize("raw, message", [
    ("370102197501011238", "校验位"),
    ("37010219750101123", "18位"),
    ("370102197502301231", "出生日期"),
    ("370102210001011231", "出生日期"),
    ("990102197501011239", "地区码"),
    ("37010219750101123A", "数字"),
    ("", "18位"),
])
def test_bad_id_numbers_are_refused_in_chinese(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_id_number(raw)


def test_gender_birth_date_and_mask():
    assert gender_of("370102197501011239") == "男"
    assert gender_of("11010519491231002X") == "女"
    assert str(birth_date_of("370102197501011239")) == "1975-01-01"
    assert mask_id_number("370102197501011239") == "370102********1239"


def test_generated_ids_are_valid_and_distinct():
    ids = [id_number(i) for i in range(5000)]
    assert len(set(ids)) == 5000
    assert all(normalize_id_number(x) == x for x in ids)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", uscc(7), uscc(9, prefix="Y1"),
                                  uscc(3, prefix="A1")])
def test_valid_credit_codes_including_letter_prefixes(code):
    assert normalize_uscc(code.lower()) == code


@pytest.mark.parametrize("code, message", [
    ("91350100M000100Y44", "校验位"),
    ("91350100M000100Y4", "18位"),
    ("91350100M000100I43", "无效字符"),
    ("9135O100M000100Y43", "无效字符"),
])
def test_bad_credit_codes(code, message):
    with pytest.raises(ValueError, match=message):
        normalize_uscc(code)


def test_letter_prefixed_code_that_stdnum_rejects():
    code = uscc(11, prefix="Y1")
    assert code.startswith("Y1") and normalize_uscc(code) == code


def test_phone_email_password():
    assert normalize_phone("138 0013 8000") == "13800138000"
    assert normalize_phone("0531-86001234") == "0531-86001234"
    with pytest.raises(ValueError):
        normalize_phone("12345")
    assert normalize_email(" Zhang@Example.CN ") == "zhang@example.cn"
    with pytest.raises(ValueError):
        normalize_email("zhang@")
    check_password_policy("abcd1234")
    for bad in ["abc123", "abcdefgh", "12345678", "a1" * 40]:
        with pytest.raises(ValueError):
            check_password_policy(bad)
