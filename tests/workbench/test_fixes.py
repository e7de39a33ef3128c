"""运维工作台 · 数据修正: every fix with and without its reason, bad input, and what must follow a move."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Account, AuditEntry, CreditRecord, LearningForm, Organization, Person, db, now
from models.actor import Actor
from models.change_requests import submit_person_change
from models.hours.catalogue import seed_catalogue
from models.hours.records import declare
from models.hours.totals import PersonYearHours
from models.review_records import ChangeRequest
from models.transfer import Transfer

from ..conftest import Auth
from ..helpers import PASSWORD, audit_count, make_account, make_department, make_org, make_person

REASON_MISSING = "请填写原因（将记入审计日志）"


@pytest.fixture
def desk(client):
    auth = Auth(client)
    auth.login(make_account("运维小周", is_operator=True, operator_role="ops"), user_type="operator")
    return auth


def person_page(person):
    return f"/admin/workbench/fix/person/?id={person.id}"


def entries(**kw):
    return db.session.scalars(select(AuditEntry).filter_by(**kw).order_by(AuditEntry.id)).all()


def field_error(html, text):
    """The message is rendered under its field (macros.field), not only somewhere on the page."""
    return re.search(r'class="invalid-feedback field-error">' + re.escape(text), html) is not None


def edit_data(person, **changes):
    data = {"name": person.name, "title_series": person.title_series or "", "title_name": person.title_name or "",
            "title_level": person.title_level or "", "title_date": "", "education": person.education or "",
            "major": person.major or "", "admin_post": person.admin_post or "", "phone": person.account.phone,
            "email": person.account.email, "department_id": str(person.department_id or "")}
    data.update(changes)
    return data


# -- edit a person -----------------------------------------------------------------------------------
def test_edit_a_persons_title_with_a_reason(desk, client, unit):
    person = make_person(unit.employer, "来电人", title_series="工程技术", title_level="中级")
    page = client.get(person_page(person)).get_data(as_text=True)
    assert person.id_number in page and "保存修改" in page
    response = desk.post(f"/admin/workbench/fix/person/edit?id={person.id}",
                         edit_data(person, title_level="副高级", title_name="高级工程师", name="来电人改",
                                   reason="本人来电，核对职称证书后更正"), form_url=person_page(person))
    assert response.status_code == 302
    person = db.session.get(Person, person.id)
    assert (person.title_level, person.title_name, person.name) == ("副高级", "高级工程师", "来电人改")
    assert db.session.get(Account, person.account_id).name == "来电人改", "the login account's name follows"
    [entry] = entries(entity="person", action="update")
    assert entry.reason == "本人来电，核对职称证书后更正" and entry.actor_name == "运维小周"
    assert entry.changes["title_level"] == {"before": "中级", "after": "副高级"}
    assert entries(entity="account", action="update")[0].reason == "本人来电，核对职称证书后更正"
    assert "已修改" in client.get(person_page(person)).get_data(as_text=True)


def test_edit_without_a_reason_changes_nothing(desk, client, unit):
    person = make_person(unit.employer, "来电人", title_level="中级")
    before = audit_count()
    response = desk.post(f"/admin/workbench/fix/person/edit?id={person.id}",
                         edit_data(person, title_level="副高级", reason="  "), form_url=person_page(person))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), REASON_MISSING)
    assert db.session.get(Person, person.id).title_level == "中级" and audit_count() == before


@pytest.mark.parametrize("changes,message", [
    ({"title_series": "工程技术", "title_level": "不存在"}, "Not a valid choice"),
    ({"phone": "12345"}, None),
    ({"email": "not-an-email"}, None),
    ({"name": ""}, "请输入姓名"),
    ({"title_date": "2999-01-01"}, "取得时间不能晚于今天"),
    ({"department_id": "999999"}, None),
])
def test_bad_input_is_shown_next_to_the_field(desk, client, unit, changes, message):
    person = make_person(unit.employer, "来电人")
    before = audit_count()
    response = desk.post(f"/admin/workbench/fix/person/edit?id={person.id}",
                         edit_data(person, reason="更正", **changes), form_url=person_page(person))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "field-error" in html
    if message and message != "Not a valid choice":
        assert field_error(html, message)
    assert audit_count() == before and db.session.get(Person, person.id).name == "来电人"


def test_a_level_the_series_does_not_have_is_refused(desk, client, unit):
    from models.title_series import levels_of, series_names

    series = next((s for s in series_names() if len(levels_of(s)) < 5), None)
    assert series is not None, "the seeded series include one without every level"
    level = next(l for l in ("正高级", "副高级", "中级", "助理级", "员级") if l not in levels_of(series))
    person = make_person(unit.employer)
    response = desk.post(f"/admin/workbench/fix/person/edit?id={person.id}",
                         edit_data(person, title_series=series, title_level=level, reason="更正"),
                         form_url=person_page(person))
    assert response.status_code == 400 and "field-error" in response.get_data(as_text=True)


def test_nothing_changed_is_said(desk, client, unit):
    person = make_person(unit.employer)
    response = desk.post(f"/admin/workbench/fix/person/edit?id={person.id}", edit_data(person, reason="更正"),
                         form_url=person_page(person))
    assert response.status_code == 400 and "没有修改任何信息" in response.get_data(as_text=True)


def test_a_pending_change_request_is_stale_after_a_direct_edit(desk, client, unit):
    from models.change_requests import apply_person_change

    person = make_person(unit.employer, title_level="中级")
    request = submit_person_change(person, {"title_level": "副高级", "title_series": person.title_series})
    db.session.commit()
    desk.post(f"/admin/workbench/fix/person/edit?id={person.id}",
              edit_data(person, title_level="正高级", reason="更正"), form_url=person_page(person))
    with pytest.raises(ValueError, match="已被修改"):
        apply_person_change(db.session.get(ChangeRequest, request.id))
    db.session.rollback()


# -- unlock, reset, disable / enable -------------------------------------------------------------------
def lock(person, auth):
    for _ in range(5):
        auth.login(person.account, "wrong-password1", user_type="person")
    assert db.session.get(Account, person.account_id).is_locked


def test_unlock_with_and_without_reason(app, client, unit):
    person = make_person(unit.employer, "被锁人")
    lock(person, Auth(app.test_client()))
    desk_auth = Auth(client)
    desk_auth.login(make_account("运维小周", is_operator=True), user_type="operator")
    assert "解锁" in client.get(person_page(person)).get_data(as_text=True)
    before = audit_count()
    refused = desk_auth.post(f"/admin/workbench/fix/person/unlock?id={person.id}", {"unlock-reason": ""},
                             form_url=person_page(person))
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), REASON_MISSING)
    assert db.session.get(Account, person.account_id).is_locked and audit_count() == before
    done = desk_auth.post(f"/admin/workbench/fix/person/unlock?id={person.id}", {"unlock-reason": "本人来电，已核实身份"},
                          form_url=person_page(person))
    assert done.status_code == 302 and not db.session.get(Account, person.account_id).is_locked
    [entry] = entries(entity="account", action="unlock")
    assert entry.reason == "本人来电，已核实身份" and entry.entity_id == str(person.account_id)
    # a second unlock finds nothing to do and says so
    again = desk_auth.post(f"/admin/workbench/fix/person/unlock?id={person.id}", {"unlock-reason": "再次"},
                           form_url=person_page(person))
    assert again.status_code == 400 and "未被锁定" in again.get_data(as_text=True)
    assert len(entries(entity="account", action="unlock")) == 1
    assert Auth(app.test_client()).login(person.account, PASSWORD, user_type="person").status_code == 302


def test_reset_password_with_and_without_reason(app, desk, client, unit):
    person = make_person(unit.employer, "忘密码")
    before = audit_count()
    refused = desk.post(f"/admin/workbench/fix/person/reset?id={person.id}", {}, form_url=person_page(person))
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), REASON_MISSING)
    assert audit_count() == before and db.session.get(Account, person.account_id).check_password(PASSWORD)
    done = desk.post(f"/admin/workbench/fix/person/reset?id={person.id}", {"reset-reason": "本人来电忘记密码"},
                     form_url=person_page(person)).get_data(as_text=True)
    password = re.search(r'class="h4 text-monospace mb-2 reset-password">(\w+)<', done).group(1)
    account = db.session.get(Account, person.account_id)
    assert account.check_password(password) and account.must_change_password
    [entry] = entries(entity="account", action="reset_password")
    assert entry.reason == "本人来电忘记密码" and password not in str(entry.changes)
    assert entry.changes["password_hash"] == {"before": "***", "after": "***"}


def test_reset_is_refused_for_an_admin_account(desk, client, unit):
    from ..helpers import make_admin

    person = make_person(unit.employer, "兼管理员")
    make_admin(unit.employer, account=db.session.get(Account, person.account_id), is_super=False)
    before = audit_count()
    response = desk.post(f"/admin/workbench/fix/person/reset?id={person.id}", {"reset-reason": "来电"},
                         form_url=person_page(person))
    assert response.status_code == 400 and "form-error" in response.get_data(as_text=True)
    assert audit_count() == before


def test_disable_and_enable_an_account(app, desk, client, unit):
    person = make_person(unit.employer, "停用人")
    before = audit_count()
    refused = desk.post(f"/admin/workbench/fix/person/status?id={person.id}&enabled=0", {"status-reason": ""},
                        form_url=person_page(person))
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), REASON_MISSING)
    assert not db.session.get(Account, person.account_id).disabled and audit_count() == before
    desk.post(f"/admin/workbench/fix/person/status?id={person.id}&enabled=0", {"status-reason": "离职"},
              form_url=person_page(person))
    assert db.session.get(Account, person.account_id).disabled
    assert entries(entity="account", action="disable")[0].reason == "离职"
    assert Auth(app.test_client()).login(person.account, PASSWORD, user_type="person").status_code != 302
    twice = desk.post(f"/admin/workbench/fix/person/status?id={person.id}&enabled=0", {"status-reason": "离职"},
                      form_url=person_page(person))
    assert twice.status_code == 400 and "已停用" in twice.get_data(as_text=True)
    desk.post(f"/admin/workbench/fix/person/status?id={person.id}&enabled=1", {"status-reason": "返聘"},
              form_url=person_page(person))
    assert not db.session.get(Account, person.account_id).disabled
    assert entries(entity="account", action="enable")[0].reason == "返聘"


# -- move a person ---------------------------------------------------------------------------------------
def test_move_a_person_follows_records_summary_and_requests(desk, client, unit):
    seed_catalogue()
    db.session.commit()
    person = make_person(unit.employer, "调整人", department=make_department(unit.employer))
    form = LearningForm.query.filter_by(code="other").one()
    declare(form, "公需科目", {"description": "d", "hours": 5}, [person.id], declared_by="person",
            actor=Actor(person.account_id, person.name, person_id=person.id), org=unit.employer, title="t",
            start_date=date(2026, 2, 1), end_date=date(2026, 2, 1))
    db.session.add(PersonYearHours(person_id=person.id, year=2025, org_id=unit.employer.id, met=False))
    db.session.commit()
    request = submit_person_change(person, {"title_level": "副高级", "title_series": person.title_series})
    db.session.commit()
    before = audit_count()
    refused = desk.post(f"/admin/workbench/fix/person/move?id={person.id}", {"move-to_org": unit.other.uscc},
                        form_url=person_page(person))
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), REASON_MISSING)
    assert audit_count() == before and db.session.get(Person, person.id).org_id == unit.employer.id
    done = desk.post(f"/admin/workbench/fix/person/move?id={person.id}",
                     {"move-to_org": unit.other.uscc, "move-reason": "注册时选错单位，单位来函确认"},
                     form_url=person_page(person))
    assert done.status_code == 302
    person = db.session.get(Person, person.id)
    assert (person.org_id, person.department_id) == (unit.other.id, None)
    transfer = db.session.scalars(select(Transfer).where(Transfer.person_id == person.id)).one()
    assert (transfer.status, transfer.initiated_via, transfer.from_org_id) == ("completed", "operator",
                                                                                unit.employer.id)
    assert transfer.reason == "注册时选错单位，单位来函确认"
    record = db.session.scalars(select(CreditRecord).where(CreditRecord.person_id == person.id)).one()
    assert (record.org_id, record.review_org_id) == (unit.other.id, unit.other.id)
    assert db.session.get(PersonYearHours, (person.id, 2025)).org_id == unit.other.id
    assert db.session.get(ChangeRequest, request.id).status == "cancelled"
    [moved] = entries(entity="person", action="transfer")
    assert "注册时选错单位" in moved.reason and moved.changes["org_id"] == {"before": unit.employer.id,
                                                                           "after": unit.other.id}
    assert entries(entity="transfer", action="create")[0].reason == "注册时选错单位，单位来函确认"
    assert entries(entity="credit_record", action="transfer")


@pytest.mark.parametrize("target,message", [
    ("", "请填写调入单位"), ("不存在的单位", "请填写调入单位（单位名称或统一社会信用代码须准确）"),
    ("self", "调入单位不能是该人员当前所在单位"), ("supervisor", "调入单位必须是已审核通过的用人单位"),
])
def test_move_bad_targets(desk, client, unit, target, message):
    person = make_person(unit.employer)
    value = {"self": unit.employer.uscc, "supervisor": unit.city.uscc}.get(target, target)
    before = audit_count()
    response = desk.post(f"/admin/workbench/fix/person/move?id={person.id}",
                         {"move-to_org": value, "move-reason": "调整"}, form_url=person_page(person))
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), message)
    assert audit_count() == before and db.session.get(Person, person.id).org_id == unit.employer.id


def test_move_is_refused_while_a_transfer_is_active(desk, client, unit):
    from models.transfer import start

    person = make_person(unit.employer)
    start(person, unit.other, "工作调动", date(2026, 3, 1), Actor(unit.admin.id, "王管理", unit.employer.id,
                                                              unit.employer.id))
    db.session.commit()
    response = desk.post(f"/admin/workbench/fix/person/move?id={person.id}",
                         {"move-to_org": unit.other.uscc, "move-reason": "调整"}, form_url=person_page(person))
    assert response.status_code == 400 and "进行中的调转" in response.get_data(as_text=True)


# -- units -------------------------------------------------------------------------------------------------
def unit_data(org, **changes):
    data = {f: getattr(org, f) or "" for f in ("name", "uscc", "nature", "industry", "region", "address",
                                                 "contact_name", "contact_phone", "contact_email")}
    data.update(nature="企业", industry="信息传输、软件和信息技术服务业") if not org.nature else None
    if org.no_uscc:
        data["no_uscc"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def test_edit_a_unit_with_and_without_reason(desk, client, unit):
    from models.choices import INDUSTRIES, ORG_NATURES

    org = make_org("待更正单位", parent=unit.city, nature=ORG_NATURES[0], industry=INDUSTRIES[0])
    url = f"/admin/workbench/fix/unit/?id={org.id}"
    assert "待更正单位" in client.get(url).get_data(as_text=True)
    before = audit_count()
    refused = desk.post(f"/admin/workbench/fix/unit/edit?id={org.id}", unit_data(org, name="已更正单位"), form_url=url)
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), REASON_MISSING)
    assert audit_count() == before
    bad = desk.post(f"/admin/workbench/fix/unit/edit?id={org.id}", unit_data(org, uscc="123", reason="更正"),
                    form_url=url)
    assert bad.status_code == 400 and "field-error" in bad.get_data(as_text=True) and audit_count() == before
    taken = desk.post(f"/admin/workbench/fix/unit/edit?id={org.id}",
                      unit_data(org, uscc=unit.other.uscc, reason="更正"), form_url=url)
    assert taken.status_code == 400 and field_error(taken.get_data(as_text=True), "该统一社会信用代码已被其他单位使用")
    done = desk.post(f"/admin/workbench/fix/unit/edit?id={org.id}", unit_data(org, name="已更正单位", reason="来函更正名称"),
                     form_url=url)
    assert done.status_code == 302 and db.session.get(Organization, org.id).name == "已更正单位"
    [entry] = entries(entity="organization", action="update")
    assert entry.reason == "来函更正名称" and entry.changes["name"] == {"before": "待更正单位", "after": "已更正单位"}
    # marking it 无统一社会信用代码 needs the code cleared
    both = desk.post(f"/admin/workbench/fix/unit/edit?id={org.id}", unit_data(org, no_uscc="y", reason="无代码"),
                     form_url=url)
    assert both.status_code == 400 and field_error(both.get_data(as_text=True), "已勾选“无统一社会信用代码”，请清空统一社会信用代码")
    cleared = desk.post(f"/admin/workbench/fix/unit/edit?id={org.id}", unit_data(org, no_uscc="y", uscc="", reason="内设机构无代码"),
                        form_url=url)
    assert cleared.status_code == 302
    org = db.session.get(Organization, org.id)
    assert org.no_uscc and org.uscc is None
    assert "无统一社会信用代码" in client.get(url).get_data(as_text=True)


def test_disable_and_enable_a_unit(desk, client, unit):
    url = f"/admin/workbench/fix/unit/?id={unit.branch.id}"
    before = audit_count()
    refused = desk.post(f"/admin/workbench/fix/unit/status?id={unit.branch.id}&enabled=0", {"status-reason": ""},
                        form_url=url)
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), REASON_MISSING)
    assert audit_count() == before and db.session.get(Organization, unit.branch.id).status == "approved"
    desk.post(f"/admin/workbench/fix/unit/status?id={unit.branch.id}&enabled=0", {"status-reason": "单位注销"},
              form_url=url)
    assert db.session.get(Organization, unit.branch.id).status == "disabled"
    assert entries(entity="organization", action="disable")[0].reason == "单位注销"
    twice = desk.post(f"/admin/workbench/fix/unit/status?id={unit.branch.id}&enabled=0", {"status-reason": "x"},
                      form_url=url)
    assert twice.status_code == 400 and "已停用" in twice.get_data(as_text=True)
    desk.post(f"/admin/workbench/fix/unit/status?id={unit.branch.id}&enabled=1", {"status-reason": "恢复"}, form_url=url)
    assert db.session.get(Organization, unit.branch.id).status == "approved"


def new_unit_data(**kw):
    from models.choices import INDUSTRIES, ORG_NATURES, REGIONS

    data = {"kind": "employer", "name": "某医院内设科室", "uscc": "", "no_uscc": "y", "nature": ORG_NATURES[0],
            "industry": INDUSTRIES[0], "region": REGIONS[0], "contact_name": "联系人", "contact_phone": "13800000000",
            "contact_email": "", "reason": "该机构无统一社会信用代码，主管部门来函"}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def test_create_a_unit_without_uscc(desk, client, unit):
    url = f"/admin/workbench/fix/unit/new?parent={unit.city.id}"
    before = audit_count()
    refused = desk.post(url, new_unit_data(reason=""))
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), REASON_MISSING)
    neither = desk.post(url, new_unit_data(no_uscc=None))
    assert neither.status_code == 400 and field_error(neither.get_data(as_text=True), "请输入统一社会信用代码，或勾选“无统一社会信用代码”")
    assert audit_count() == before
    done = desk.post(url, new_unit_data())
    assert done.status_code == 302
    org = db.session.scalars(select(Organization).where(Organization.name == "某医院内设科室")).one()
    assert (org.no_uscc, org.uscc, org.status, org.parent_id) == (True, None, "approved", unit.city.id)
    assert unit.city.contains(org.id) and unit.province.contains(org.id), "it is in the tree"
    [entry] = entries(entity="organization", action="create", entity_id=str(org.id))
    assert entry.reason == "该机构无统一社会信用代码，主管部门来函"
    # its superior's 下属机构管理 lists it, marked
    auth = Auth(client)
    auth.logout()
    city_admin = __import__("tests.helpers", fromlist=["make_admin"]).make_admin(unit.city, "市管理")
    auth.login(city_admin, user_type="supervisor")
    listing = client.get("/admin/subordinates/?search=某医院").get_data(as_text=True)
    assert "某医院内设科室" in listing and "无统一社会信用代码" in listing


def test_unknown_ids_are_404(desk, client, unit):
    for url in ("/admin/workbench/fix/person/?id=999999", "/admin/workbench/fix/person/?id=abc",
                "/admin/workbench/fix/unit/?id=999999", "/admin/workbench/fix/unit/?id=",
                "/admin/workbench/fix/unit/new?parent=999999"):
        assert client.get(url).status_code == 404, url


def test_lookup_by_id_number_or_uscc(desk, client, unit):
    person = make_person(unit.employer)
    assert client.get(f"/admin/workbench/fix/?q={person.id_number.lower()}").headers["Location"].endswith(
        f"/admin/workbench/fix/person/?id={person.id}")
    assert client.get(f"/admin/workbench/fix/?q={unit.other.uscc}").headers["Location"].endswith(
        f"/admin/workbench/fix/unit/?id={unit.other.id}")
    missing = client.get("/admin/workbench/fix/?q=123")
    assert missing.status_code == 200 and "没有找到" in missing.get_data(as_text=True)


def test_an_admins_account_is_unlocked_and_disabled_on_its_own_page(app, desk, client, unit):
    lock_auth = Auth(app.test_client())
    for _ in range(5):
        lock_auth.login(unit.admin, "wrong-password1")
    assert db.session.get(Account, unit.admin.id).is_locked
    found = client.get(f"/admin/workbench/fix/?q={unit.admin.id_number}")
    url = f"/admin/workbench/fix/account/?id={unit.admin.id}"
    assert found.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert unit.employer.name in page and "已锁定" in page
    before = audit_count()
    refused = desk.post(f"/admin/workbench/fix/account/unlock?id={unit.admin.id}", {"unlock-reason": ""}, form_url=url)
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), REASON_MISSING)
    assert audit_count() == before
    desk.post(f"/admin/workbench/fix/account/unlock?id={unit.admin.id}", {"unlock-reason": "管理员来电"}, form_url=url)
    assert not db.session.get(Account, unit.admin.id).is_locked
    assert entries(entity="account", action="unlock")[0].reason == "管理员来电"
    desk.post(f"/admin/workbench/fix/account/status?id={unit.admin.id}&enabled=0", {"status-reason": "离职"},
              form_url=url)
    assert db.session.get(Account, unit.admin.id).disabled
    # a staff member's account opens the person's page instead
    person = make_person(unit.employer)
    assert client.get(f"/admin/workbench/fix/account/?id={person.account_id}").headers["Location"].endswith(
        person_page(person))


def test_an_operator_account_cannot_be_disabled(desk, client, unit):
    other = make_account("另一运维", is_operator=True)
    url = f"/admin/workbench/fix/account/?id={other.id}"
    response = desk.post(f"/admin/workbench/fix/account/status?id={other.id}&enabled=0", {"status-reason": "x"},
                         form_url=url)
    assert response.status_code == 400 and "平台运维账号不能在此停用或启用" in response.get_data(as_text=True)
    assert not db.session.get(Account, other.id).disabled


def test_a_person_of_a_disabled_unit_is_moved(desk, client, unit):
    """The case the desk exists for: the old unit cannot review a transfer any more."""
    person = make_person(unit.branch, "原单位已停用")
    org = db.session.get(Organization, unit.branch.id)
    org.status = "disabled"
    db.session.commit()
    done = desk.post(f"/admin/workbench/fix/person/move?id={person.id}",
                     {"move-to_org": unit.other.name, "move-reason": "原单位已注销"}, form_url=person_page(person))
    assert done.status_code == 302 and db.session.get(Person, person.id).org_id == unit.other.id
