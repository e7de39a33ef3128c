"""人员信息修改审核 (F15) and 机构信息修改审核 (F16): deciding field-by-field change requests.

A request stores ``{field: {"before": x, "after": y}}`` for the fields that change. Approval applies
all of them at once, and only while every field still holds its "before" value: a request made
against data that changed since is refused, never half-applied over someone else's edit.

Each decision first claims the request with ``UPDATE change_request SET status = ... WHERE id = :id
AND status = 'pending'``: of two admins deciding the same request at the same moment, the second
UPDATE waits for the first to commit and then matches nothing — exactly one decision is made.
Nothing here commits.
"""
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import audit
from .base import db, now
from .bulk import ALREADY_DECIDED, OUT_OF_SCOPE, BulkOutcome, in_ids
from .choices import EDUCATIONS, FIELD_LABELS, TITLE_LEVELS
from .title_series import level_refusal, series_names
from .org import Department, Organization, subtree_ids
from .org_change import apply_org_change
from .person import Person
from .review_records import ChangeRequest, ReviewRecord
from .actor import Actor
from .registration_review import ORG_CHANGE, PERSON_CHANGE, clean_reason

PERSON, ORG = "person", "org"
REVIEW_TYPE = {PERSON: PERSON_CHANGE, ORG: ORG_CHANGE}

# What a staff member may ask to change about themself (F15); name and ID number are identity, not data.
PERSON_FIELDS = ("title_series", "title_name", "title_level", "title_date", "education", "phone", "email",
                 "department_id")
ACCOUNT_FIELDS = ("phone", "email")  # kept on the login account
ONE_PENDING = "您已有一条待审核的修改申请（{when}提交），审核完成前不能再次提交"
NOTHING_CHANGED = "没有修改任何信息"
PERSON_STALE = "信息在提交申请后已被修改（{fields}），本申请不能再生效，请驳回后由本人重新提交"


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


# -- the staff member's side --------------------------------------------------------------------
def person_values(person: Person) -> dict:
    account = person.account
    return {f: _plain(getattr(account if f in ACCOUNT_FIELDS else person, f)) for f in PERSON_FIELDS}


def pending_person_request(person: Person) -> ChangeRequest | None:
    return db.session.scalar(select(ChangeRequest).where(
        ChangeRequest.target_type == PERSON, ChangeRequest.target_id == person.id, ChangeRequest.status == "pending"))


def person_requests(person: Person, limit: int = 20) -> list[ChangeRequest]:
    return db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.target_type == PERSON, ChangeRequest.target_id == person.id)
        .order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc()).limit(limit)).all()


def _check_person_values(person: Person, values: dict):
    enums = {"title_series": series_names(), "title_level": TITLE_LEVELS, "education": EDUCATIONS}
    for field, allowed in enums.items():
        if values.get(field) not in (None, *allowed):
            raise ValueError(f"{FIELD_LABELS[field]}的取值无效")
    series = values.get("title_series", person.title_series) if "title_series" in values else person.title_series
    level = values["title_level"] if "title_level" in values else person.title_level
    if "title_series" in values or "title_level" in values:
        refusal = level_refusal(series, level)
        if refusal:
            raise ValueError(refusal)
    dept_id = values.get("department_id")
    if dept_id is not None and not db.session.scalar(select(func.count()).where(
            Department.id == dept_id, Department.org_id == person.org_id)):
        raise ValueError("所选部门不属于本单位，请重新选择")


def submit_person_change(person: Person, values: dict, account_id=None) -> ChangeRequest:
    """File a staff member's edit of their own data for their unit to review.

    ``values``: any of PERSON_FIELDS, already normalised (empty -> None, dates as ``date``).
    Only fields that differ go into the request; one pending request per person.
    """
    # Lock the person and read their unit afresh: a transfer confirmed at this moment either moved them
    # already (the request goes to the new unit) or waits for this request and then cancels it.
    person = db.session.scalar(select(Person).where(Person.id == person.id).with_for_update()
                               .execution_options(populate_existing=True))
    pending = pending_person_request(person)
    if pending is not None:
        raise ValueError(ONE_PENDING.format(when=pending.requested_at.strftime("%Y-%m-%d")))
    current = person_values(person)
    changes = {f: {"before": current[f], "after": _plain(values[f])}
               for f in PERSON_FIELDS if f in values and _plain(values[f]) != current[f]}
    if not changes:
        raise ValueError(NOTHING_CHANGED)
    _check_person_values(person, {f: c["after"] for f, c in changes.items()})
    request = ChangeRequest(target_type=PERSON, target_id=person.id, org_id=person.org_id,
                            subject_name=person.name, changes=changes, requested_by_id=account_id)
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError:  # a second tab submitted at the same moment: the partial unique index decided
        db.session.rollback()
        raise ValueError(ONE_PENDING.format(when=now().strftime("%Y-%m-%d"))) from None
    return request


def apply_person_change(request: ChangeRequest) -> Person:
    """Apply an approved person request: all fields, only if none changed since. Raises ValueError."""
    person = db.session.scalar(select(Person).where(Person.id == request.target_id).with_for_update()
                               .execution_options(populate_existing=True))
    if person is None:
        raise ValueError("申请修改的人员已不存在")
    changes = dict(request.changes or {})
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError("申请中含有不能修改的项目：" + "、".join(sorted(unknown)))
    current = person_values(person)
    stale = [FIELD_LABELS.get(f, f) for f, c in changes.items() if current[f] != c.get("before")]
    if stale:
        raise ValueError(PERSON_STALE.format(fields="、".join(stale)))
    after = {f: c.get("after") for f, c in changes.items()}
    _check_person_values(person, after)
    for field, value in after.items():
        if field == "title_date" and value:
            value = date.fromisoformat(value)
        setattr(person.account if field in ACCOUNT_FIELDS else person, field, value)
    return person


def describe(request: ChangeRequest) -> list[dict]:
    """Rows for showing a request: Chinese label, before and after as text."""
    return describe_many([request])[request.id]


def describe_many(requests) -> dict:
    """``{request id: rows}`` for a page of requests, with department and superior names in two queries."""
    requests = list(requests)
    dept_ids = {v for r in requests if r.target_type == PERSON for v in _values(r, "department_id")}
    org_ids = {v for r in requests if r.target_type == ORG for v in _values(r, "parent_id")}
    depts = dict(db.session.execute(select(Department.id, Department.name).where(
        Department.id.in_(dept_ids))).all()) if dept_ids else {}
    orgs = dict(db.session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_(org_ids))).all()) if org_ids else {}
    out = {}
    for r in requests:
        rows = []
        for field, change in (r.changes or {}).items():
            before, after = change.get("before"), change.get("after")
            names = depts if field == "department_id" else orgs if field == "parent_id" else None
            if names is not None:
                before, after = names.get(before, before), names.get(after, after)
            rows.append({"field": field, "label": FIELD_LABELS.get(field, field),
                         "before": "" if before is None else before, "after": "" if after is None else after})
        out[r.id] = rows
    return out


def _values(request, field):
    change = (request.changes or {}).get(field) or {}
    return [v for v in (change.get("before"), change.get("after")) if isinstance(v, int)]


# -- the reviewer's side -----------------------------------------------------------------------------
def pending_count_query(target_type: str, scope_org_id):
    """SELECT count of the pending requests of one kind that the scope reviews."""
    q = select(func.count()).select_from(ChangeRequest).where(
        ChangeRequest.status == "pending", ChangeRequest.target_type == target_type)
    if scope_org_id is not None:
        q = q.where(ChangeRequest.org_id.in_(subtree_ids(scope_org_id)))
    return q


def _subject_codes(requests) -> dict:
    persons = [r.target_id for r in requests if r.target_type == PERSON]
    orgs = [r.target_id for r in requests if r.target_type == ORG]
    codes = {}
    if persons:
        codes.update({(PERSON, i): c for i, c in db.session.execute(
            select(Person.id, Person.id_number).where(in_ids(Person.id, persons))).all()})
    if orgs:
        codes.update({(ORG, i): c for i, c in db.session.execute(
            select(Organization.id, Organization.uscc).where(in_ids(Organization.id, orgs))).all()})
    return codes


def decide_changes(target_type: str, ids, decision: str, reviewer: Actor, reason: str | None = None) -> BulkOutcome:
    """Approve or reject the pending requests among ``ids`` in the reviewer's scope; per-row results."""
    reason = clean_reason(decision, reason)
    ids = sorted({int(i) for i in ids})
    outcome = BulkOutcome(decision)
    if not ids:
        return outcome
    query = select(ChangeRequest).where(in_ids(ChangeRequest.id, ids), ChangeRequest.target_type == target_type)
    if reviewer.scope_org_id is not None:
        query = query.where(ChangeRequest.scope_clause(reviewer.scope_org_id))
    requests = db.session.scalars(query.order_by(ChangeRequest.id)).all()
    outcome.skip(OUT_OF_SCOPE, len(ids) - len(requests))
    codes = _subject_codes(requests)
    t = now()
    decided = []
    for request in requests:
        if not _claim(request.id, decision, reviewer, t, reason):
            outcome.skip(ALREADY_DECIDED)
            continue
        if decision == "approved":
            try:
                with audit.action("approve"), audit.reason(f"变更申请 {request.id} 审核通过"):
                    (apply_person_change if target_type == PERSON else apply_org_change)(request)
                    db.session.flush()
            except ValueError as e:  # the apply functions check everything before they set anything
                _unclaim(request.id)
                outcome.refuse(request.subject_name, str(e))
                continue
        decided.append(request)
    if decided:
        db.session.execute(insert(ReviewRecord.__table__), [
            {"target_type": REVIEW_TYPE[target_type], "target_id": r.id, "subject_name": r.subject_name,
             "subject_code": codes.get((r.target_type, r.target_id)), "org_id": reviewer.org_id or r.org_id,
             "decision": decision, "reason": reason, "reviewer_id": reviewer.account_id,
             "reviewer_name": reviewer.name, "created_at": t} for r in decided])
        audit.record_bulk("change_request", "approve" if decision == "approved" else "reject", [
            (r.id, {"status": {"before": "pending", "after": decision}, "reason": {"after": reason}})
            for r in decided], reason_text=reason)
    for r in decided:
        db.session.expire(r)
    outcome.done = [r.id for r in decided]
    return outcome


def _claim(request_id, decision, reviewer: Actor, t, reason) -> bool:
    """The status guard: True for exactly one of any number of concurrent deciders."""
    result = db.session.execute(
        update(ChangeRequest).where(ChangeRequest.id == request_id, ChangeRequest.status == "pending")
        .values(status=decision, reviewed_by_id=reviewer.account_id, reviewed_at=t, reason=reason)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _unclaim(request_id):
    """Give back a claim whose request could not apply: it stays pending for a rejection."""
    db.session.execute(
        update(ChangeRequest).where(ChangeRequest.id == request_id)
        .values(status="pending", reviewed_by_id=None, reviewed_at=None, reason=None)
        .execution_options(synchronize_session=False))

