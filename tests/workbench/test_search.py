"""运维工作台 · 全局搜索 (F32): every key (身份证号 full / prefix, 姓名, 手机号, USCC, 单位名称, 账号), grouping, the cap
with its 更多 note, literal input, bad input, who may open it, and a query count that does not grow with the rows."""
import re

import pytest

from models import Account, db

from ..helpers import make_account, make_admin, make_org, make_person
from ..querycount import count_queries
from .conftest import person_with

URL = "/admin/workbench/"


def page(client, q):
    r = client.get(URL, query_string={"q": q})
    assert r.status_code == 200
    return r.get_data(as_text=True)


def group(html, kind) -> str:
    """The HTML of one result group ("" when the group is not shown)."""
    m = re.search(rf'<section class="mb-4 search-group" data-kind="{kind}">(.*?)</section>', html, re.S)
    return m.group(1) if m else ""


def rows(html, kind) -> int:
    return group(html, kind).count("<tr><td>")


@pytest.fixture
def people(unit):
    li = person_with(unit.employer, "李寻欢", "370102199001011234", "13912345678")
    lin = person_with(unit.branch, "李寻常", "370102199202023456", "13912340000")
    wang = person_with(unit.other, "王语嫣", "370203198805057890", "15000000001")
    admin_only = make_account("孙管理", id_number="37010219750101777X", phone="13700000000")
    make_admin(unit.other, account=admin_only, is_super=False)
    return type("People", (), dict(li=li, lin=lin, wang=wang, admin_only=admin_only))


def test_full_id_finds_the_person_and_the_account(client, operator, people):
    html = page(client, "370102199001011234")
    assert f"/admin/workbench/person/{people.li.id}" in group(html, "person")
    assert rows(html, "person") == 1
    assert f"/admin/workbench/account/{people.li.account_id}" in group(html, "account")
    assert "李寻常" not in html and "王语嫣" not in html


def test_id_prefix_finds_everyone_starting_so_ordered_by_name(client, operator, people):
    html = page(client, "3701021")
    persons = group(html, "person")
    assert rows(html, "person") == 2 and persons.index("李寻常") < persons.index("李寻欢")
    assert "王语嫣" not in persons
    # The admin's account has no person: found as an account by its ID, the X typed in lower case too.
    assert f"/admin/workbench/account/{people.admin_only.id}" in group(page(client, "37010219750101777x"), "account")


def test_name_prefix_finds_persons_and_not_by_the_middle(client, operator, people):
    html = page(client, "李寻")
    assert rows(html, "person") == 2
    assert rows(page(client, "寻欢"), "person") == 0  # from the start only: no %word% scan


def test_phone_exact_and_prefix(client, operator, people):
    html = page(client, "13912345678")
    assert rows(html, "person") == 1 and "李寻欢" in group(html, "person")
    html = page(client, "1391234")
    assert rows(html, "person") == 2
    assert "王语嫣" in group(page(client, "15000000001"), "person")


def test_units_by_uscc_prefix_and_name_prefix(client, operator, unit):
    html = page(client, unit.other.uscc[:10].lower())
    assert f"/admin/workbench/unit/{unit.other.id}" in group(html, "unit")
    html = page(client, "济南示范")
    units = group(html, "unit")
    assert f"/admin/workbench/unit/{unit.employer.id}" in units and f"/admin/workbench/unit/{unit.branch.id}" in units
    assert "青岛" not in units


def test_a_unit_without_uscc_is_found_by_name_and_marked(client, operator, unit):
    org = make_org("无码卫生院", uscc=None)
    org.no_uscc = True
    db.session.commit()
    assert "无统一社会信用代码" in group(page(client, "无码"), "unit")


def test_results_are_grouped_by_kind(client, operator, people, unit):
    make_org("李寻欢文化传媒有限公司", parent=unit.city)
    html = page(client, "李寻欢")
    assert rows(html, "person") == 1 and rows(html, "unit") == 1
    assert html.index('data-kind="person"') < html.index('data-kind="unit"')


def test_each_kind_is_capped_with_a_more_note(client, operator, unit):
    for i in range(23):
        make_person(unit.employer, f"欧阳{i:02d}")
    html = page(client, "欧阳")
    assert rows(html, "person") == 20
    assert "更多" in group(html, "person") and "20+ 条" in group(html, "person")
    html = page(client, "欧阳1")  # 欧阳10 … 欧阳19
    assert rows(html, "person") == 10 and "更多" not in group(html, "person")


def test_query_count_does_not_grow_with_the_rows(client, operator, unit):
    make_person(unit.employer, "司马甲")
    with count_queries() as one:
        page(client, "司马")
    for i in range(22):
        make_person(unit.employer, f"司马{i:02d}")
    with count_queries() as many:
        page(client, "司马")
    assert len(many) == len(one)


@pytest.mark.parametrize("q", ["%", "_", "李%", "'; drop table person; --", "　", "\\"])
def test_wildcards_and_odd_input_are_literal(client, operator, people, q):
    html = page(client, q)
    assert rows(html, "person") == 0 and rows(html, "unit") == 0 and rows(html, "account") == 0
    assert db.session.query(Account).count() >= 4


@pytest.mark.parametrize("typed", ["139 1234 5678", "１３９１２３４５６７８", " 13912345678\t"])
def test_numbers_typed_with_spaces_or_full_width_digits(client, operator, people, typed):
    assert "李寻欢" in group(page(client, typed), "person")


def test_empty_and_too_long_terms(client, operator, people):
    html = page(client, "")
    assert 'id="no-results"' not in html and "search-group" not in html
    html = page(client, "李" * 80)
    assert "最多 50 个字符" in html


def test_only_the_operator_may_search(client, auth, people, unit):
    auth.login(unit.admin)
    assert client.get(URL, query_string={"q": "李"}).status_code == 403
    assert "运维工作台" not in client.get("/admin/").get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    r = client.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_operator_sees_the_menu(client, operator):
    html = client.get("/admin/").get_data(as_text=True)
    assert "运维工作台" in html and "全局搜索" in html
