"""专技人员 profiles."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit
from .base import db, lock_row, now
from .choices import PERSON_STATUSES
from .org import OrgScoped
from .validators import mask_id_number

# An admin account's password opens more than this person's portal: a unit admin resetting it could sign in as
# the admin of another (maybe higher) unit.
RESET_REFUSED_ADMIN = "该人员同时是单位管理员，为防止越权，其密码不能在此重置：请本人通过“忘记密码”找回，或联系平台客服"
RESET_REFUSED_STATUS = "只能重置已审核人员的密码"


class Person(OrgScoped, db.Model):
    __tablename__ = "person"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True, nullable=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False, index=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    gender: Mapped[str] = mapped_column(String(2), nullable=False)
    birth_date: Mapped[date] = mapped_column(nullable=False)
    education: Mapped[str | None] = mapped_column(String(20))
    major: Mapped[str | None] = mapped_column(String(50))
    title_series: Mapped[str | None] = mapped_column(String(20), ForeignKey("title_series.name"))
    title_name: Mapped[str | None] = mapped_column(String(50))
    title_level: Mapped[str | None] = mapped_column(String(10))
    title_date: Mapped[date | None]
    admin_post: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="pending", nullable=False)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    reviewed_at: Mapped[datetime | None]

    account = relationship("Account")
    org = relationship("Organization")
    department = relationship("Department")

    __table_args__ = (
        Index("ix_person_org_status", "org_id", "status"),
        Index("ix_person_status_created", "status", "created_at"),
        Index("ix_person_org_title", "org_id", "title_series", "title_level"),
        Index("ix_person_education_org", "education", "org_id"),  # the 学历 filter: a rare degree is not a scan
        # Prefix search (admin_views/filters.starts_with). PostgreSQL's LIKE 'x%' needs pattern operators unless
        # the database collation is "C"; SQLite's range uses the plain name index and the unique id_number one.
        # org_id last: the list's count (scoped by org) is then read from the index alone.
        Index("ix_person_name_prefix", "name", "org_id", postgresql_ops={"name": "varchar_pattern_ops"})
        .ddl_if(dialect="postgresql"),
        Index("ix_person_id_number_prefix", "id_number", "org_id",
              postgresql_ops={"id_number": "varchar_pattern_ops"}).ddl_if(dialect="postgresql"),
    )

    def __str__(self):
        return self.name

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def status_label(self):
        return PERSON_STATUSES.get(self.status, self.status)

    def password_reset_refusal(self) -> str | None:
        """Why an admin of the person's unit may not reset this account's password, or None."""
        from .admin import AdminMembership

        if self.status != "approved":
            return RESET_REFUSED_STATUS
        if self.account.is_operator or db.session.query(
                AdminMembership.query.filter(AdminMembership.account_id == self.account_id).exists()).scalar():
            return RESET_REFUSED_ADMIN
        return None

    def reset_password(self) -> str:
        """重置密码 (F28): a temporary password the person must replace at the next login; returns it once.

        Every session of the account ends, a lock from wrong passwords is lifted (the admin has just vouched for
        the person), and the change is audited as 重置密码 with the password itself masked.
        """
        from .account import Account, temporary_password

        account = lock_row(Account, self.account_id)
        refusal = self.password_reset_refusal()
        if refusal:
            raise ValueError(refusal)
        password = temporary_password()
        with audit.action("reset_password"):
            account.set_password(password, temporary=True)
            account.unlock()
        return password
