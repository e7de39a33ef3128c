"""人员调转 (F17–F20): a person moves from one unit to another in two reviewed steps.

待调出审核 (pending_out) → 待调入审核 (pending_in) → 已完成 (completed), or 已驳回 / 已撤销 on the way.

Each step claims the row with ``UPDATE transfer SET status = :next ... WHERE id = :id AND status =
:expected``: of any number of admins acting at the same moment exactly one UPDATE matches (on
PostgreSQL the others wait for its commit, then match nothing) and the rest are told so. One active
transfer per person is guarded by a partial unique index, not by a read-then-insert check.
Nothing here commits: a step, its consequences and its audit entries go into the caller's transaction.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, false, func, or_, select, text, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from . import audit
from .actor import Actor
from .base import db, now
from .bulk import ALREADY_DECIDED, OUT_OF_SCOPE, BulkOutcome
from .org import Department, Organization, OrgScoped, subtree_ids
from .person import Person
from .review_records import ChangeRequest

STATUSES = {"pending_out": "待调出审核", "pending_in": "待调入审核", "completed": "已完成",
            "rejected": "已驳回", "cancelled": "已撤销"}
ACTIVE = ("pending_out", "pending_in")
VIA = {"unit": "单位发起", "self": "本人申请", "operator": "平台运维调整"}  # operator: workbench/fixes.move_person

STALE = "该调转已被他人处理，请刷新后查看"
ACTIVE_EXISTS = "该人员已有进行中的调转"
NOT_FOUND = "该调转不存在或不在管理范围内"
REASON_REQUIRED = "请填写调转原因"
REJECT_REASON_REQUIRED = "驳回时必须填写驳回原因"
TEXT_MAX = 500
SEARCH_LIMIT = 20


class Refusal(ValueError):
    """A refused step; ``field`` names the form field the message belongs next to (None: the whole form)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


_ACTIVE_SQL = text("status IN ('pending_out', 'pending_in')")


class Transfer(OrgScoped, db.Model):
    """One transfer. Both units see it: the out side by ``from_org_id``, the in side by ``to_org_id``."""

    __tablename__ = "transfer"
    __audited__ = True
    __scope_column__ = "from_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    from_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    to_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    reason: Mapped[str] = mapped_column(String(TEXT_MAX), nullable=False)
    transfer_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="pending_out", nullable=False)
    initiated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    initiated_by_name: Mapped[str] = mapped_column(String(50), nullable=False)
    initiated_via: Mapped[str] = mapped_column(String(10), nullable=False)
    out_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    out_reviewer_name: Mapped[str | None] = mapped_column(String(50))
    out_reviewed_at: Mapped[datetime | None]
    out_note: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    in_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    in_reviewer_name: Mapped[str | None] = mapped_column(String(50))
    in_reviewed_at: Mapped[datetime | None]
    in_note: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    reject_reason: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    cancelled_by_name: Mapped[str | None] = mapped_column(String(50))
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    completed_at: Mapped[datetime | None]

    # Every list shows the person and both units: joined, so a page costs the same whatever its rows.
    person = relationship("Person", lazy="joined", innerjoin=True)
    from_org = relationship("Organization", foreign_keys=[from_org_id], lazy="joined", innerjoin=True)
    to_org = relationship("Organization", foreign_keys=[to_org_id], lazy="joined", innerjoin=True)
    from_department = relationship("Department", foreign_keys=[from_department_id])
    to_department = relationship("Department", foreign_keys=[to_department_id])

    __table_args__ = (
        # The database, not a read-then-insert check, keeps a person to one transfer in progress.
        Index("uq_transfer_one_active", "person_id", unique=True,
              postgresql_where=_ACTIVE_SQL, sqlite_where=_ACTIVE_SQL),
        Index("ix_transfer_status_from_org", "status", "from_org_id"),
        Index("ix_transfer_status_to_org", "status", "to_org_id"),
        # Every transfer list's order (created_at DESC, id DESC: read backwards), so a page reads its own rows only.
        Index("ix_transfer_created_id", "created_at", "id"),
    )

    @classmethod
    def scope_clause(cls, org_id):
        """Either side in the subtree: the records of both directions."""
        sub = subtree_ids(org_id)
        return or_(cls.from_org_id.in_(sub), cls.to_org_id.in_(sub))

    @classmethod
    def out_clause(cls, org_id):
        return cls.from_org_id.in_(subtree_ids(org_id))

    @classmethod
    def in_clause(cls, org_id):
        return cls.to_org_id.in_(subtree_ids(org_id))

    @classmethod
    def reached_in_side(cls):
        """Transfers the out unit let through. Until then (and when it refuses or the initiator withdraws
        first) a transfer is the out unit's internal matter, not the target's business."""
        return cls.out_reviewed_at.is_not(None) & ~((cls.status == "rejected") & cls.in_reviewed_at.is_(None))

    def __str__(self):
        return f"{self.person.name}：{self.from_org.name} → {self.to_org.name}"

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def via_label(self):
        return VIA.get(self.initiated_via, self.initiated_via)

    @property
    def is_active(self):
        return self.status in ACTIVE

    def steps(self) -> list[dict]:
        """Every step so far — what, who, when, the note — oldest first, for the details pages."""
        out_rejected = self.status == "rejected" and self.in_reviewed_at is None
        steps = [{"label": "发起调转", "who": f"{self.initiated_by_name}（{self.via_label}）", "when": self.created_at,
                  "result": "已提交", "note": self.reason}]
        if self.out_reviewed_at:
            steps.append({"label": "人员调出审核", "who": self.out_reviewer_name, "when": self.out_reviewed_at,
                          "result": "驳回" if out_rejected else "通过", "note": self.out_note})
        if self.in_reviewed_at:
            steps.append({"label": "人员调入审核", "who": self.in_reviewer_name, "when": self.in_reviewed_at,
                          "result": "确认调转" if self.status == "completed" else "驳回", "note": self.in_note})
        if self.cancelled_at:
            steps.append({"label": "撤销调转", "who": self.cancelled_by_name, "when": self.cancelled_at,
                          "result": "已撤销", "note": None})
        if self.status in ACTIVE:
            steps.append({"label": STATUSES[self.status], "who": None, "when": None, "result": "等待审核",
                          "note": None})
        return steps


def _side(column, actor: Actor):
    """The clause saying ``column`` (an org id) lies where the actor may act as a unit."""
    if actor.person_id is not None:
        return false()
    if actor.scope_org_id is None:
        return true()
    return column.in_(subtree_ids(actor.scope_org_id))


def _within(actor: Actor, org_id) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Organization).where(
        Organization.id == org_id, _side(Organization.id, actor))))


def _text(value, required_message, label="原因"):
    value = (value or "").strip()
    if not value:
        raise ValueError(required_message)
    if len(value) > TEXT_MAX:
        raise ValueError(f"{label}最长{TEXT_MAX}个字")
    return value


def _note(value):
    value = (value or "").strip()
    if len(value) > TEXT_MAX:
        raise ValueError(f"审核意见最长{TEXT_MAX}个字")
    return value or None


# -- reading ------------------------------------------------------------------------------------
def active_transfer(person_id) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.person_id == person_id, Transfer.status.in_(ACTIVE)))


def transfers_of_person(person_id, limit=20) -> list[Transfer]:
    return db.session.scalars(select(Transfer).where(Transfer.person_id == person_id)
                              .order_by(Transfer.id.desc()).limit(limit)).all()


def queue_count_query(status, side_column, scope_org_id):
    """SELECT count of the rows waiting in a queue, through the (status, org) index."""
    q = select(func.count()).select_from(Transfer).where(Transfer.status == status)
    if scope_org_id is not None:
        q = q.where(side_column.in_(subtree_ids(scope_org_id)))
    return q


def target_candidates(term, limit=SEARCH_LIMIT):
    """Approved employers of the whole platform whose name contains ``term`` or whose USCC starts with it.

    Rows of (id, name, uscc, region) only: most of them lie outside the searching unit's subtree, and
    nothing else of theirs is its business.
    """
    term = (term or "").strip()[:50]
    if not term:
        return []
    return db.session.execute(
        select(Organization.id, Organization.name, Organization.uscc, Organization.region)
        .where(Organization.status == "approved", Organization.kind == "employer",
               or_(Organization.name.contains(term, autoescape=True),
                   Organization.uscc.startswith(term.upper(), autoescape=True)))
        .order_by(func.length(Organization.name), Organization.name).limit(limit)
    ).all()


# -- the steps --------------------------------------------------------------------------------------
def start(person: Person, to_org: Organization | None, reason, transfer_date, actor: Actor, via="unit") -> Transfer:
    """人员调出 (or the person's own application): a new transfer waiting for the out unit's review."""
    if via == "self":
        if actor.person_id != person.id:
            raise Refusal("只能为本人申请调转", "person_id")
    elif via == "unit":
        if actor.person_id is not None or not _within(actor, person.org_id):
            raise Refusal("该人员不在管理范围内", "person_id")
    else:
        raise Refusal("未知的发起方式")
    if person.status != "approved":
        raise Refusal("只能调转已审核通过的人员", "person_id")
    if to_org is None:
        raise Refusal("请选择调入单位", "to_org_id")
    if to_org.id == person.org_id:
        raise Refusal("调入单位不能是该人员当前所在单位", "to_org_id")
    if to_org.status == "disabled":
        raise Refusal("调入单位已停用，不能调入", "to_org_id")
    if to_org.status != "approved" or to_org.kind != "employer":
        raise Refusal("调入单位必须是已审核通过的用人单位", "to_org_id")
    try:
        reason = _text(reason, REASON_REQUIRED, "调转原因")
    except ValueError as e:
        raise Refusal(str(e), "reason") from None
    if not isinstance(transfer_date, date):
        raise Refusal("请选择调转日期", "transfer_date")
    if active_transfer(person.id) is not None:
        raise Refusal(ACTIVE_EXISTS, "person_id")
    transfer = Transfer(person_id=person.id, from_org_id=person.org_id, to_org_id=to_org.id,
                        from_department_id=person.department_id, reason=reason, transfer_date=transfer_date,
                        status="pending_out", initiated_by_id=actor.account_id, initiated_by_name=actor.name,
                        initiated_via=via)
    db.session.add(transfer)
    try:
        with audit.reason(f"发起调转：{reason}"):
            db.session.flush()
    except IntegrityError:  # another start for this person won the partial unique index a moment ago
        db.session.rollback()
        raise Refusal(ACTIVE_EXISTS, "person_id") from None
    return transfer


def _claim(transfer_id, expected, side_clause, values: dict, action, reason_text) -> bool:
    """The status guard: True for exactly one of any number of concurrent callers; audited when won."""
    result = db.session.execute(
        update(Transfer).where(Transfer.id == transfer_id, Transfer.status == expected, side_clause)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    changes = {"status": {"before": expected, "after": values["status"]}}
    changes.update({k: {"before": None, "after": audit._plain(v)} for k, v in values.items()
                    if k != "status" and v is not None})
    audit.record("transfer", transfer_id, action, changes, reason_text)
    obj = db.session.identity_map.get(identity_key(Transfer, transfer_id))
    if obj is not None:  # the UPDATE bypassed the session: forget its stale copy
        db.session.expire(obj)
    return True


def _refusal(transfer_id, side_clause) -> str:
    """Why a claim matched nothing: the row is not the actor's, or someone else moved it on."""
    visible = db.session.scalar(select(func.count()).select_from(Transfer).where(
        Transfer.id == transfer_id, side_clause))
    return STALE if visible else NOT_FOUND


def _step(transfer_id, expected, side_column, actor, values, action, reason_text):
    side = _side(side_column, actor)
    if not _claim(transfer_id, expected, side, values, action, reason_text):
        raise ValueError(_refusal(transfer_id, side))


def approve_out(transfer_id, actor: Actor, note=None):
    """人员调出审核 · 通过 → 待调入审核."""
    note = _note(note)
    _step(transfer_id, "pending_out", Transfer.from_org_id, actor, {
        "status": "pending_in", "out_reviewer_id": actor.account_id, "out_reviewer_name": actor.name,
        "out_reviewed_at": now(), "out_note": note}, "approve", note or "人员调出审核通过")


def reject_out(transfer_id, actor: Actor, reason):
    reason = _text(reason, REJECT_REASON_REQUIRED, "驳回原因")
    _step(transfer_id, "pending_out", Transfer.from_org_id, actor, {
        "status": "rejected", "out_reviewer_id": actor.account_id, "out_reviewer_name": actor.name,
        "out_reviewed_at": now(), "out_note": reason, "reject_reason": reason}, "reject", reason)


def reject_in(transfer_id, actor: Actor, reason):
    reason = _text(reason, REJECT_REASON_REQUIRED, "驳回原因")
    _step(transfer_id, "pending_in", Transfer.to_org_id, actor, {
        "status": "rejected", "in_reviewer_id": actor.account_id, "in_reviewer_name": actor.name,
        "in_reviewed_at": now(), "in_note": reason, "reject_reason": reason}, "reject", reason)


def confirm_in(transfer_id, actor: Actor, department_id=None, note=None) -> Transfer:
    """人员调入审核 · 确认调转: the transfer completes and the person moves, in the caller's one transaction.

    The person's org becomes the target, the department the one chosen from the target's departments
    (or none), and change requests still pending at the old unit are cancelled — the old unit can no
    longer decide them. Credit history belongs to the person and moves with them untouched.
    """
    note = _note(note)
    side = _side(Transfer.to_org_id, actor)
    transfer = db.session.scalar(select(Transfer).where(Transfer.id == transfer_id, side)
                                 .execution_options(populate_existing=True))
    if transfer is None:
        raise ValueError(NOT_FOUND)
    if transfer.status != "pending_in":
        raise ValueError(STALE)
    if department_id is not None and not db.session.scalar(select(func.count()).select_from(Department).where(
            Department.id == department_id, Department.org_id == transfer.to_org_id)):
        raise ValueError("所选部门不属于调入单位，请重新选择")
    if transfer.to_org.status != "approved":
        raise ValueError("调入单位已停用或未通过审核，不能确认调转")
    person_id, from_org, to_org = transfer.person_id, transfer.from_org, transfer.to_org
    if transfer.person.org_id != from_org.id or transfer.person.status != "approved":
        raise ValueError("该人员已不在调出单位或已停用，不能确认调转")
    t = now()
    if not _claim(transfer_id, "pending_in", side, {
            "status": "completed", "in_reviewer_id": actor.account_id, "in_reviewer_name": actor.name,
            "in_reviewed_at": t, "in_note": note, "to_department_id": department_id, "completed_at": t},
            "approve", note or "确认调转"):
        raise ValueError(_refusal(transfer_id, side))
    # Requests first, then the person: the order a change request's approval takes its locks in
    # (request, then person), so the two wait for each other instead of deadlocking.
    _cancel_pending_changes(person_id, f"人员已调转至{to_org.name}，原单位的待审核修改申请自动撤销", t)
    person = db.session.scalar(select(Person).where(Person.id == person_id).with_for_update()
                               .execution_options(populate_existing=True))
    # A request filed while we waited for the person's row lock (submit_person_change takes it too) is
    # committed and visible now: it ends here as well, so nothing stays pending at the old unit.
    _cancel_pending_changes(person_id, f"人员已调转至{to_org.name}，原单位的待审核修改申请自动撤销", t)
    with audit.action("transfer"), audit.reason(f"人员调转：{from_org.name} → {to_org.name}"):
        person.org_id = to_org.id
        person.department_id = department_id
        from .hours.records import follow_transfer

        follow_transfer(person_id, to_org.id)  # the hours go with the person (F19)
    return transfer


def _cancel_pending_changes(person_id, note, t):
    """The person's pending change requests, all filed with the unit they leave, end here. Guarded like every
    decision: a request decided at this very moment keeps that decision."""
    cr = ChangeRequest.__table__.c
    rows = db.session.execute(
        update(ChangeRequest.__table__)
        .where(cr.target_type == "person", cr.target_id == person_id, cr.status == "pending")
        .values(status="cancelled", reason=note, reviewed_at=t).returning(cr.id)).all()
    audit.record_bulk("change_request", "cancel", [
        (r[0], {"status": {"before": "pending", "after": "cancelled"}, "reason": {"before": None, "after": note}})
        for r in rows], reason_text=note)


def cancel(transfer_id, actor: Actor):
    """The initiating side withdraws a transfer not yet completed: the person for their own application,
    the out unit's admins for one the unit started."""
    row = db.session.execute(select(Transfer.person_id, Transfer.from_org_id, Transfer.initiated_via,
                                    Transfer.status).where(Transfer.id == transfer_id)).first()
    if row is None:
        raise ValueError(NOT_FOUND)
    if row.initiated_via == "self":
        initiator = actor.person_id is not None and actor.person_id == row.person_id
    else:
        initiator = actor.person_id is None and _within(actor, row.from_org_id)
    if not initiator:
        visible = actor.person_id == row.person_id if actor.person_id is not None else _within(actor, row.from_org_id)
        raise ValueError("只有发起方可以撤销该调转" if visible else NOT_FOUND)
    if row.status not in ACTIVE:
        raise ValueError(STALE)
    side = Transfer.initiated_via == row.initiated_via
    if not _claim(transfer_id, row.status, side, {
            "status": "cancelled", "cancelled_by_name": actor.name, "cancelled_at": now()},
            "cancel", "撤销调转"):
        raise ValueError(STALE)


# -- bulk ----------------------------------------------------------------------------------------------
BULK_STEPS = {
    "approve_out": ("approved", approve_out, Transfer.from_org_id),
    "reject_out": ("rejected", reject_out, Transfer.from_org_id),
    "confirm_in": ("confirmed", confirm_in, Transfer.to_org_id),
    "reject_in": ("rejected", reject_in, Transfer.to_org_id),
    "cancel": ("cancelled", cancel, Transfer.from_org_id),
}


def decide_many(step_name, ids, actor: Actor, reason=None) -> BulkOutcome:
    """Run one step over many transfers; each row is done, or skipped or refused with its reason.

    A missing rejection reason refuses the whole action before any row changes.
    """
    decision, step, side_column = BULK_STEPS[step_name]
    if step_name.startswith("reject"):
        reason = _text(reason, REJECT_REASON_REQUIRED, "驳回原因")
    ids = sorted({int(i) for i in ids})
    outcome = BulkOutcome(decision)
    names = dict(db.session.execute(
        select(Transfer.id, Person.name).join(Person, Person.id == Transfer.person_id)
        .where(Transfer.id.in_(ids), _side(side_column, actor))).all()) if ids else {}
    for transfer_id in ids:
        name = names.get(transfer_id)
        if name is None:
            outcome.skip(OUT_OF_SCOPE)
            continue
        try:
            if step_name.startswith("reject"):
                step(transfer_id, actor, reason)
            else:
                step(transfer_id, actor)
        except ValueError as e:
            if str(e) == STALE:
                outcome.skip(ALREADY_DECIDED)
            else:
                outcome.refuse(name, str(e))
        else:
            outcome.done.append(transfer_id)
    return outcome
