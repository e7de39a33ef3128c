"""A record's change history read from the audit log: newest first, field by field, in Chinese.

Used by the 360° pages (one person and its account, one unit) and by 审计日志's request pages. Every read is a
range of ``ix_audit_entry_entity`` (entity, entity_id, id) read backwards, one per pair, so a history costs the
same in a log of tens of millions of entries as in an empty one.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, literal, select, union_all

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
    "reverted_request": "撤回的请求", "fields": "撤回项数",
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
    entity_name: str = ""  # filled by with_names() where a page lists many kinds of records

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def entity_label(self) -> str:
        return entity_label(self.entity)


def _named_models():
    # Imported here: these models import the audit module this one builds on.
    from .account import Account
    from .hours.records import CreditRecord
    from .org import Organization
    from .person import Person
    return {"person": (Person, Person.name), "organization": (Organization, Organization.name),
            "account": (Account, Account.name), "credit_record": (CreditRecord, CreditRecord.person_name)}


def names_of(pairs) -> dict:
    """{(entity, entity_id): the record's name} for people, units, accounts and 学时记录: one read per kind."""
    wanted: dict[str, set] = {}
    for entity, entity_id in pairs:
        if str(entity_id).isdigit():
            wanted.setdefault(entity, set()).add(int(entity_id))
    out = {}
    for entity, (model, name) in _named_models().items():
        ids = sorted(wanted.get(entity, ()))
        if ids:
            out.update({(entity, str(i)): n for i, n in db.session.execute(
                select(model.id, name).where(model.id.in_(ids[:1000]))).all()})
    return out


def with_names(rows):
    """Name the records of ``rows`` (HistoryRow or anything with entity / entity_id / entity_name)."""
    names = names_of([(r.entity, r.entity_id) for r in rows])
    for r in rows:
        r.entity_name = names.get((r.entity, r.entity_id), "")
    return rows


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


@dataclass
class RequestGroup:
    head: HistoryRow  # the run's newest entry
    count: int  # entries of the run, capped at cap + 1
    capped: bool

    @property
    def request_id(self):
        return self.head.request_id


WINDOW = 500  # entries read at once to cut the newest runs
RUN_CHUNK = 10_000  # a request's entries read per step when a run is measured
PAGE_BUDGET = 30_000  # entries a page of groups reads at most; a longer run ends the page and the next resumes it


def request_groups(where, before=None, limit=20):
    """The log newest first with each request's consecutive entries as one line: a bulk approve of 10,000 is one
    group. ``where``: the scope and filters (clauses on AuditEntry); ``before``: the id the page starts below.
    Returns (groups, the next page's ``before`` or None).

    The newest WINDOW entries (ids and request ids only) are read in one go and cut into runs; a run that reaches
    the window's end is measured in steps of RUN_CHUNK entries of its request on (request_id, id), each step
    checking the id range it spans for an entry of another request (a backwards walk of that range): an entry
    interleaved into a bulk ends the line there, so it is shown, never skipped. A run longer than a page's budget
    (the command line's millions) ends the page with "N+" and the next page resumes it."""
    a = AuditEntry
    one = db.session.scalar

    def below(bound, n=1):
        q = select(a.id, a.request_id).where(*where)
        if bound is not None:
            q = q.where(a.id < bound)
        return db.session.execute(q.order_by(a.id.desc()).limit(n)).all()

    def of_request(rid, top):
        return select(a.id).where(*where, a.request_id == rid, a.id <= top)

    def measure(rid, top, walked):
        """The run of ``rid`` from ``top`` down: (entries, cut by the budget, the next entry below or None)."""
        count = 0
        while True:
            low = one(of_request(rid, top).order_by(a.id.desc()).offset(RUN_CHUNK - 1).limit(1))
            if low is None:
                low = one(select(func.min(a.id)).where(*where, a.request_id == rid, a.id <= top))
            other = one(select(func.max(a.id)).where(*where, a.id >= low, a.id < top, a.request_id != rid))
            floor = other if other is not None else low - 1
            step = one(select(func.count()).select_from(of_request(rid, top).where(a.id > floor).subquery()))
            count, walked = count + step, walked + step
            if other is not None:
                return count, False, db.session.execute(select(a.id, a.request_id).where(a.id == other)).first()
            nxt = below(low)
            if not nxt or nxt[0].request_id != rid:
                return count, False, (nxt[0] if nxt else None)
            if walked >= PAGE_BUDGET:
                return count, True, nxt[0]
            top = nxt[0].id

    runs, walked, cursor = [], 0, before
    while len(runs) < limit and walked < PAGE_BUDGET:
        window = below(cursor, WINDOW)
        if not window:
            cursor = None
            break
        i = 0
        while i < len(window) and len(runs) < limit and walked < PAGE_BUDGET:
            j = i
            while j + 1 < len(window) and window[j + 1].request_id == window[i].request_id:
                j += 1
            if j + 1 < len(window):  # the run ends inside the window: its size is read off it
                runs.append((window[i].id, j - i + 1, False))
                walked += j - i + 1
                i = j + 1
                continue
            count, capped, nxt = measure(window[i].request_id, window[i].id, walked)
            runs.append((window[i].id, count, capped))
            walked += count
            cursor = nxt.id + 1 if nxt is not None else None
            break
        else:
            cursor = window[i].id + 1  # the page is full (or its budget spent) inside the window
        if cursor is None:
            break
    heads = {e.id: e for e in db.session.scalars(select(a).where(a.id.in_([r[0] for r in runs])))}
    groups = [RequestGroup(to_row(heads[h]), n, capped) for h, n, capped in runs]
    return groups, cursor


def request_entries(where, request_id, after=None, limit=50):
    """One request's entries in the order written, ``limit`` after id ``after``: the (request_id, id) range."""
    q = select(AuditEntry).where(*where, AuditEntry.request_id == request_id)
    if after is not None:
        q = q.where(AuditEntry.id > after)
    rows = [to_row(e) for e in db.session.scalars(q.order_by(AuditEntry.id).limit(limit + 1))]
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def request_summary(where, request_id, cap=100_000):
    """How many entries of each record kind and action a request wrote (at most ``cap`` read)."""
    a = AuditEntry
    inner = select(a.entity, a.action).where(*where, a.request_id == request_id).limit(cap + 1).subquery()
    rows = db.session.execute(select(inner.c.entity, inner.c.action, func.count())
                              .group_by(inner.c.entity, inner.c.action).order_by(func.count().desc())).all()
    return [(entity_label(e), ACTIONS.get(act, act), n) for e, act, n in rows]
