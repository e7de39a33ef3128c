"""撤回 one request's changes from its audit entries: a preview per record and field, then one audited request.

What can be put back: field updates of 人员 / 单位 / 账号 (the entry holds the value before), and 学时记录
decisions (通过 / 驳回 → back to 待审核, 学时汇总 recomputed). A field changed again since — a later entry of
another request about the same record and field, or a current value that is no longer the one the request
wrote — is listed and skipped, never overwritten. Creates, deletes, exports, logins, registration decisions,
transfers (调转 moves hours and totals) and masked fields are listed as not revertible rather than guessed at.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Numeric, select, update

from . import audit
from .account import Account
from .audit import AuditEntry
from .audit_history import MASK, entity_label, field_label, show_value
from .base import db
from .hours.records import CreditRecord
from .hours.totals import refresh
from .org import Organization
from .person import Person

MARKER = "audit_request"  # the entry that says "this request was reverted", entity_id = the request reverted
MAX_ENTRIES = 10_000  # one request's entries a revert reads; a larger import is reverted by nobody's click
CHUNK = 500
UPDATE_ACTIONS = {"update", "lock", "unlock", "enable", "disable"}
DECISIONS = {"approve", "reject"}
DECISION_FIELDS = ("status", "approved_hours", "reject_reason", "reviewer_id", "reviewer_name", "reviewed_at")
MODELS = {"person": Person, "organization": Organization, "account": Account, "credit_record": CreditRecord}
# Fields whose change drags others along (调转 moves hours and totals, a parent moves the org tree, operator
# rights): a revert would leave those behind, so it does not touch them.
NOT_REVERTIBLE_FIELDS = {
    "person": {"id", "account_id", "org_id", "department_id", "created_at"},
    "organization": {"id", "parent_id", "created_at"},
    "account": {"id", "is_operator", "operator_role", "password_hash", "created_at"},
}
WHY_NOT = {
    "create": "新增的记录不能撤回（请在相应页面删除或停用）",
    "delete": "已删除的记录不能撤回",
    "export": "导出不改变数据",
    "transfer": "调转请通过人员调转办理",
    "revert": "撤回操作本身不能再撤回",
}


class RevertRefused(ValueError):
    pass


@dataclass
class FieldPlan:
    entity: str
    entity_id: str
    name: str
    before: object  # the value to restore, as the audit entry stored it
    after: object
    state: str  # "restore" | "changed" | "not_revertible"
    note: str = ""
    masked: bool = False  # a 密码-like field: neither value is ever shown
    entity_name: str = ""

    @property
    def label(self):
        return field_label(self.name)

    @property
    def entity_label(self):
        return entity_label(self.entity)

    @property
    def before_text(self):
        if self.masked:
            return "（不显示）"
        return show_value(self.entity, self.name, self.before)

    @property
    def after_text(self):
        if self.masked:
            return "（不显示）"
        return show_value(self.entity, self.name, self.after)


@dataclass
class Plan:
    request_id: str
    entries: int = 0
    fields: list = field(default_factory=list)
    already: AuditEntry | None = None  # the earlier revert of this request

    def of(self, state):
        return [f for f in self.fields if f.state == state]

    @property
    def restorable(self):
        return self.of("restore")


def _entries(request_id):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)
                              .order_by(AuditEntry.id).limit(MAX_ENTRIES + 1)).all()


def reverted_by(request_id) -> AuditEntry | None:
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == MARKER, AuditEntry.entity_id == request_id, AuditEntry.action == "revert")
        .order_by(AuditEntry.id).limit(1)).first()


def _later_fields(entity, ids, request_id, after_id) -> dict[str, set]:
    """Per record, the fields a later entry of another request touched: (entity, entity_id, id) ranges."""
    touched: dict[str, set] = {}
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(select(AuditEntry.entity_id, AuditEntry.changes).where(
            AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids[start:start + CHUNK]),
            AuditEntry.id > after_id, AuditEntry.request_id != request_id)).all()
        for entity_id, changes in rows:
            touched.setdefault(entity_id, set()).update(changes or {"*": None})
    return touched


def _current(entity, ids, lock=False) -> dict:
    model = MODELS[entity]
    out = {}
    for start in range(0, len(ids), CHUNK):
        chunk = [int(i) for i in ids[start:start + CHUNK] if i.isdigit()]
        query = select(model).where(model.id.in_(chunk)).order_by(model.id).execution_options(populate_existing=True)
        out.update({str(o.id): o for o in db.session.scalars(query.with_for_update() if lock else query)})
    return out


def _typed(model, name, value):
    """The stored JSON value back as the column's Python value (models/audit._plain wrote dates and decimals
    as text)."""
    if value is None:
        return None
    kind = model.__table__.c[name].type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Numeric):
        return Decimal(str(value))
    if isinstance(kind, Boolean):
        return bool(value)
    return value


def _same(model, name, current, stored) -> bool:
    return current == _typed(model, name, stored)


def plan(request_id: str) -> Plan:
    entries = _entries(request_id)
    result = Plan(request_id, len(entries))
    if not entries:
        return result
    if len(entries) > MAX_ENTRIES:
        raise RevertRefused(f"该请求的记录超过 {MAX_ENTRIES:,} 条，不能在页面上撤回")
    result.already = reverted_by(request_id)
    last = entries[-1].id
    by_record: dict[tuple, dict] = {}  # (entity, id) -> {field: [first before, last after]}, in request order
    kinds: dict[tuple, str] = {}
    for e in entries:
        key = (e.entity, e.entity_id)
        if e.entity == MARKER:
            continue
        if e.action in WHY_NOT or e.entity not in MODELS or not (
                e.action in UPDATE_ACTIONS or (e.action in DECISIONS and e.entity == "credit_record")):
            note = WHY_NOT.get(e.action) or f"「{e.action_label}」{entity_label(e.entity)}不支持撤回"
            result.fields.append(FieldPlan(e.entity, e.entity_id, "*", None, None, "not_revertible", note))
            continue
        kinds[key] = "decision" if e.action in DECISIONS else "update"
        fields = by_record.setdefault(key, {})
        for name, change in (e.changes or {}).items():
            if not isinstance(change, dict):
                continue
            if name in fields:
                fields[name][1] = change.get("after")
            else:
                fields[name] = [change.get("before"), change.get("after"), "before" in change,
                                MASK in (change.get("before"), change.get("after"))]
    for entity in {k[0] for k in by_record}:
        ids = [k[1] for k in by_record if k[0] == entity]
        later, current = _later_fields(entity, ids, request_id, last), _current(entity, ids)
        model = MODELS[entity]
        for entity_id in ids:
            fields, obj = by_record[(entity, entity_id)], current.get(entity_id)
            touched = later.get(entity_id, set())
            if kinds[(entity, entity_id)] == "decision":
                status = fields.get("status", [None, None])[1]
                if obj is None:
                    state, note = "not_revertible", "记录已不存在"
                elif "*" in touched or touched & set(DECISION_FIELDS) or obj.status != status:
                    state, note = "changed", "此后已被再次修改，跳过"
                else:
                    state, note = "restore", ""
                result.fields.append(FieldPlan(entity, entity_id, "status", "pending", status, state, note))
                continue
            for name, (before, after, knows_before, masked) in fields.items():
                if masked:
                    result.fields.append(FieldPlan(entity, entity_id, name, None, None, "not_revertible",
                                                   "保密字段不能撤回", masked=True))
                    continue
                if name in NOT_REVERTIBLE_FIELDS.get(entity, ()):
                    state, note = "not_revertible", "此字段不能撤回"
                elif not knows_before:
                    state, note = "not_revertible", "记录中没有原值"
                elif obj is None:
                    state, note = "not_revertible", "记录已不存在"
                elif name in touched or "*" in touched or not _same(model, name, getattr(obj, name), after):
                    state, note = "changed", "此后已被再次修改，跳过"
                else:
                    state, note = "restore", ""
                result.fields.append(FieldPlan(entity, entity_id, name, before, after, state, note))
    return result


def apply(request_id: str, reason: str) -> Plan:
    """Restore what the preview would; one request of the caller's, every change audited as "revert" with the
    reason, plus an entry naming the request reverted (the refusal of a second revert reads it)."""
    reason = (reason or "").strip()
    if not reason:
        raise RevertRefused("请填写撤回原因")
    # The records first, locked (PostgreSQL): a second revert of the same request, or an edit racing this one,
    # waits here and then reads the first one's marker or values when it plans.
    records: dict[str, set] = {}
    for e in _entries(request_id):
        if e.entity in MODELS and e.entity_id.isdigit():
            records.setdefault(e.entity, set()).add(e.entity_id)
    if records and db.session.get_bind().dialect.name != "postgresql":
        # SQLite has no row locks: a write that changes nothing takes the database write lock (models/base.lock_row)
        entity, ids = min(records.items())
        table = MODELS[entity].__table__
        db.session.execute(update(table).where(table.c.id == int(min(ids))).values(id=table.c.id))
    for entity, ids in sorted(records.items()):
        _current(entity, sorted(ids), lock=True)
    result = plan(request_id)
    if not result.entries:
        raise RevertRefused("没有该请求的审计记录")
    if result.already is not None:
        raise RevertRefused("该请求已撤回过，不能重复撤回")
    todo = result.restorable
    if not todo:
        raise RevertRefused("没有可以撤回的修改")
    hours = set()
    with audit.reason(reason), audit.action("revert"):
        for entity in {f.entity for f in todo}:
            model, ids = MODELS[entity], sorted({f.entity_id for f in todo if f.entity == entity})
            objects = _current(entity, ids)
            for f in todo:
                if f.entity != entity:
                    continue
                obj = objects[f.entity_id]
                if entity == "credit_record":
                    for name in DECISION_FIELDS:
                        setattr(obj, name, "pending" if name == "status" else None)
                    hours.add((obj.person_id, obj.year))
                else:
                    setattr(obj, f.name, _typed(model, f.name, f.before))
        db.session.flush()
        if hours:
            refresh(sorted(hours))
        audit.record(MARKER, request_id, "revert", {"reverted_request": request_id, "fields": len(todo)})
    return result
