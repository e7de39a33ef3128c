"""运维工作台 · 运维账号: the list, a 运维 setting another operator's role with a reason (audited), refused for
oneself, for the last 运维 and without a reason; 客服 sees the list only; unit admins get 403; the CLI makes the
first 运维."""
import re

import pytest
from sqlalchemy import select

from models import Account, AuditEntry, db

from ..conftest import Auth
from ..helpers import csrf_token, make_account

URL = "/admin/workbench/operators/"


@pytest.fixture
def ops(client):
    auth = Auth(client)
    me = make_account("运维小周", is_operator=True, operator_role="ops")
    auth.login(me, user_type="operator")
    return me


def set_role(client, account, role, reason="岗位调整"):
    page = client.get(URL).get_data(as_text=True)
    return client.post(f"{URL}role?id={account.id}", data={
        "csrf_token": csrf_token(page), f"a{account.id}-role": role, f"a{account.id}-reason": reason})


def role_of(account):
    return db.session.scalar(select(Account.operator_role).where(Account.id == account.id)
                             .execution_options(populate_existing=True))


def test_ops_sets_another_operators_role_with_a_reason_audited(client, ops):
    desk = make_account("客服小李", is_operator=True, operator_role="ops")
    page = client.get(URL).get_data(as_text=True)
    assert "客服小李" in page and "运维小周" in page and "不能修改自己的角色" in page
    refused = set_role(client, desk, "service", reason="")
    assert refused.status_code == 400 and role_of(desk) == "ops"
    assert re.search(r'class="invalid-feedback field-error">请填写原因', refused.get_data(as_text=True))
    assert set_role(client, desk, "service").status_code == 302
    assert role_of(desk) == "service"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "account",
                                                       AuditEntry.entity_id == str(desk.id), AuditEntry.action == "update"))
    assert entry.changes["operator_role"] == {"before": "ops", "after": "service"} and entry.reason == "岗位调整"


def test_nobody_changes_their_own_role_and_the_last_ops_stays(client, ops):
    desk = make_account("客服小李", is_operator=True, operator_role="service")
    own = set_role(client, ops, "service")
    assert own.status_code == 400 and role_of(ops) == "ops"
    # 小周 is the last 运维: another 运维 could not demote them either
    other = make_account("运维老王", is_operator=True, operator_role="ops")
    assert set_role(client, other, "service").status_code == 302  # two 运维 → one
    assert role_of(other) == "service"
    from models.workbench import operators
    from models.workbench.fixes import Refusal

    with pytest.raises(Refusal, match="最后一个运维"):
        operators.set_role(ops.id, "service", "试图降级", acting_account_id=other.id)
    db.session.rollback()
    assert role_of(ops) == "ops" and role_of(desk) == "service"


def test_service_desk_sees_the_list_and_cannot_change(client, auth):
    make_account("运维小周", is_operator=True, operator_role="ops")
    desk = make_account("客服小李", is_operator=True, operator_role="service")
    target = make_account("客服小王", is_operator=True, operator_role="service")
    auth.login(desk, user_type="operator")
    page = client.get(URL).get_data(as_text=True)
    assert "客服小王" in page and "保存角色" not in page
    r = client.post(f"{URL}role?id={target.id}", data={"csrf_token": csrf_token(page), f"a{target.id}-role": "ops",
                                                        f"a{target.id}-reason": "想升级"})
    assert r.status_code == 403 and role_of(target) == "service"


def test_a_unit_admin_gets_403(client, auth, unit):
    auth.login(unit.admin)
    assert client.get(URL).status_code == 403


def test_the_cli_makes_the_first_operator(app):
    account = make_account("首个运维")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["operator-role", account.id_number, "ops"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    fresh = db.session.get(Account, account.id)
    assert fresh.is_operator and fresh.operator_role == "ops"
    # the last 运维 is not made 客服 from the command line either
    result = runner.invoke(args=["operator-role", account.id_number, "service"])
    assert result.exit_code != 0 and "最后一个运维" in result.output
    assert runner.invoke(args=["operator-role", "110105199003071234", "ops"]).exit_code != 0
