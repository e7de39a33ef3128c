"""A record's change history read from the audit log: newest first, field by field, in Chinese.

Used by the 360° pages (one person and its account, one unit) and by 审计日志's request pages. Every read is a
range of ``ix_audit_entry_entity`` (entity, entity_id, id) read backwards, one per pair, so a history costs the
same in a log of tens of millions of entries as in an empty one.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, union_all

from .audit import ACTIONS, AuditEntry
from .base import db
from .choices import FIELD_LABELS, ORG_KINDS, ORG_STATUSES, PERSON_STATUSES

MASK = "***"  # what models/audit writes for a masked column: neither value is ever shown

ENTITY_LABELS = {
    "person": "人员", "organization": "单位", "account": "账号", "department": "部门", "credit_record": "学时记录",
    "credit_declaration": "学时申报", "credit_attachment": "学时附件", "admin_membership": "管理员",
    "role": "角色", "transfer": "人员调转", "review_record": "审核记录", "change_request": "信息变更申请",
    "training_plan": "培训计划", "learning_form": "学习形式", "hours_rule": "学时规则", "title_series": "职称系列",
    "job": "后台任务", "certificate": "电子证书", "audit_request": "审计请求",
}

# Columns FIELD_LABELS (shared with forms and lists) does not name: accounts' and credit records' own.
EXTRA_LABELS = {
    "password_hash": "密码", "is_operator": "平台运维", "disabled": "停用", "must_change_password": "须修改密码",
    "locked_until": "锁定至", "hours": "申报学时", "approved_hours": "认定学时", "reviewer_name": "审核人",
    "reviewer_id": "审核人", "category": "计入科目", "year": "年度", "person_name": "姓名", "person_id": "人员",
    "review_org_id": "审核单位", "form_id": "学习形式", "plan_id": "培训计划", "end_date": "结束日期",
    "cap_per_year": "年度上限", "declared_by": "申报方", "declarer_org_id": "申报单位", "declaration_id": "申报",
    "reverted_request": "撤回的请求",
}

_STATUS_WORDS = {
    "person": PERSON_STATUSES, "organization": ORG_STATUSES,
    "credit_record": {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"},
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or EXTRA_LABELS.get(name) or name


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity)


def show_value(entity: str, name: str, value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "status":
        return _STATUS_WORDS.get(entity, {}).get(value, str(value))
    if name == "kind":
        return ORG_KINDS.get(value, str(value))
    return str(value)


@dataclass
class FieldChange:
    name: str
    label: str
    before: str | None  # None: the entry does not say (a create has no before, a delete no after)
    after: str | None
    masked: bool = False


@dataclass
class HistoryRow:
    id: int
    created_at: datetime
    request_id: str
    actor_name: str
    actor_org_name: str | None
    actor_role: str | None
    entity: str
    entity_id: str
    action: str
    reason: str | None
    fields: list = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, "撤回" if self.action == "revert" else self.action)

    @property
    def entity_label(self) -> str:
        return entity_label(self.entity)


def field_changes(entity: str, changes) -> list[FieldChange]:
    out = []
    for name, change in (changes or {}).items():
        if not isinstance(change, dict):  # an explicit event's payload (e.g. {"reverted_request": "..."})
            out.append(FieldChange(name, field_label(name), None, show_value(entity, name, change)))
            continue
        masked = MASK in (change.get("before"), change.get("after"))
        out.append(FieldChange(
            name, field_label(name),
            None if masked or "before" not in change else show_value(entity, name, change["before"]),
            None if masked or "after" not in change else show_value(entity, name, change["after"]), masked))
    return out


def to_row(entry) -> HistoryRow:
    return HistoryRow(entry.id, entry.created_at, entry.request_id, entry.actor_name, entry.actor_org_name,
                      entry.actor_role, entry.entity, entry.entity_id, entry.action, entry.reason,
                      field_changes(entry.entity, entry.changes))


def history(pairs, limit: int = 50) -> list[HistoryRow]:
    """The newest ``limit`` entries about any of ``pairs`` [(entity, entity_id)], newest first."""
    pairs = list(dict.fromkeys((entity, str(entity_id)) for entity, entity_id in pairs if entity_id is not None))
    if not pairs:
        return []
    t = AuditEntry.__table__
    # One backwards index range per pair, each cut at ``limit``; the union is at most len(pairs) * limit rows.
    parts = [select(t.c.id).where(t.c.entity == entity, t.c.entity_id == entity_id)
             .order_by(t.c.id.desc()).limit(limit).subquery() for entity, entity_id in pairs]
    ids = union_all(*(select(p.c.id) for p in parts)).subquery()
    query = (select(AuditEntry).where(AuditEntry.id.in_(select(ids.c.id)))
             .order_by(AuditEntry.id.desc()).limit(limit))
    return [to_row(e) for e in db.session.scalars(query)]
