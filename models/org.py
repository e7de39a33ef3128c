"""The organization tree (closure table) and internal departments.

Every scoping question ("is X inside admin's subtree?") is one indexed lookup in
``org_closure``: no recursive Python over the tree, no recursive SQL.
"""
from datetime import datetime

from sqlalchemy import (Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, delete,
                        exists, func, insert, literal, select, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, now
from .choices import ORG_KINDS, ORG_STATUSES


class OrgClosure(db.Model):
    __tablename__ = "org_closure"
    ancestor_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    depth: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (Index("ix_org_closure_descendant", "descendant_id", "depth"),)


def subtree_ids(org_id):
    """A SELECT of the ids of ``org_id`` and all its descendants."""
    return select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == org_id)


class OrgScoped:
    """Models that belong to an organization say which column holds it; scoping reads it."""

    __scope_column__ = "org_id"

    @classmethod
    def scope_clause(cls, org_id):
        return getattr(cls, cls.__scope_column__).in_(subtree_ids(org_id))


class Organization(OrgScoped, db.Model):
    __tablename__ = "organization"
    __scope_column__ = "id"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    no_uscc: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    nature: Mapped[str | None] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="pending", nullable=False)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    reviewed_at: Mapped[datetime | None]

    parent = relationship("Organization", remote_side=[id], lazy="joined", innerjoin=False)

    __table_args__ = (Index("ix_organization_status_parent", "status", "parent_id"),)

    def __str__(self):
        return self.name

    @property
    def kind_label(self):
        return ORG_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self):
        return ORG_STATUSES.get(self.status, self.status)

    # -- tree maintenance -------------------------------------------------
    def attach_to_tree(self):
        """Insert this org's closure rows; call once after its id exists."""
        db.session.flush()
        rows = select(OrgClosure.ancestor_id, literal(self.id), OrgClosure.depth + 1).where(
            OrgClosure.descendant_id == self.parent_id
        )
        db.session.execute(insert(OrgClosure).values(ancestor_id=self.id, descendant_id=self.id, depth=0))
        if self.parent_id:
            db.session.execute(
                insert(OrgClosure).from_select(["ancestor_id", "descendant_id", "depth"], rows)
            )

    def move_under(self, new_parent: "Organization"):
        """Re-hang this org and its whole subtree under ``new_parent``."""
        if new_parent is not None and self.contains(new_parent.id):
            raise ValueError("不能把单位挂到它自己或它的下属单位之下")
        sub = subtree_ids(self.id)
        old_ancestors = select(OrgClosure.ancestor_id).where(
            OrgClosure.descendant_id == self.id, OrgClosure.depth > 0
        )
        db.session.execute(
            delete(OrgClosure).where(
                OrgClosure.descendant_id.in_(sub), OrgClosure.ancestor_id.in_(old_ancestors)
            ).execution_options(synchronize_session=False)
        )
        self.parent_id = new_parent.id if new_parent else None
        if new_parent is not None:
            a = OrgClosure.__table__.alias("a")
            d = OrgClosure.__table__.alias("d")
            # Every ancestor of the new parent × every node of the moved subtree: a deliberate cross join.
            pairs = (
                select(a.c.ancestor_id, d.c.descendant_id, a.c.depth + d.c.depth + 1)
                .select_from(a.join(d, true()))
                .where(a.c.descendant_id == new_parent.id, d.c.ancestor_id == self.id)
            )
            db.session.execute(
                insert(OrgClosure).from_select(["ancestor_id", "descendant_id", "depth"], pairs)
            )

    def contains(self, org_id) -> bool:
        """True when ``org_id`` is this org or one of its descendants."""
        return db.session.scalar(
            select(exists().where(OrgClosure.ancestor_id == self.id, OrgClosure.descendant_id == org_id))
        )

    def ancestors(self):
        """Root first, this org last."""
        return db.session.scalars(
            select(Organization)
            .join(OrgClosure, OrgClosure.ancestor_id == Organization.id)
            .where(OrgClosure.descendant_id == self.id)
            .order_by(OrgClosure.depth.desc())
        ).all()

    @property
    def tree_path(self) -> str:
        return " / ".join(o.name for o in self.ancestors())

    @property
    def can_log_in(self) -> bool:
        return self.status == "approved"


class Department(OrgScoped, db.Model):
    __tablename__ = "department"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    org = relationship("Organization")
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_department_org_name"),)

    def __str__(self):
        return self.name

    def people_count(self) -> int:
        from .person import Person

        return db.session.scalar(select(func.count()).where(Person.department_id == self.id))

    def delete_refusal(self) -> str | None:
        """Why this department may not be deleted, or None."""
        n = self.people_count()
        return f"该部门下还有 {n} 名人员，请先调整他们的部门后再删除" if n else None
