"""Two admins approving, at the same moment, records of one person that together pass the yearly cap: only the cap
is credited (the second clipped or refused), on SQLite and PostgreSQL alike (see models/hours/approval.py)."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AuditEntry, CreditRecord, db
from models.actor import Actor
from models.hours import approval
from models.hours.catalogue import seed_catalogue

from ..helpers import make_admin, make_person
from ..test_review_races import race
from .credit_data import person_declares, unit_declares


@pytest.fixture
def two_queues(unit):
    """One person's 其他 (40 a year) records waiting at two reviewers: their own declarations at the employer,
    the employer's declarations for them at the city."""
    seed_catalogue()
    db.session.commit()
    person = make_person(unit.employer, "并发学时")
    city_admin = make_admin(unit.city, "市审核员")
    return person, (Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id),
                    Actor(city_admin.id, "市审核员", unit.city.id, unit.city.id))


def credited(person_id):
    db.session.expire_all()
    return db.session.scalar(select(func.coalesce(func.sum(CreditRecord.approved_hours), 0)).where(
        CreditRecord.person_id == person_id, CreditRecord.status == "approved"))


@pytest.mark.parametrize("hours", [(30, 30), (40, 25)])
def test_two_reviewers_at_once_credit_no_more_than_the_cap(app, unit, two_queues, hours):
    person, (employer, city) = two_queues
    own = person_declares(person, unit.employer, hours[0])
    declared = unit_declares(unit, unit.employer, [person], hours[1])[0]
    outcomes = race(app, lambda: approval.decide_credits([own], "approved", employer),
                    lambda: approval.decide_credits([declared], "approved", city))
    assert credited(person.id) == Decimal("40.0")
    records = {r.id: r for r in CreditRecord.query}
    # Whoever came second got what was left: clipped, or refused when nothing was (it then stays pending).
    assert sum(len(o.notes) + len(o.refusals) for o in outcomes) == 1
    approved = AuditEntry.query.filter_by(entity="credit_record", action="approve").count()
    assert approved == sum(1 for r in records.values() if r.status == "approved")


def test_many_records_in_two_batches_at_once(app, unit, two_queues):
    person, (employer, city) = two_queues
    own = [person_declares(person, unit.employer, 6) for _ in range(5)]
    declared = [unit_declares(unit, unit.employer, [person], 6)[0] for _ in range(5)]
    race(app, lambda: approval.decide_credits(own, "approved", employer),
         lambda: approval.decide_credits(declared, "approved", city))
    assert credited(person.id) == Decimal("40.0")
    rows = CreditRecord.query.filter_by(person_id=person.id).all()
    assert sorted(r.status for r in rows).count("approved") == 7  # 6 × 6 + 4, the rest left pending
    assert sum(1 for r in rows if r.status == "approved" and r.approved_hours < r.hours) == 1
