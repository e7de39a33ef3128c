"""Twenty identical clicks at the same moment on a write without a status guard (issue #8 §5):
the database ends right, the change is audited once, nobody sees a 500, and every click that lost is
told in Chinese that it was already done.

Each thread is one browser: its own test client (own session cookie, logged in as the same admin) and
its own app context (own database session and transaction). All requests read the record (``get_one``)
before any of them writes: the worst interleaving, where a request that decides on what it read
changes and audits the row a second time. Run on PostgreSQL (TEST_DATABASE_URL) for real row locks;
on SQLite the same assertions hold through its database write lock.
"""
import threading
from collections import Counter

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from admin_views.base import ScopedModelView
from models import AdminMembership, AuditEntry, Department, Organization, Role, db
from models.base import lock_row

from .conftest import Auth
from .helpers import csrf_token, in_threads, make_admin, make_department, make_role

THREADS = 20


def browsers(app, account, n, form_url, user_type="employer"):
    """``n`` clients logged in as ``account``, each with the CSRF token of its own session."""
    out = []
    for _ in range(n):
        auth = Auth(app.test_client())
        auth.login(account, user_type=user_type)
        page = auth.client.get(form_url)
        assert page.status_code == 200, form_url
        out.append((auth.client, csrf_token(page.get_data(as_text=True))))
    return out


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as s:
        return [tuple(f) for f in s.get("_flashes", [])]


def post_at_once(app, monkeypatch, posts, pages=None):
    """POST ``posts`` [(client, token, url, data)] at the same moment; every request reads its record
    before any of them goes on. Returns [(status, flashes)] in order; ``pages`` gets each response's text."""
    n = len(posts)
    start, read = threading.Barrier(n), threading.Barrier(n)
    original = ScopedModelView.get_one

    def get_one_then_wait(self, id):
        obj = original(self, id)
        # Waiting with a connection checked out would exhaust the pool (5 + 10 overflow) before all 20 have
        # read. Ending the read-only transaction frees it and keeps what was read, stale as it will become.
        session = db.session()
        session.expire_on_commit = False
        session.commit()
        session.expire_on_commit = True
        try:
            read.wait(timeout=20)
        except threading.BrokenBarrierError:
            pass
        return obj

    monkeypatch.setattr(ScopedModelView, "get_one", get_one_then_wait)
    statuses, texts = [None] * n, [""] * n

    def body(i):
        client, token, url, data = posts[i]
        with app.app_context():
            start.wait()
            try:
                response = client.post(url, data=dict(data, csrf_token=token))
                statuses[i], texts[i] = response.status_code, response.get_data(as_text=True)
            except Exception as e:  # an uncaught error is the 500 the assertions must show
                statuses[i] = f"error: {e!r}"
            finally:
                db.session.remove()

    in_threads([lambda i=i: body(i) for i in range(n)], timeout=120)
    monkeypatch.setattr(ScopedModelView, "get_one", original)
    db.session.expire_all()
    if pages is not None:
        pages.extend(texts)
    return [(status, flashes(client)) for status, (client, *_) in zip(statuses, posts)]


def last_audit_id():
    return db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))


def audited_since(audit_id) -> Counter:
    return Counter(db.session.execute(select(AuditEntry.entity, AuditEntry.action, AuditEntry.entity_id)
                                      .where(AuditEntry.id > audit_id)).all())


def winner_and_losers(results, already_done):
    """Exactly one request succeeded; each of the others was answered with ``already_done`` (a string, or
    a function of the request's index)."""
    assert [status for status, _ in results] == [302] * len(results), results  # a redirect each, never 500
    won = [i for i, (_, f) in enumerate(results) if any(c == "success" for c, _ in f)]
    assert len(won) == 1, results
    for i, (_, f) in enumerate(results):
        if i == won[0]:
            continue
        expected = already_done(i) if callable(already_done) else already_done
        assert [c for c, _ in f] == ["error"] and expected in f[0][1], (i, f)
    return won[0]


def _membership(account, org):
    return db.session.scalar(select(AdminMembership).where(AdminMembership.account_id == account.id,
                                                           AdminMembership.org_id == org.id))


# -- the primitive ---------------------------------------------------------------------------------------
def test_lock_row_reads_fresh_and_says_when_the_row_is_gone_or_no_longer_matches(app, unit):
    dept = make_department(unit.employer, "生产部")
    dept_id = dept.id
    db.session.execute(Department.__table__.update().where(Department.id == dept_id).values(name="质检部"))
    assert dept.name == "生产部"  # the session's copy is stale now
    assert lock_row(Department, dept_id) is dept and dept.name == "质检部"
    assert lock_row(Department, dept_id, Department.name == "生产部") is None
    db.session.commit()
    db.session.execute(Department.__table__.delete().where(Department.id == dept_id))
    assert lock_row(Department, dept_id) is None
    db.session.rollback()


def test_lock_row_waits_for_the_holder_and_then_reads_what_it_committed(app, unit):
    """The second caller read the row before the first committed; its lock_row must wait for that commit
    and return the committed state, not its own stale copy."""
    dept_id = make_department(unit.employer, "生产部").id
    first_locked, second_read = threading.Event(), threading.Event()
    seen = {}

    def first():
        with app.app_context():
            try:
                lock_row(Department, dept_id).name = "质检部"
                db.session.flush()
                first_locked.set()
                second_read.wait(10)
                threading.Event().wait(0.3)  # let the second caller reach its lock_row and wait there
                db.session.commit()
            finally:
                db.session.remove()

    def second():
        with app.app_context():
            try:
                first_locked.wait(10)
                seen["before"] = db.session.get(Department, dept_id).name  # committed data only
                second_read.set()
                seen["locked"] = lock_row(Department, dept_id).name
                db.session.commit()
            except Exception as e:  # noqa: BLE001 - shown by the assertion below
                seen["error"] = repr(e)
            finally:
                db.session.remove()

    in_threads([first, second], timeout=30)
    assert seen == {"before": "生产部", "locked": "质检部"}


# -- 设为超级管理员 ------------------------------------------------------------------------------------------
def test_twenty_identical_set_super_clicks_transfer_once(app, unit, monkeypatch):
    deputy = make_admin(unit.employer, "李副管", is_super=False)
    target, former = _membership(deputy, unit.employer), _membership(unit.admin, unit.employer)
    target_id, former_id = target.id, former.id
    clients = browsers(app, unit.admin, THREADS, "/admin/admins/")
    before = last_audit_id()

    results = post_at_once(app, monkeypatch, [(c, t, f"/admin/admins/set-super/{target_id}", {}) for c, t in clients])

    winner_and_losers(results, "该管理员已是超级管理员")
    supers = db.session.scalars(select(AdminMembership).where(AdminMembership.org_id == unit.employer.id,
                                                              AdminMembership.is_super.is_(True))).all()
    assert [m.id for m in supers] == [target_id]
    assert db.session.get(AdminMembership, former_id) is None
    assert audited_since(before) == {("admin_membership", "delete", str(former_id)): 1,
                                     ("admin_membership", "update", str(target_id)): 1}


def test_set_super_to_two_different_admins_at_once_has_one_winner(app, unit, monkeypatch):
    targets = [_membership(make_admin(unit.employer, name, is_super=False), unit.employer).id
               for name in ("李副管", "钱副管")]
    former_id = _membership(unit.admin, unit.employer).id
    clients = browsers(app, unit.admin, THREADS, "/admin/admins/")
    before = last_audit_id()

    results = post_at_once(app, monkeypatch, [(c, t, f"/admin/admins/set-super/{targets[i % 2]}", {})
                                              for i, (c, t) in enumerate(clients)])

    won = [i for i, (_, f) in enumerate(results) if any(c == "success" for c, _ in f)]
    assert len(won) == 1, results
    winning_target = targets[won[0] % 2]
    winner_and_losers(results, lambda i: "该管理员已是超级管理员" if targets[i % 2] == winning_target
                      else "只有本单位的超级管理员可以设置超级管理员")
    supers = db.session.scalars(select(AdminMembership.id).where(AdminMembership.org_id == unit.employer.id,
                                                                 AdminMembership.is_super.is_(True))).all()
    assert supers == [winning_target]
    assert audited_since(before) == {("admin_membership", "delete", str(former_id)): 1,
                                     ("admin_membership", "update", str(winning_target)): 1}


# -- 删除管理员 ----------------------------------------------------------------------------------------------
def test_twenty_identical_remove_admin_clicks_remove_once(app, unit, monkeypatch):
    deputy = make_admin(unit.employer, "李副管", is_super=False)
    target_id = _membership(deputy, unit.employer).id
    clients = browsers(app, unit.admin, THREADS, "/admin/admins/")
    before = last_audit_id()

    results = post_at_once(app, monkeypatch, [(c, t, f"/admin/admins/remove/{target_id}", {}) for c, t in clients])

    winner_and_losers(results, "该管理员已被删除")
    assert db.session.get(AdminMembership, target_id) is None
    assert _membership(unit.admin, unit.employer).is_super
    assert audited_since(before) == {("admin_membership", "delete", str(target_id)): 1}


# -- 分配角色 ----------------------------------------------------------------------------------------------
def test_twenty_identical_role_assignments_are_audited_once(app, unit, monkeypatch):
    role_id = make_role(unit.employer, "审核员", ["review.person_registration"]).id
    target_id = _membership(make_admin(unit.employer, "李副管", is_super=False), unit.employer).id
    url = f"/admin/admins/role/{target_id}"
    clients = browsers(app, unit.admin, THREADS, url)
    before = last_audit_id()

    results = post_at_once(app, monkeypatch, [(c, t, url, {"role_id": role_id}) for c, t in clients])

    # Assigning the role it already has is no news: every click may say it is done, one of them changed it.
    assert all(status == 302 and f == [("success", "已为李副管分配角色：审核员")] for status, f in results), results
    assert db.session.get(AdminMembership, target_id).role_id == role_id
    assert audited_since(before) == {("admin_membership", "update", str(target_id)): 1}


def test_deleting_a_role_while_it_is_being_assigned_never_answers_500(app, unit, monkeypatch):
    """Whichever goes first, the other is refused in Chinese: no foreign-key error, no admin left holding a
    deleted role."""
    role_id = make_role(unit.employer, "审核员", ["review.person_registration"]).id
    target_id = _membership(make_admin(unit.employer, "李副管", is_super=False), unit.employer).id
    (assigner, assign_token), = browsers(app, unit.admin, 1, f"/admin/admins/role/{target_id}")
    (deleter, delete_token), = browsers(app, unit.admin, 1, "/admin/roles/")

    pages = []
    results = post_at_once(app, monkeypatch, [
        (assigner, assign_token, f"/admin/admins/role/{target_id}", {"role_id": role_id}),
        (deleter, delete_token, "/admin/roles/delete/", {"id": role_id})], pages)

    held = db.session.get(AdminMembership, target_id).role_id
    if db.session.get(Role, role_id) is None:  # the delete went first: the assignment is refused at its field
        assert results == [(200, []), (302, [("success", "1 条记录被成功删除。")])], results
        assert held is None and "所选角色已被删除，请重新选择" in pages[0]
    else:
        assert held == role_id and results == [
            (302, [("success", "已为李副管分配角色：审核员")]),
            (302, [("error", "该角色正由 1 名管理员使用，请先为他们更换角色后再删除")])], results


# -- 停用 / 启用 (下属机构管理) --------------------------------------------------------------------------------
@pytest.mark.parametrize("enable", [False, True], ids=["disable", "enable"])
def test_twenty_identical_status_clicks_change_the_unit_once(app, unit, monkeypatch, enable):
    branch_id = unit.branch.id
    if enable:
        unit.branch.status = "disabled"
        db.session.commit()
    clients = browsers(app, unit.admin, THREADS, f"/admin/subordinates/details/?id={branch_id}")
    before = last_audit_id()

    results = post_at_once(app, monkeypatch, [
        (c, t, f"/admin/subordinates/status/{branch_id}", {"enabled": "1" if enable else "0", "reason": "单位注销"})
        for c, t in clients])

    winner_and_losers(results, "该单位已启用" if enable else "该单位已停用")
    assert db.session.get(Organization, branch_id).status == ("approved" if enable else "disabled")
    assert audited_since(before) == {("organization", "enable" if enable else "disable", str(branch_id)): 1}


# -- Flask-Admin's own delete: 管理内设部门, 角色管理 ---------------------------------------------------------
def test_twenty_identical_department_deletes_delete_once(app, unit, monkeypatch):
    dept_id = make_department(unit.employer, "生产部").id
    clients = browsers(app, unit.admin, THREADS, "/admin/departments/")
    before = last_audit_id()

    results = post_at_once(app, monkeypatch, [(c, t, "/admin/departments/delete/", {"id": dept_id})
                                              for c, t in clients])

    winner_and_losers(results, "该部门已被删除")
    assert db.session.get(Department, dept_id) is None
    assert audited_since(before) == {("department", "delete", str(dept_id)): 1}


def test_a_delete_the_database_refuses_is_answered_in_chinese_and_changes_nothing(app, auth, client, unit,
                                                                                monkeypatch):
    """A reference the refusal rule does not know of (a foreign key PostgreSQL enforces) fails the DELETE."""
    dept_id = make_department(unit.employer, "生产部").id

    def refuse(mapper, connection, target):
        raise IntegrityError("DELETE FROM department", {}, Exception("violates foreign key constraint"))

    event.listen(Department, "before_delete", refuse)
    try:
        auth.login(unit.admin)
        before = last_audit_id()
        r = auth.post("/admin/departments/delete/", {"id": dept_id}, form_url="/admin/departments/")
    finally:
        event.remove(Department, "before_delete", refuse)
    assert r.status_code == 302 and flashes(client) == [("error", "未能删除：该记录仍被其他数据引用，请刷新页面后重试")]
    assert db.session.get(Department, dept_id) is not None
    assert audited_since(before) == {}


def test_twenty_identical_bulk_delete_actions_delete_once(app, unit, monkeypatch):
    """The list's "delete" action reads its rows itself (not through get_one); each goes through delete_model."""
    dept_id = make_department(unit.employer, "生产部").id
    clients = browsers(app, unit.admin, THREADS, "/admin/departments/")
    before = last_audit_id()

    results = post_at_once(app, monkeypatch, [
        (c, t, "/admin/departments/action/", {"action": "delete", "rowid": dept_id}) for c, t in clients])

    assert [status for status, _ in results] == [302] * THREADS, results
    assert sum(("success", "1 条记录被成功删除。") in f for _, f in results) == 1, results
    assert db.session.get(Department, dept_id) is None
    assert audited_since(before) == {("department", "delete", str(dept_id)): 1}


def test_twenty_identical_role_deletes_delete_once(app, unit, monkeypatch):
    role_id = make_role(unit.employer, "审核员", ["review.person_registration"]).id
    clients = browsers(app, unit.admin, THREADS, "/admin/roles/")
    before = last_audit_id()

    results = post_at_once(app, monkeypatch, [(c, t, "/admin/roles/delete/", {"id": role_id}) for c, t in clients])

    winner_and_losers(results, "该角色已被删除")
    assert db.session.get(Role, role_id) is None
    assert audited_since(before) == {("role", "delete", str(role_id)): 1}
