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



# Staff numbers spread over more counties and a working-age span (born 1965-01-01 .. 2002-12-22), and vary the
# sequence code so both genders occur: id_number() keeps sequence code 000 (always 女) for small seqs.
STAFF_COUNTIES = [
    "370102", "370103", "370104", "370112", "370202", "370203", "370211", "370212",
    "370303", "370602", "370613", "370702", "370705", "370781", "370811", "371302",
]
_SPAN = 13870  # days; 8573 (about 0.618 of it) is coprime to it, so successive seqs scatter over the span


def person_id_number(seq: int) -> str:
    """The seq-th valid staff ID number: distinct for every seq below 221 million, about half of them 男.

    seq -> (day, county, lap) is a bijection: day = seq mod span, then county and lap from the quotient
    (county shifted by day so neighbours differ); the sequence code mixes lap and day.
    """
    day, quotient = seq % _SPAN, seq // _SPAN
    county = STAFF_COUNTIES[(quotient + day) % len(STAFF_COUNTIES)]
    lap = quotient // len(STAFF_COUNTIES)
    born = date(1965, 1, 1) + timedelta(days=day * 8573 % _SPAN)
    serial = (lap + day * 389) % 1000  # for a fixed day a bijection on lap < 1000
    first17 = f"{county}{born:%Y%m%d}{serial:03d}"
    return first17 + id_check_digit(first17)
