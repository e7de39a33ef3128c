"""Province-scale generators (seed --scale province and its parts), at small N: valid, referencing real rows,
audited, deterministic."""
import hashlib

from sqlalchemy import func, select

from demo import add_persons, add_scale, load_demo, province_counts
from demo.bulk import PROVINCE, SCALE_REASON
from models import (Account, AdminMembership, AuditEntry, ChangeRequest, Organization, Person, ReviewRecord, Transfer,
                    db)
from models.change_requests import person_values
from models.queues import QUEUES, count_all
from models.transfer import STATUSES
from models.validators import normalize_id_number, normalize_uscc

from .conftest import _wipe

COUNTS = {"pending_persons": 30, "pending_units": 12, "review_records": 400, "change_requests": 25,
          "transfers": 150, "audit_rows": 300}


def _audited(entity):
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.action == "create", AuditEntry.reason == SCALE_REASON))


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _build():
    load_demo()
    add_persons(600, progress=None)
    return add_scale(COUNTS)


def test_province_counts_keep_the_testers_proportions():
    counts = province_counts(500_000)
    assert counts == PROVINCE
    small = province_counts(5_000)
    assert small["persons"] == 5_000 and small["review_records"] == 4_880 and small["pending_units"] == 2


def test_scale_generators_add_valid_referencing_audited_rows(app):
    before = {m: _count(m) for m in (Person, Organization, ReviewRecord, ChangeRequest, Transfer)}
    audit_before = _count(AuditEntry)
    assert _build() == COUNTS

    # Pending registrations: valid numbers, waiting in the queues of their reviewers.
    pending = db.session.scalars(select(Person).where(Person.status == "pending", Person.reviewed_at.is_(None))).all()
    assert len(pending) >= COUNTS["pending_persons"]
    assert all(normalize_id_number(p.id_number) == p.id_number and p.org.status == "approved" for p in pending)
    units = db.session.scalars(select(Organization).where(Organization.name.like("规模测试%"))).all()
    assert len(units) == COUNTS["pending_units"]
    for unit in units:
        assert unit.status == "pending" and normalize_uscc(unit.uscc) == unit.uscc
        assert unit.parent.kind == "supervisor" and unit.parent.status == "approved"
        assert [o.id for o in unit.ancestors()] == [o.id for o in unit.parent.ancestors()] + [unit.id]
        admin = db.session.scalar(select(AdminMembership).where(AdminMembership.org_id == unit.id))
        assert admin.is_super and normalize_id_number(admin.account.id_number) == admin.account.id_number
    root = db.session.scalar(select(Organization).where(Organization.parent_id.is_(None)))
    counts = count_all(QUEUES, root.id)
    assert counts["org_registration"] >= COUNTS["pending_units"]
    assert counts["person_registration"] >= COUNTS["pending_persons"]
    assert counts["person_change"] == COUNTS["change_requests"]
    assert counts["transfer_out_review"] + counts["transfer_in_review"] == _count(
        Transfer, Transfer.status.in_(("pending_out", "pending_in")))

    # Review records: one per approved person at most, by the super admin of the person's unit.
    records = db.session.execute(
        select(ReviewRecord, Person, AdminMembership).join(Person, Person.id == ReviewRecord.target_id)
        .join(AdminMembership, (AdminMembership.org_id == Person.org_id) & AdminMembership.is_super)
        .where(ReviewRecord.target_type == "person")).all()
    scale_records = [(r, p, m) for r, p, m in records if r.decision == "approved"]
    assert len(scale_records) == COUNTS["review_records"]
    assert len({r.target_id for r, _, _ in scale_records}) == COUNTS["review_records"]
    for r, p, m in scale_records:
        assert (r.org_id, r.subject_code, r.subject_name, r.reviewer_id) == (p.org_id, p.id_number, p.name,
                                                                              m.account_id)
        assert p.status == "approved"

    # Change requests: pending, each against the value stored now, one per person.
    requests = db.session.scalars(select(ChangeRequest)).all()
    assert len(requests) == len({r.target_id for r in requests}) == COUNTS["change_requests"]
    for r in requests:
        person = db.session.get(Person, r.target_id)
        assert r.status == "pending" and r.org_id == person.org_id
        assert r.changes["phone"]["before"] == person_values(person)["phone"] != r.changes["phone"]["after"]

    # Transfers: every status, one in progress per person, the person where the status says.
    transfers = db.session.scalars(select(Transfer)).all()
    assert len(transfers) == COUNTS["transfers"] and {t.status for t in transfers} == set(STATUSES)
    active = [t.person_id for t in transfers if t.is_active]
    assert len(active) == len(set(active))
    for t in transfers:
        assert t.from_org_id != t.to_org_id and t.from_org.kind == t.to_org.kind == "employer"
        assert t.person.org_id == (t.to_org_id if t.status == "completed" else t.from_org_id)
        assert (t.out_reviewed_at is not None) == (t.status in ("pending_in", "completed", "rejected"))
        assert t.in_reviewed_at is None or t.status in ("completed", "rejected")
        assert (t.completed_at is not None) == (t.status == "completed")
        assert (t.status == "rejected") == bool(t.reject_reason)

    # Audit: every generated row has its create entry; the login rows are the admins' own.
    assert _audited("organization") == _audited("admin_membership") == COUNTS["pending_units"]
    assert _audited("review_record") == COUNTS["review_records"]
    assert _audited("change_request") == COUNTS["change_requests"]
    assert _audited("transfer") == COUNTS["transfers"]
    logins = db.session.execute(select(AuditEntry.actor_org_id, AuditEntry.actor_id).where(
        AuditEntry.action == "login", AuditEntry.reason == SCALE_REASON)).all()
    assert len(logins) == COUNTS["audit_rows"] and len({org for org, _ in logins}) > 10
    supers = set(db.session.execute(select(AdminMembership.org_id, AdminMembership.account_id)
                                    .where(AdminMembership.is_super)).all())
    assert set(logins) <= supers
    assert _count(AuditEntry) > audit_before + sum(COUNTS.values())
    assert all(_count(m) > before[m] for m in before)


def _digest():
    rows = (
        db.session.execute(select(Organization.name, Organization.uscc, Organization.parent_id)
                           .order_by(Organization.id)).all(),
        db.session.execute(select(Account.id_number).order_by(Account.id)).all(),
        db.session.execute(select(ReviewRecord.target_id, ReviewRecord.reviewer_id).order_by(ReviewRecord.id)).all(),
        db.session.execute(select(ChangeRequest.target_id, ChangeRequest.changes).order_by(ChangeRequest.id)).all(),
        db.session.execute(select(Transfer.person_id, Transfer.from_org_id, Transfer.to_org_id, Transfer.status)
                           .order_by(Transfer.id)).all(),
        db.session.execute(select(AuditEntry.actor_id, AuditEntry.request_id).where(AuditEntry.action == "login")
                           .order_by(AuditEntry.id)).all(),
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_scale_generators_are_deterministic_and_follow_on(app):
    _build()
    first = _digest()
    db.session.remove()
    _wipe()
    _build()
    assert _digest() == first

    # A second run adds to the first instead of colliding with it.
    assert add_scale({"pending_units": 3, "transfers": 20, "review_records": 50}) == {
        "pending_units": 3, "transfers": 20, "review_records": 50}
    active = db.session.scalars(select(Transfer.person_id).where(Transfer.status.in_(("pending_out", "pending_in"))))
    active = list(active)
    assert len(active) == len(set(active))
