"""The unit tree picker of 查询统计: the org_tree JSON (scoped, ordered, capped, searchable) and picked_org /
picked_department (a unit outside the actor's subtree or a department of another unit falls back, with a message)."""
import pytest
from flask import g, get_flashed_messages

from admin_views.stats import unit_picker
from admin_views.stats.unit_picker import (DEPARTMENT_REFUSED, ORG_REFUSED, department_options, picked_department,
                                           picked_org)
from models import AdminMembership, db

from ..helpers import make_account, make_admin, make_department, make_org, make_role

TREE = "/admin/org-tree/"


def names(response):
    assert response.status_code == 200, response.status_code
    return [i["name"] for i in response.get_json()["items"]]


def test_the_roots_are_the_actors_own_unit_and_children_come_in_name_order(client, auth, unit):
    make_org("济南示范科技有限公司甲分公司", parent=unit.employer)
    make_org("济南示范科技有限公司待审分公司", parent=unit.employer, status="pending")
    auth.login(unit.admin)
    roots = client.get(TREE).get_json()["items"]
    assert roots == [{"id": unit.employer.id, "name": "济南示范科技有限公司", "has_children": True}]
    children = names(client.get(TREE, query_string={"parent": unit.employer.id}))
    # Not yet approved units are not part of the tree; the order is by name.
    assert children == sorted(["济南示范科技有限公司历下分公司", "济南示范科技有限公司甲分公司"])
    leaf = client.get(TREE, query_string={"parent": unit.branch.id}).get_json()
    assert leaf == {"items": [], "more": False}


def test_another_units_children_and_names_never_appear(client, auth, unit):
    make_org("青岛其他制造有限公司一车间", parent=unit.other)
    auth.login(unit.admin)
    for parent in (unit.other.id, unit.city.id, unit.province.id, "abc", "-1", "99999999999999"):
        r = client.get(TREE, query_string={"parent": parent})
        assert r.status_code == 404 and r.get_json()["error"] == ORG_REFUSED
        assert "青岛" not in r.get_data(as_text=True)
    assert names(client.get(TREE, query_string={"q": "青岛"})) == []
    assert names(client.get(TREE, query_string={"q": "济南"})) == ["济南示范科技有限公司", "济南示范科技有限公司历下分公司"]
    r = client.get(TREE, query_string={"q": "济南", "within": unit.city.id})
    assert r.status_code == 404


def test_search_is_a_name_prefix_within_the_subtree_with_the_parent_as_hint(client, auth, unit):
    auth.login(unit.admin)
    data = client.get(TREE, query_string={"q": "济南示范科技有限公司历"}).get_json()
    assert data["items"] == [{"id": unit.branch.id, "name": "济南示范科技有限公司历下分公司", "has_children": False,
                              "hint": "济南示范科技有限公司"}]
    # A prefix, not a substring; % and _ typed are literal.
    assert names(client.get(TREE, query_string={"q": "示范"})) == []
    assert names(client.get(TREE, query_string={"q": "济南%"})) == []
    within = client.get(TREE, query_string={"q": "济南", "within": unit.branch.id})
    assert names(within) == ["济南示范科技有限公司历下分公司"]


def test_children_and_matches_are_capped(client, auth, unit, monkeypatch):
    for i in range(5):
        make_org(f"济南示范科技有限公司第{i}分公司", parent=unit.employer)
    monkeypatch.setattr(unit_picker, "MAX_CHILDREN", 3)
    monkeypatch.setattr(unit_picker, "MAX_MATCHES", 2)
    auth.login(unit.admin)
    data = client.get(TREE, query_string={"parent": unit.employer.id}).get_json()
    assert len(data["items"]) == 3 and data["more"] is True
    data = client.get(TREE, query_string={"q": "济南示范科技有限公司第"}).get_json()
    assert [i["name"] for i in data["items"]] == ["济南示范科技有限公司第0分公司", "济南示范科技有限公司第1分公司"]
    assert data["more"] is True


def test_the_operator_starts_at_the_top_units_and_may_open_any(client, auth, unit):
    operator = make_account("客服小周", is_operator=True)
    auth.login(operator, user_type="operator")
    assert names(client.get(TREE)) == ["山东省人力资源和社会保障厅"]
    assert names(client.get(TREE, query_string={"parent": unit.province.id})) == sorted(
        ["济南市人力资源和社会保障局", "青岛其他制造有限公司"])
    assert names(client.get(TREE, query_string={"q": "青岛"})) == ["青岛其他制造有限公司"]


def test_the_tree_needs_one_of_the_statistics_permissions(client, auth, unit):
    assert client.get(TREE).status_code == 302  # anonymous: to the login page
    for codes, status in (([], 403), (["stats.staff"], 403), (["stats.completion"], 200),
                          (["stats.certificates"], 200), (["stats.title_distribution"], 200)):
        role = make_role(unit.employer, f"角色{len(codes)}{status}{codes}", codes=codes)
        account = make_admin(unit.employer, "统计员", is_super=False, role=role)
        auth.login(account)
        assert client.get(TREE).status_code == status, codes
        auth.logout()


@pytest.fixture
def acting(app, unit):
    """A request context acting as ``unit.admin`` for ``unit.employer`` (what load_request_context sets)."""
    def act(query_string):
        ctx = app.test_request_context("/admin/", query_string=query_string)
        ctx.push()
        g.is_operator = False
        g.membership = db.session.query(AdminMembership).filter_by(account_id=unit.admin.id).one()
        return ctx
    return act


def test_picked_org_is_inside_the_subtree_or_falls_back_with_a_message(acting, unit):
    for query, expected, refused in (({}, unit.employer, False), ({"org": ""}, unit.employer, False),
                                     ({"org": unit.branch.id}, unit.branch, False),
                                     ({"org": unit.other.id}, unit.employer, True),
                                     ({"org": unit.city.id}, unit.employer, True),
                                     ({"org": "１２"}, unit.employer, True), ({"org": "2" * 30}, unit.employer, True)):
        ctx = acting(query)
        try:
            assert picked_org() == expected, query
            assert (ORG_REFUSED in get_flashed_messages()) is refused, query
        finally:
            ctx.pop()


def test_picked_org_of_the_operator_defaults_to_the_province(app, unit):
    with app.test_request_context("/admin/", query_string={"org": unit.other.id}):
        g.is_operator, g.membership = True, None
        assert picked_org() == unit.other
    with app.test_request_context("/admin/"):
        g.is_operator, g.membership = True, None
        assert picked_org() is None


def test_departments_belong_to_the_picked_unit_itself(acting, unit):
    own = make_department(unit.employer, "乙部门")
    first = make_department(unit.employer, "甲部门")
    branch_dept = make_department(unit.branch, "分公司部门")
    foreign = make_department(unit.other, "外单位部门")
    ctx = acting({"dept": own.id})
    try:
        assert department_options(unit.employer) == sorted([(own.id, "乙部门"), (first.id, "甲部门")],
                                                           key=lambda o: o[1])
        assert department_options(None) == []
        assert picked_department(unit.employer) == own
        assert not get_flashed_messages()
    finally:
        ctx.pop()
    for dept_id in (branch_dept.id, foreign.id, "x"):
        ctx = acting({"dept": dept_id})
        try:
            assert picked_department(unit.employer) is None
            assert DEPARTMENT_REFUSED in get_flashed_messages()
        finally:
            ctx.pop()
