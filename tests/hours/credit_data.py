"""Records to review and list: declared through models/hours/records.declare, as the declaration pages file them."""
from datetime import date

from models import CreditRecord, LearningForm, db
from models.actor import Actor
from models.hours.records import declare

OTHER = {"description": "线上课程", "hours": 10}  # 其他: hours as declared, 40 a record and a year


def form(code):
    return LearningForm.query.filter_by(code=code).one()


def unit_declares(tree, org, people, hours=10, code="other", values=None, title="单位培训", day=date(2026, 3, 1)):
    """``org`` declares ``hours`` of form ``code`` for ``people``; their records' ids, in person order."""
    actor = Actor(tree.admin.id, "王管理", org.id, org.id)
    values = values if values is not None else {**OTHER, "hours": hours}
    d = declare(form(code), "公需科目", values, [p.id for p in people], declared_by="unit", actor=actor, org=org,
                title=title, start_date=day, end_date=day)
    db.session.commit()
    return [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id).order_by(CreditRecord.person_id)]


def person_declares(person, org, hours=10, day=date(2026, 4, 1)):
    actor = Actor(person.account_id, person.name, person_id=person.id)
    d = declare(form("other"), "公需科目", {**OTHER, "hours": hours}, [person.id], declared_by="person", actor=actor,
                org=org, title="个人学习", start_date=day, end_date=day)
    db.session.commit()
    return CreditRecord.query.filter_by(declaration_id=d.id).one().id


def base_declares(base, admin, person, hours=8, day=date(2026, 5, 1)):
    actor = Actor(admin.id, "基地管理员", base.id, base.id)
    d = declare(form("other"), "公需科目", {**OTHER, "hours": hours}, [person.id], declared_by="base", actor=actor,
                org=base, title="基地培训班", start_date=day, end_date=day)
    db.session.commit()
    return CreditRecord.query.filter_by(declaration_id=d.id).one().id
