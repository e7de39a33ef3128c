"""学时审核 (F25): set-based decisions on credit records, with the yearly cap of each form held at approval.

Approving takes the write lock of every person concerned first (PostgreSQL: their person rows, in id order;
SQLite: the database write lock), then credits each record what is left of its yearly cap — the hours already
approved for the person, year and form, plus the records before it in this batch — in ONE UPDATE ... FROM over a
window query. Two admins approving records that together pass a cap therefore queue: the second sees the first's
hours. A record that still fits partly is approved with its hours clipped (the summary says so); one with nothing
left stays pending and is named in the summary. Nothing here commits.
"""
from decimal import Decimal

from sqlalchemy import (DateTime, Integer, Numeric, String, and_, case, delete, func, literal, null, or_, select,
                        update)

from .. import audit
from ..actor import Actor
from ..base import db, now
from ..bulk import OUT_OF_SCOPE, BulkOutcome, explain_skipped, in_ids
from ..person import Person
from ..registration_review import clean_reason
from .records import CreditRecord
from .totals import add_approved, refresh

CAP_REACHED = "已达该学习形式本年度上限（{cap} 学时），未通过"
CLIPPED = "按该学习形式本年度上限核减为 {hours} 学时"  # a note: the record is approved
DELETE_REASON_REQUIRED = "删除学时记录必须填写删除原因"


def in_queue(reviewer: Actor, plan_id=None):
    """The records ``reviewer`` decides: its own org's queue (the operator: any), outside plans unless ``plan_id``."""
    c = CreditRecord.__table__.c
    clauses = [c.plan_id == plan_id if plan_id is not None else c.plan_id.is_(None)]
    if reviewer.scope_org_id is not None:
        clauses.append(c.review_org_id == reviewer.org_id)
    return and_(*clauses)


def pending_count_query(org_id, plans=False):
    """SELECT count of the records waiting in ``org_id``'s 学时审核 queue (None: all), through the queue index."""
    c = CreditRecord.__table__.c
    q = select(func.count()).select_from(CreditRecord.__table__).where(
        c.status == "pending", c.plan_id.is_not(None) if plans else c.plan_id.is_(None))
    if org_id is not None:
        q = q.where(c.review_org_id == org_id)
    return q


def _lock_persons(ids):
    c = CreditRecord.__table__.c
    if db.session.get_bind().dialect.name == "postgresql":
        people = select(c.person_id).where(in_ids(c.id, ids), c.status == "pending")
        db.session.execute(select(Person.id).where(Person.id.in_(people)).order_by(Person.id)
                           .with_for_update(of=Person.__table__)).all()
    else:
        # SQLite has one writer: an UPDATE that changes nothing takes the database write lock (see base.lock_row).
        db.session.execute(update(CreditRecord.__table__).where(in_ids(c.id, ids[:1])).values(id=c.id))


def decide_credits(ids, decision: str, reviewer: Actor, reason: str | None = None, plan_id=None) -> BulkOutcome:
    """Approve or reject the pending records among ``ids`` that ``reviewer`` decides; the outcome reports the rest."""
    reason = clean_reason(decision, reason)
    ids = sorted({int(i) for i in ids})
    outcome = BulkOutcome(decision)
    if not ids:
        return outcome
    table = CreditRecord.__table__
    c, t = table.c, now()
    scope = in_queue(reviewer, plan_id)
    reviewed = {"reviewer_id": literal(reviewer.account_id, Integer), "reviewer_name": literal(reviewer.name, String),
                "reviewed_at": literal(t, DateTime)}
    if decision == "rejected":
        done = db.session.execute(update(table).where(in_ids(c.id, ids), c.status == "pending", scope)
                                  .values(status="rejected", reject_reason=reason, approved_hours=None, **reviewed)
                                  .returning(c.id)).scalars().all()
        done, capped = sorted(done), set()
        if done:
            audit.record_bulk_select("credit_record", "reject", select(c.id).where(in_ids(c.id, done)),
                                     {"status": {"before": "pending", "after": "rejected"},
                                      "reject_reason": {"after": reason}, "reviewed_at": {"after": audit._plain(t)}},
                                     reason_text=reason)
    else:
        _lock_persons(ids)
        done, capped = _approve(ids, scope, reviewed, outcome)
    outcome.done = done
    if done and decision != "rejected":  # 学时汇总 of the people and years concerned (a reject only ends pending ones)
        add_approved(done)
    _expire(done)
    left = set(ids) - set(done) - capped
    explain_skipped(CreditRecord, scope if reviewer.scope_org_id is not None else None, left, outcome)
    return outcome


def _approve(ids, scope, reviewed, outcome) -> tuple[list[int], set[int]]:
    table = CreditRecord.__table__
    c = table.c
    prior_rec = table.alias("prior")
    p = prior_rec.c
    prior = (select(func.coalesce(func.sum(p.approved_hours), 0))
             .where(p.person_id == c.person_id, p.year == c.year, p.form_id == c.form_id, p.status == "approved")
             .scalar_subquery())
    before = func.sum(c.hours).over(partition_by=(c.person_id, c.year, c.form_id), order_by=c.id,
                                    rows=(None, -1))
    cand = (select(c.id.label("id"), c.hours.label("hours"), c.cap_per_year.label("cap"),
                   prior.label("prior"), before.label("before"))
            .where(in_ids(c.id, ids), c.status == "pending", scope).subquery("cand"))
    room = cand.c.cap - cand.c.prior - func.coalesce(cand.c.before, 0)
    allowed = case((cand.c.cap.is_(None), cand.c.hours),
                   (room >= cand.c.hours, cand.c.hours),
                   (room > 0, room), else_=literal(0, Numeric(6, 1)))
    sized = select(cand.c.id.label("id"), cand.c.hours.label("hours"), cand.c.cap.label("cap"),
                   allowed.label("allowed")).subquery("sized")
    rows = db.session.execute(select(sized.c.id, sized.c.hours, sized.c.cap, sized.c.allowed)).all()
    capped = [r for r in rows if r.allowed <= 0]
    clipped = [r for r in rows if 0 < r.allowed < r.hours]
    # The sizes just read hold until commit: every person concerned is locked (above). So the rows are written
    # from them — in full by one UPDATE, the clipped ones by one UPDATE per credited amount — rather than by an
    # UPDATE ... FROM that would compute the window query a second time.
    groups = {None: [r.id for r in rows if r.allowed >= r.hours]}
    for r in clipped:
        groups.setdefault(r.allowed, []).append(r.id)
    done = []
    for allowed, group in groups.items():
        if group:
            done += db.session.execute(
                update(table).where(in_ids(c.id, group), c.status == "pending")
                .values(status="approved", approved_hours=c.hours if allowed is None else allowed,
                        reject_reason=None, **reviewed)
                .returning(c.id)).scalars().all()
    done = sorted(done)
    if done:
        audit.record_bulk_rows("credit_record", "approve", table, in_ids(c.id, done), ("approved_hours",),
                               {"status": "approved", "reviewer_name": reviewed["reviewer_name"].value,
                                "reviewed_at": reviewed["reviewed_at"].value})
    if capped or clipped:
        names = dict(db.session.execute(select(c.id, c.person_name).where(
            in_ids(c.id, [r.id for r in capped + clipped]))).all())
        for r in capped:
            outcome.refuse(names[r.id], CAP_REACHED.format(cap=_num(r.cap)))
        for r in clipped:
            outcome.note(names[r.id], CLIPPED.format(hours=_num(r.allowed)))
    return done, {r.id for r in capped}


def _num(value):
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def delete_credits(ids, reviewer: Actor, reason: str | None) -> BulkOutcome:
    """删除记录: records of the reviewer's queue (any status), each audited with what it held and the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(DELETE_REASON_REQUIRED)
    if len(reason) > 500:
        raise ValueError("删除原因最长500个字")
    ids = sorted({int(i) for i in ids})
    outcome = BulkOutcome("deleted")
    if not ids:
        return outcome
    table = CreditRecord.__table__
    c = table.c
    kept = ("person_id", "person_name", "id_number", "org_id", "review_org_id", "declared_by", "declaration_id",
            "form_id", "category", "year", "hours", "approved_hours", "status")
    stmt = delete(table).where(in_ids(c.id, ids))
    if reviewer.scope_org_id is not None:
        stmt = stmt.where(c.review_org_id == reviewer.org_id)
    rows = db.session.execute(stmt.returning(c.id, *[c[k] for k in kept])).all()
    audit.record_bulk("credit_record", "delete", [
        (r[0], {k: {"before": audit._plain(v)} for k, v in zip(kept, r[1:]) if v is not None}) for r in rows],
        reason_text=reason)
    outcome.done = sorted(r[0] for r in rows)
    refresh({(r.person_id, r.year) for r in rows if r.status == "approved"})
    outcome.skip(OUT_OF_SCOPE, len(ids) - len(rows))
    _expire(outcome.done)
    return outcome


def _expire(ids):
    ids = set(ids)
    identity = db.session.identity_map
    for key in list(identity.keys()):
        if key[0] is CreditRecord and key[1][0] in ids:
            db.session.expire(identity[key])
