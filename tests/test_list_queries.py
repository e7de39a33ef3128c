"""List pages run a constant number of queries whatever the number of rows (no N+1)."""
import pytest

from .helpers import make_department, make_org, make_person
from .querycount import count_queries


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
