"""学时记录: one declaration (申报) → one CreditRecord per applicant, and the attachments that prove it.

Who declares decides who reviews (``review_org_id``, the one org whose 学时审核 queue holds the record):
- a person for themself, or a training base for people it trained → the person's unit;
- a unit for its staff, and a unit's training-plan hours → the unit's superior (主管部门); a unit without one
  (the tree's root) → the platform operator (``review_org_id`` NULL).
A record copies the hours, the rule and the yearly cap in force: editing a form never changes what was declared.
Hours count for the year the activity ended in. Nothing here commits.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, insert, select, text, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import audit
from ..base import BigId, db, now
from ..org import Organization, OrgScoped
from ..person import Person
from .catalogue import DECLARERS, LearningForm

STATUSES = {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"}
DECLARED_BY = {"person": "个人申报", "unit": "单位申报", "base": "继续教育基地申报", "plan": "培训计划"}
TITLE_MAX = 100
NO_APPLICANTS = "请至少选择一名申请人"
TOO_MANY_APPLICANTS = "一次最多为 {n} 人申报，请分批申报或使用批量导入"
DATES_ORDER = "结束日期不能早于开始日期"
DATE_FUTURE = "结束日期不能晚于今天：学时在学习完成后申报"
MAX_APPLICANTS = 5000


class Declaration(OrgScoped, db.Model):
    """One 学时申报 as submitted: the form, its values and hours per applicant, its proof files.

    ``org_id``: the org that declared (a unit or a base), or the person's unit for a person's own declaration.
    """

    __tablename__ = "credit_declaration"
    __audited__ = True

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    declared_by: Mapped[str] = mapped_column(String(10), nullable=False)  # DECLARED_BY
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # a person's own declaration
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("training_plan.id"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("learning_form.id"), nullable=False)
    category: Mapped[str] = mapped_column(String(10), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    start_date: Mapped[date] = mapped_column(nullable=False)
    end_date: Mapped[date] = mapped_column(nullable=False)
    values: Mapped[dict] = mapped_column(JSON, nullable=False)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False)  # per applicant
    rule: Mapped[dict] = mapped_column(JSON, nullable=False)  # LearningForm.snapshot() in force
    applicants: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_by_name: Mapped[str] = mapped_column(String(50), nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    # The page's one-time key: a second POST of the same form (double click, back + resubmit) hits this index.
    submit_key: Mapped[str | None] = mapped_column(String(43), unique=True)

    form = relationship("LearningForm")
    org = relationship("Organization")
    attachments = relationship("Attachment", back_populates="declaration", order_by="Attachment.id")

    __table_args__ = (Index("ix_credit_declaration_org_created", "org_id", "created_at"),)

    @property
    def declared_by_label(self):
        return DECLARED_BY.get(self.declared_by, self.declared_by)

    def value_rows(self):
        """(label, value with unit) of the form's fields, in the schema's order, for details pages."""
        fields = (self.form.fields if self.form else []) or []
        out = []
        for f in fields:
            if f["name"] in (self.values or {}):
                unit = f.get("unit") or ""
                out.append((f["label"], f"{self.values[f['name']]}{unit if f.get('type') == 'number' else ''}"))
        return out


class CreditRecord(OrgScoped, db.Model):
    """One person's hours from one declaration. ``org_id``: the person's unit (it moves with a transfer);
    ``review_org_id``: the org that decides it; ``person_name`` / ``id_number`` are frozen copies so the lists of
    millions of records filter and sort on their own indexes."""

    __tablename__ = "credit_record"
    __audited__ = True

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("credit_declaration.id"), nullable=False, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False)
    person_name: Mapped[str] = mapped_column(String(50), nullable=False)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    review_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    declared_by: Mapped[str] = mapped_column(String(10), nullable=False)
    declarer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("training_plan.id"))
    form_id: Mapped[int] = mapped_column(ForeignKey("learning_form.id"), nullable=False)
    category: Mapped[str] = mapped_column(String(10), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    end_date: Mapped[date] = mapped_column(nullable=False)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False)  # declared
    approved_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))  # credited (clipped by the yearly cap)
    cap_per_year: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))  # the form's, copied when declared
    status: Mapped[str] = mapped_column(String(10), default="pending", nullable=False)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewer_name: Mapped[str | None] = mapped_column(String(50))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    declaration = relationship("Declaration")
    person = relationship("Person")
    form = relationship("LearningForm")
    org = relationship("Organization", foreign_keys=[org_id])
    review_org = relationship("Organization", foreign_keys=[review_org_id])

    __table_args__ = (
        # 学时审核: the queue of one org, by status, newest first; with plan_id, the per-record queue (no plan) and
        # 培训计划审核 (one plan) are both index ranges, and the queue's capped count reads the index alone.
        Index("ix_credit_record_review_status_id", "review_org_id", "status", "plan_id", "id"),
        # 学时申报记录 of a unit's staff (scope: org in the subtree) by status and year.
        Index("ix_credit_record_org_status_year", "org_id", "status", "year"),
        # Caps and completion: a person's hours of a year by form.
        Index("ix_credit_record_person_year_form", "person_id", "year", "form_id", "status"),
        Index("ix_credit_record_declarer", "declarer_org_id", "id"),
        Index("ix_credit_record_plan", "plan_id", "status"),
        # A name's start within the subtree and a 认定结果 tab: org and status are read from the index, not the rows
        # (a common surname's 100,000 records cost 800 ms through the heap, 30 ms from the index, in bench.hours).
        Index("ix_credit_record_name_prefix", "person_name", "org_id", "status",
              postgresql_ops={"person_name": "varchar_pattern_ops"}),
        Index("ix_credit_record_id_number_prefix", "id_number", "org_id",
              postgresql_ops={"id_number": "varchar_pattern_ops"}),
    )

    def __str__(self):
        return f"{self.person_name} {self.year}年 {self.hours}学时"

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def declared_by_label(self):
        return DECLARED_BY.get(self.declared_by, self.declared_by)

    @property
    def credited(self) -> Decimal:
        return self.approved_hours if self.status == "approved" and self.approved_hours is not None else Decimal(0)


def reviewing_org_id(declared_by: str, person_org_id: int, declarer_org: Organization | None):
    """The org whose queue a new record goes to (see the module's docstring)."""
    if declared_by in ("person", "base"):
        return person_org_id
    return declarer_org.parent_id if declarer_org is not None else None


def declare(form: LearningForm, category: str, values: dict, person_ids, *, declared_by: str, actor,
            org: Organization, title: str, start_date: date, end_date: date, hours: Decimal | None = None,
            plan=None, submit_key: str | None = None) -> Declaration:
    """File one declaration and a pending record for every applicant, set-based, audited; returns it.

    ``values`` are already cleaned by ``form.clean_values``; ``hours`` defaults to ``form.credit(values)``.
    ``org``: the declaring org (a unit or a base; for a person, the person's unit). ``person_ids`` must already be
    the actor's to declare for (the views pick them through scoped queries). Raises ValueError(中文) on a rule.
    """
    person_ids = sorted({int(p) for p in person_ids})
    if not person_ids:
        raise ValueError(NO_APPLICANTS)
    if len(person_ids) > MAX_APPLICANTS:
        raise ValueError(TOO_MANY_APPLICANTS.format(n=MAX_APPLICANTS))
    if end_date < start_date:
        raise ValueError(DATES_ORDER)
    if end_date > now().date():
        raise ValueError(DATE_FUTURE)
    declarer_kind = "unit" if declared_by == "plan" else declared_by
    refusal = form.refusal(category, declarer_kind, end_date)
    if refusal:
        raise ValueError(refusal)
    hours = form.credit(values) if hours is None else Decimal(hours)
    refusal = form.cap_refusal(hours)
    if refusal:
        raise ValueError(refusal)
    if hours <= 0:
        raise ValueError("按所填信息计算的学时为 0，请检查填写内容")
    declaration = Declaration(org_id=org.id, declared_by=declared_by, form_id=form.id, category=category,
                              year=end_date.year, title=title.strip()[:TITLE_MAX], start_date=start_date,
                              end_date=end_date, values=values, hours=hours, rule=form.snapshot(),
                              applicants=len(person_ids), created_by_id=actor.account_id,
                              created_by_name=actor.name, plan_id=plan.id if plan is not None else None,
                              person_id=actor.person_id, submit_key=submit_key)
    db.session.add(declaration)
    db.session.flush()
    insert_records(declaration, person_ids, org, form)
    return declaration


def insert_records(declaration: Declaration, person_ids, declarer_org: Organization, form: LearningForm):
    """One pending record per person: one INSERT ... SELECT from the person rows, one audit INSERT ... SELECT."""
    from ..bulk import in_ids

    p = Person.__table__.c
    t = now()
    org_parent = declarer_org.parent_id
    if declaration.declared_by in ("person", "base"):
        review = p.org_id
    else:
        review = _literal(org_parent, Integer)
    declarer = None if declaration.declared_by == "person" else declarer_org.id
    cols = {
        "declaration_id": _literal(declaration.id, Integer), "person_id": p.id, "person_name": p.name,
        "id_number": p.id_number, "org_id": p.org_id, "review_org_id": review,
        "declared_by": _literal(declaration.declared_by, String), "declarer_org_id": _literal(declarer, Integer),
        "plan_id": _literal(declaration.plan_id, Integer), "form_id": _literal(form.id, Integer),
        "category": _literal(declaration.category, String), "year": _literal(declaration.year, Integer),
        "end_date": _literal(declaration.end_date), "hours": _literal(declaration.hours, Numeric(6, 1)),
        "cap_per_year": _literal(form.cap_per_year, Numeric(6, 1)), "status": _literal("pending", String),
        "created_at": _literal(t),
    }
    table = CreditRecord.__table__
    db.session.execute(insert(table).from_select(
        list(cols), select(*cols.values()).where(in_ids(p.id, person_ids), p.status == "approved")))
    audit.record_bulk_rows("credit_record", "create", table, table.c.declaration_id == declaration.id,
                           ("person_id", "person_name", "org_id", "review_org_id", "declared_by", "form_id",
                            "category", "year", "hours", "cap_per_year", "status"), {"declaration_id": declaration.id})


def _literal(value, type_=None):
    from sqlalchemy import literal

    return literal(value, type_) if type_ is not None else literal(value)


def follow_transfer(person_id: int, to_org_id: int):
    """人员调转 completed: the person's records move to the new unit, and what the old unit was to decide for the
    person (own and training-base declarations still pending) goes to the new unit's queue. Audited."""
    table = CreditRecord.__table__
    moved = select(table.c.id).where(table.c.person_id == person_id, table.c.org_id != to_org_id)
    from .totals import follow_person

    follow_person(person_id, to_org_id)  # 学时汇总 rows carry the current unit
    ids = list(db.session.scalars(moved))
    if not ids:
        return 0
    from ..bulk import in_ids

    pending = db.session.execute(update(table).where(
        in_ids(table.c.id, ids), table.c.status == "pending", table.c.declared_by.in_(("person", "base")))
        .values(review_org_id=to_org_id).returning(table.c.id)).scalars().all()
    db.session.execute(update(table).where(in_ids(table.c.id, ids)).values(org_id=to_org_id))
    audit.record_bulk("credit_record", "transfer", [
        (i, {"org_id": {"after": to_org_id}, **({"review_org_id": {"after": to_org_id}} if i in set(pending) else {})})
        for i in ids])
    return len(ids)


class Attachment(OrgScoped, db.Model):
    """A proof file of a declaration, stored outside ``static/`` under a random name (models/hours/attachments.py).

    ``org_id``: the declaring org, as the declaration's."""

    __tablename__ = "credit_attachment"
    __audited__ = True

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("credit_declaration.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(120), nullable=False)  # the user's name, sanitised
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    declaration = relationship("Declaration", back_populates="attachments")


__all__ = ["Declaration", "CreditRecord", "Attachment", "declare", "insert_records", "follow_transfer",
           "reviewing_org_id", "STATUSES", "DECLARED_BY", "DECLARERS"]
