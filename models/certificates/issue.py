"""电子证书: one certificate per person and year met (学时汇总 ``met``), numbered once and kept for every reprint.

Number: year + the two-digit code of the unit's region (models/choices.REGION_CODES) + a 6-digit serial taken from
a counter row per (year, region). Issuers of one (year, region) queue on that row (FOR UPDATE on PostgreSQL, the
database write lock on SQLite), and only then look for who still lacks a certificate: two admins printing the
same people at the same moment number each person once, and no serial is handed out twice.

The verification token is random (``secrets.token_urlsafe``), never derived from the ID number or the number:
a provincial platform that keyed certificate images by an MD5 of the ID let anyone enumerate them.

A certificate whose (person, year) stops being met is revoked in the transaction that changed the hours
(:func:`follow_totals`, called by models/hours/totals.py); met again later, it is reinstated with the same number
and token — a printed copy then verifies again, and no person ends up with two numbers for one year.
Nothing here commits.
"""
import secrets
from datetime import datetime

from sqlalchemy import (ForeignKey, Index, Integer, String, UniqueConstraint, and_, exists, insert, literal, not_,
                        select, update)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import Select

from .. import audit
from ..base import db, now, upsert
from ..bulk import in_ids
from ..choices import REGION_CODES
from ..hours.totals import PersonYearHours
from ..org import Organization, OrgClosure, OrgScoped
from ..person import Person

NO_REGION = "00"  # a unit with no 所属地区 anywhere up its tree
REVOKED_REASON = "该年度学时已被调整，不再达到年度学时要求"
ISSUE_CHUNK = 5_000  # people per counter round: one INSERT of this many certificates


class Certificate(OrgScoped, db.Model):
    __tablename__ = "certificate"
    # Audited explicitly, set-based (issue/revoke/reinstate): a batch of 10,000 is one INSERT ... SELECT of entries.

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)  # the unit at issue
    number: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    token: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    issued_at: Mapped[datetime] = mapped_column(nullable=False, default=now)
    issued_by: Mapped[str] = mapped_column(String(50), nullable=False)  # the frozen name of who printed it first
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(200))

    person = relationship("Person")
    org = relationship("Organization")

    __table_args__ = (UniqueConstraint("person_id", "year", name="uq_certificate_person_year"),
                      Index("ix_certificate_year_revoked", "year", "revoked_at"))

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CertificateCounter(db.Model):
    """The last serial handed out per (year, region code)."""

    __tablename__ = "certificate_counter"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def new_token() -> str:
    return secrets.token_urlsafe(16)


def region_codes(org_ids) -> dict[int, str]:
    """org id -> the region code of its nearest unit with a 所属地区 (itself first): a branch registered without
    one numbers with its parent's region."""
    if not org_ids:
        return {}
    rows = db.session.execute(
        select(OrgClosure.descendant_id, Organization.region)
        .join(Organization, Organization.id == OrgClosure.ancestor_id)
        .where(in_ids(OrgClosure.descendant_id, org_ids), Organization.region.is_not(None))
        .order_by(OrgClosure.descendant_id, OrgClosure.depth)).all()
    codes = {}
    for org_id, region in rows:
        if org_id not in codes and region in REGION_CODES:
            codes[org_id] = REGION_CODES[region]
    return {org_id: codes.get(org_id, NO_REGION) for org_id in org_ids}


def _lock_counter(year: int, code: str) -> int:
    """Take the counter row of (year, code) for the rest of the transaction; its last serial."""
    table = CertificateCounter.__table__
    postgres = db.session.get_bind().dialect.name == "postgresql"
    db.session.execute(upsert(table).values(year=year, region_code=code, last_serial=0).on_conflict_do_nothing())
    where = and_(table.c.year == year, table.c.region_code == code)
    if not postgres:
        # SQLite has no row locks: a write takes the database's write lock, which queues every other issuer.
        db.session.execute(update(table).where(where).values(last_serial=table.c.last_serial))
    return db.session.execute(select(table.c.last_serial).where(where).with_for_update()).scalar_one()


def issue(year: int, person_ids, issued_by: str) -> int:
    """Give a certificate to each of ``person_ids`` whose ``year`` is met and who has none yet; audited.
    Returns how many were issued. Set-based: one INSERT per (region, chunk), one audit INSERT ... SELECT."""
    person_ids = sorted({int(i) for i in person_ids})
    if not person_ids:
        return 0
    h = PersonYearHours.__table__.c
    units = dict(db.session.execute(
        select(Person.id, Person.org_id).join(PersonYearHours, and_(h.person_id == Person.id, h.year == year))
        .where(in_ids(Person.id, person_ids), h.met)).all())
    codes = region_codes(sorted(set(units.values())))
    by_code: dict[str, list[int]] = {}
    for person_id, org_id in units.items():
        by_code.setdefault(codes[org_id], []).append(person_id)
    issued = 0
    for code in sorted(by_code):  # always the same order: two batches never wait for each other's counters
        people = by_code[code]
        for start in range(0, len(people), ISSUE_CHUNK):
            issued += _issue_in_region(year, code, people[start:start + ISSUE_CHUNK], units, issued_by)
    return issued


def _issue_in_region(year, code, people, units, issued_by) -> int:
    last = _lock_counter(year, code)
    c = Certificate.__table__.c
    # Read under the counter's lock: whoever numbered these people before us has committed by now.
    have = set(db.session.scalars(select(c.person_id).where(c.year == year, in_ids(c.person_id, people))))
    todo = [p for p in people if p not in have]
    if not todo:
        return 0
    at = now()
    rows = [{"person_id": p, "year": year, "org_id": units[p], "number": f"{year}{code}{last + i:06d}",
             "token": new_token(), "issued_at": at, "issued_by": issued_by}
            for i, p in enumerate(todo, start=1)]
    db.session.execute(insert(Certificate.__table__), rows)
    table = CertificateCounter.__table__
    db.session.execute(update(table).where(table.c.year == year, table.c.region_code == code)
                       .values(last_serial=last + len(todo)))
    audit.record_bulk_select("certificate", "issue", select(c.id).where(c.year == year, in_ids(c.person_id, todo)),
                             {"year": year, "issued_by": issued_by})
    return len(todo)


def follow_totals(year: int, person_ids=None) -> None:
    """Revoke the certificates of ``year`` (of ``person_ids``, a list or a SELECT of ids, or everybody's) whose hours no longer meet the rule,
    and reinstate revoked ones that meet it again: two audited UPDATEs, in the caller's transaction."""
    if person_ids is not None and not isinstance(person_ids, Select) and not person_ids:
        return
    c = Certificate.__table__.c
    h = PersonYearHours.__table__.c
    still_met = exists().where(h.person_id == c.person_id, h.year == c.year, h.met)
    if isinstance(person_ids, Select):
        of = [c.year == year, c.person_id.in_(person_ids)]
    else:
        of = [c.year == year] + ([in_ids(c.person_id, person_ids)] if person_ids is not None else [])
    table = Certificate.__table__
    lapsed = and_(*of, c.revoked_at.is_(None), not_(still_met))
    if db.session.scalar(select(literal(1)).where(exists().where(lapsed))):
        audit.record_bulk_select("certificate", "cancel", select(c.id).where(lapsed),
                                 {"revoked_at": {"after": str(now())}}, REVOKED_REASON)
        db.session.execute(update(table).where(lapsed).values(revoked_at=now(), revoke_reason=REVOKED_REASON)
                           .execution_options(synchronize_session=False))
    back = and_(*of, c.revoked_at.is_not(None), still_met)
    if db.session.scalar(select(literal(1)).where(exists().where(back))):
        audit.record_bulk_select("certificate", "reinstate", select(c.id).where(back),
                                 {"revoked_at": {"after": None}}, "该年度学时重新达到要求，证书恢复有效")
        db.session.execute(update(table).where(back).values(revoked_at=None, revoke_reason=None)
                           .execution_options(synchronize_session=False))


def follow_rebuild() -> None:
    """After 学时汇总 was rebuilt from scratch: every year that has certificates."""
    c = Certificate.__table__.c
    for year in db.session.scalars(select(c.year).distinct().order_by(c.year)).all():
        follow_totals(year)


def certificates_of(year: int, person_ids) -> list[Certificate]:
    """The certificates of ``person_ids`` for ``year`` with what printing reads, in the order of ``person_ids``."""
    from sqlalchemy.orm import joinedload

    order = {int(p): i for i, p in enumerate(person_ids)}
    rows = db.session.scalars(
        select(Certificate).where(Certificate.year == year, in_ids(Certificate.person_id, order))
        .options(joinedload(Certificate.person), joinedload(Certificate.org))).all()
    return sorted(rows, key=lambda cert: order[cert.person_id])
