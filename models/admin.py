"""Unit administrators and their roles."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint, func, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import permissions
from .base import db, now
from .org import OrgScoped


class Role(OrgScoped, db.Model):
    __tablename__ = "role"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    permissions: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    org = relationship("Organization")
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_role_org_name"),)

    def __str__(self):
        return self.name

    def grant(self, codes, editor_codes):
        """Set the role's codes; an editor can never grant what it does not hold itself."""
        codes = set(permissions.clean_codes(codes))
        beyond = codes - set(editor_codes)
        if beyond:
            raise PermissionError("不能授予自己没有的权限：" + "、".join(permissions.LABELS[c] for c in sorted(beyond)))
        self.permissions = permissions.clean_codes(codes)

    def in_use(self) -> int:
        return db.session.scalar(select(func.count()).where(AdminMembership.role_id == self.id))


class AdminMembership(OrgScoped, db.Model):
    __tablename__ = "admin_membership"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), nullable=False, index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    is_super: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("role.id"))
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    account = relationship("Account", lazy="joined")
    org = relationship("Organization", lazy="joined")
    role = relationship("Role", lazy="joined")

    __table_args__ = (
        UniqueConstraint("account_id", "org_id", name="uq_admin_membership_account_org"),
        # Exactly one super admin per organization, guarded by the database itself.
        Index("uq_admin_membership_one_super", "org_id", unique=True,
              postgresql_where=text("is_super"), sqlite_where=text("is_super")),
    )

    @property
    def permissions(self) -> frozenset:
        if self.is_super:
            return permissions.ALL
        return frozenset(self.role.permissions) & permissions.ALL if self.role else frozenset()

    @property
    def role_label(self) -> str:
        return "超级管理员" if self.is_super else (self.role.name if self.role else "未分配角色")
