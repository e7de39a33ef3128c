"""Model rules: the org tree, the audit path, account locking, reset codes, one super admin."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import (AdminMembership, AuditEntry, Organization, PasswordResetCode, Person, audit, db, now,
                    subtree_ids)

from .helpers import make_account, make_department, make_person, make_role


def names(ids):
    return sorted(db.session.scalars(select(Organization.name).where(Organization.id.in_(ids))))


def test_subtree_is_index_backed_closure(unit):
    assert names(subtree_ids(unit.city.id)) == sorted([unit.city.name, unit.employer.name, unit.branch.name])
    assert unit.province.contains(unit.branch.id)
    assert not unit.employer.contains(unit.other.id)
    assert [o.name for o in unit.branch.ancestors()][0] == unit.province.name
    assert unit.branch.tree_path.endswith(unit.employer.name + " / " + unit.branch.name)


def test_move_subtree_under_new_parent(unit):
    unit.employer.move_under(unit.other)
    db.session.commit()
    assert unit.other.contains(unit.branch.id)
    assert not unit.city.contains(unit.branch.id)
    assert [o.name for o in unit.branch.ancestors()] == [
        unit.province.name, unit.other.name, unit.employer.name, unit.branch.name]


def test_cannot_move_under_own_descendant(unit):
    with pytest.raises(ValueError, match="下属单位"):
        unit.employer.move_under(unit.branch)


def test_scope_clause_on_people(unit):
    inside = make_person(unit.branch, "分公司员工")
    outside = make_person(unit.other, "外单位员工")
    rows = db.session.scalars(select(Person.name).where(Person.scope_clause(unit.employer.id))).all()
    assert inside.name in rows and outside.name not in rows


def test_orm_writes_are_audited_in_the_same_transaction(unit):
    dept = make_department(unit.employer, "财务部")
    created = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "department", AuditEntry.entity_id == str(dept.id))).all()
    assert [e.action for e in created] == ["create"]
    assert created[0].changes["name"] == {"after": "财务部"}
    assert created[0].actor_name == "系统"

    with audit.reason("更正名称"):
        dept.name = "计划财务部"
        db.session.commit()
    update = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "department", AuditEntry.action == "update")).one()
    assert update.changes == {"name": {"before": "财务部", "after": "计划财务部"}}
    assert update.reason == "更正名称"

    dept.name = "不会保存"
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(AuditEntry.changes.isnot(None),
                                                        AuditEntry.entity == "department")) == 2

    db.session.delete(dept)
    db.session.commit()
    deleted = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).one()
    assert deleted.changes["name"] == {"before": "计划财务部"}


def test_password_hash_is_masked_in_audit(app):
    account = make_account("张三")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "account")).one()
    assert entry.changes["password_hash"] == {"after": "***"}
    account.set_password("Newpass123")
    db.session.commit()
    update = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "account",
                                                         AuditEntry.action == "update")).one()
    assert update.changes["password_hash"] == {"before": "***", "after": "***"}
    assert "session_version" not in update.changes


def test_bulk_audit_rows_share_request_id(app):
    n = audit.record_bulk("person", "approve", [(1, {"status": {"before": "pending", "after": "approved"}}),
                                                (2, None)], reason_text="批量")
    assert n == 2
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "person")).all()
    assert len(rows) == 2
    assert len({r.request_id for r in rows}) == 1 and {r.reason for r in rows} == {"批量"}


def test_account_locks_after_five_failures_within_window(app):
    account = make_account()
    for _ in range(4):
        assert not account.authenticate("wrong")
    assert not account.is_locked
    assert not account.authenticate("wrong")
    assert account.is_locked
    assert not account.authenticate("Passw0rd1"), "a locked account never passes, even with the right password"
    account.unlock()
    db.session.commit()  # the check reads the committed counters, as a concurrent request would
    assert account.authenticate("Passw0rd1")


def test_failures_outside_the_window_start_over(app):
    account = make_account()
    for _ in range(4):
        account.authenticate("wrong")
    account.failed_since = now() - timedelta(minutes=16)
    db.session.commit()
    account.authenticate("wrong")
    assert not account.is_locked and account.failed_logins == 1


def test_reset_code_is_single_use_and_burns_after_tries(app):
    account = make_account()
    code = PasswordResetCode.issue(account)
    db.session.commit()
    assert not PasswordResetCode.redeem(account, "000000" if code != "000000" else "111111")
    assert PasswordResetCode.redeem(account, code)
    assert not PasswordResetCode.redeem(account, code)

    code = PasswordResetCode.issue(account)
    for _ in range(5):
        PasswordResetCode.redeem(account, "x")
    assert not PasswordResetCode.redeem(account, code)


def test_new_code_invalidates_the_old_one(app):
    account = make_account()
    first = PasswordResetCode.issue(account)
    second = PasswordResetCode.issue(account)
    db.session.commit()
    if first != second:
        assert not PasswordResetCode.redeem(account, first)
    assert PasswordResetCode.redeem(account, second)


def test_one_super_admin_per_org_is_enforced_by_the_database(unit):
    second = make_account("另一个")
    db.session.add(AdminMembership(account_id=second.id, org_id=unit.employer.id, is_super=True))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_role_cannot_grant_beyond_editor(unit):
    role = make_role(unit.employer, "审核员")
    role.grant(["account.departments"], editor_codes={"account.departments", "stats.staff"})
    assert role.permissions == ["account.departments"]
    with pytest.raises(PermissionError, match="不能授予"):
        role.grant(["account.departments", "audit.view"], editor_codes={"account.departments"})
    role.grant(["unknown.code", "stats.staff"], editor_codes={"stats.staff"})
    assert role.permissions == ["stats.staff"]


def test_department_with_people_cannot_be_deleted(unit):
    dept = make_department(unit.employer, "研发部")
    assert dept.delete_refusal() is None
    make_person(unit.employer, "研发员", department=dept)
    make_person(unit.employer, "研发员二", department=dept)
    assert "2 名人员" in dept.delete_refusal()


def test_an_update_after_a_commit_records_the_value_it_replaced(unit):
    """The row expired at the commit and nothing read it since: the audit entry still says what was there
    before, not None (a revert restores ``before``)."""
    dept = make_department(unit.employer, "财务部")  # commits: every attribute expired
    dept.name = "计划财务部"
    db.session.commit()
    update = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "department",
                                                         AuditEntry.action == "update")).one()
    assert update.changes == {"name": {"before": "财务部", "after": "计划财务部"}}
