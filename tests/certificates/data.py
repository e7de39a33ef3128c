"""People who met a year's rule, the way the app gets them there: declared by their unit, then approved."""
from datetime import date

from models import CreditRecord, LearningForm, db
from models.actor import Actor
from models.hours import approval
from models.hours.catalogue import PROFESSIONAL, PUBLIC
from models.hours.records import declare

OPERATOR = Actor(None, "运维", None, None)


def approved(tree, org, people, hours, category, year=2026):
    """Approved online hours of ``category`` for ``people`` (declared by ``org``); the records' ids."""
    actor = Actor(tree.admin.id, "王管理", org.id, org.id)
    form = LearningForm.query.filter_by(code="online").one()
    day = date(year, 3, 1)
    d = declare(form, category, {"platform": "平台", "course": "课程", "hours": hours}, [p.id for p in people],
                declared_by="unit", actor=actor, org=org, title="单位培训", start_date=day, end_date=day)
    db.session.flush()
    ids = [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id).order_by(CreditRecord.person_id)]
    approval.decide_credits(ids, "approved", OPERATOR)
    db.session.commit()
    return ids


def meet(tree, org, people, year=2026, public=32, professional=64):
    """``people`` meet ``year``'s default rule (90, 公需 30, 专业 60); the ids of their professional records."""
    approved(tree, org, people, public, PUBLIC, year)
    return approved(tree, org, people, professional, PROFESSIONAL, year)
