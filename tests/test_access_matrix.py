"""Every route, walked: anonymous → login page; another unit's admin → nothing of ours, nothing changed;
an admin whose role lacks the permission → 403. New views are covered without anyone adding them here."""
import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import select, true

from models import ChangeRequest, Job, Person, ReviewRecord, db
from models.hours.catalogue import seed_catalogue

from .helpers import (audit_count, csrf_token, make_admin, make_department, make_person, make_role, next_seq,
                      response_text)

PUBLIC = {"static", "admin.static", "home", "auth.login", "auth.logout", "auth.forgot_password",
          "auth.reset_password"}
PUBLIC_PREFIXES = ("register.", "verify.", "api-docs.", "api_docs.")  # the API's OpenAPI document and its docs page
API_PREFIX = "/api/v1/"  # the REST API (api/): a token, never the session, opens it
# Rows of the walked unit whose names must never reach another unit's admin, on any page.
SECRETS = ["甲机密部门", "甲机密人员", "甲机密角色", "甲待审人员", "甲机密任务"]


def is_public(endpoint):
    return endpoint in PUBLIC or endpoint.startswith(PUBLIC_PREFIXES)


def admin_views(app):
    return app.extensions["admin"][0]._views


def rules(app):
    for rule in app.url_map.iter_rules():
        if is_public(rule.endpoint):
            continue
        args = {name: (999999 if "int" in type(rule._converters[name]).__name__.lower() else "x")
                for name in rule.arguments}
        yield rule, rule.build(args, append_unknown=False)[1]


@pytest.fixture
def world(unit):
    """Unit A (unit.employer) full of named rows; unit B (unit.other) with its own admin."""
    dept = make_department(unit.employer, "甲机密部门")
    make_person(unit.employer, "甲机密人员", department=dept)
    pending = make_person(unit.branch, "甲待审人员", status="pending")
    empty_role = make_role(unit.employer, "甲机密角色", codes=[])
    powerless = make_admin(unit.employer, "甲无权管理员", is_super=False, role=empty_role)
    db.session.add(ChangeRequest(target_type="person", target_id=pending.id, org_id=unit.employer.id,
                                 subject_name="甲待审人员", changes={"education": {"before": "大学本科", "after": "硕士研究生"}}))
    db.session.add(ReviewRecord(target_type="person", target_id=pending.id, org_id=unit.employer.id,
                                subject_name="甲待审人员", decision="rejected", reason="测试", reviewer_name="王管理"))
    db.session.add(Job(org_id=unit.employer.id, account_id=unit.admin.id, actor_name="王管理", user_type="employer",
                       kind="export", title="甲机密任务", status="done", message="甲机密任务已完成", request_id="0" * 32))
    db.session.commit()
    make_department(unit.other, "乙部门")
    seed_catalogue()  # platform rows: only the operator may change them
    db.session.commit()
    unit.powerless = powerless
    return unit


def test_anonymous_gets_the_login_page_everywhere(app, client, world):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    for rule, url in rules(app):
        if rule.rule.startswith(API_PREFIX):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                r = client.open(url, method=method, json={})
                assert r.status_code == 401 and r.get_json()["code"] == "unauthorized", (url, method)
            continue
        if "GET" in rule.methods:
            r = client.get(url)
            assert r.status_code == 302 and "/login" in r.headers["Location"], (url, r.status_code)
        if "POST" in rule.methods:
            before = audit_count()
            r = client.post(url, data={"csrf_token": token})
            assert r.status_code in (302, 401, 403) and audit_count() == before, (url, r.status_code)
            if r.status_code == 302:
                assert "/login" in r.headers["Location"], url


def test_another_units_admin_sees_nothing_of_ours_on_any_page(app, client, auth, world):
    auth.login(world.other_admin)
    for rule, url in rules(app):
        if "GET" not in rule.methods or rule.endpoint.startswith("me."):
            continue
        r = client.get(url)
        assert r.status_code < 500, (url, r.status_code)
        body = response_text(r)
        leaked = [s for s in SECRETS if s in body]
        assert not leaked, (url, leaked)


def scoped_rows(view, org):
    model = view.model
    # Rows of no unit (学习形式, 学时规则) are the platform operator's: no unit's admin may touch them either.
    where = model.scope_clause(org.id) if hasattr(model, "scope_clause") else true()
    return db.session.scalars(select(model.id).where(where)).all()


def test_another_units_records_cannot_be_opened_edited_deleted_or_acted_on(app, client, auth, world):
    auth.login(world.other_admin)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    checked = 0
    for view in admin_views(app):
        if not isinstance(view, ModelView):
            continue
        base = view.url
        for pk in scoped_rows(view, world.employer)[:3]:
            checked += 1
            for page in ("details", "edit"):
                r = client.get(f"{base}/{page}/?id={pk}")
                assert r.status_code in (302, 403, 404), (base, page, pk, r.status_code)
                body = r.get_data(as_text=True)
                assert not [s for s in SECRETS if s in body], (base, page)
            before = audit_count()
            r = client.post(f"{base}/edit/?id={pk}", data={"csrf_token": token, "name": "被篡改"})
            assert r.status_code in (302, 403, 404), (base, pk, r.status_code)
            r = client.post(f"{base}/delete/", data={"csrf_token": token, "id": pk})
            assert r.status_code in (302, 403, 404)
            for action in list(getattr(view, "_actions_data", {})):
                client.post(f"{base}/action/", data={"csrf_token": token, "action": action, "rowid": [pk]})
            assert audit_count() == before, f"{base}: another unit's row {pk} was changed"
            assert db.session.get(view.model, pk) is not None
    assert checked > 0


def test_ajax_lookups_are_scoped_and_capped(app, client, auth, world):
    auth.login(world.other_admin)
    for view in admin_views(app):
        for name in getattr(view, "_form_ajax_refs", {}) or {}:
            r = client.get(f"{view.url}/ajax/lookup/?name={name}&query=&limit=100000")
            assert r.status_code == 200
            rows = r.get_json()
            assert len(rows) <= 20
            assert not [s for s in SECRETS if s in r.get_data(as_text=True)], (view.url, name)


def test_role_without_the_permission_gets_403(app, client, auth, world):
    auth.login(world.powerless)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    guarded = [v for v in admin_views(app) if getattr(v, "permission", None) or getattr(v, "operator_only", False)]
    assert guarded
    for view in guarded:
        prefix = view.endpoint + "."
        for rule, url in rules(app):
            if not rule.endpoint.startswith(prefix):
                continue
            if "GET" in rule.methods:
                assert client.get(url).status_code == 403, url
            if "POST" in rule.methods:
                before = audit_count()
                assert client.post(url, data={"csrf_token": token}).status_code == 403, url
                assert audit_count() == before
    # the menu shows none of them
    body = client.get("/admin/").get_data(as_text=True)
    for view in guarded:
        assert f'href="{view.url}/"' not in body, view.name


def test_full_admin_reaches_every_page_without_error(app, client, auth, world):
    auth.login(world.admin)
    for rule, url in rules(app):
        if "GET" in rule.methods and not rule.endpoint.startswith("me."):
            assert client.get(url).status_code < 500, url


def operator_views(app):
    views = [v for v in admin_views(app) if getattr(v, "operator_only", False)]
    assert {"workbench_bulk_person", "workbench_bulk_unit", "workbench_operators"} <= {v.endpoint for v in views}
    return views


def test_an_employer_admin_gets_403_on_every_operator_page(app, client, auth, world):
    """运维工作台 (search, 360°, 数据修正, 批量修正, 运维账号) is the operator's: a unit's super admin, who holds every
    unit code, gets 403 on each of its routes and changes nothing."""
    auth.login(world.admin)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    checked = 0
    for view in operator_views(app):
        for rule, url in rules(app):
            if not rule.endpoint.startswith(view.endpoint + "."):
                continue
            checked += 1
            if "GET" in rule.methods:
                assert client.get(url).status_code == 403, url
            if "POST" in rule.methods:
                before = audit_count()
                assert client.post(url, data={"csrf_token": token}).status_code == 403, url
                assert audit_count() == before
    assert checked > 10


def test_service_desk_reads_the_operator_pages_and_gets_403_on_every_post(app, client, auth, world):
    """客服 (operator_role 'service'): every admin page opens, no admin POST passes (AccessMixin)."""
    from .helpers import make_account

    auth.login(make_account("客服小孙", is_operator=True, operator_role="service"), user_type="operator")
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    endpoints = [v.endpoint + "." for v in admin_views(app)]
    posts = 0
    for rule, url in rules(app):
        if not rule.endpoint.startswith(tuple(endpoints)):
            continue
        if "GET" in rule.methods and rule.endpoint.startswith(("workbench_bulk", "workbench_operators")):
            assert client.get(url).status_code in (200, 302, 404), url
        if "POST" in rule.methods:
            posts += 1
            before = audit_count()
            assert client.post(url, data={"csrf_token": token}).status_code == 403, url
            assert audit_count() == before, url
    assert posts > 20


# -- the REST API, walked the same way ------------------------------------------------------------------------
def api_rules(app):
    """(rule, url of one of our records or a made-up id, the scopes of its view) for every /api/v1 route."""
    for rule, url in rules(app):
        if rule.rule.startswith(API_PREFIX):
            yield rule, app.view_functions[rule.endpoint].api_scopes


def test_the_api_walk_no_token_wrong_org_wrong_scope_revoked_expired(app, client, world):
    from datetime import timedelta

    from models import now
    from models.api_tokens import SCOPES, issue

    from .api.conftest import bearer, push_body

    ours = world.employer
    person = db.session.scalar(select(Person).where(Person.name == "甲机密人员"))

    def token(org, creator, scopes):
        row, secret = issue(org, creator, f"walk{next_seq()}", scopes, now().date() + timedelta(days=3))
        db.session.commit()
        return row, secret

    full_row, full = token(ours, world.admin, list(SCOPES))
    _, stranger = token(world.other, world.other_admin, list(SCOPES))
    client_push = client.post("/api/v1/credits", headers=bearer(full), json=push_body([person], key="walk"))
    assert client_push.status_code == 201, client_push.get_json()
    declared = client_push.get_json()["id"]
    ids = {"person_id": person.id, "declaration_id": declared}
    walked = 0
    for rule, scopes in api_rules(app):
        url = rule.build({a: ids[a] for a in rule.arguments}, append_unknown=False)[1]
        method = "POST" if "POST" in rule.methods else "GET"
        body = push_body([person], key=f"walk-{walked}") if method == "POST" else None
        walked += 1
        before = audit_count()
        assert client.open(url, method=method, json=body).status_code == 401, url
        # another unit's full token: nothing of ours, our records are 404, our person cannot be named
        r = client.open(url, method=method, json=body, headers=bearer(stranger))
        assert r.status_code in (200, 404, 422), (url, r.status_code)
        assert not [s for s in SECRETS if s in r.get_data(as_text=True)], url
        if rule.arguments:
            assert r.status_code == 404, url
        # a token of ours without the view's scope
        _, narrow = token(ours, world.admin, [s for s in SCOPES if s not in scopes])
        r = client.open(url, method=method, json=body, headers=bearer(narrow))
        assert r.status_code == 403 and r.get_json()["code"] == "forbidden", url
        assert audit_count() == before + 1, url  # the narrow token's own creation, nothing else
        # ours with the scope: works
        assert client.open(url, method=method, json=body, headers=bearer(full)).status_code in (200, 201), url
    assert walked >= 7
    full_row.expires_at = now() - timedelta(seconds=1)
    db.session.commit()
    for rule, _scopes in api_rules(app):
        url = rule.build({a: ids[a] for a in rule.arguments}, append_unknown=False)[1]
        assert client.get(url, headers=bearer(full)).status_code in (401, 405), url
    full_row.expires_at, full_row.revoked_at = now() + timedelta(days=1), now()
    db.session.commit()
    assert client.get("/api/v1/persons", headers=bearer(full)).get_json()["code"] == "revoked"
