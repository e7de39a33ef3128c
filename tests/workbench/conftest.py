"""The operator of the platform, logged in (运维工作台 is theirs alone), persons with chosen keys, and 李四 with
something in every section of the person 360° page."""
from datetime import date, timedelta

import pytest

from models import Account, CreditRecord, HoursRule, Person, db, now
from models import transfer as tr
from models.actor import Actor
from models.certificates.issue import issue
from models.change_requests import submit_person_change
from models.hours import approval
from models.hours.catalogue import PROFESSIONAL, PUBLIC, seed_catalogue
from models.hours.records import declare
from models.validators import birth_date_of, gender_of

from ..helpers import make_account, make_admin, make_department, make_person, make_role
from ..hours.credit_data import form


@pytest.fixture
def operator(auth):
    account = make_account("客服小周", is_operator=True)
    auth.login(account, user_type="operator")
    return account


def person_with(org, name, id_number, phone, status="approved", **kw):
    """A person whose 身份证号 and 手机号 the test chooses (helpers.make_person draws its own)."""
    account = make_account(name, id_number=id_number, phone=phone)
    person = Person(account_id=account.id, org_id=org.id, name=name, id_number=id_number, status=status,
                    gender=gender_of(id_number), birth_date=birth_date_of(id_number),
                    **{"title_series": "工程技术", "title_level": "中级", "education": "大学本科", **kw})
    db.session.add(person)
    db.session.commit()
    return person


OPERATOR = Actor(None, "运维", None, None)
YEAR = 2025


def give(people, hours, category, org, approve=True, year=YEAR):
    actor = Actor(None, "单位管理员", org.id, org.id)
    day = date(year, 3, 1)
    d = declare(form("online"), category, {"platform": "平台", "course": "课程", "hours": hours},
                [p.id for p in people], declared_by="unit", actor=actor, org=org, title="网络培训",
                start_date=day, end_date=day)
    ids = [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id)]
    if approve:
        approval.decide_credits(ids, "approved", OPERATOR)
    db.session.commit()
    return ids


@pytest.fixture
def li(unit):
    """李四 of the employer (a department, an admin membership elsewhere, hours of every state, a certificate, a
    change request, a transfer), and his account locked from wrong passwords."""
    seed_catalogue()
    db.session.add(HoursRule(year=YEAR, total=90, minimums={PUBLIC: 30, PROFESSIONAL: 60}))
    db.session.commit()
    dept = make_department(unit.employer, "心血管内科")
    person = make_person(unit.employer, "李四", department=dept)
    make_admin(unit.branch, account=person.account, is_super=False, role=make_role(unit.branch, "学时审核员"))
    give([person], 30, PUBLIC, unit.employer)
    give([person], 60, PROFESSIONAL, unit.employer)
    give([person], 5, PROFESSIONAL, unit.employer, approve=False)
    issue(YEAR, [person.id], "运维")
    submit_person_change(db.session.get(Person, person.id), {"title_level": "副高级"}, person.account_id)
    tr.start(db.session.get(Person, person.id), unit.other, "工作调动", now().date(),
             Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id))
    account = db.session.get(Account, person.account_id)
    account.locked_until = now() + timedelta(minutes=15)
    account.last_login_at = now() - timedelta(days=2)
    db.session.commit()
    return db.session.get(Person, person.id)
