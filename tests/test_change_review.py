"""人员信息修改审核 (F15), 机构信息修改审核 (F16) and the staff member's own change page."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEntry, ChangeRequest, OrgClosure, Organization, Person, ReviewRecord, db, org_change

from .helpers import make_department, make_org, make_person
from .querycount import count_queries
from .test_registration_review import act, text

PERSON_CHANGES = "/admin/person_change/"
ORG_CHANGES = "/admin/org_change/"


def request_of(person):
    db.session.expire_all()
    return db.session.scalar(select(ChangeRequest).where(ChangeRequest.target_type == "person",
                                                         ChangeRequest.target_id == person.id)
                             .order_by(ChangeRequest.id.desc()))


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def form_values(page_html, **changes):
    """The change form as the page fills it, with ``changes`` typed over it."""
    values = {}
    for name in ("title_series", "title_level", "education", "department_id"):
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page_html, re.S).group(0)
        chosen = re.search(r'<option selected value="([^"]*)"', select_html) or re.search(
            r'<option value="([^"]*)" selected', select_html)
        values[name] = chosen.group(1) if chosen else ""
    for name in ("title_name", "title_date", "phone", "email"):
        found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page_html)
        values[name] = found.group(1) if found else ""
    values.update(changes)
    return values


@pytest.fixture
def staff(unit, client, auth):
    dept = make_department(unit.employer, "研发部")
    new_dept = make_department(unit.employer, "质量部")
    person = make_person(unit.employer, "张工", department=dept, title_name="工程师")
    return type("Staff", (), dict(person=person, dept=dept, new_dept=new_dept))


def submit_change(auth, client, person, **changes):
    auth.login(person.account, user_type="person")
    page = text(client.get("/me/change"))
    return auth.post("/me/change", form_values(page, **changes), follow_redirects=True)


# -- the staff member's page ------------------------------------------------------------------------
def test_staff_files_one_request_with_only_the_changed_fields(auth, client, unit, staff):
    r = submit_change(auth, client, staff.person, title_level="副高级", title_date="2024-06-30",
                      department_id=str(staff.new_dept.id))
    page = text(r)
    assert "修改申请已提交" in page and "待审核的修改申请" in page
    req = request_of(staff.person)
    assert req.org_id == unit.employer.id and req.status == "pending"
    assert req.changes == {"title_level": {"before": "中级", "after": "副高级"},
                           "title_date": {"before": None, "after": "2024-06-30"},
                           "department_id": {"before": staff.dept.id, "after": staff.new_dept.id}}
    assert "研发部" in page and "质量部" in page  # departments by name, not id
    assert fresh(Person, staff.person.id).title_level == "中级"  # nothing applies before the review


def test_a_second_request_is_refused_while_one_is_pending(auth, client, unit, staff):
    submit_change(auth, client, staff.person, education="硕士研究生")
    page = text(client.get("/me/change"))
    r = auth.post("/me/change", form_values(page, education="博士研究生"), follow_redirects=True)
    assert "您已有一条待审核的修改申请" in text(r)
    assert db.session.scalar(select(func.count()).select_from(ChangeRequest)) == 1


def test_nothing_changed_and_bad_input_are_refused_next_to_the_field(auth, client, unit, staff):
    auth.login(staff.person.account, user_type="person")
    page = text(client.get("/me/change"))
    assert "没有修改任何信息" in text(auth.post("/me/change", form_values(page)))
    bad = text(auth.post("/me/change", form_values(page, phone="123", title_date="2024-13-40")))
    assert "field-error" in bad and "请按 2018-06-30 的格式填写取得时间" in bad
    other_dept = make_department(unit.other, "外单位部门")
    assert "不是有效的选择" in text(auth.post("/me/change", form_values(page, department_id=str(other_dept.id))))
    assert db.session.scalar(select(func.count()).select_from(ChangeRequest)) == 0


def test_only_logged_in_staff_reach_the_page(auth, client, unit, staff):
    assert client.get("/me/change").status_code == 302
    auth.login(unit.admin)
    assert client.get("/me/change").status_code == 403


# -- 人员信息修改审核 ----------------------------------------------------------------------------------
def test_queue_shows_each_field_before_and_after(auth, client, unit, staff):
    submit_change(auth, client, staff.person, title_level="副高级", phone="13912345678")
    auth.logout()
    auth.login(unit.admin)
    page = text(client.get(PERSON_CHANGES))
    assert "张工" in page and "职称级别：中级 → <strong>副高级</strong>" in page and "13912345678" in page
    req = request_of(staff.person)
    details = text(client.get(f"{PERSON_CHANGES}details/?id={req.id}"))
    assert "<td>职称级别</td><td>中级</td><td>副高级</td>" in details and staff.person.id_number in details
    other_admin_page = None
    auth.logout()
    auth.login(unit.other_admin)
    other_admin_page = text(client.get(PERSON_CHANGES))
    assert "张工" not in other_admin_page
    assert client.get(f"{PERSON_CHANGES}details/?id={req.id}").status_code == 404


def test_approve_applies_every_field_at_once(auth, client, unit, staff):
    submit_change(auth, client, staff.person, title_level="副高级", title_date="2024-06-30",
                  phone="13912345678", department_id=str(staff.new_dept.id))
    auth.logout()
    auth.login(unit.admin)
    req = request_of(staff.person)
    r = act(auth, PERSON_CHANGES, "approve", [req.id])
    assert "已通过 1 条" in text(r)
    person = fresh(Person, staff.person.id)
    assert (person.title_level, person.title_date, person.department_id, person.account.phone) == (
        "副高级", date(2024, 6, 30), staff.new_dept.id, "13912345678")
    req = request_of(staff.person)
    assert req.status == "approved" and req.reviewed_by_id == unit.admin.id
    rec = db.session.scalar(select(ReviewRecord).where(ReviewRecord.target_type == "person_change"))
    assert rec.target_id == req.id and rec.subject_code == staff.person.id_number and rec.decision == "approved"
    entries = {(e.entity, e.action) for e in db.session.scalars(select(AuditEntry))}
    assert {("person", "approve"), ("account", "approve"), ("change_request", "approve")} <= entries


def test_a_request_whose_person_changed_meanwhile_is_refused(auth, client, unit, staff):
    submit_change(auth, client, staff.person, title_level="副高级")
    person = fresh(Person, staff.person.id)
    person.title_level = "正高级"  # a correction made elsewhere after the request
    db.session.commit()
    auth.logout()
    auth.login(unit.admin)
    req = request_of(staff.person)
    r = text(act(auth, PERSON_CHANGES, "approve", [req.id]))
    assert "已通过 0 条" in r and "张工：信息在提交申请后已被修改（职称级别）" in r
    assert request_of(staff.person).status == "pending" and fresh(Person, staff.person.id).title_level == "正高级"
    assert not db.session.scalars(select(ReviewRecord)).all()


def test_reject_needs_a_reason_and_the_staff_member_sees_it(auth, client, unit, staff):
    submit_change(auth, client, staff.person, education="硕士研究生")
    auth.logout()
    auth.login(unit.admin)
    req = request_of(staff.person)
    assert "驳回时必须填写驳回原因" in text(act(auth, PERSON_CHANGES, "reject", [req.id], reason=" "))
    assert request_of(staff.person).status == "pending"
    assert "已驳回 1 条" in text(act(auth, PERSON_CHANGES, "reject", [req.id], reason="请上传学位证书"))
    assert request_of(staff.person).reason == "请上传学位证书"
    assert fresh(Person, staff.person.id).education == "大学本科"
    auth.logout()
    auth.login(staff.person.account, user_type="person")
    page = text(client.get("/me/change"))
    assert "请上传学位证书" in page and "已驳回" in page and "待审核的修改申请" not in page


def test_a_decided_request_and_foreign_ids_are_skipped(auth, client, unit, staff):
    foreign = make_person(unit.other, "外单位人员")
    db.session.add(ChangeRequest(target_type="person", target_id=foreign.id, org_id=unit.other.id,
                                 subject_name="外单位人员", changes={"education": {"before": "大学本科", "after": "中专"}}))
    db.session.commit()
    foreign_req = request_of(foreign)
    submit_change(auth, client, staff.person, education="硕士研究生")
    auth.logout()
    auth.login(unit.admin)
    req = request_of(staff.person)
    act(auth, PERSON_CHANGES, "approve", [req.id])
    r = text(act(auth, PERSON_CHANGES, "reject", [req.id, foreign_req.id], reason="重复"))
    assert "已驳回 0 条" in r and "已被他人审核 1 条" in r and "不存在或不在管理范围内 1 条" in r
    assert request_of(staff.person).status == "approved" and request_of(foreign).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(ReviewRecord)) == 1


def test_bulk_over_the_whole_filtered_queue(auth, client, unit, staff):
    people = [make_person(unit.branch, f"批量{i}") for i in range(22)]
    for p in people:
        db.session.add(ChangeRequest(target_type="person", target_id=p.id, org_id=p.org_id, subject_name=p.name,
                                     changes={"title_level": {"before": "中级", "after": "副高级"}}))
    db.session.commit()
    auth.login(unit.admin)
    assert "选择全部符合当前筛选条件的 22 条记录" in text(client.get(PERSON_CHANGES))
    r = text(act(auth, PERSON_CHANGES, "approve", select_all="1", expected="22"))
    assert "已通过 22 条" in r
    assert db.session.scalar(select(func.count()).where(Person.title_level == "副高级")) == 22


# -- 机构信息修改审核 ----------------------------------------------------------------------------------
def test_unit_basic_info_change_is_reviewed_by_its_superior(auth, client, unit):
    org_change.request_basic_change(unit.branch, {"name": "济南示范科技有限公司历下二分公司", "address": "历下区1号"},
                                    unit.admin)
    db.session.commit()
    auth.login(unit.admin)
    page = text(client.get(ORG_CHANGES))
    assert "名称：济南示范科技有限公司历下分公司 → <strong>济南示范科技有限公司历下二分公司</strong>" in page
    req = db.session.scalar(select(ChangeRequest))
    assert "已通过 1 条" in text(act(auth, ORG_CHANGES, "approve", [req.id]))
    branch = fresh(Organization, unit.branch.id)
    assert branch.name == "济南示范科技有限公司历下二分公司" and branch.address == "历下区1号"
    rec = db.session.scalar(select(ReviewRecord).where(ReviewRecord.target_type == "org_change"))
    assert rec.subject_code == unit.branch.uscc
    done = text(client.get("/admin/org_change_done/"))
    assert "济南示范科技有限公司历下分公司" in done and "通过" in done


def test_change_of_superior_is_reviewed_by_the_new_superior_and_moves_the_subtree(auth, client, unit):
    leaf = make_org("分公司下的门店", parent=unit.branch)
    org_change.request_superior_change(unit.branch, unit.other, unit.admin)
    db.session.commit()
    auth.login(unit.admin)  # the old superior does not review it
    assert "济南示范科技有限公司历下分公司" not in text(client.get(ORG_CHANGES))
    auth.logout()
    auth.login(unit.other_admin)
    page = text(client.get(ORG_CHANGES))
    assert "上级部门：济南示范科技有限公司 → <strong>青岛其他制造有限公司</strong>" in page
    req = db.session.scalar(select(ChangeRequest))
    assert "已通过 1 条" in text(act(auth, ORG_CHANGES, "approve", [req.id]))
    db.session.expire_all()
    assert fresh(Organization, unit.branch.id).parent_id == unit.other.id
    ancestors = set(db.session.scalars(select(OrgClosure.ancestor_id).where(OrgClosure.descendant_id == leaf.id)))
    assert unit.other.id in ancestors and unit.employer.id not in ancestors


def test_org_change_reject_needs_reason(auth, client, unit):
    org_change.request_basic_change(unit.branch, {"address": "新地址"}, unit.admin)
    db.session.commit()
    auth.login(unit.admin)
    req = db.session.scalar(select(ChangeRequest))
    assert "驳回时必须填写驳回原因" in text(act(auth, ORG_CHANGES, "reject", [req.id]))
    assert "已驳回 1 条" in text(act(auth, ORG_CHANGES, "reject", [req.id], reason="地址与执照不符"))
    assert fresh(ChangeRequest, req.id).status == "rejected" and fresh(Organization, unit.branch.id).address is None


def test_change_queue_pages_run_a_constant_number_of_queries(auth, client, unit):
    def grow(n, start):
        for i in range(start, start + n):
            dept = make_department(unit.employer, f"部门{i}")
            p = make_person(unit.employer, f"人员{i}", department=dept)
            db.session.add(ChangeRequest(target_type="person", target_id=p.id, org_id=p.org_id, subject_name=p.name,
                                         changes={"department_id": {"before": dept.id, "after": None},
                                                  "education": {"before": "大学本科", "after": "中专"}}))
            o = make_org(f"新单位{i}", parent=unit.employer)
            db.session.add(ChangeRequest(target_type="org", target_id=o.id, org_id=unit.employer.id,
                                         subject_name=o.name,
                                         changes={"parent_id": {"before": unit.employer.id, "after": unit.branch.id}}))
        db.session.commit()

    auth.login(unit.admin)
    grow(5, 0)
    sizes = {}
    for url in (PERSON_CHANGES, ORG_CHANGES):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        sizes[url] = len(statements)
    grow(15, 5)
    for url in (PERSON_CHANGES, ORG_CHANGES):
        with count_queries() as statements:
            page = client.get(url)
        assert text(page).count('name="rowid"') == 20
        assert len(statements) == sizes[url], url
