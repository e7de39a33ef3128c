"""The one audit path.

ORM writes of models marked ``__audited__`` are recorded automatically after each flush;
set-based writes (bulk UPDATE/INSERT) call :func:`record_bulk`. Both build their rows with
:func:`_row`, and both insert inside the caller's transaction: the change and its audit
entry commit or roll back together.
"""
import json
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context, request

from sqlalchemy import JSON, Index, String, Text, case, cast, event, func, insert, inspect, literal, select, text
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from .base import BigId, db, now
from .org import OrgScoped

_reason: ContextVar[str | None] = ContextVar("audit_reason", default=None)
_action: ContextVar[str | None] = ContextVar("audit_action", default=None)
_cli_request_id = uuid.uuid4().hex

ACTIONS = {
    "create": "新增", "update": "修改", "delete": "删除", "approve": "审核通过", "reject": "驳回",
    "lock": "锁定", "unlock": "解锁", "login": "登录", "password": "修改密码", "reset_password": "重置密码",
    "enable": "启用", "disable": "停用", "register": "注册",
    "cancel": "撤销", "reinstate": "恢复", "issue": "发放", "print": "打印", "transfer": "调转", "export": "导出", "import": "导入",
    "revert": "撤回",
}


class AuditEntry(OrgScoped, db.Model):
    """Scoped by the acting admin's org: an admin sees what was done from inside its subtree."""

    __tablename__ = "audit_entry"
    __scope_column__ = "actor_org_id"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False, index=True)
    request_id: Mapped[str] = mapped_column(String(32), nullable=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    actor_id: Mapped[int | None]  # no index: lists filter by the frozen name; every bulk decision writes here
    actor_name: Mapped[str] = mapped_column(String(50), nullable=False)
    actor_org_id: Mapped[int | None]  # indexed with the action: the scope of every audit list (below)
    actor_org_name: Mapped[str | None] = mapped_column(String(100))
    actor_role: Mapped[str | None] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(40), nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    changes: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # One record's history newest first (models/audit_history) and "changed since" of a revert: index ranges.
        Index("ix_audit_entry_entity", "entity", "entity_id", "id"),
        # The log grouped per request: a request's first/last entry and its size in an id range, from the index.
        Index("ix_audit_entry_request_id", "request_id", "id"),
        # The 操作人 filter is a prefix (admin_views/filters.starts_with).
        # The scope (actor org in the subtree) with the 操作 filter and the list's order: a filter that matches few
        # of a province's millions of entries reads those few, not the table backwards.
        Index("ix_audit_entry_org_action_id", "actor_org_id", "action", "id"),
        # The same filter for a province-wide scope, read in the list's order: entries of no org are left out, so a
        # rare action is found without walking the command line's millions of entries.
        Index("ix_audit_entry_action_id_of_orgs", "action", "id", postgresql_where=text("actor_org_id IS NOT NULL"),
              sqlite_where=text("actor_org_id IS NOT NULL")),
        Index("ix_audit_entry_actor_name", "actor_name", "actor_org_id",
              postgresql_ops={"actor_name": "varchar_pattern_ops"}),
    )

    @classmethod
    def scope_clause(cls, org_id):
        # Entries of no org (the command line, anonymous visitors) are in no admin's subtree. Saying so lets the
        # planner read the (actor_org_id, action, id) index for a filter that matches few entries, instead of
        # the whole log backwards.
        return cls.actor_org_id.is_not(None) & super().scope_clause(org_id)

    @property
    def action_label(self):
        return ACTIONS.get(self.action, self.action)


@contextmanager
def reason(text: str | None):
    """Attach a reason to every audit entry written inside the block."""
    token = _reason.set(text)
    try:
        yield
        db.session.flush()  # write the block's changes while the reason is still set
    finally:
        _reason.reset(token)


@contextmanager
def action(name: str):
    """Name ORM updates inside the block (e.g. "approve") instead of the generic "update"."""
    token = _action.set(name)
    try:
        yield
        db.session.flush()
    finally:
        _action.reset(token)


def _actor() -> dict:
    """Who is acting, frozen at write time. Set per request by the login layer."""
    if has_request_context():
        actor = g.get("actor") or {}
        return {
            "request_id": g.get("request_id") or uuid.uuid4().hex,
            "ip": request.remote_addr,
            "actor_id": actor.get("id"),
            "actor_name": actor.get("name") or "匿名访客",
            "actor_org_id": actor.get("org_id"),
            "actor_org_name": actor.get("org_name"),
            "actor_role": actor.get("role"),
        }
    return {"request_id": _cli_request_id, "ip": None, "actor_id": None, "actor_name": "系统",
            "actor_org_id": None, "actor_org_name": None, "actor_role": "命令行"}


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(entity: str, entity_id, action_name: str, changes, reason_text=None, actor=None) -> dict:
    return {
        **(actor or _actor()),
        "created_at": now(),
        "entity": entity,
        "entity_id": str(entity_id),
        "action": action_name,
        "changes": changes,
        "reason": reason_text if reason_text is not None else _reason.get(),
    }


def record(entity: str, entity_id, action_name: str, changes=None, reason_text=None):
    """An explicit event that is not a plain column change (login lock, password reset, ...)."""
    db.session.execute(insert(AuditEntry), [_row(entity, entity_id, action_name, changes, reason_text)])


def record_in(connection, entity: str, entity_id, action_name: str, changes=None, reason_text=None):
    """:func:`record` for a write made on a connection of its own (a lock that must outlive the caller's
    rollback): the entry commits with that write."""
    connection.execute(insert(AuditEntry.__table__), [_row(entity, entity_id, action_name, changes, reason_text)])


def record_bulk(entity: str, action_name: str, items, reason_text=None) -> int:
    """Audit a set-based write: ``items`` is an iterable of (entity_id, changes)."""
    actor = _actor()
    rows = [_row(entity, eid, action_name, changes, reason_text, actor) for eid, changes in items]
    if rows:
        db.session.execute(insert(AuditEntry), rows)
    return len(rows)


def record_bulk_select(entity: str, action_name: str, ids, changes, reason_text=None):
    """Audit a set-based write over the rows named by ``ids`` (a one-column SELECT), all with the same
    ``changes``: one INSERT ... SELECT, so the database builds 10,000 entries instead of Python sending them."""
    row = _row(entity, "", action_name, changes, reason_text)
    names = [k for k in row if k != "entity_id"]
    table, rows = AuditEntry.__table__, ids.subquery()
    values = [literal(row[k], table.c[k].type) for k in names] + [cast(list(rows.c)[0], String)]
    db.session.execute(insert(table).from_select(names + ["entity_id"], select(*values).select_from(rows)))


def record_bulk_rows(entity: str, action_name: str, table, where, fields, fixed=None, reason_text=None):
    """Audit a set-based INSERT from the rows it wrote: ONE ``INSERT INTO audit_entry ... SELECT`` over ``table``
    rows matching ``where``, each entry's changes ``{field: {"after": value}}`` built by the database from the
    row's ``fields`` (null ones left out, as for an ORM create) plus the ``fixed`` values every row got. At
    100,000 imported rows, building the entries in Python costs more than writing the rows themselves."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    obj = func.json_build_object if postgres else func.json_object

    def constant(value):
        encoded = literal(json.dumps(_plain(value), ensure_ascii=False))
        return cast(encoded, JSON) if postgres else func.json(encoded)

    pairs = []
    for name in fields:
        column = table.c[name]
        pairs += [name, case((column.is_(None), None), else_=obj("after", column))]
    for name, value in (fixed or {}).items():
        pairs += [name, obj("after", constant(value))]
    changes = func.json_strip_nulls(obj(*pairs)) if postgres else func.json_patch("{}", obj(*pairs))
    row = _row(entity, "", action_name, None, reason_text)
    names = [k for k in row if k not in ("entity_id", "changes")]
    audit = AuditEntry.__table__
    values = [literal(row[k], audit.c[k].type) for k in names]
    key = list(table.primary_key.columns)[0]
    db.session.execute(insert(audit).from_select(
        names + ["entity_id", "changes"], select(*values, cast(key, String), changes).where(where)))


def _columns(obj):
    for attr in inspect(obj).mapper.column_attrs:
        flag = attr.columns[0].info.get("audit", True)
        if flag is not False:
            yield attr.key, flag


@event.listens_for(Mapper, "mapper_configured")
def _keep_old_values(mapper, cls):
    """An audited column assigned while its old value is not loaded (the row expired at a commit earlier in the
    request) would record ``before: None``, and a revert would restore that: load the old value first."""
    if not getattr(cls, "__audited__", False):
        return
    for attr in mapper.column_attrs:
        if attr.columns[0].info.get("audit", True) is not False:
            event.listen(getattr(cls, attr.key), "set", _ignore, active_history=True)


def _ignore(target, value, oldvalue, initiator):
    return value


def _snapshot(obj) -> dict:
    return {key: ("***" if flag == "mask" else _plain(getattr(obj, key))) for key, flag in _columns(obj)}


def _diff(obj) -> dict:
    state, changes = inspect(obj), {}
    for key, flag in _columns(obj):
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        before = hist.deleted[0] if hist.deleted else None
        after = hist.added[0] if hist.added else None
        if before == after:
            continue
        changes[key] = {"before": "***", "after": "***"} if flag == "mask" else {
            "before": _plain(before), "after": _plain(after)}
    return changes


@event.listens_for(Session, "after_flush")
def _audit_flush(session, flush_context):
    actor, rows = None, []
    for obj, kind in ([(o, "create") for o in session.new] + [(o, "update") for o in session.dirty]
                      + [(o, "delete") for o in session.deleted]):
        if not getattr(obj, "__audited__", False):
            continue
        if kind == "update":
            changes = _diff(obj)
            if not changes:
                continue
            name = _action.get() or "update"
        else:
            snap = _snapshot(obj)
            changes = {k: ({"after": v} if kind == "create" else {"before": v}) for k, v in snap.items()
                       if v is not None}
            name = kind
        actor = actor or _actor()
        pk = inspect(obj).identity
        rows.append(_row(obj.__tablename__, pk[0] if pk else getattr(obj, "id", ""), name, changes, None, actor))
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)
