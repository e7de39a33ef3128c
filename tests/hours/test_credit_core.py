"""The core of hours: credit rules, declaring (routing to the reviewer), approval against the yearly cap."""
from datetime import date
from decimal import Decimal

import pytest

from models import AuditEntry, CreditRecord, LearningForm, db
from models.actor import Actor
from models.hours import approval
from models.hours.catalogue import seed_catalogue
from models.hours.records import declare

from ..helpers import make_person


def form(code):
    return LearningForm.query.filter_by(code=code).one()


@pytest.fixture
def catalogue(app):
    seed_catalogue()
    db.session.commit()


def unit_actor(tree, org=None):
    org = org or tree.employer
    return Actor(tree.admin.id, "王管理", org.id, org.id)


def test_credit_rules(catalogue):
    assert form("face_to_face").credit({"days": 3}) == Decimal("24.0")
    assert form("conference").credit({"level": "国家级", "paper": "是"}) == Decimal("18.0")
    assert form("conference").credit({"level": "市级", "paper": "否"}) == Decimal("4.0")
    assert form("book").credit({"role": "参编", "words": 2}) == Decimal("6.0")
    assert form("research").credit({"rank": "第2名", "level": "省级"}) == Decimal("42.0")
    values, errors = form("conference").clean_values({"level": "世界级", "meeting": "", "organizer": "学会"})
    assert set(errors) == {"level", "meeting", "paper"} and values == {"organizer": "学会"}


def test_unit_declaration_goes_to_the_superior_and_person_declaration_to_the_unit(unit, catalogue):
    people = [make_person(unit.employer, f"员工{i}") for i in range(3)]
    d = declare(form("face_to_face"), "专业科目", {"organizer": "省学会", "days": 2}, [p.id for p in people],
                declared_by="unit", actor=unit_actor(unit), org=unit.employer, title="新技术培训",
                start_date=date(2026, 5, 1), end_date=date(2026, 5, 2))
    own = declare(form("conference"), "专业科目", {"level": "省级", "meeting": "年会", "organizer": "学会",
                                                  "paper": "否"}, [people[0].id], declared_by="person",
                  actor=Actor(people[0].account_id, people[0].name, person_id=people[0].id), org=unit.employer,
                  title="年会", start_date=date(2026, 6, 1), end_date=date(2026, 6, 1))
    db.session.commit()
    rows = CreditRecord.query.filter_by(declaration_id=d.id).all()
    assert len(rows) == 3 and {r.review_org_id for r in rows} == {unit.city.id}
    assert {r.hours for r in rows} == {Decimal("16.0")} and rows[0].year == 2026
    assert CreditRecord.query.filter_by(declaration_id=own.id).one().review_org_id == unit.employer.id
    assert AuditEntry.query.filter_by(entity="credit_record", action="create").count() == 4


def test_over_the_record_cap_or_outside_the_form_is_refused(unit, catalogue):
    p = make_person(unit.employer)
    with pytest.raises(ValueError, match="上限"):
        declare(form("face_to_face"), "专业科目", {"organizer": "x", "days": 11}, [p.id], declared_by="unit",
                actor=unit_actor(unit), org=unit.employer, title="t", start_date=date(2026, 1, 1),
                end_date=date(2026, 1, 11))
    with pytest.raises(ValueError, match="不能计入公需科目"):
        declare(form("post_training"), "公需科目", {"organizer": "x", "days": 1}, [p.id], declared_by="unit",
                actor=unit_actor(unit), org=unit.employer, title="t", start_date=date(2026, 1, 1),
                end_date=date(2026, 1, 1))
    with pytest.raises(ValueError, match="不接受个人申报"):
        declare(form("post_training"), "专业科目", {"organizer": "x", "days": 1}, [p.id], declared_by="person",
                actor=unit_actor(unit), org=unit.employer, title="t", start_date=date(2026, 1, 1),
                end_date=date(2026, 1, 1))
    assert CreditRecord.query.count() == 0


def test_approval_clips_at_the_yearly_cap_and_refuses_past_it(unit, catalogue):
    p = make_person(unit.employer)
    conference = form("conference")  # 18 per record, 36 per year
    values = {"level": "国家级", "meeting": "m", "organizer": "o", "paper": "是"}
    ids = []
    for month in (3, 4, 5):
        d = declare(conference, "专业科目", values, [p.id], declared_by="person",
                    actor=Actor(p.account_id, p.name, person_id=p.id), org=unit.employer, title="会",
                    start_date=date(2026, month, 1), end_date=date(2026, month, 1))
        ids += [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id)]
    d = declare(conference, "专业科目", {**values, "level": "市级", "paper": "否"}, [p.id], declared_by="person",
                actor=Actor(p.account_id, p.name, person_id=p.id), org=unit.employer, title="会",
                start_date=date(2026, 6, 1), end_date=date(2026, 6, 1))
    ids += [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id)]
    db.session.commit()
    first = approval.decide_credits(ids[:1], "approved", unit_actor(unit))
    db.session.commit()
    assert first.done == ids[:1]
    rest = approval.decide_credits(ids[1:], "approved", unit_actor(unit))
    db.session.commit()
    got = {r.id: (r.status, r.approved_hours) for r in CreditRecord.query}
    assert got[ids[1]] == ("approved", Decimal("18.0"))
    assert got[ids[2]] == ("pending", None) and got[ids[3]] == ("pending", None)
    assert "已达该学习形式本年度上限（36 学时）" in rest.summary()
    # Another year's cap is its own; a rejection needs its reason.
    with pytest.raises(ValueError):
        approval.decide_credits(ids[2:], "rejected", unit_actor(unit), "")
    assert approval.decide_credits(ids[2:], "rejected", unit_actor(unit), "重复申报").done == ids[2:]


def test_clipping_in_one_batch_and_scope(unit, catalogue):
    a, b = make_person(unit.employer, "甲"), make_person(unit.employer, "乙")
    other = make_person(unit.other, "丙")
    online = form("other")  # 40 per record and year
    recs = []
    for hours in (30, 25):
        d = declare(online, "公需科目", {"description": "d", "hours": hours}, [a.id, b.id], declared_by="unit",
                    actor=unit_actor(unit, unit.city), org=unit.city, title="t", start_date=date(2026, 2, 1),
                    end_date=date(2026, 2, 1))
        recs += [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id).order_by(CreditRecord.id)]
    d = declare(online, "公需科目", {"description": "d", "hours": 10}, [other.id], declared_by="person",
                actor=Actor(other.account_id, other.name, person_id=other.id), org=unit.other, title="t",
                start_date=date(2026, 2, 1), end_date=date(2026, 2, 1))
    foreign = CreditRecord.query.filter_by(declaration_id=d.id).one().id
    db.session.commit()
    province = Actor(1, "省管理员", unit.province.id, unit.province.id)
    out = approval.decide_credits(recs + [foreign], "approved", province)
    db.session.commit()
    hours = {r.id: r.approved_hours for r in CreditRecord.query.filter(CreditRecord.id.in_(recs))}
    assert sorted(hours.values()) == [Decimal("10.0"), Decimal("10.0"), Decimal("30.0"), Decimal("30.0")]
    assert "其中 2 条：甲按该学习形式本年度上限核减为 10 学时" in out.summary() and len(out.done) == 4
    assert "不在管理范围内 1 条" in out.summary()
    # A person's own declaration is its unit's to decide, not the province's, though the unit is in its subtree.
    assert db.session.get(CreditRecord, foreign).status == "pending"


def test_delete_needs_a_reason_and_is_audited(unit, catalogue):
    p = make_person(unit.employer)
    d = declare(form("other"), "公需科目", {"description": "d", "hours": 5}, [p.id], declared_by="person",
                actor=Actor(p.account_id, p.name, person_id=p.id), org=unit.employer, title="t",
                start_date=date(2026, 2, 1), end_date=date(2026, 2, 1))
    rid = CreditRecord.query.filter_by(declaration_id=d.id).one().id
    db.session.commit()
    with pytest.raises(ValueError):
        approval.delete_credits([rid], unit_actor(unit), " ")
    assert approval.delete_credits([rid], unit_actor(unit), "重复录入").done == [rid]
    db.session.commit()
    entry = AuditEntry.query.filter_by(entity="credit_record", action="delete").one()
    assert entry.reason == "重复录入" and entry.changes["hours"]["before"] == "5.0"


def test_records_follow_a_completed_transfer(unit, catalogue):
    from models.transfer import approve_out, confirm_in, start

    p = make_person(unit.employer)
    d = declare(form("other"), "公需科目", {"description": "d", "hours": 5}, [p.id], declared_by="person",
                actor=Actor(p.account_id, p.name, person_id=p.id), org=unit.employer, title="t",
                start_date=date(2026, 2, 1), end_date=date(2026, 2, 1))
    db.session.commit()
    record = CreditRecord.query.filter_by(declaration_id=d.id).one()
    assert (record.org_id, record.review_org_id) == (unit.employer.id, unit.employer.id)
    t = start(p, unit.other, "工作调动", date(2026, 3, 1), unit_actor(unit))
    db.session.commit()
    approve_out(t.id, unit_actor(unit))
    db.session.commit()
    confirm_in(t.id, Actor(unit.other_admin.id, "赵管理", unit.other.id, unit.other.id))
    db.session.commit()
    record = db.session.get(CreditRecord, record.id)
    assert (record.org_id, record.review_org_id) == (unit.other.id, unit.other.id)
    assert AuditEntry.query.filter_by(entity="credit_record", action="transfer").count() == 1
