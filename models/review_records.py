"""Review decisions and field-by-field change requests."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import BigId, db, now
from .org import OrgScoped

DECISIONS = {"approved": "通过", "rejected": "驳回"}
REQUEST_STATUSES = {"pending": "待审核", "approved": "已通过", "rejected": "已驳回", "cancelled": "已撤销"}


class ReviewRecord(OrgScoped, db.Model):
    """One review decision; the "已审核" tabs list these. ``org_id`` is the reviewing org."""

    __tablename__ = "review_record"
    __audited__ = True

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(30), nullable=False)
    target_id: Mapped[int] = mapped_column(nullable=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    subject_name: Mapped[str] = mapped_column(String(100), nullable=False)
    subject_code: Mapped[str | None] = mapped_column(String(18))
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewer_name: Mapped[str] = mapped_column(String(50), nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    org = relationship("Organization")
    __table_args__ = (
        Index("ix_review_record_type_org_created", "target_type", "org_id", "created_at"),
        # A 已审核 tab in its order (created_at DESC, id DESC: read backwards) and its prefix searches and filters;
        # org_id last, so the scoped count of a search is read from the index alone.
        Index("ix_review_record_type_created_id", "target_type", "created_at", "id"),
        Index("ix_review_record_type_subject_name", "target_type", "subject_name", "org_id",
              postgresql_ops={"subject_name": "varchar_pattern_ops"}),
        Index("ix_review_record_type_subject_code", "target_type", "subject_code", "org_id",
              postgresql_ops={"subject_code": "varchar_pattern_ops"}),
        Index("ix_review_record_type_reviewer", "target_type", "reviewer_name", "org_id",
              postgresql_ops={"reviewer_name": "varchar_pattern_ops"}),
    )

    @property
    def decision_label(self):
        return DECISIONS.get(self.decision, self.decision)


class ChangeRequest(OrgScoped, db.Model):
    """A person's or an org's requested edits, as {field: {"before": x, "after": y}}.

    ``org_id`` is the org that reviews it (the person's unit; an org's superior, or the new
    superior for a change of superior). One pending request per target, enforced by the database.
    """

    __tablename__ = "change_request"
    __audited__ = True

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[int] = mapped_column(nullable=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    subject_name: Mapped[str] = mapped_column(String(100), nullable=False)
    changes: Mapped[dict] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="pending", nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewed_at: Mapped[datetime | None]

    org = relationship("Organization")
    __table_args__ = (
        Index("ix_change_request_status_org", "status", "org_id"),
        Index("uq_change_request_one_pending", "target_type", "target_id", unique=True,
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
    )

    @property
    def status_label(self):
        return REQUEST_STATUSES.get(self.status, self.status)
