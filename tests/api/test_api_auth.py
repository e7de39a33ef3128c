"""Who the API answers: every refusal is JSON in Chinese — no token, malformed, unknown, revoked, expired, a
disabled creator or unit (401), a scope the token lacks or its creator lost (403), too many requests (429)."""
from datetime import timedelta

import pytest

from models import AdminMembership, ApiToken, db, now
from models.api_tokens import digest, issue, scope_problems

from ..helpers import make_role
from .conftest import bearer, make_token, push_body

URL = "/api/v1/persons"


def refused(response, status, words):
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert response.mimetype == "application/json" and words in body["message"], body
    assert "张静" not in response.get_data(as_text=True)
    return body


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token jxjy_abc",
                                    "Bearer jxjy_not-a-real-token", "Bearer " + "jxjy_" + "x" * 200])
def test_missing_or_malformed_tokens_are_401(client, world, header):
    headers = {"Authorization": header} if header is not None else {}
    r = client.get(URL, headers=headers)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert "令牌" in r.get_json()["message"]


def test_revoked_expired_and_disabled_creator_or_unit_are_401(client, world):
    assert client.get(URL, headers=bearer(world.secret)).status_code == 200
    world.token.expires_at = now() - timedelta(seconds=1)
    db.session.commit()
    refused(client.get(URL, headers=bearer(world.secret)), 401, "已过期")
    world.token.expires_at = now() + timedelta(days=1)
    world.token.revoked_at = now()
    db.session.commit()
    refused(client.get(URL, headers=bearer(world.secret)), 401, "已被吊销")

    token, secret = make_token(world.employer, world.admin)
    world.admin.disabled = True
    db.session.commit()
    refused(client.get(URL, headers=bearer(secret)), 401, "创建人已停用")
    world.admin.disabled = False
    world.employer.status = "disabled"
    db.session.commit()
    refused(client.get(URL, headers=bearer(secret)), 401, "单位已停用")


def test_a_scope_the_token_lacks_is_403(client, world):
    token, secret = make_token(world.employer, world.admin, scopes=["completion:read"])
    body = refused(client.get(URL, headers=bearer(secret)), 403, "persons:read")
    assert body["code"] == "forbidden"
    assert client.get("/api/v1/completion", headers=bearer(secret)).status_code == 200
    before = db.session.scalar(db.select(db.func.count()).select_from(db.text("credit_record")))
    refused(client.post("/api/v1/credits", headers=bearer(secret), json=push_body([world.zhang])), 403,
            "credits:write")
    assert db.session.scalar(db.select(db.func.count()).select_from(db.text("credit_record"))) == before


def test_the_creator_losing_a_permission_or_the_membership_takes_it_from_the_token(client, world):
    membership = AdminMembership.query.filter_by(account_id=world.admin.id, org_id=world.employer.id).one()
    role = make_role(world.employer, "只看完成情况", codes=["stats.completion"])
    membership.is_super, membership.role_id = False, role.id
    db.session.commit()
    refused(client.get(URL, headers=bearer(world.secret)), 403, "创建人已没有")
    assert client.get("/api/v1/completion", headers=bearer(world.secret)).status_code == 200
    db.session.delete(membership)
    db.session.commit()
    refused(client.get("/api/v1/completion", headers=bearer(world.secret)), 401, "已不是本单位管理员")


def test_rate_limit_per_token_is_429(app, client, world):
    app.config["API_RATE_LIMIT"] = 3
    for _ in range(3):
        assert client.get(URL, headers=bearer(world.secret)).status_code == 200
    body = refused(client.get(URL, headers=bearer(world.secret)), 429, "每分钟最多 3 次")
    assert body["code"] == "rate_limited"
    # another token has its own allowance
    assert client.get(URL, headers=bearer(world.other_secret)).status_code == 200


def test_last_use_time_and_address_are_kept(client, world):
    assert world.token.last_used_at is None
    client.get(URL, headers=bearer(world.secret), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    db.session.refresh(world.token)
    assert world.token.last_used_ip == "10.1.2.3" and world.token.last_used_at is not None


def test_no_cookie_is_read_or_set_under_api(client, auth, world):
    r = client.get(URL, headers=bearer(world.secret))
    assert "Set-Cookie" not in r.headers
    auth.login(world.admin)  # a browser's session does not open the API
    r = client.get(URL)
    assert r.status_code == 401 and "Set-Cookie" not in r.headers
    r = client.post("/api/v1/credits", json=push_body([world.zhang]))
    assert r.status_code == 401


def test_errors_elsewhere_stay_html(client, world):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.mimetype == "text/html"
    r = client.get("/api/v1/no-such-endpoint", headers=bearer(world.secret))
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    r = client.delete(URL, headers=bearer(world.secret))
    assert r.status_code == 405 and "请求方式" in r.get_json()["message"]


def test_only_the_hash_of_the_secret_is_stored(world):
    row = db.session.get(ApiToken, world.token.id)
    assert row.secret_hash == digest(world.secret) and world.secret not in repr(row.__dict__)
    assert row.prefix == world.secret[:12]


def test_issue_refuses_escalation_and_non_super_creators(world):
    assert scope_problems(["persons:read"], frozenset({"stats.completion"})).startswith("不能授予自己没有的权限")
    assert scope_problems(["ops:everything"], frozenset()) == "包含无效的权限范围"
    role = make_role(world.employer, "查询员", codes=["stats.staff"])
    from ..helpers import make_admin

    clerk = make_admin(world.employer, "查询员甲", is_super=False, role=role)
    with pytest.raises(ValueError) as e:
        issue(world.employer, clerk, "越权", ["persons:read"], now().date() + timedelta(days=5))
    assert "超级管理员" in str(e.value)
    with pytest.raises(ValueError) as e:
        issue(world.other, world.admin, "别人的单位", ["persons:read"], now().date() + timedelta(days=5))
    assert "超级管理员" in str(e.value)
    with pytest.raises(ValueError) as e:
        issue(world.employer, world.admin, "太久", ["persons:read"], now().date() + timedelta(days=400))
    assert "expires_at" in e.value.args[0]
