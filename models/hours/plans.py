"""单位培训计划 (F22–F23): a unit files a training plan with its superior, runs it, then declares its hours.

计划申报: 草稿 (draft) → 待审核 (pending) → 已备案 (approved) or 已驳回 (rejected); edited only while 草稿 or 已驳回,
and a rejected plan is submitted again after editing. The superior (主管部门; the operator for a unit without one)
decides. After an approved plan has ended, 学时申报 for it: participants + proof files → a Declaration with
``plan_id`` (the plan's newest one is its current declaration) whose records are pending in the superior's 计划审核; approving the plan's hours approves all of them
in one set-based write (models/hours/approval.decide_credits with ``plan_id``).
Every step claims the row with ``UPDATE ... WHERE status = :expected``: of two clicks at once one wins.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import db, now
from ..org import OrgScoped

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
