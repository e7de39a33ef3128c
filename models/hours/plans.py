"""单位培训计划 (F22–F23): a unit files a training plan with its superior, runs it, then declares its hours.

计划申报: 草稿 (draft) → 待审核 (pending) → 已备案 (approved) or 已驳回 (rejected); edited only while 草稿 or 已驳回,
and a rejected plan is submitted again after editing. The superior (主管部门; the operator for a unit without one)
decides. After an approved plan has ended, 学时申报 for it: participants + proof files → a Declaration with
``plan_id`` (the plan's newest one is its current declaration) whose records are pending in the superior's 计划审核; approving the plan's hours approves all of them
in one set-based write (models/hours/approval.decide_credits with ``plan_id``).
Every step claims the row with ``UPDATE ... WHERE status = :expected``: of two clicks at once one wins.
"""
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, func, or_, select, true, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from .. import audit
from ..base import db, lock_row, now
from ..bulk import OUT_OF_SCOPE, BulkOutcome
from ..org import Organization, OrgScoped
from ..registration_review import clean_reason
from . import approval, attachments
from .catalogue import CATEGORIES, LearningForm
from .records import CreditRecord, Declaration, declare

PLAN_STATUSES = {"draft": "草稿", "pending": "待审核", "approved": "已备案", "rejected": "已驳回"}
HOURS_STATUSES = {"none": "未申报", "pending": "待审核", "approved": "已通过", "rejected": "已驳回"}
EDITABLE = ("draft", "rejected")


class TrainingPlan(OrgScoped, db.Model):
    """``org_id``: the unit running the plan; ``review_org_id``: its superior when submitted (None: operator)."""
    __tablename__ = "training_plan"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    review_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(10), nullable=False)  # 计入科目
    form_id: Mapped[int] = mapped_column(ForeignKey("learning_form.id"), nullable=False)
    start_date: Mapped[date] = mapped_column(nullable=False)
    end_date: Mapped[date] = mapped_column(nullable=False)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False)  # per participant
    place: Mapped[str | None] = mapped_column(String(100))
    organizer: Mapped[str | None] = mapped_column(String(100))
    expected_participants: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="draft", nullable=False)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime | None]
    reviewer_name: Mapped[str | None] = mapped_column(String(50))
    reviewed_at: Mapped[datetime | None]
    hours_status: Mapped[str] = mapped_column(String(10), default="none", nullable=False)
    hours_reject_reason: Mapped[str | None] = mapped_column(String(500))
    hours_reviewed_at: Mapped[datetime | None]
    created_by_name: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    org = relationship("Organization", foreign_keys=[org_id])
    review_org = relationship("Organization", foreign_keys=[review_org_id])
    form = relationship("LearningForm")

    __table_args__ = (
        Index("ix_training_plan_org_status", "org_id", "status"),
        Index("ix_training_plan_review_status", "review_org_id", "status", "hours_status"),
    )

    def __str__(self):
        return self.name

    @property
    def status_label(self):
        return PLAN_STATUSES.get(self.status, self.status)

    @property
    def hours_status_label(self):
        return HOURS_STATUSES.get(self.hours_status, self.hours_status)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE


# -- the plan's own steps --------------------------------------------------------------------------
NAME_MAX, TEXT_MAX, CONTENT_MAX = 100, 100, 2000
STALE = "该培训计划已被他人处理，请刷新后查看"
NOT_FOUND = "该培训计划不存在或不在管理范围内"
NOT_EDITABLE = "该培训计划已提交，只有草稿或已驳回的计划可以修改或提交"
NOT_PENDING = "该培训计划不在待审核状态"
NOT_FILED = "只有已备案的培训计划可以申报学时"
NOT_ENDED = "培训计划尚未结束（结束日期 {day}），结束后才能申报学时"
HOURS_OPEN = "该培训计划的学时已申报（{status}），不能重复申报"
NO_HOURS_PENDING = "该培训计划没有待审核的学时申报"
REQUIRED = "必填项，不能为空"
PROOF_REQUIRED = "请上传证明材料（培训通知、签到表、结业证明等）"


class ProofRefusal(ValueError):
    """A problem of the proof files: it belongs next to the file field."""


class PlanInvalid(ValueError):
    """Bad plan input: ``errors`` maps each form field to its Chinese message."""
    def __init__(self, errors: dict):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def _text(values, name, errors, limit, required=False):
    text = (values.get(name) or "").strip()
    if not text and required:
        errors[name] = REQUIRED
    elif len(text) > limit:
        errors[name] = f"最长{limit}个字"
    return text or None


def _number(value, kind):
    """A number typed in a text box (or already one); None for junk."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)) and not isinstance(value, float):
        return kind(value) if kind is Decimal or value == int(value) else None
    text = str(value or "").strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    if kind is int:
        return int(number) if number == number.to_integral_value() and abs(number) < 10**9 else None
    return number if abs(number) < 10**9 else None


def clean(values: dict) -> dict:
    """The plan's fields checked against each other and against the learning form; raises PlanInvalid."""
    errors, out = {}, {}
    out["name"] = _text(values, "name", errors, NAME_MAX, required=True)
    for name in ("place", "organizer"):
        out[name] = _text(values, name, errors, TEXT_MAX)
    out["content"] = _text(values, "content", errors, CONTENT_MAX)
    category = values.get("category")
    if category not in CATEGORIES:
        errors["category"] = "请选择计入科目"
    out["category"] = category
    start, end = values.get("start_date"), values.get("end_date")
    if not isinstance(start, date):
        errors["start_date"] = "请填写开始日期，如 2026-11-28"
    if not isinstance(end, date):
        errors["end_date"] = "请填写结束日期，如 2026-11-28"
    elif isinstance(start, date) and end < start:
        errors["end_date"] = "结束日期不能早于开始日期"
    out["start_date"], out["end_date"] = start, end
    hours = _number(values.get("hours"), Decimal)
    if hours is None:
        errors["hours"] = "请填写每人学时（数字，如 24 或 7.5）"
    else:
        hours = hours.quantize(Decimal("0.1"))
        if hours <= 0:
            errors["hours"] = "每人学时必须大于 0"
        elif hours >= 10000:
            errors["hours"] = "每人学时不能超过 9999.9"
    out["hours"] = hours
    participants = _number(values.get("expected_participants"), int)
    if participants is None or participants < 1:
        errors["expected_participants"] = "预计参训人数至少为 1 人（请填写整数）"
    elif participants > 1_000_000:
        errors["expected_participants"] = "预计参训人数不能超过 1000000"
    out["expected_participants"] = participants
    raw_form = _number(values.get("form_id"), int)
    form = db.session.get(LearningForm, raw_form) if raw_form is not None and 0 < raw_form < 2**31 else None
    if form is None:
        errors["form_id"] = "请选择学习形式"
    else:
        refusal = form.refusal(category if "category" not in errors else None, "unit",
                               end if "end_date" not in errors else None)
        if refusal:
            errors["form_id"] = refusal
        elif "hours" not in errors and form.cap_refusal(hours):
            errors["hours"] = form.cap_refusal(hours)
    out["form_id"] = form.id if form is not None else None
    if errors:
        raise PlanInvalid(errors)
    return out


def create_plan(values: dict, actor, org) -> TrainingPlan:
    """计划申报 · 新增: a 草稿 of ``org`` (audited as an ORM create)."""
    plan = TrainingPlan(org_id=org.id, created_by_name=actor.name, status="draft", hours_status="none",
                        **clean(values))
    db.session.add(plan)
    db.session.flush()
    return plan


def _own(plan_id, org_id, *conditions):
    """The unit's plan, locked for the rest of the transaction (two edits, or an edit and a submit, queue)."""
    return lock_row(TrainingPlan, plan_id, TrainingPlan.org_id == org_id, *conditions)


def edit_plan(plan_id, values: dict, actor) -> TrainingPlan:
    """Edit a 草稿 or 已驳回 plan of the actor's org; a submitted one is refused (NOT_EDITABLE)."""
    plan = _own(plan_id, actor.org_id)
    if plan is None:
        raise ValueError(NOT_FOUND)
    if not plan.editable:
        raise ValueError(NOT_EDITABLE)
    cleaned = clean(values)
    for name, value in cleaned.items():
        setattr(plan, name, value)
    db.session.flush()
    return plan


def _claim(plan_id, where, values: dict, action, reason_text=None, column="status") -> bool:
    """UPDATE ... WHERE <the state the actor saw>: True for exactly one of concurrent callers; audited when won."""
    before = where.pop(column)
    result = db.session.execute(
        update(TrainingPlan).where(TrainingPlan.id == plan_id, getattr(TrainingPlan, column) == before,
                                   *where.values())
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    changes = {column: {"before": before, "after": values[column]}}
    changes.update({k: {"after": audit._plain(v)} for k, v in values.items() if k != column})
    audit.record("training_plan", plan_id, action, changes, reason_text)
    obj = db.session.identity_map.get(identity_key(TrainingPlan, plan_id))
    if obj is not None:  # the UPDATE bypassed the session
        db.session.expire(obj)
    return True


def submit_plan(plan_id, actor):
    """提交: 草稿 / 已驳回 → 待审核, to the unit's superior (none: the operator, ``review_org_id`` NULL)."""
    plan = db.session.get(TrainingPlan, plan_id)
    if plan is None or plan.org_id != actor.org_id:
        raise ValueError(NOT_FOUND)
    db.session.refresh(plan)
    if not plan.editable:
        raise ValueError(STALE if plan.status == "pending" else NOT_EDITABLE)
    org = db.session.get(Organization, plan.org_id)
    values = {"status": "pending", "review_org_id": org.parent_id, "submitted_at": now(), "reject_reason": None}
    if not _claim(plan_id, {"status": plan.status, "org": TrainingPlan.org_id == actor.org_id}, values, "submit"):
        raise ValueError(STALE)


def review_clause(reviewer):
    """The plans ``reviewer`` decides: its own org's (the operator: any)."""
    return true() if reviewer.scope_org_id is None else TrainingPlan.review_org_id == reviewer.org_id


def decide_plans(ids, decision: str, reviewer, reason=None):
    """备案 (approved) or 驳回 (with a required reason) the pending plans among ``ids`` the reviewer decides."""
    reason = clean_reason(decision, reason)
    outcome = BulkOutcome(decision)
    values = {"status": decision, "reviewer_name": reviewer.name, "reviewed_at": now(),
              "reject_reason": reason if decision == "rejected" else None}
    for plan_id in sorted({int(i) for i in ids}):
        if _claim(plan_id, {"status": "pending", "scope": review_clause(reviewer)}, dict(values),
                  "approve" if decision == "approved" else "reject", reason):
            outcome.done.append(plan_id)
        else:
            outcome.skip(STALE_SHORT if _visible(plan_id, reviewer) else OUT_OF_SCOPE)
    return outcome


STALE_SHORT = "已被他人处理"


def _visible(plan_id, reviewer) -> bool:

    return bool(db.session.scalar(select(func.count()).select_from(TrainingPlan).where(
        TrainingPlan.id == plan_id, review_clause(reviewer))))


def decide_plan(plan_id, decision: str, reviewer, reason=None):
    """One plan decided from its details page: a second click is told STALE."""
    outcome = decide_plans([plan_id], decision, reviewer, reason)
    if not outcome.done:
        raise ValueError(STALE if outcome.skipped.get(STALE_SHORT) else NOT_FOUND)
    return outcome


# -- 学时申报 for a plan -----------------------------------------------------------------------------
def declare_refusal(plan: TrainingPlan) -> str | None:
    """Why the plan's hours cannot be declared now (None: they can)."""
    if plan.status != "approved":
        return NOT_FILED
    if plan.end_date >= now().date():
        return NOT_ENDED.format(day=plan.end_date.isoformat())
    if plan.hours_status not in ("none", "rejected"):
        return HOURS_OPEN.format(status=plan.hours_status_label)
    return None


def declare_plan_hours(plan: TrainingPlan, person_ids, files, actor):
    """The plan's hours for its participants: one Declaration (``declared_by="plan"``) with a pending record each,
    its proof files stored, the plan's hours 待审核 in the superior's 计划审核. Raises ValueError(中文)."""
    locked = _own(plan.id, actor.org_id)
    if locked is None:
        raise ValueError(NOT_FOUND)
    refusal = declare_refusal(locked)
    if refusal:
        raise ValueError(refusal)
    files = attachments.present(files or [])
    if locked.form.evidence_required and not files:
        raise ProofRefusal(PROOF_REQUIRED)
    problems = attachments.check(files)
    if problems:
        raise ProofRefusal("；".join(problems))
    declaration = declare(locked.form, locked.category, _declared_values(locked), person_ids, declared_by="plan",
                          actor=actor, org=locked.org, title=locked.name, start_date=locked.start_date,
                          end_date=locked.end_date, hours=locked.hours, plan=locked)
    try:
        attachments.store(files, declaration)
    except ValueError as e:
        raise ProofRefusal(str(e)) from None
    if not _claim(locked.id, {"hours_status": locked.hours_status}, {
            "hours_status": "pending", "hours_reject_reason": None, "hours_reviewed_at": None},
            "declare_hours", column="hours_status"):
        raise ValueError(STALE)
    return declaration


def _declared_values(plan):
    """What the declaration records of the form's fields, from the plan (its own fields are the plan's)."""
    days = (plan.end_date - plan.start_date).days + 1
    known = {"organizer": plan.organizer or plan.org.name, "place": plan.place, "days": days,
             "hours": float(plan.hours)}
    return {f["name"]: known[f["name"]] for f in (plan.form.fields or []) if known.get(f["name"]) is not None}


def current_declaration(plan_id):
    """The plan's newest declaration (a rejected one is declared again)."""
    return db.session.scalar(select(Declaration).where(Declaration.plan_id == plan_id)
                             .order_by(Declaration.id.desc()).limit(1))


def decide_plan_hours(plan_id, decision: str, reviewer, reason=None):
    """通过 / 驳回 the plan's pending hours in one set-based call (caps apply; the outcome says what was clipped).
    Rejected: the unit may declare again."""
    reason = clean_reason(decision, reason)
    plan = db.session.scalar(select(TrainingPlan).where(TrainingPlan.id == plan_id, review_clause(reviewer)))
    if plan is None:
        raise ValueError(NOT_FOUND)
    if not _claim(plan_id, {"hours_status": "pending", "scope": review_clause(reviewer)}, {
            "hours_status": decision, "hours_reject_reason": reason if decision == "rejected" else None,
            "hours_reviewed_at": now()}, "approve_hours" if decision == "approved" else "reject_hours", reason,
            column="hours_status"):
        db.session.refresh(plan)
        raise ValueError(STALE if plan.hours_status in ("approved", "rejected") else NO_HOURS_PENDING)
    pending = select(CreditRecord.id).where(CreditRecord.plan_id == plan_id, CreditRecord.status == "pending")
    outcome = approval.decide_credits(db.session.scalars(pending).all(), decision, reviewer, reason, plan_id=plan_id)
    left = db.session.scalars(pending).all()
    if left:
        # Past the yearly cap: nothing left to credit. The plan's hours are decided, so these are rejected
        # (a plan record never reaches the per-record 学时审核 queue to wait there).
        approval.decide_credits(left, "rejected", reviewer, CAP_LEFT, plan_id=plan_id)
    return outcome


CAP_LEFT = "已达该学习形式本年度学时上限，未计入"


def pending_count_query(scope_org_id):
    """计划审核 (待办事项): plans to file and plans whose hours wait, for ``scope_org_id`` (None: all)."""
    q = select(func.count()).select_from(TrainingPlan).where(
        or_(TrainingPlan.status == "pending", TrainingPlan.hours_status == "pending"))
    if scope_org_id is not None:
        q = q.where(TrainingPlan.review_org_id == scope_org_id)
    return q


def decide_many_hours(ids, decision: str, reviewer, reason=None):
    """The 计划学时 queue's bulk decision: each plan's hours in one set-based call; ``done`` are plan ids."""
    reason = clean_reason(decision, reason)
    outcome = BulkOutcome(decision)
    for plan_id in sorted({int(i) for i in ids}):
        try:
            decided = decide_plan_hours(plan_id, decision, reviewer, reason)
        except ValueError as e:
            outcome.skip(STALE_SHORT if str(e) in (STALE, NO_HOURS_PENDING) else OUT_OF_SCOPE)
            continue
        outcome.done.append(plan_id)
        # A participant past the yearly cap is not a plan left undecided: a remark on the plan's decision.
        outcome.notes.extend(decided.notes + decided.refusals)
    return outcome


def explain_skipped(ids, reviewer, outcome):
    """Posted plan ids the queue no longer holds: decided by someone else, or never the reviewer's."""
    for plan_id in ids:
        outcome.skip(STALE_SHORT if _visible(plan_id, reviewer) else OUT_OF_SCOPE)


def applicants_by_plan(plan_ids) -> dict:
    """{plan id: participants of its current (newest) declaration}, one query."""
    if not plan_ids:
        return {}
    newest = (select(Declaration.plan_id, func.max(Declaration.id).label("id"))
              .where(Declaration.plan_id.in_(plan_ids)).group_by(Declaration.plan_id).subquery())
    rows = db.session.execute(select(Declaration.plan_id, Declaration.applicants)
                              .join(newest, newest.c.id == Declaration.id)).all()
    return dict(rows)
