"""No input answers 500: every route walked with ids beyond the column range, absurd page numbers and dates,
and NUL bytes in query strings, filters and form fields — anonymously, as full admins and as a staff member.
New routes and new list filters are covered without anyone adding them here."""
import re
from html.parser import HTMLParser

import pytest
from flask_admin.contrib.sqla import ModelView

from forms.input import DAY_OUT_OF_RANGE, NUL_REFUSED, to_id
from models.base import MAX_BIG_ID, MAX_ID

from .helpers import csrf_token, make_admin, make_department, make_person, response_text

BAD_IDS = [str(2**31), str(2**63), "1" + "0" * 30, "-1", "abc", "²"]  # "²".isdigit(), yet int("²") fails
NUL = "甲\x00乙"
BAD_FILTER_VALUES = [NUL, "9999-12-31", "1900-01-01 to 9999-12-31", "0001-01-01 to 0001-01-02", "2147483648",
                     "1" + "0" * 30]
LIST_ARGS = [{"page": "-1"}, {"page": "1" + "0" * 30}, {"sort": "1" + "0" * 30}, {"page_size": "1" + "0" * 30},
             {"search": NUL}, {"q": NUL, "query": NUL}]
SKIP = {"static", "admin.static", "auth.logout"}  # files, and the one POST that ends the walking session
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def int_args(rule):
    return [name for name in rule.arguments if "int" in type(rule._converters[name]).__name__.lower()]


def url_with(rule, value):
    """The rule's path with every int part set to ``value`` (built by hand: the converter would refuse it)."""
    path = rule.rule
    for name in rule.arguments:
        replacement = value if name in int_args(rule) else "x"
        path = re.sub(r"<(?:[^:<>]+:)?" + name + r">", replacement, path)
    return path


def walked_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP]


class FormFields(HTMLParser):
    """(name, value) of every input, select and textarea of a page, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.fields, self._select = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag in ("input", "textarea") and name:
            self.fields.setdefault(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and not self.fields[self._select]:
            self.fields[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_fields(html):
    parser = FormFields()
    parser.feed(html)
    parser.fields.pop("csrf_token", None)
    return parser.fields


def is_id_field(name):
    return name in ("id", "rowid") or name.endswith("_id")


def shown(kw):
    values = {k: v for k, v in (kw.get("data") or kw.get("query_string") or {}).items() if k != "csrf_token"}
    return str(values)[:100]


def report(failures):
    return f"{len(failures)} failures:\n" + "\n".join(map(str, failures))


class Walk:
    def __init__(self, client):
        self.client, self.failures, self.requests = client, [], 0

    def check(self, method, url, **kw):
        self.requests += 1
        try:
            r = getattr(self.client, method)(url, **kw)
        except Exception as e:  # TESTING propagates what would be a 500
            self.failures.append((method.upper(), url, shown(kw),
                                  type(e).__name__))
            return None
        body = response_text(r)
        if r.status_code >= 500 or (r.status_code >= 400 and not CHINESE.search(body)) or "Traceback" in body:
            self.failures.append((method.upper(), url, shown(kw),
                                  r.status_code))
        return r

    def get_cases(self, rule):
        if int_args(rule):
            for bad in BAD_IDS:
                self.check("get", url_with(rule, bad))
        url = url_with(rule, "1")
        for bad in BAD_IDS:
            self.check("get", url, query_string={"id": bad, "org_id": bad, "name": "person"})
        for args in LIST_ARGS:
            self.check("get", url, query_string=args)

    def post_cases(self, rule, token, fields):
        url = url_with(rule, "1")
        if int_args(rule):
            for bad in BAD_IDS:
                self.check("post", url_with(rule, bad), data={"csrf_token": token})
        names = set(fields) | {"id", "rowid", "list_form_pk"}
        self.check("post", url, data={"csrf_token": token, **{n: NUL for n in names}})
        for bad in BAD_IDS:  # the page's own form, every id field (and the ids lists post) set to ``bad``
            data = {n: (bad if is_id_field(n) else v) for n, v in fields.items()}
            self.check("post", url, data={"csrf_token": token, **data, "id": bad, "rowid": bad,
                                          "list_form_pk": bad, "select_all": "1", "expected": bad})

    def view_cases(self, view, token):
        """Filters, actions and lookups of one list, by the arg names Flask-Admin reads."""
        lists = [view.url + "/"] + ([view.url + "/export.xlsx"] if getattr(view, "export_columns", None) else [])
        for key, (_idx, _flt) in (view._filter_args or {}).items():
            for value in BAD_FILTER_VALUES:
                for url in lists:
                    self.check("get", url, query_string={f"flt0_{key}": value})
        for action in getattr(view, "_actions_data", {}):
            for bad in BAD_IDS:
                self.check("post", view.url + "/action/", data={"csrf_token": token, "action": action,
                                                                 "rowid": [bad, "1"]})
        for name in getattr(view, "_form_ajax_refs", {}) or {}:
            for args in ({"query": NUL}, {"query": "", "offset": "1" + "0" * 30, "limit": "1" + "0" * 30}):
                self.check("get", view.url + "/ajax/lookup/", query_string={"name": name, **args})

    def run(self, app, token, prefixes=None):
        for rule in walked_rules(app):
            if prefixes and not rule.endpoint.startswith(prefixes):
                continue
            fields = {}
            if "GET" in rule.methods:
                self.get_cases(rule)
                page = self.client.get(url_with(rule, "1"))
                if page.status_code == 200 and "html" in page.content_type:
                    fields = form_fields(page.get_data(as_text=True))
            if "POST" in rule.methods:
                self.post_cases(rule, token, fields)


@pytest.fixture
def world(unit):
    dept = make_department(unit.employer, "内科")
    unit.staff = make_person(unit.employer, "张静", department=dept)
    make_person(unit.branch, "待审人员", status="pending")
    unit.city_admin = make_admin(unit.city, "李局长")
    return unit


def test_to_id_keeps_ids_inside_the_column_range():
    assert [to_id(x) for x in ("1", " 42 ", 7, str(MAX_ID))] == [1, 42, 7, MAX_ID]
    assert to_id(str(MAX_BIG_ID), big=True) == MAX_BIG_ID
    bad = [None, "", "0", "-1", "+1", "1.0", "abc", "１２", str(MAX_ID + 1), "1" + "0" * 30, True, 1.5, "1\x00"]
    assert [to_id(x) for x in bad] == [None] * len(bad)
    assert to_id(str(MAX_BIG_ID + 1), big=True) is None


def test_anonymous_walk_never_errors(app, client, world):
    walk = Walk(client)
    walk.run(app, csrf_token(client.get("/login").get_data(as_text=True)))
    assert walk.requests > 500
    assert not walk.failures, report(walk.failures)


@pytest.mark.parametrize("who,user_type", [("admin", "employer"), ("city_admin", "supervisor")])
def test_full_admin_walk_never_errors(app, client, auth, world, who, user_type):
    auth.login(getattr(world, who), user_type=user_type)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    walk = Walk(client)
    walk.run(app, token, prefixes=tuple(v.endpoint + "." for v in app.extensions["admin"][0]._views) + ("admin.",))
    for view in app.extensions["admin"][0]._views:
        if isinstance(view, ModelView):
            walk.view_cases(view, token)
    assert client.get("/admin/").status_code == 200, "the walk lost its session: it did not walk as an admin"
    assert walk.requests > 1000
    assert not walk.failures, report(walk.failures)


def test_staff_walk_never_errors(app, client, auth, world):
    auth.login(world.staff.account, user_type="person")
    token = csrf_token(client.get("/me/transfer").get_data(as_text=True))
    walk = Walk(client)
    walk.run(app, token, prefixes=("me.", "auth.", "register.", "home"))
    assert client.get("/me/").status_code == 200
    assert not walk.failures, report(walk.failures)


def test_nul_anywhere_is_refused_with_a_chinese_message_and_changes_nothing(app, client, auth, world):
    from models import AuditEntry, db
    from sqlalchemy import func, select

    def audits():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))

    auth.login(world.admin)
    token = csrf_token(client.get("/admin/departments/new/").get_data(as_text=True))
    before = audits()
    answers = [client.get("/register/orgs.json", query_string={"q": NUL}),
               client.get("/admin/staff/", query_string={"search": NUL}),
               client.post("/admin/departments/new/", data={"csrf_token": token, "name": NUL}),
               client.post("/admin/departments/ajax/update/", json={"name": NUL}, headers={"X-CSRFToken": token})]
    for r in answers:
        assert r.status_code == 400 and NUL_REFUSED in r.get_data(as_text=True)
    assert audits() == before


def test_ids_beyond_the_column_are_404_in_routes_and_lookups(app, client, auth, world):
    auth.login(world.admin)
    for url in [f"/admin/admins/role/{2**31}", f"/admin/staff/details/?id={2**31}",
                f"/admin/transfer_out/person.json?id={2**63}"]:
        r = client.get(url)
        assert r.status_code == 404 and "页面不存在" in r.get_data(as_text=True), url
    assert client.get(f"/admin/staff/details/?id={world.staff.id}").status_code == 200


def test_page_numbers_out_of_range_show_the_first_page(app, client, auth, world):
    auth.login(world.admin)
    first = client.get("/admin/staff/").get_data(as_text=True)
    assert "张静" in first
    for page in ("-1", "1" + "0" * 30):
        assert "张静" in client.get("/admin/staff/", query_string={"page": page}).get_data(as_text=True)


def test_list_date_filters_refuse_dates_outside_1900_2100(app, client, auth, world):
    from admin_views.filters import DATE_FILTERS

    auth.login(world.city_admin, user_type="supervisor")
    checked = 0
    for view in app.extensions["admin"][0]._views:
        for key, (_idx, flt) in (getattr(view, "_filter_args", None) or {}).items():
            if not isinstance(flt, DATE_FILTERS):
                continue
            checked += 1
            for value in ("1900-01-01 to 9999-12-31", "1899-12-31 to 2000-01-01"):
                r = client.get(view.url + "/", query_string={f"flt0_{key}": value})
                assert r.status_code in (200, 403), (view.url, value)
                if r.status_code == 200:
                    assert DAY_OUT_OF_RANGE in r.get_data(as_text=True), (view.url, value)
            r = client.get(view.url + "/", query_string={f"flt0_{key}": "2000-01-01 to 2100-12-31"})
            assert DAY_OUT_OF_RANGE not in r.get_data(as_text=True), view.url
    assert checked >= 5


def test_day_fields_refuse_dates_outside_1900_2100(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    from forms.fields import DayField

    class DayForm(Form):
        day = DayField("调转日期")

    for text, ok in [("1900-01-01", True), ("2100-12-31", True), ("1899-12-31", False), ("9999-12-31", False),
                     ("0001-01-01", False)]:
        form = DayForm(MultiDict({"day": text}))
        assert form.validate() is ok, text
        if not ok:
            assert form.day.errors == [f"调转日期：{DAY_OUT_OF_RANGE}"]


@pytest.mark.parametrize("department_id", ["²", "１２", str(2**31), "-1"])
def test_a_posted_department_that_cannot_be_an_id_is_refused_next_to_the_field(auth, unit, department_id):
    from .test_registration import counts, errors, person_form

    before = counts()
    r = auth.post("/register/person", person_form(unit.employer, 31, department_id=department_id))
    assert r.status_code == 200
    assert errors(r) in (["请选择所在部门"], ["所选部门不属于该工作单位，请重新选择"])
    assert counts() == before
