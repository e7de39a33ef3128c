"""Who may be printed a certificate: the approved persons whose year is met in 学时汇总, inside a unit's subtree.

One SELECT for the page, its capped count and "print all matching": the (year, met) and (org_id, year, met)
indexes of person_year_hours answer it, the certificate is a LEFT JOIN on its (person_id, year) key.
"""
import re
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, literal, select

from ..base import db, starts_with
from ..hours.totals import PersonYearHours
from ..org import Organization, subtree_ids
from ..person import Person
from .issue import Certificate

STATUSES = {"issued": "已发放", "none": "未发放"}
ID_PREFIX = re.compile(r"[0-9]{1,17}[0-9Xx]?")


@dataclass(frozen=True)
class Filters:
    year: int
    org_id: int | None  # None: the whole province (the operator only; views pass the picked, scoped unit)
    prefix: str = ""    # a name or ID-number prefix
    status: str = ""    # "" | issued | none


def _where(f: Filters, query):
    h = PersonYearHours.__table__.c
    query = query.where(h.year == f.year, h.met, Person.status == "approved")
    if f.org_id is not None:
        query = query.where(h.org_id.in_(subtree_ids(f.org_id)))
    prefix = f.prefix.strip()
    if prefix:
        column = Person.id_number if ID_PREFIX.fullmatch(prefix) else Person.name
        query = query.where(starts_with(column, prefix.upper() if column is Person.id_number else prefix))
    # EXISTS, not the LEFT JOIN's IS NULL: PostgreSQL estimated that filter at one row and so walked every met
    # person of a province (870 ms) to find a page of 未发放; as an anti-join it reads the page's worth.
    c = Certificate.__table__.alias("held").c  # not the page's own LEFT JOIN of it
    held = exists().where(c.person_id == h.person_id, c.year == h.year)
    if f.status == "issued":
        query = query.where(held)
    elif f.status == "none":
        query = query.where(~held)
    return query


def _joined(*columns):
    h = PersonYearHours.__table__.c
    return (select(*columns).select_from(PersonYearHours.__table__)
            .join(Person, Person.id == h.person_id)
            .outerjoin(Certificate, and_(Certificate.person_id == h.person_id, Certificate.year == h.year)))


def page_rows(f: Filters, page: int, page_size: int):
    """One page, in person order: rows with person_id, name, id_number, unit, the hours, number, issued_at."""
    h = PersonYearHours.__table__.c
    query = _joined(h.person_id, Person.name, Person.id_number, Organization.name.label("unit"), h.public_hours,
                    h.professional_hours, h.other_hours, h.total_hours, Certificate.number, Certificate.issued_at
                    ).join(Organization, Organization.id == h.org_id)
    return db.session.execute(_where(f, query).order_by(h.person_id).offset(page * page_size).limit(page_size)).all()


def capped_count(f: Filters, cap: int) -> int:
    """How many match, counting no further than ``cap`` + 1."""
    rows = _where(f, _joined(literal(1))).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(rows))


def matching_ids(f: Filters, limit: int) -> list[int]:
    """Person ids of every match in person order, at most ``limit`` + 1 (one more says "too many")."""
    h = PersonYearHours.__table__.c
    return list(db.session.scalars(_where(f, _joined(h.person_id)).order_by(h.person_id).limit(limit + 1)))


def among(f: Filters, person_ids) -> list[int]:
    """Those of ``person_ids`` that match (the selected rows, checked again), in person order."""
    from ..bulk import in_ids

    h = PersonYearHours.__table__.c
    ids = sorted({int(i) for i in person_ids})
    if not ids:
        return []
    return list(db.session.scalars(_where(f, _joined(h.person_id)).where(in_ids(h.person_id, ids))
                                   .order_by(h.person_id)))
