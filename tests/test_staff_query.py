"""专技人员信息查询 (F28): the conditional query and 重置密码."""
import json
import re

from sqlalchemy import select

from models import Account, AuditEntry, Person, db

from .helpers import PASSWORD, make_admin, make_department, make_person, make_role


def names(page):
    return set(re.findall(r'<td class="col-name">\s*([^<\s]+)', page))


def test_filters_by_department_and_by_unit_name(auth, client, unit):
    lab = make_department(unit.employer, "检验科")
    make_department(unit.other, "检验科")  # another unit's department of the same name is not offered
    make_person(unit.employer, "甲某", department=lab)
    make_person(unit.employer, "乙某")
    make_person(unit.branch, "丙某")
    auth.login(unit.admin)
    page = client.get("/admin/staff/").get_data(as_text=True)
    assert _filter(page, "所在部门")["options"] == [[str(lab.id), "检验科"]]
    index = _filter(page, "所在部门")["index"]
    assert names(client.get(f"/admin/staff/?flt1_{index}={lab.id}").get_data(as_text=True)) == {"甲某"}
    unit_index = _filter(page, "所属单位")["index"]
    hit = client.get(f"/admin/staff/?flt1_{unit_index}=济南示范科技有限公司历下").get_data(as_text=True)
    assert names(hit) == {"丙某"}
    # a department id that is no row id matches nothing and breaks nothing
    assert client.get(f"/admin/staff/?flt1_{index}=99999999999999999999").status_code == 200


def _filter(page, label):
    """Flask-Admin's filter groups as the page's JSON gives them to its script."""
    data = re.search(r'id="filter-groups-data"[^>]*>(.*?)</', page, re.S).group(1)
    return json.loads(data)[label][0]


def test_reset_password_gives_a_temporary_password_once(app, auth, client, unit):
    person = make_person(unit.employer, "重置人")
    auth.login(unit.admin)
    page = client.get(f"/admin/staff/details/?id={person.id}").get_data(as_text=True)
    assert "重置密码" in page
    confirm = client.get(f"/admin/staff/reset-password/?id={person.id}")
    assert "确认重置" in confirm.get_data(as_text=True)
    before = db.session.get(Account, person.account_id).password_hash
    assert db.session.get(Account, person.account_id).password_hash == before, "a GET changes nothing"
    done = auth.post(f"/admin/staff/reset-password/?id={person.id}").get_data(as_text=True)
    password = re.search(r'class="h4 text-monospace mb-2 reset-password">(\w+)<', done).group(1)
    account = db.session.get(Account, person.account_id)
    assert account.must_change_password and account.check_password(password)
    assert not account.check_password(PASSWORD)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "account",
                                                        AuditEntry.action == "reset_password")).one()
    assert entry.entity_id == str(account.id) and entry.actor_name == "王管理"
    assert password not in str(entry.changes) and entry.changes["password_hash"] == {"before": "***", "after": "***"}
    # the person signs in with it and must choose a new password first
    auth.logout()
    auth.login(person.account, password, user_type="person")
    assert client.get("/me/").headers["Location"].endswith("/password")


def test_reset_password_unlocks_a_locked_account(auth, client, unit):
    person = make_person(unit.employer)
    for _ in range(5):
        auth.login(person.account, "wrong-password1", user_type="person")
    assert db.session.get(Account, person.account_id).is_locked
    auth.login(unit.admin)
    auth.post(f"/admin/staff/reset-password/?id={person.id}")
    assert not db.session.get(Account, person.account_id).is_locked


def test_reset_is_refused_for_an_admin_account(auth, client, unit):
    """A unit admin must not take over the account of an admin of another (here: the supervising) unit."""
    person = make_person(unit.employer, "兼管理员")
    make_admin(unit.city, account=db.session.get(Account, person.account_id))
    auth.login(unit.admin)
    page = client.get(f"/admin/staff/reset-password/?id={person.id}").get_data(as_text=True)
    assert "该人员同时是单位管理员" in page and "确认重置" not in page
    before = db.session.get(Account, person.account_id).password_hash
    r = auth.post(f"/admin/staff/reset-password/?id={person.id}",
                  form_url=f"/admin/staff/details/?id={person.id}", follow_redirects=True)
    assert "该人员同时是单位管理员" in r.get_data(as_text=True)
    assert db.session.get(Account, person.account_id).password_hash == before
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reset_password")).all()


def test_reset_is_refused_for_a_pending_person(auth, client, unit):
    person = make_person(unit.employer, status="pending")
    auth.login(unit.admin)
    assert "只能重置已审核人员的密码" in client.get(f"/admin/staff/reset-password/?id={person.id}").get_data(
        as_text=True)


def test_reset_needs_the_permission_the_scope_and_a_token(auth, client, unit):
    mine, theirs = make_person(unit.employer), make_person(unit.other)
    viewer = make_admin(unit.employer, "只查询", is_super=False, role=make_role(unit.employer, "查询", ["stats.staff"]))
    auth.login(viewer)
    assert "fa-key" not in client.get("/admin/staff/").get_data(as_text=True)
    assert client.get(f"/admin/staff/reset-password/?id={mine.id}").status_code == 403
    auth.logout()
    auth.login(unit.admin)
    assert "fa-key" in client.get("/admin/staff/").get_data(as_text=True)
    assert client.get(f"/admin/staff/reset-password/?id={theirs.id}").status_code == 404
    before = db.session.get(Account, mine.account_id).password_hash
    assert client.post(f"/admin/staff/reset-password/?id={mine.id}").status_code == 400  # no CSRF token
    assert db.session.get(Account, mine.account_id).password_hash == before
    assert db.session.get(Person, mine.id).status == "approved"
