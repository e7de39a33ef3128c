"""专技人员注册审核 (F13) and 下属单位注册审核 (F14): set-based decisions with a status guard.

One ``UPDATE ... WHERE id IN (...) AND status = 'pending' AND <scope> RETURNING ...`` decides every
selected row at once. The rows it returns are exactly the rows this call decided: when two admins
decide the same registration at the same moment, the second UPDATE waits for the first to commit,
finds the row no longer pending and returns nothing — one decision, one review record.

Nothing here commits: the decision, its review records and its audit entries go into the caller's
transaction together.
"""
from dataclasses import dataclass

from sqlalchemy import DateTime, Integer, String, delete, exists, func, insert, literal, select, update

from . import audit, bulk
from .actor import Actor
from .base import db, now
from .bulk import OUT_OF_SCOPE, BulkOutcome, in_ids
from .org import Organization, OrgClosure, subtree_ids
from .person import Person
from .review_records import ReviewRecord

# ReviewRecord.target_type: what the decision was about. Registrations point at the person or unit itself,
# change decisions at the ChangeRequest.
PERSON_REGISTRATION = "person"
ORG_REGISTRATION = "org"
PERSON_CHANGE = "person_change"
ORG_CHANGE = "org_change"
REVIEW_TYPES = {PERSON_REGISTRATION: "专技人员注册审核", ORG_REGISTRATION: "下属单位注册审核",
                PERSON_CHANGE: "人员信息修改审核", ORG_CHANGE: "机构信息修改审核"}

REASON_REQUIRED = "驳回时必须填写驳回原因"
REASON_MAX = 500


@dataclass(frozen=True)
class Registration:
    """How one kind of registration is decided and scoped."""

    review_type: str
    model: type
    code: object          # column shown next to the name: 身份证号 / 统一社会信用代码
    reviewing_org: object  # column holding the org that reviews the row

    def scope(self, scope_org_id):
        return self.reviewing_org.in_(subtree_ids(scope_org_id))

    def owned(self, scope_org_id):
        """The same test, correlated: for statements driven by explicit ids. The database then looks each row
        up by its key and checks its org once, where ``IN (subtree)`` lets SQLite probe every org of the
        subtree for every id (39 orgs × 10,000 ids: three times slower than the whole rest of the decision)."""
        return exists().where(OrgClosure.ancestor_id == scope_org_id, OrgClosure.descendant_id == self.reviewing_org)


# A person registers at its unit, which reviews it; a unit registers under its chosen superior,
# which — with the superior's own ancestors — reviews it.
PERSONS = Registration(PERSON_REGISTRATION, Person, Person.id_number, Person.org_id)
ORGS = Registration(ORG_REGISTRATION, Organization, Organization.uscc, Organization.parent_id)


def clean_reason(decision: str, reason: str | None) -> str | None:
    """The reason a decision carries; rejecting without one is refused."""
    if decision not in ("approved", "rejected"):
        raise ValueError("未知的审核结果")
    reason = (reason or "").strip()
    if decision == "rejected" and not reason:
        raise ValueError(REASON_REQUIRED)
    if len(reason) > REASON_MAX:
        raise ValueError(f"驳回原因最长{REASON_MAX}个字")
    return reason or None


def pending_count_query(kind: Registration, scope_org_id):
    """SELECT count of the rows waiting in the queue, through the (status, reviewing org) index."""
    q = select(func.count()).select_from(kind.model).where(kind.model.status == "pending")
    if scope_org_id is not None:
        q = q.where(kind.scope(scope_org_id))
    return q


def decide_registrations(kind: Registration, ids, decision: str, reviewer: Actor,
                         reason: str | None = None) -> BulkOutcome:
    """Approve or reject the pending registrations among ``ids`` that lie in the reviewer's scope."""
    reason = clean_reason(decision, reason)
    ids = sorted({int(i) for i in ids})
    outcome = BulkOutcome(decision)
    if not ids:
        return outcome
    model, t = kind.model, now()
    stmt = update(model).where(in_ids(model.id, ids), model.status == "pending")
    if reviewer.scope_org_id is not None:
        stmt = stmt.where(kind.owned(reviewer.scope_org_id))
    stmt = (stmt.values(status=decision, reviewed_at=t, reject_reason=reason if decision == "rejected" else None)
            .returning(model.id).execution_options(synchronize_session=False))
    done = sorted(db.session.scalars(stmt))
    _expire(model, done)
    if done:
        # The records and audit entries are built by the database from the decided rows: at 10,000 rows,
        # sending them from Python would cost several times the UPDATE itself.
        is_done = in_ids(model.id, done)
        values = {"target_type": literal(kind.review_type), "target_id": model.id, "subject_name": model.name,
                  "subject_code": kind.code,
                  # The operator acts for no org: the record goes to the org that reviews the row.
                  "org_id": literal(reviewer.org_id) if reviewer.org_id else kind.reviewing_org,
                  "decision": literal(decision), "reason": literal(reason, String),
                  "reviewer_id": literal(reviewer.account_id, Integer), "reviewer_name": literal(reviewer.name),
                  "created_at": literal(t, DateTime)}
        db.session.execute(insert(ReviewRecord.__table__).from_select(
            list(values), select(*values.values()).where(is_done)))
        changes = {"status": {"before": "pending", "after": decision}, "reviewed_at": {"after": audit._plain(t)}}
        if decision == "rejected":
            changes["reject_reason"] = {"before": None, "after": reason}
        audit.record_bulk_select(model.__tablename__, "approve" if decision == "approved" else "reject",
                                 select(model.id).where(is_done), changes, reason_text=reason)
    outcome.done = done
    explain_skipped(kind, set(ids) - set(outcome.done), reviewer, outcome)
    return outcome


def explain_skipped(kind: Registration, ids, reviewer: Actor, outcome: BulkOutcome):
    scope = kind.owned(reviewer.scope_org_id) if reviewer.scope_org_id is not None else None
    bulk.explain_skipped(kind.model, scope, ids, outcome)


def _expire(model, ids):
    """A bulk UPDATE bypasses the session: forget stale copies of the rows it changed (the map is small;
    the id list may be long)."""
    ids = set(ids)
    identity = db.session.identity_map
    for key in list(identity.keys()):
        if key[0] is model and key[1][0] in ids:
            db.session.expire(identity[key])


# -- 已审核: the review records --------------------------------------------------------------------
def delete_review_records(ids, scope_org_id) -> BulkOutcome:
    """Delete review records (the record only — never the account or unit it is about); audited."""
    outcome = BulkOutcome("deleted")
    ids = sorted({int(i) for i in ids})
    if not ids:
        return outcome
    stmt = delete(ReviewRecord).where(in_ids(ReviewRecord.id, ids))
    if scope_org_id is not None:
        stmt = stmt.where(ReviewRecord.scope_clause(scope_org_id))
    cols = ReviewRecord.__table__.c
    rows = db.session.execute(
        stmt.returning(cols.id, cols.target_type, cols.target_id, cols.subject_name, cols.decision, cols.reason)
        .execution_options(synchronize_session=False)).all()
    audit.record_bulk("review_record", "delete", [
        (r[0], {"target_type": {"before": r[1]}, "target_id": {"before": r[2]}, "subject_name": {"before": r[3]},
                "decision": {"before": r[4]}, "reason": {"before": r[5]}}) for r in rows])
    outcome.done = sorted(r[0] for r in rows)
    outcome.skip(OUT_OF_SCOPE, len(ids) - len(rows))
    return outcome
