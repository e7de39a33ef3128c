"""账户管理 · 接口令牌: the org's super admin only; the secret shown once; escalation refused next to the field;
revoke asks first and is audited; another unit's token is 404."""
from datetime import timedelta

from models import ApiToken, AuditEntry, db, now
from models.api_tokens import digest

from ..helpers import audit_count, csrf_token, make_admin, make_role, response_text
from .conftest import bearer

URL = "/admin/api-tokens/"
NEW = URL + "new/"


def create(auth, **over):
    data = {"name": "教务系统", "scopes": ["persons:read", "credits:write"],
            "expires_at": (now().date() + timedelta(days=60)).isoformat(), **over}
    return auth.post(NEW, data)


def test_the_super_admin_creates_a_token_whose_secret_is_shown_once(client, auth, world):
    auth.login(world.admin)
    page = client.get(NEW).get_data(as_text=True)
    assert "推送学时记录" in page and "credits:write" in page
    r = create(auth)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "只显示这一次" in body
    token = ApiToken.query.filter_by(name="教务系统").one()
    secret = body.split('id="api-token-secret">')[1].split("<")[0]
    assert digest(secret) == token.secret_hash and token.scopes == ["persons:read", "credits:write"]
    assert token.created_by_id == world.admin.id and token.org_id == world.employer.id
    # the list shows its prefix, never the secret
    listing = client.get(URL).get_data(as_text=True)
    assert token.prefix in listing and secret not in listing and "从未使用" in listing
    entry = AuditEntry.query.filter_by(entity="api_token", action="create", entity_id=str(token.id)).one()
    assert entry.changes["secret_hash"] == {"after": "***"} and entry.actor_org_id == world.employer.id
    # it works, with what it was given only
    assert client.get("/api/v1/persons", headers=bearer(secret)).status_code == 200
    assert client.get("/api/v1/completion", headers=bearer(secret)).status_code == 403


def test_escalation_and_bad_input_are_refused_next_to_the_field(client, auth, world):
    auth.login(world.admin)
    before, tokens = audit_count(), ApiToken.query.count()
    cases = [({"scopes": ["ops.fix"]}, "包含无效的权限范围"), ({"scopes": ["persons:read", "admin:all"]}, "包含无效的权限范围"),
             ({"scopes": []}, "请至少选择一项权限范围"), ({"name": ""}, "请填写令牌名称"),
             ({"name": "人事系统"}, "本单位已有同名的有效令牌"),
             ({"expires_at": (now().date() + timedelta(days=400)).isoformat()}, "有效期最长一年"),
             ({"expires_at": now().date().isoformat()}, "有效期须晚于今天"), ({"expires_at": ""}, "请填写有效期")]
    for data, words in cases:
        body = response_text(create(auth, **data))
        assert words in body and "field-error" in body, (data, words)
    assert ApiToken.query.count() == tokens and audit_count() == before


def test_only_the_super_admin_may_open_the_page(client, auth, world):
    role = make_role(world.employer, "全权角色", codes=["account.admins", "account.roles", "stats.staff"])
    clerk = make_admin(world.employer, "普通管理员", is_super=False, role=role)
    auth.login(clerk)
    assert client.get(URL).status_code == 403
    assert client.get(NEW).status_code == 403
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    before = audit_count()
    r = client.post(NEW, data={"csrf_token": token, "name": "越权令牌", "scopes": ["persons:read"],
                               "expires_at": (now().date() + timedelta(days=5)).isoformat()})
    assert r.status_code == 403 and audit_count() == before
    assert 'href="/admin/api-tokens/"' not in client.get("/admin/").get_data(as_text=True)


def test_revoke_asks_first_then_the_token_stops_working(client, auth, world):
    auth.login(world.admin)
    url = f"{URL}revoke/?id={world.token.id}"
    page = client.get(url).get_data(as_text=True)
    assert "确认吊销" in page and db.session.get(ApiToken, world.token.id).revoked_at is None
    before = audit_count()
    r = auth.post(url, {}, follow_redirects=True)
    assert "已吊销令牌" in response_text(r)
    token = db.session.get(ApiToken, world.token.id)
    assert token.revoked_at is not None and token.revoked_by_id == world.admin.id
    assert AuditEntry.query.filter(AuditEntry.id > 0, AuditEntry.entity == "api_token",
                                   AuditEntry.action == "update").count() == 1 and audit_count() == before + 1
    assert client.get("/api/v1/persons", headers=bearer(world.secret)).status_code == 401
    # a second click changes nothing more
    r = auth.post(url, {}, form_url=URL, follow_redirects=True)
    assert "已被吊销" in response_text(r) and audit_count() == before + 1
    assert "已吊销" in client.get(URL).get_data(as_text=True)


def test_another_units_token_is_not_ours(client, auth, world):
    auth.login(world.admin)
    assert "乙单位系统" not in client.get(URL).get_data(as_text=True)
    url = f"{URL}revoke/?id={world.other_token.id}"
    assert client.get(url).status_code == 404
    assert auth.post(url, {}, form_url=URL).status_code == 404
    assert db.session.get(ApiToken, world.other_token.id).revoked_at is None
