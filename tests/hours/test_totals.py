"""学时汇总 (person_year_hours): every path that changes approved hours keeps it equal to a fresh GROUP BY."""
import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import CreditRecord, HoursRule, LearningForm, Person, db
from models.actor import Actor
from models.hours import approval, plans
from models.hours.catalogue import PROFESSIONAL, PUBLIC
from models.hours.completion import year_summary
from models.hours.records import declare, follow_transfer
from models.hours.totals import PersonYearHours, rebuild, refresh

from ..helpers import make_person
from ..querycount import count_queries
from .test_plans import declared, filed, tree  # noqa: F401  (the plan fixtures)

OPERATOR = Actor(None, "运维", None, None)


def form(code):
    return LearningForm.query.filter_by(code=code).one()


def unit_declares(tree, people, hours, category=PUBLIC, code="online", day=date(2026, 3, 1)):
    actor = Actor(tree.admin.id, "王管理", tree.employer.id, tree.employer.id)
    values = ({"platform": "平台", "course": "课程", "hours": hours} if code == "online"
              else {"description": "线上课程", "hours": hours})
    d = declare(form(code), category, values, [p.id for p in people], declared_by="unit", actor=actor,
                org=tree.employer, title="单位培训", start_date=day, end_date=day)
    db.session.commit()
    return [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id).order_by(CreditRecord.person_id)]


def table_rows():
    db.session.expire_all()
    return {(r.person_id, r.year): (r.org_id, Decimal(r.public_hours), Decimal(r.professional_hours),
                                    Decimal(r.other_hours), Decimal(r.total_hours), bool(r.met))
            for r in PersonYearHours.query.all()}


def expected_rows():
    """Computed here from the records and the rules, independently of models/hours/totals.py."""
    db.session.expire_all()
    sums = {}
    for r in CreditRecord.query.filter_by(status="approved").all():
        s = sums.setdefault((r.person_id, r.year), {})
        s[r.category] = s.get(r.category, Decimal(0)) + Decimal(r.approved_hours)
    out = {}
    for (person_id, year), by_cat in sums.items():
        rule = db.session.scalar(select(HoursRule).where(HoursRule.year == year))
        total_need = Decimal(rule.total) if rule else Decimal(90)
        minimums = (rule.minimums if rule else {PUBLIC: 30, PROFESSIONAL: 60})
        total = sum(by_cat.values(), Decimal(0))
        met = total >= total_need and all(by_cat.get(k, Decimal(0)) >= Decimal(str(v)) for k, v in minimums.items())
        pub, prof = by_cat.get(PUBLIC, Decimal(0)), by_cat.get(PROFESSIONAL, Decimal(0))
        out[(person_id, year)] = (db.session.get(Person, person_id).org_id, pub, prof, total - pub - prof, total, met)
    return out


def test_approve_reject_delete_keep_the_row(tree):
    a, b = make_person(tree.employer, "甲"), make_person(tree.employer, "乙")
    assert table_rows() == {}
    ids = unit_declares(tree, [a, b], 30)
    assert table_rows() == {}  # pending hours count for nothing
    approval.decide_credits(ids[:1], "approved", OPERATOR)
    db.session.commit()
    assert table_rows() == {(a.id, 2026): (tree.employer.id, Decimal(30), Decimal(0), Decimal(0), Decimal(30),
                                           False)}
    more = unit_declares(tree, [a], 60, PROFESSIONAL)
    approval.decide_credits(more, "approved", OPERATOR)
    approval.decide_credits(ids[1:], "rejected", OPERATOR, "材料不全")
    db.session.commit()
    assert table_rows() == expected_rows()
    assert table_rows()[(a.id, 2026)][-1] is True and (b.id, 2026) not in table_rows()
    summary = year_summary(a.id, 2026)
    assert summary["met"] and summary["total"] == Decimal(90)
    assert [(n, h) for n, h, _ in summary["rows"]] == [(PUBLIC, Decimal(30)), (PROFESSIONAL, Decimal(60))]
    approval.delete_credits(more, OPERATOR, "重复申报")
    db.session.commit()
    assert table_rows()[(a.id, 2026)] == (tree.employer.id, Decimal(30), Decimal(0), Decimal(0), Decimal(30), False)
    approval.delete_credits(ids[:1], OPERATOR, "重复申报")
    db.session.commit()
    assert table_rows() == {}
    assert year_summary(a.id, 2026)["met"] is False and year_summary(a.id, 2026)["total"] == 0


def test_one_bulk_approve_over_two_years_adds_to_existing_rows_and_decides_met_per_year(tree):
    """Approving adds the approved records' hours to the rows (an upsert): rows that exist grow, new ones appear,
    ``met`` follows each year's rule; a year whose rule needs another 计入科目 is recomputed from all records."""
    a, b = make_person(tree.employer, "甲"), make_person(tree.employer, "乙")
    approval.decide_credits(unit_declares(tree, [a], 20, day=date(2025, 5, 1)), "approved", OPERATOR)
    db.session.commit()
    rule = HoursRule.for_year(2025)
    rule.total, rule.minimums = Decimal(30), {PUBLIC: 30}
    db.session.add(rule)
    db.session.commit()
    ids = (unit_declares(tree, [a, b], 10, day=date(2025, 6, 1)) + unit_declares(tree, [a, b], 30)
           + unit_declares(tree, [a], 60, PROFESSIONAL))
    approval.decide_credits(ids, "approved", OPERATOR)
    db.session.commit()
    rows = table_rows()
    assert rows == expected_rows()
    assert rows[(a.id, 2025)][4] == Decimal(30) and rows[(a.id, 2025)][-1] is True  # 20 before + 10 now
    assert rows[(b.id, 2025)][-1] is False and rows[(a.id, 2026)][-1] is True and rows[(b.id, 2026)][-1] is False
    rule.minimums = {PUBLIC: 10, "个人选修": 1}
    db.session.commit()
    more = unit_declares(tree, [b], 30, day=date(2025, 7, 1)) + unit_declares(tree, [b], 30, PROFESSIONAL)
    approval.decide_credits(more, "approved", OPERATOR)
    db.session.commit()
    assert table_rows() == expected_rows()


def test_a_clipped_record_counts_its_credited_hours(tree):
    a = make_person(tree.employer, "甲")
    ids = unit_declares(tree, [a], 30, code="other") + unit_declares(tree, [a], 30, code="other")
    approval.decide_credits(ids, "approved", OPERATOR)  # 其他: 40 a year
    db.session.commit()
    assert table_rows()[(a.id, 2026)][4] == Decimal(40) == expected_rows()[(a.id, 2026)][4]


def test_a_rule_edit_decides_met_again_for_its_year(tree):
    a = make_person(tree.employer, "甲")
    approval.decide_credits(unit_declares(tree, [a], 30), "approved", OPERATOR)
    db.session.commit()
    assert table_rows()[(a.id, 2026)][-1] is False
    rule = HoursRule.for_year(2026)
    rule.total, rule.minimums = Decimal(30), {PUBLIC: 30}
    db.session.add(rule)
    db.session.commit()
    assert table_rows()[(a.id, 2026)][-1] is True and year_summary(a.id, 2026)["met"]
    rule.minimums = {PUBLIC: 30, "个人选修": 5}  # another 计入科目: recomputed from the records
    db.session.commit()
    assert table_rows()[(a.id, 2026)][-1] is False and table_rows() == expected_rows()


def test_the_rule_page_refreshes_the_year(tree, client):
    from ..conftest import Auth
    from ..helpers import make_account

    a = make_person(tree.employer, "甲")
    approval.decide_credits(unit_declares(tree, [a], 30), "approved", OPERATOR)
    db.session.commit()
    assert table_rows()[(a.id, 2026)][-1] is False
    Auth(client).login(make_account("客服小周", is_operator=True), user_type="operator")
    rule = HoursRule.query.filter_by(year=2026).first()
    data = {"year": "2026", "total": "30", "minimums-0-category": PUBLIC, "minimums-0-minimum": "30",
            "minimums-1-category": "", "minimums-1-minimum": "", "note": ""}
    url = f"/admin/hours/rules/edit/?id={rule.id}" if rule else "/admin/hours/rules/new/"
    r = Auth(client).post(url, data, follow_redirects=False)
    assert r.status_code == 302, r.get_data(as_text=True)
    assert table_rows()[(a.id, 2026)][-1] is True and table_rows() == expected_rows()


def test_a_transfer_moves_the_rows(tree):
    a = make_person(tree.employer, "甲")
    approval.decide_credits(unit_declares(tree, [a], 30), "approved", OPERATOR)
    db.session.commit()
    person = db.session.get(Person, a.id)
    person.org_id = tree.branch.id
    follow_transfer(a.id, tree.branch.id)
    db.session.commit()
    assert table_rows()[(a.id, 2026)][0] == tree.branch.id


def test_plan_hours_approval_fills_the_rows(tree):  # noqa: F811
    people = [make_person(tree.employer, f"学员{i}") for i in range(3)]
    plan = declared(tree, filed(tree), people)
    plans.decide_plan_hours(plan.id, "approved", tree.city_actor)
    db.session.commit()
    rows = table_rows()
    assert set(rows) == {(p.id, plan.end_date.year) for p in people} and rows == expected_rows()


def test_rebuild_and_refresh_of_a_select(tree):
    a, b = make_person(tree.employer, "甲"), make_person(tree.employer, "乙")
    approval.decide_credits(unit_declares(tree, [a, b], 30), "approved", OPERATOR)
    db.session.commit()
    before = table_rows()
    db.session.execute(PersonYearHours.__table__.delete())
    rebuild()
    db.session.commit()
    assert table_rows() == before == expected_rows()
    db.session.execute(PersonYearHours.__table__.delete())
    c = CreditRecord.__table__.c
    refresh(select(c.person_id, c.year).where(c.person_id == a.id).distinct())
    db.session.commit()
    assert set(table_rows()) == {(a.id, 2026)}


def test_bulk_approve_query_count_does_not_grow_with_the_batch(tree):
    people = [make_person(tree.employer, f"员工{i}") for i in range(12)]
    small = unit_declares(tree, people[:2], 10)
    large = unit_declares(tree, people[2:], 10)
    counts = []
    for ids in (small, large):
        with count_queries() as statements:
            approval.decide_credits(ids, "approved", OPERATOR)
            db.session.commit()
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert table_rows() == expected_rows()


def test_random_operations_keep_the_table_equal_to_a_fresh_group_by(tree):  # noqa: F811
    rnd = random.Random(11)
    people = [make_person(tree.employer, f"员工{i}") for i in range(8)]
    orgs = [tree.employer.id, tree.branch.id]
    for step in range(200):
        op = rnd.choice(["declare", "declare", "approve", "approve", "reject", "delete", "transfer", "rule", "plan"])
        c = CreditRecord.__table__.c
        pending = db.session.scalars(select(c.id).where(c.status == "pending", c.plan_id.is_(None))).all()
        if op == "declare":
            who = rnd.sample(people, rnd.randint(1, 4))
            unit_declares(tree, who, rnd.choice([5, 10, 20, 30]), rnd.choice([PUBLIC, PROFESSIONAL]),
                          code=rnd.choice(["online", "other"]), day=date(rnd.choice([2025, 2026]), 3, 1))
        elif op == "approve" and pending:
            approval.decide_credits(rnd.sample(pending, rnd.randint(1, len(pending))), "approved", OPERATOR)
        elif op == "reject" and pending:
            approval.decide_credits(rnd.sample(pending, 1), "rejected", OPERATOR, "不符合要求")
        elif op == "delete":
            every = db.session.scalars(select(c.id).where(c.plan_id.is_(None))).all()
            if every:
                approval.delete_credits(rnd.sample(every, 1), OPERATOR, "测试删除")
        elif op == "transfer":
            person = db.session.get(Person, rnd.choice(people).id)
            person.org_id = rnd.choice([o for o in orgs if o != person.org_id])
            follow_transfer(person.id, person.org_id)
        elif op == "rule":
            rule = HoursRule.for_year(rnd.choice([2025, 2026]))
            rule.total = Decimal(rnd.choice([30, 40, 90]))
            rule.minimums = rnd.choice([{PUBLIC: 10}, {PUBLIC: 10, PROFESSIONAL: 20}, {}, {PUBLIC: 5, "个人选修": 1}])
            db.session.add(rule)
        elif op == "plan" and step % 40 == 0:
            plan = declared(tree, filed(tree), rnd.sample([p for p in people
                                                           if db.session.get(Person, p.id).org_id == tree.employer.id]
                                                          or people[:1], 1))
            plans.decide_plan_hours(plan.id, "approved", tree.city_actor)
        db.session.commit()
        if step % 20 == 19:
            assert table_rows() == expected_rows(), f"step {step} ({op})"
    assert table_rows() == expected_rows()
    assert len(table_rows()) > 5


def test_the_migration_fills_the_table_from_the_records(tree):
    from alembic import command

    from cli import alembic_config

    a, b = make_person(tree.employer, "甲"), make_person(tree.employer, "乙")
    approval.decide_credits(unit_declares(tree, [a, b], 30) + unit_declares(tree, [a], 60, PROFESSIONAL)
                            + unit_declares(tree, [b], 10, day=date(2025, 5, 1)), "approved", OPERATOR)
    rule = HoursRule.for_year(2025)
    rule.total, rule.minimums = Decimal(10), {PUBLIC: 10}
    db.session.add(rule)
    db.session.commit()
    want = expected_rows()
    assert table_rows() == want and want[(b.id, 2025)][-1] is True and want[(a.id, 2026)][-1] is True
    db.session.remove()
    with db.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "e2b3c4d5f6a7-1")
        command.upgrade(cfg, "head")
    assert table_rows() == want
