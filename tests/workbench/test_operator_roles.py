"""客服 vs 运维: what each operator may do is the permission catalogue's (models/permissions.OPERATOR_ROLES)."""
import pytest

from models import permissions

from ..conftest import Auth
from ..helpers import audit_count, make_account, make_person


def operator(role=None, name="客服小周"):
    return make_account(name, is_operator=True, operator_role=role)


def test_catalogue_gives_service_everything_but_the_fix_codes():
    service, ops = permissions.operator_codes("service"), permissions.operator_codes("ops")
    assert "ops.view" in service and not service & permissions.FIX_CODES
    assert permissions.FIX_CODES <= ops and service < ops
    assert ops - service == permissions.FIX_CODES
    assert permissions.ALL <= service  # 客服 still reads every list a unit admin could
    # an operator of no role (made before roles existed) stays the 运维 it was; an unknown role too
    assert permissions.operator_codes(None) == ops == permissions.operator_codes("bogus")
    # a unit's role can never hold an operator code
    assert not permissions.ALL & set(permissions.OPERATOR_LABELS)
    assert permissions.clean_codes(["ops.fix", "ops.view", "stats.staff"]) == ["stats.staff"]


@pytest.mark.parametrize("role,can_fix", [("service", False), ("ops", True), (None, True)])
def test_fix_pages_follow_the_role(app, client, unit, role, can_fix):
    person = make_person(unit.employer, "来电人")
    auth = Auth(client)
    auth.login(operator(role), user_type="operator")
    page = client.get(f"/admin/workbench/fix/person/?id={person.id}")
    assert page.status_code == 200, "客服 and 运维 both may look"
    text = page.get_data(as_text=True)
    assert ("只能查看" in text) is not can_fix
    assert ("保存修改" in text) is can_fix
    assert client.get(f"/admin/workbench/fix/unit/?id={unit.employer.id}").status_code == 200
    assert client.get(f"/admin/workbench/fix/account/?id={unit.admin.id}").status_code == 200
    before = audit_count()
    for url in (f"/admin/workbench/fix/person/edit?id={person.id}", f"/admin/workbench/fix/person/unlock?id={person.id}",
                f"/admin/workbench/fix/person/reset?id={person.id}", f"/admin/workbench/fix/person/status?id={person.id}",
                f"/admin/workbench/fix/person/move?id={person.id}", f"/admin/workbench/fix/unit/edit?id={unit.employer.id}",
                f"/admin/workbench/fix/unit/status?id={unit.employer.id}", "/admin/workbench/fix/unit/new",
                f"/admin/workbench/fix/account/unlock?id={unit.admin.id}",
                f"/admin/workbench/fix/account/status?id={unit.admin.id}"):
        response = auth.post(url, {"reason": "测试", "unlock-reason": "测试", "reset-reason": "测试"},
                             form_url="/admin/workbench/fix/")
        if can_fix:
            assert response.status_code != 403, url
        else:
            assert response.status_code == 403, url
    if not can_fix:
        assert audit_count() == before, "a refused fix writes nothing"
        assert client.get("/admin/workbench/fix/unit/new").status_code == 403


def test_the_audit_entry_names_the_operator_role(app, client, unit):
    from sqlalchemy import select

    from models import AuditEntry, db

    person = make_person(unit.employer)
    auth = Auth(client)
    auth.login(operator("ops", "运维小李"), user_type="operator")
    auth.post(f"/admin/workbench/fix/person/status?id={person.id}&enabled=0", {"status-reason": "本人来电要求停用"},
              form_url=f"/admin/workbench/fix/person/?id={person.id}")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "disable")).one()
    assert entry.actor_role == "平台运维" and entry.actor_name == "运维小李" and entry.reason == "本人来电要求停用"


@pytest.mark.parametrize("url", ["/admin/workbench/fix/", "/admin/workbench/fix/person/?id={p}",
                                 "/admin/workbench/fix/unit/?id={o}", "/admin/workbench/fix/unit/new",
                                 "/admin/workbench/fix/account/?id={a}"])
def test_employer_admin_gets_403(app, auth, client, unit, url):
    person = make_person(unit.employer)
    auth.login(unit.admin)
    assert client.get(url.format(p=person.id, o=unit.employer.id, a=unit.admin.id)).status_code == 403
    before = audit_count()
    response = auth.post(f"/admin/workbench/fix/person/edit?id={person.id}", {"reason": "x", "name": "改"},
                         form_url="/admin/")
    assert response.status_code == 403 and audit_count() == before


def test_service_changes_nothing_anywhere_in_the_back_office(app, client, unit):
    """客服 is read-only everywhere, not only on 数据修正: every admin POST is refused, nothing is written, while
    the pages still open."""
    from ..helpers import csrf_token
    from ..test_access_matrix import rules

    make_person(unit.employer)
    auth = Auth(client)
    auth.login(operator("service"), user_type="operator")
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    posts = [url for rule, url in rules(app) if "POST" in rule.methods and url.startswith("/admin")]
    assert len(posts) > 20
    before = audit_count()
    for url in posts:
        assert client.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 403, url
    assert audit_count() == before
    for url in ("/admin/subordinates/", "/admin/staff/", "/admin/audit/", "/admin/workbench/fix/"):
        assert client.get(url).status_code == 200, url
