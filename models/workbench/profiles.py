"""What the operator's 360° pages read (F32): one person, one unit or one account with everything around it.

Each section is one indexed read bounded by a LIMIT (or a capped count), so a page costs the same for a person
with five records as for one with five thousand, and for a unit of ten people as for the province's root.
"""
from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import joinedload

from .. import permissions, queues
from ..account import Account
from ..admin import AdminMembership
from ..base import db
from ..certificates import Certificate
from ..change_requests import ORG, describe_many, person_requests
from ..hours.records import STATUSES as RECORD_STATUSES, CreditRecord
from ..hours.totals import PersonYearHours
from ..org import Organization
from ..person import Person
from ..review_records import ChangeRequest
from ..transfer import transfers_of_person

LATEST = 20
COUNT_CAP = 10_000


@dataclass
class Count:
    """A count that stops at COUNT_CAP: "10,000+" reads no more rows than that."""

    value: int

    def __str__(self):
        return f"{COUNT_CAP:,}+" if self.value > COUNT_CAP else str(self.value)

    __html__ = __str__


def capped_count(query) -> Count:
    rows = query.with_only_columns(literal_column("1")).limit(COUNT_CAP + 1).subquery()
    return Count(db.session.scalar(select(func.count()).select_from(rows)))


def find_person(person_id) -> Person | None:
    return db.session.scalar(select(Person).where(Person.id == person_id).options(
        joinedload(Person.account), joinedload(Person.org), joinedload(Person.department)))


def memberships_of(account_id) -> list[AdminMembership]:
    return db.session.scalars(select(AdminMembership).where(AdminMembership.account_id == account_id)
                              .order_by(AdminMembership.id)).unique().all()


def person_profile(person: Person) -> dict:
    counts = dict(db.session.execute(
        select(CreditRecord.status, func.count()).where(CreditRecord.person_id == person.id)
        .group_by(CreditRecord.status)).all())
    records = db.session.scalars(
        select(CreditRecord).where(CreditRecord.person_id == person.id).options(joinedload(CreditRecord.form))
        .order_by(CreditRecord.id.desc()).limit(LATEST)).all()
    requests = person_requests(person, LATEST)
    return {
        "memberships": memberships_of(person.account_id),
        "requests": requests,
        "described": describe_many(requests),
        "transfers": transfers_of_person(person.id, LATEST),
        "record_counts": [(label, counts.get(status, 0)) for status, label in RECORD_STATUSES.items()],
        "record_total": sum(counts.values()),
        "records": records,
        "years": db.session.scalars(select(PersonYearHours).where(PersonYearHours.person_id == person.id)
                                    .order_by(PersonYearHours.year.desc()).limit(LATEST)).all(),
        "certificates": db.session.scalars(select(Certificate).where(Certificate.person_id == person.id)
                                           .order_by(Certificate.year.desc()).limit(LATEST)).all(),
    }


def unit_profile(org: Organization) -> dict:
    children = select(Organization).where(Organization.parent_id == org.id)
    staff = select(Person).where(Person.org_id == org.id)
    waiting = queues.queues_for(permissions.ALL, org.kind)
    requests = db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.target_type == ORG, ChangeRequest.target_id == org.id)
        .order_by(ChangeRequest.id.desc()).limit(LATEST)).all()
    return {
        "admins": db.session.scalars(select(AdminMembership).where(AdminMembership.org_id == org.id)
                                     .order_by(AdminMembership.is_super.desc(), AdminMembership.id)
                                     .limit(LATEST)).unique().all(),
        "children": db.session.scalars(children.order_by(Organization.name).limit(LATEST)).all(),
        "child_count": capped_count(children),
        "staff_approved": capped_count(staff.where(Person.status == "approved")),
        "staff_pending": capped_count(staff.where(Person.status == "pending")),
        "staff_disabled": capped_count(staff.where(Person.status == "disabled")),
        # The unit's own 待办事项 as its admins see them (its subtree), one statement for all queues.
        "queues": [(q.label, queues.shown(n)) for q, n in
                   zip(waiting, queues.count_all(waiting, org.id).values())],
        "requests": requests,
        "described": describe_many(requests),
    }


def account_profile(account: Account) -> dict:
    return {
        "memberships": memberships_of(account.id),
        "person": db.session.scalar(select(Person).where(Person.account_id == account.id)),
    }
