"""Deterministic, valid ID numbers and credit codes for demo, scale and test data."""
from datetime import date, timedelta

from models.validators import id_check_digit, uscc_check_digit

# Real county codes of Shandong (济南历下区, 市中区, 青岛市南区, 淄博张店区, 烟台芝罘区, 潍坊奎文区, 济宁任城区, 临沂兰山区).
COUNTIES = ["370102", "370103", "370202", "370303", "370602", "370705", "370811", "371302"]


def id_number(seq: int) -> str:
    """The seq-th valid 18-digit ID number: distinct for every seq below 116 million, born 1960–1999."""
    county = COUNTIES[seq % len(COUNTIES)]
    rest = seq // len(COUNTIES)
    born = date(1960, 1, 1) + timedelta(days=(rest * 37) % 14600)  # 37 is coprime to 14600: a bijection
    serial = (rest // 14600) % 1000
    first17 = f"{county}{born:%Y%m%d}{serial:03d}"
    return first17 + id_check_digit(first17)


def uscc(seq: int, prefix: str = "91") -> str:
    """The seq-th valid 统一社会信用代码 under ``prefix`` (registry and kind codes, e.g. 91, 12, 11)."""
    first17 = f"{prefix}370100{seq:09d}"[:17]
    return first17 + uscc_check_digit(first17)
