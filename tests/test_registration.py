"""用人单位注册 (F1) and 专技人员注册 (F2), through the public pages with CSRF tokens."""
import re

import pytest
from sqlalchemy import func, select

from demo.ids import id_number, uscc
from models import Account, AdminMembership, AuditEntry, OrgClosure, Organization, Person, db
from models.validators import normalize_uscc

from .helpers import PASSWORD, make_admin, make_department, make_org, make_person

UNIT_URL, PERSON_URL = "/register/unit", "/register/person"
NEW_PASSWORD = "Newpass123"


def errors(response) -> list[str]:
    return re.findall(r'class="invalid-feedback field-error">([^<]*)<', response.get_data(as_text=True))


def counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Organization, Account, Person, AdminMembership, OrgClosure, AuditEntry))


def unit_form(superior, seq=1, **overrides):
    data = {
        "name": "济南新注册科技有限公司", "uscc": uscc(seq), "kind": "employer", "superior_id": str(superior.id),
        "superior_name": superior.name, "nature": "民营企业", "industry": "制造业", "region": "济南市",
        "address": "济南市历下区经十路1号", "contact_name": "刘联系", "contact_phone": "0531-88889999",
        "contact_email": "contact@xinzhuce.cn", "admin_name": "孙管理", "admin_id_number": id_number(seq),
        "admin_phone": "13912345678", "admin_email": "admin@xinzhuce.cn", "password": PASSWORD, "confirm": PASSWORD,
    }
    data.update(overrides)
    return data


def person_form(employer, seq=1, department=None, **overrides):
    data = {
        "name": "周专技", "id_number": id_number(seq), "employer_id": str(employer.id), "employer_name": employer.name,
        "department_id": str(department.id) if department else "", "education": "大学本科", "major": "机械工程",
        "title_series": "工程技术", "title_name": "工程师", "title_level": "中级", "title_date": "2018-06-30",
        "admin_post": "", "phone": "13712345678", "email": "zhou@example.cn", "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return data


# -- F1 用人单位注册 ---------------------------------------------------------------------------------
def test_unit_registration_creates_pending_org_in_tree_with_super_admin(auth, unit):
    r = auth.post(UNIT_URL, unit_form(unit.city))
    assert r.status_code == 302 and r.headers["Location"].endswith("/register/done/unit")
    org = db.session.scalar(select(Organization).where(Organization.uscc == uscc(1)))
    assert org.status == "pending" and org.parent_id == unit.city.id and org.kind == "employer"
    assert org.contact_phone == "0531-88889999" and org.region == "济南市"
    assert [o.id for o in org.ancestors()] == [unit.province.id, unit.city.id, org.id]
    assert unit.city.contains(org.id) and unit.province.contains(org.id)

    account = db.session.scalar(select(Account).where(Account.id_number == id_number(1)))
    assert account.name == "孙管理" and account.check_password(PASSWORD) and account.email == "admin@xinzhuce.cn"
    membership = db.session.scalar(select(AdminMembership).where(AdminMembership.org_id == org.id))
    assert membership.account_id == account.id and membership.is_super

    logged = {(a.entity, a.entity_id, a.action) for a in db.session.scalars(select(AuditEntry))}
    assert {("organization", str(org.id), "create"), ("account", str(account.id), "create"),
            ("admin_membership", str(membership.id), "create")} <= logged
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "account",
                                                       AuditEntry.entity_id == str(account.id)))
    assert entry.changes["password_hash"] == {"after": "***"} and entry.reason == "用人单位注册"

    done = auth.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "注册已提交，请等待上级主管部门审核，审核通过后即可登录" in done
    # The admin cannot log in before the superior approves the unit.
    login = auth.login(account, follow=True).get_data(as_text=True)
    assert "此账号还未被审核" in login


def test_unit_page_marks_required_fields_and_shows_the_branch_note(client):
    page = client.get(UNIT_URL).get_data(as_text=True)
    assert "下级单位（分公司）可自行注册为用人单位，上级部门选择其总公司；无统一社会信用代码的单位请联系客服人员处理。" in page
    for label in ("单位名称", "统一社会信用代码", "上级部门", "管理员身份证号", "确认密码"):
        assert re.search(r'<span class="req">\*</span>' + label + "<", page), label
    assert '<span class="req">*</span>单位地址' not in page


def test_bad_uscc_check_digit_is_refused(auth, unit):
    good = uscc(2)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = counts()
    r = auth.post(UNIT_URL, unit_form(unit.city, 2, uscc=bad))
    assert r.status_code == 200
    assert "统一社会信用代码校验位错误，请核对" in errors(r)
    assert counts() == before


def test_uscc_starting_with_a_letter_is_accepted(auth, unit):
    code = uscc(3, prefix="Y1")
    assert code[0] == "Y" and normalize_uscc(code) == code
    r = auth.post(UNIT_URL, unit_form(unit.city, 3, uscc=code))
    assert r.status_code == 302, errors(r)
    assert db.session.scalar(select(Organization).where(Organization.uscc == code)).status == "pending"


def test_full_width_and_spaces_in_codes_and_phones_are_tolerated(auth, unit):
    code, idn = uscc(4), id_number(4)
    wide = lambda s: " ".join(chr(ord(c) + 0xFEE0) for c in s)  # noqa: E731 - full-width digits with spaces
    r = auth.post(UNIT_URL, unit_form(unit.city, 4, uscc=" " + wide(code.lower()) + " ",
                                      admin_id_number=wide(idn), admin_phone="１３９ １２３４ ５６７８"))
    assert r.status_code == 302, errors(r)
    org = db.session.scalar(select(Organization).where(Organization.uscc == code))
    account = db.session.scalar(select(Account).where(Account.id_number == idn))
    assert org is not None and account.phone == "13912345678"


def test_duplicate_uscc_is_refused_next_to_the_field(auth, unit):
    before = counts()
    r = auth.post(UNIT_URL, unit_form(unit.city, 5, uscc=unit.employer.uscc))
    assert errors(r) == ["该统一社会信用代码已注册"]
    assert counts() == before


def test_superior_must_be_approved_even_when_posted_by_hand(auth, unit):
    pending = make_org("待审核的主管部门", kind="supervisor", parent=unit.province, status="pending")
    before = counts()
    for superior_id in (str(pending.id), "987654"):
        r = auth.post(UNIT_URL, unit_form(unit.city, 6, superior_id=superior_id))
        assert errors(r) == ["请选择已审核通过的上级部门"], superior_id
    for superior_id in ("abc", "99999999999999999999"):
        r = auth.post(UNIT_URL, unit_form(unit.city, 6, superior_id=superior_id))
        assert errors(r) == ["请选择上级部门"], superior_id
    assert counts() == before


def test_missing_required_fields_are_each_named(auth, unit):
    before = counts()
    data = unit_form(unit.city, 7, name="", uscc="", superior_id="", nature="", region="", contact_phone="",
                     admin_id_number="", admin_email="", password="", confirm="")
    found = errors(auth.post(UNIT_URL, data))
    for message in ("请输入单位名称", "请输入统一社会信用代码", "请选择上级部门", "请选择单位性质",
                    "请选择所属地区", "请输入联系电话", "请输入管理员身份证号", "请输入邮箱", "请输入密码"):
        assert message in found
    assert counts() == before


@pytest.mark.parametrize("password, message", [
    ("abc123", "密码至少8位"), ("abcdefghij", "密码须同时包含字母和数字"), ("1234567890", "密码须同时包含字母和数字"),
])
def test_password_policy(auth, unit, password, message):
    before = counts()
    r = auth.post(UNIT_URL, unit_form(unit.city, 8, password=password, confirm=password))
    assert errors(r) == [message]
    r = auth.post(UNIT_URL, unit_form(unit.city, 8, confirm=PASSWORD + "x"))
    assert errors(r) == ["两次输入的密码不一致"]
    assert counts() == before


def test_over_long_values_and_bad_contacts_are_refused(auth, unit):
    before = counts()
    r = auth.post(UNIT_URL, unit_form(unit.city, 9, name="长" * 101, address="址" * 201, admin_name="名" * 51,
                                      contact_email="not-an-email", admin_phone="12345"))
    assert sorted(errors(r)) == sorted(["单位名称最长100个字", "单位地址最长200个字", "管理员姓名最长50个字",
                                        "请输入有效的电子邮箱", "请输入有效的手机号或固定电话"])
    assert counts() == before


def test_admin_id_that_already_has_an_account_is_refused(auth, unit):
    before = counts()
    r = auth.post(UNIT_URL, unit_form(unit.city, 10, admin_id_number=unit.admin.id_number))
    assert errors(r) == ["该身份证号已注册，请使用已有账号登录，或由单位管理员添加"]
    assert counts() == before


def test_rejected_unit_registers_again_in_place(auth, unit):
    rejected = make_org("被驳回的单位", parent=unit.other, status="rejected", reject_reason="名称与执照不符")
    admin = make_admin(rejected, "钱管理")
    data = unit_form(unit.city, 11, uscc=rejected.uscc, admin_id_number=admin.id_number, name="更正后的单位名称",
                     password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    before = counts()
    r = auth.post(UNIT_URL, data)
    assert errors(r) == ["密码与该管理员账号的现有密码不一致"]
    r = auth.post(UNIT_URL, dict(data, admin_id_number=id_number(11), password=PASSWORD, confirm=PASSWORD))
    assert errors(r) == ["该单位重新注册时，管理员须为原注册时的管理员，请填写其身份证号"]
    after_refusals = counts()
    assert after_refusals[:5] == before[:5]

    r = auth.post(UNIT_URL, dict(data, password=PASSWORD, confirm=PASSWORD))
    assert r.status_code == 302, errors(r)
    db.session.expire_all()
    org = db.session.get(Organization, rejected.id)
    assert (org.status, org.reject_reason, org.name, org.parent_id) == ("pending", None, "更正后的单位名称", unit.city.id)
    assert [o.id for o in org.ancestors()] == [unit.province.id, unit.city.id, org.id]
    assert not unit.other.contains(org.id)
    assert counts()[:4] == before[:4]  # no new org, account, person or membership
    update = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "organization",
                                                        AuditEntry.entity_id == str(org.id),
                                                        AuditEntry.action == "register"))
    assert update.changes["status"] == {"before": "rejected", "after": "pending"}
    assert update.changes["parent_id"] == {"before": unit.other.id, "after": unit.city.id}
    assert update.reason == "驳回后重新注册"


def test_wrong_passwords_on_the_public_form_count_towards_the_lock(auth, unit):
    rejected = make_org("被驳回的单位二", parent=unit.city, status="rejected")
    admin = make_admin(rejected, "吴管理")
    data = unit_form(unit.city, 12, uscc=rejected.uscc, admin_id_number=admin.id_number,
                     password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    for _ in range(5):
        auth.post(UNIT_URL, data)
    db.session.expire_all()
    assert db.session.get(Account, admin.id).is_locked
    r = auth.post(UNIT_URL, dict(data, password=PASSWORD, confirm=PASSWORD))
    assert errors(r) == ["该账号因多次密码错误已被锁定，请15分钟后再试，或联系客服解锁"]
    assert db.session.get(Organization, rejected.id).status == "rejected"


# -- F2 专技人员注册 ---------------------------------------------------------------------------------
def test_person_registration_is_pending_until_the_unit_reviews(auth, unit):
    dept = make_department(unit.employer, "研发部")
    r = auth.post(PERSON_URL, person_form(unit.employer, 20, department=dept, id_number=" " + id_number(20).lower(),
                                          title_date="2018/06/30"))
    assert r.status_code == 302 and r.headers["Location"].endswith("/register/done/person"), errors(r)
    person = db.session.scalar(select(Person).where(Person.id_number == id_number(20)))
    assert (person.status, person.org_id, person.department_id) == ("pending", unit.employer.id, dept.id)
    assert person.gender in ("男", "女") and person.birth_date.isoformat().replace("-", "") == id_number(20)[6:14]
    assert str(person.title_date) == "2018-06-30" and person.admin_post is None
    assert person.account.phone == "13712345678" and person.account.email == "zhou@example.cn"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "person", AuditEntry.action == "create", AuditEntry.entity_id == str(person.id))) == 1

    assert "注册已提交，请等待单位管理员审核" in auth.client.get(r.headers["Location"]).get_data(as_text=True)
    login = auth.login(id_number(20), user_type="person", follow=True).get_data(as_text=True)
    assert "此账号还未被审核" in login


def test_department_of_another_org_is_refused(auth, unit):
    foreign = make_department(unit.other, "外单位部门")
    before = counts()
    r = auth.post(PERSON_URL, person_form(unit.employer, 21, department=foreign))
    assert errors(r) == ["所选部门不属于该工作单位，请重新选择"]
    assert counts() == before
    # The page offers the employer's own departments again, not the foreign one.
    assert "外单位部门" not in r.get_data(as_text=True)


def test_employer_must_be_approved(auth, unit):
    pending = make_org("尚未审核的单位", parent=unit.city, status="pending")
    before = counts()
    r = auth.post(PERSON_URL, person_form(pending, 22))
    assert errors(r) == ["请选择已审核通过的工作单位"]
    assert counts() == before


def test_rejected_person_registers_again_in_place(auth, unit):
    old = make_person(unit.employer, "郑驳回", status="rejected", reject_reason="职称信息有误")
    r = auth.post(PERSON_URL, person_form(unit.other, id_number=old.id_number, name="郑驳回", title_level="副高级",
                                          password=NEW_PASSWORD, confirm=NEW_PASSWORD))
    assert r.status_code == 302, errors(r)
    db.session.expire_all()
    person = db.session.get(Person, old.id)
    assert (person.status, person.reject_reason, person.org_id, person.title_level) == (
        "pending", None, unit.other.id, "副高级")
    assert person.account.check_password(NEW_PASSWORD) and not person.account.check_password(PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    assert "此账号还未被审核" in auth.login(person.account, NEW_PASSWORD, user_type="person", follow=True).get_data(
        as_text=True)


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_duplicate_id_of_a_pending_or_approved_person_is_refused(auth, unit, status):
    existing = make_person(unit.employer, "冯已注册", status=status)
    before = counts()
    r = auth.post(PERSON_URL, person_form(unit.employer, id_number=existing.id_number, name="冯已注册"))
    assert errors(r) == ["该身份证号已注册"]
    assert counts() == before
    assert db.session.get(Account, existing.account_id).check_password(PASSWORD)


def test_admin_only_account_registers_as_staff_with_its_own_password(auth, unit):
    admin = unit.admin  # 王管理: an account with an admin seat and no Person
    data = person_form(unit.employer, id_number=admin.id_number, name="王管理")
    before = counts()
    r = auth.post(PERSON_URL, dict(data, password=NEW_PASSWORD, confirm=NEW_PASSWORD))
    assert errors(r) == ["该身份证号已有账号，请输入该账号的密码"]
    r = auth.post(PERSON_URL, dict(data, name="别人"))
    assert errors(r) == ["姓名与该身份证号已有账号的姓名不一致"]
    assert counts()[:5] == before[:5]

    r = auth.post(PERSON_URL, data)
    assert r.status_code == 302, errors(r)
    person = db.session.scalar(select(Person).where(Person.account_id == admin.id))
    assert person.status == "pending" and db.session.get(Account, admin.id).check_password(PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(Account)) == before[1]


def test_rejected_person_who_is_also_an_admin_must_give_the_password(auth, unit):
    person = make_person(unit.employer, "褚两用", status="rejected")
    make_admin(unit.branch, account=person.account)
    data = person_form(unit.employer, id_number=person.id_number, name="褚两用", password=NEW_PASSWORD,
                       confirm=NEW_PASSWORD)
    r = auth.post(PERSON_URL, data)
    assert errors(r) == ["该身份证号已有账号，请输入该账号的密码"]
    db.session.expire_all()
    assert db.session.get(Person, person.id).status == "rejected"
    assert db.session.get(Account, person.account_id).check_password(PASSWORD)


def test_person_form_limits_and_required_fields(auth, unit):
    before = counts()
    r = auth.post(PERSON_URL, person_form(unit.employer, 23, name="", major="专" * 51, phone="", email="",
                                          title_level="", title_date="2999-01-01", employer_id=""))
    assert sorted(errors(r)) == sorted(["请输入姓名", "所学专业最长50个字", "请输入手机号", "请输入邮箱", "请选择职称级别",
                                        "取得时间不能晚于今天", "请选择工作单位"])
    assert counts() == before
    r = auth.post(PERSON_URL, person_form(unit.employer, 23, title_date="去年"))
    assert errors(r) == ["请按 2018-06-30 的格式填写取得时间"]
    assert counts() == before


# -- the search endpoints and CSRF --------------------------------------------------------------------
def test_org_search_returns_only_approved_orgs_with_minimal_fields(client, unit):
    make_org("济南示范待审核单位", parent=unit.city, status="pending")
    make_org("济南示范已驳回单位", parent=unit.city, status="rejected")
    make_org("济南示范已停用单位", parent=unit.city, status="disabled")
    rows = client.get("/register/orgs.json?q=示范").get_json()
    assert {r["name"] for r in rows} == {"济南示范科技有限公司", "济南示范科技有限公司历下分公司"}
    assert all(set(r) == {"id", "name", "region"} for r in rows)
    assert client.get("/register/orgs.json?q=").get_json() == []
    assert client.get("/register/orgs.json?q=%25").get_json() == []  # a LIKE wildcard is literal text
    for i in range(25):
        make_org(f"批量测试单位{i:02d}", parent=unit.city)
    assert len(client.get("/register/orgs.json?q=批量测试").get_json()) == 20


def test_department_list_only_for_approved_orgs(client, unit):
    dept = make_department(unit.employer, "财务部")
    pending = make_org("待审核单位", parent=unit.city, status="pending")
    make_department(pending, "不应出现")
    assert client.get(f"/register/departments.json?org_id={unit.employer.id}").get_json() == [
        {"id": dept.id, "name": "财务部"}]
    assert client.get(f"/register/departments.json?org_id={pending.id}").get_json() == []
    assert client.get("/register/departments.json?org_id=x").get_json() == []
    assert client.get("/register/departments.json?org_id=99999999999").get_json() == []


@pytest.mark.parametrize("url", [UNIT_URL, PERSON_URL])
def test_post_without_csrf_token_is_refused(client, unit, url):
    before = counts()
    data = unit_form(unit.city, 30) if url == UNIT_URL else person_form(unit.employer, 30)
    r = client.post(url, data=data)
    assert r.status_code == 400
    assert "安全令牌" in r.get_data(as_text=True)
    assert counts() == before
