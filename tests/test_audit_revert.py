"""撤回 (F31): preview per record and field, changed-since skipped, one audited request, no double revert."""
import uuid
from contextlib import contextmanager
from decimal import Decimal

from flask import current_app, g
from sqlalchemy import func, select

from models import AuditEntry, CreditRecord, Organization, Person, db
from models.actor import Actor
from models.hours import approval
from models.hours.catalogue import seed_catalogue
from models.hours.totals import PersonYearHours
from tests.conftest import Auth
from tests.helpers import audit_count, csrf_token, make_account, make_person
from tests.hours.credit_data import unit_declares

OPERATOR = Actor(None, "运维", None, None)


@contextmanager
def as_request(name="客服小周"):
    """A write made by one request of its own (its own request id), as a page would."""
    rid = uuid.uuid4().hex
    with current_app.test_request_context("/admin/"):
        g.request_id, g.actor = rid, {"id": None, "name": name, "org_id": None, "org_name": None, "role": "平台运维"}
        yield rid
        db.session.commit()


def operator(client):
    auth = Auth(client)
    auth.login(make_account("客服小周", is_operator=True), user_type="operator")
    return auth


def revert(auth, rid, reason="误操作，恢复原值"):
    url = f"/admin/audit/revert/{rid}"
    return auth.post(url, {"reason": reason})


def test_preview_and_apply_restore_person_and_org_fields(client, unit):
    person = make_person(unit.employer, "撤回人", major="临床医学")
    with as_request() as rid:
        person = db.session.get(Person, person.id)
        org = db.session.get(Organization, unit.employer.id)
        assert person.major == "临床医学" and org.address is None
        person.major, person.admin_post, org.address = "护理学", "科长", "历下区1号"
    auth = operator(client)
    page = client.get(f"/admin/audit/revert/{rid}").get_data(as_text=True)
    assert "将恢复（3 项）" in page and "护理学" in page and "临床医学" in page and "单位地址" in page
    before = audit_count()
    assert db.session.get(Person, person.id).major == "护理学"  # the preview changed nothing
    assert audit_count() == before
    response = revert(auth, rid)
    assert response.status_code == 302
    db.session.expire_all()
    person, org = db.session.get(Person, person.id), db.session.get(Organization, unit.employer.id)
    assert (person.major, person.admin_post, org.address) == ("临床医学", None, None)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "revert")).all()
    assert len({e.request_id for e in entries}) == 1 and {e.reason for e in entries} == {"误操作，恢复原值"}
    assert {e.entity for e in entries} == {"person", "organization", "audit_request"}
    marker = next(e for e in entries if e.entity == "audit_request")
    assert marker.entity_id == rid and marker.changes["reverted_request"] == rid
    # double revert refused, nothing written
    before = audit_count()
    again = client.get(f"/admin/audit/revert/{rid}").get_data(as_text=True)
    assert "不能重复撤回" in again and "revert-form" not in again
    response = revert(auth, rid)
    assert "不能重复撤回" in client.get(response.headers.get("Location", "/admin/")).get_data(as_text=True) \
        or "不能重复撤回" in response.get_data(as_text=True)
    assert audit_count() == before


def test_reason_required_next_to_the_field(client, unit):
    person = make_person(unit.employer, "原因人", major="甲")
    with as_request() as rid:
        p = db.session.get(Person, person.id)
        assert p.major == "甲"
        p.major = "乙"
    auth = operator(client)
    before = audit_count()
    page = revert(auth, rid, reason="  ").get_data(as_text=True)
    assert 'id="reason-error">请填写撤回原因' in page
    assert audit_count() == before and db.session.get(Person, person.id).major == "乙"


def test_changed_since_is_listed_and_skipped(client, unit):
    person = make_person(unit.employer, "后改人", major="甲", admin_post="无")
    with as_request() as rid:
        p = db.session.get(Person, person.id)
        assert (p.major, p.admin_post) == ("甲", "无")
        p.major, p.admin_post = "乙", "科长"
    with as_request("另一人"):
        p = db.session.get(Person, person.id)
        assert p.major == "乙"
        p.major = "丙"  # changed again since: must survive the revert
    auth = operator(client)
    page = client.get(f"/admin/audit/revert/{rid}").get_data(as_text=True)
    assert "此后已被再次修改，将跳过（1 项）" in page and "将恢复（1 项）" in page
    revert(auth, rid)
    db.session.expire_all()
    p = db.session.get(Person, person.id)
    assert (p.major, p.admin_post) == ("丙", "无")


def test_masked_and_not_revertible_are_said_not_done(client, unit):
    account = make_account("密码人")
    with as_request() as rid:
        a = db.session.get(type(account), account.id)
        assert not a.disabled
        a.set_password("Another99x")
        a.disabled = True
        make_person(unit.employer, "新建人")  # a create in the same request
    auth = operator(client)
    page = client.get(f"/admin/audit/revert/{rid}").get_data(as_text=True)
    assert "不能撤回" in page and "新增的记录不能撤回" in page and "保密字段不能撤回" in page
    assert "***" not in page
    revert(auth, rid)
    db.session.expire_all()
    a = db.session.get(type(account), account.id)
    assert a.disabled is False and a.check_password("Another99x")  # the password stays: masked, never restored
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.name == "新建人")) == 1


def test_credit_decisions_back_to_pending_keep_totals(client, unit, tmp_path):
    current_app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "attachments")
    seed_catalogue()
    db.session.commit()
    people = [make_person(unit.employer, f"学时{i}") for i in range(3)]
    ids = unit_declares(unit, unit.employer, people, hours=10)
    with as_request() as rid:
        approval.decide_credits(ids, "approved", OPERATOR)
    assert db.session.scalar(select(func.sum(PersonYearHours.total_hours))) == Decimal(30)
    # one of them is touched again since by another request: it keeps its decision
    with as_request("另一人"):
        r = db.session.get(CreditRecord, ids[0])
        assert r.reject_reason is None
        r.reject_reason = "复核备注"
    auth = operator(client)
    page = client.get(f"/admin/audit/revert/{rid}").get_data(as_text=True)
    assert "将恢复（2 项）" in page and "将跳过（1 项）" in page
    assert revert(auth, rid).status_code == 302
    db.session.expire_all()
    statuses = dict(db.session.execute(select(CreditRecord.id, CreditRecord.status)).all())
    assert statuses == {ids[0]: "approved", ids[1]: "pending", ids[2]: "pending"}
    # 学时汇总 equals an independent sum of approved hours
    expected = db.session.scalar(select(func.coalesce(func.sum(CreditRecord.approved_hours), 0))
                                 .where(CreditRecord.status == "approved"))
    assert db.session.scalar(select(func.sum(PersonYearHours.total_hours))) == expected == Decimal(10)
    assert db.session.get(CreditRecord, ids[1]).approved_hours is None


def test_employer_admin_and_anonymous_refused(client, unit):
    person = make_person(unit.employer, "权限人", major="甲")
    with as_request() as rid:
        p = db.session.get(Person, person.id)
        assert p.major == "甲"
        p.major = "乙"
    assert client.get(f"/admin/audit/revert/{rid}").status_code in (302, 403)
    Auth(client).login(unit.admin)
    before = audit_count()
    assert client.get(f"/admin/audit/revert/{rid}").status_code == 403
    page = client.get("/admin/")
    response = client.post(f"/admin/audit/revert/{rid}", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "reason": "试图撤回"})
    assert response.status_code == 403
    assert audit_count() == before and db.session.get(Person, person.id).major == "乙"


def test_unknown_request_is_404(client, unit):
    operator(client)
    assert client.get("/admin/audit/revert/" + "0" * 32).status_code == 404
    assert client.get("/admin/audit/requests/request/" + "0" * 32).status_code == 404


def test_a_restored_value_taken_since_is_refused_whole(client, unit):
    taken = unit.employer.uscc
    with as_request() as rid:
        org = db.session.get(Organization, unit.employer.id)
        org.uscc, org.address = "91370100MA3CXXXX1X", "新地址"
    with as_request("另一人"):
        other = db.session.get(Organization, unit.other.id)
        assert other.uscc != taken
        other.uscc = taken  # the value the revert would restore now belongs to another unit
    auth = operator(client)
    before = audit_count()
    response = revert(auth, rid)
    page = client.get(response.headers["Location"]).get_data(as_text=True) if response.status_code == 302 \
        else response.get_data(as_text=True)
    assert "已被其他记录使用" in page
    assert audit_count() == before
    db.session.expire_all()
    assert db.session.get(Organization, unit.employer.id).address == "新地址"


def test_two_reverts_at_once_apply_once(app, unit):
    from models.audit_revert import RevertRefused, apply
    from tests.helpers import in_threads
    import threading
    person = make_person(unit.employer, "并发人", major="甲")
    with as_request() as rid:
        p = db.session.get(Person, person.id)
        assert p.major == "甲"
        p.major = "乙"
    barrier, outcomes = threading.Barrier(2), []

    def click(name):
        def run():
            with app.app_context(), app.test_request_context("/admin/"):
                g.request_id = uuid.uuid4().hex
                g.actor = {"id": None, "name": name, "org_id": None, "org_name": None, "role": "平台运维"}
                try:
                    barrier.wait(10)
                    apply(rid, "并发撤回")
                    db.session.commit()
                    outcomes.append("done")
                except RevertRefused as e:
                    db.session.rollback()
                    outcomes.append(str(e))
                finally:
                    db.session.remove()
        return run

    in_threads([click("甲"), click("乙")])
    assert sorted(outcomes) == ["done", "该请求已撤回过，不能重复撤回"]
    db.session.expire_all()
    assert db.session.get(Person, person.id).major == "甲"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "revert", AuditEntry.entity == "person")) == 1


def test_service_operator_reads_the_log_but_may_not_revert(client, unit):
    person = make_person(unit.employer, "客服看", major="甲")
    with as_request() as rid:
        p = db.session.get(Person, person.id)
        assert p.major == "甲"
        p.major = "乙"
    Auth(client).login(make_account("客服小李", is_operator=True, operator_role="service"), user_type="operator")
    page = client.get(f"/admin/audit/requests/request/{rid}")
    assert page.status_code == 200 and 'id="revert-link"' not in page.get_data(as_text=True)
    assert client.get(f"/admin/audit/revert/{rid}").status_code == 403
    before = audit_count()
    response = client.post(f"/admin/audit/revert/{rid}", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "reason": "客服试图撤回"})
    assert response.status_code == 403
    assert audit_count() == before and db.session.get(Person, person.id).major == "乙"
