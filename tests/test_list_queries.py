"""List pages run a constant number of queries whatever the number of rows (no N+1)."""
import re

import pytest

from models import Person

from .helpers import make_department, make_org, make_person
from .querycount import count_queries
from .test_search import add_persons


def page_queries(client, url):
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/admin/staff/", "/admin/departments/", "/admin/subordinates/", "/admin/audit/"])
def test_list_pages_do_not_grow_with_rows(auth, client, unit, url):
    auth.login(unit.admin)
    dept = make_department(unit.employer, "一部")
    make_person(unit.employer, "甲一", department=dept)
    few = page_queries(client, url)
    for i in range(12):
        d = make_department(unit.employer, f"部门{i}")
        make_person(unit.branch if i % 2 else unit.employer, f"员工{i}", department=d if i % 2 == 0 else None)
        make_org(f"下级单位{i}", parent=unit.employer)
    assert page_queries(client, url) == few


def test_list_count_stops_at_the_cap_and_the_pager_still_reaches_every_page(auth, client, unit, monkeypatch):
    """A count reads at most COUNT_CAP rows, or the pager's window beyond the current page (4 pages of 20)."""
    monkeypatch.setattr("admin_views.base.COUNT_CAP", 30)
    add_persons(unit.employer, 100)
    auth.login(unit.admin)
    with count_queries() as statements:
        page = client.get("/admin/staff/").get_data(as_text=True)
    assert "(80+)" in page and "(100)" not in page
    assert "page=4" in page and "page=5" not in page  # »: the last page the cap knows of, which exists
    counts = [s for s in statements if "count(" in s]
    assert len(counts) == 1 and "LIMIT" in counts[0]
    deep = client.get("/admin/staff/?page=4").get_data(as_text=True)
    assert "(100)" in deep and len(re.findall(r"批量\d{5}", deep)) == 20  # deeper: counted exactly, the rows end


def test_select_all_on_a_capped_list_acts_on_every_matching_row(auth, client, unit, monkeypatch):
    monkeypatch.setattr("admin_views.base.COUNT_CAP", 30)
    add_persons(unit.employer, 100, name="待审", status="pending")
    auth.login(unit.admin)
    page = client.get("/admin/person_registration/").get_data(as_text=True)
    assert '"total": "80+"' in page
    with count_queries() as statements:
        r = auth.post("/admin/person_registration/action/", {
            "action": "approve", "select_all": "1", "expected": "80+", "url": "/admin/person_registration/"},
            form_url="/admin/person_registration/", follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "已通过 100 条" in text and "页面显示时" not in text
    assert Person.query.filter_by(status="approved").count() == 100
    assert not [s for s in statements if "count(" in s and "FROM person" in s and "status" in s and "LIMIT" not in s]


def test_dashboard_cards_stop_counting_at_the_cap(auth, client, unit, monkeypatch):
    monkeypatch.setattr("models.queues.COUNT_CAP", 5)
    add_persons(unit.employer, 7, name="待审", status="pending")
    auth.login(unit.admin)
    with count_queries() as statements:
        counts = {q["key"]: q["count"] for q in client.get("/admin/todo.json").get_json()["queues"]}
    assert counts["person_registration"] == "5+" and counts["person_change"] == 0
    assert len(statements) == 3  # user, membership, every card's count in one statement
    assert "LIMIT" in statements[-1]
    monkeypatch.setattr("models.queues.COUNT_CAP", 7)
    assert client.get("/admin/todo.json").get_json()["queues"][0]["count"] == 7


def test_a_deep_page_reads_its_ids_first_and_shows_the_same_rows_in_the_same_order(auth, client, unit):
    """From row 200 on, a page is read as ids, then those rows: the rows and their order are the list's own."""
    add_persons(unit.employer, 260, name="深页")
    auth.login(unit.admin)
    expected = [p.name for p in Person.query.filter(Person.name.like("深页%")).order_by(Person.id.desc())]
    shallow, deep = "/admin/staff/?search=深页&page=1", "/admin/staff/?search=深页&page=11"
    assert re.findall(r"深页\d{5}", client.get(shallow).get_data(as_text=True)) == expected[20:40]
    with count_queries() as statements:
        body = client.get(deep).get_data(as_text=True)
    assert re.findall(r"深页\d{5}", body) == expected[220:240]
    ids_first = [s for s in statements if s.lstrip().startswith("SELECT person.id") and "OFFSET" in s]
    assert len(ids_first) == 1, statements
    assert page_queries(client, deep) == page_queries(client, "/admin/staff/?search=深页&page=12")
