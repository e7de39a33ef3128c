"""What every set-based decision shares: the id-set clause and the outcome it reports.

Bulk actions decide many rows with one statement; the outcome says how many were decided and, for
the rest, why not — an admin who selected 500 rows must learn that 3 were already decided by a
colleague, not guess it.
"""
import json
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, String, any_, bindparam, case, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from .base import db

ALREADY_DECIDED = "已被他人审核"
OUT_OF_SCOPE = "不存在或不在管理范围内"
VERBS = {"approved": "通过", "rejected": "驳回", "deleted": "删除", "confirmed": "确认调转", "cancelled": "撤销"}


def in_ids(column, ids):
    """``column IN ids`` with ONE bound parameter however many ids: an array on PostgreSQL, JSON on SQLite.

    A plain IN list binds one parameter per id: SQLite refuses more than 32,766 of them, and binding
    50,000 parameters costs both databases more than updating the rows does.
    """
    ids = sorted({int(i) for i in ids})
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(BigInteger)))
    return column.in_(select(func.json_each(json.dumps(ids)).table_valued("value").c.value))


def in_values(column, values):
    """:func:`in_ids` for text keys (ID numbers of an imported file): one bound parameter however many."""
    values = sorted(set(values))
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(String)))
    return column.in_(select(func.json_each(json.dumps(values)).table_valued("value").c.value))


def explain_skipped(model, scope_clause, ids, outcome: "BulkOutcome", open_status="pending"):
    """Say why ``ids`` were not decided: someone else decided them first, or they are not the actor's.

    ``scope_clause``: the SQL condition "inside the actor's scope", or None when unbounded.
    """
    ids = set(ids)
    if not ids:
        return
    columns = [model.id, model.status]
    if scope_clause is not None:
        columns.append(case((scope_clause, True), else_=False))
    found = db.session.execute(select(*columns).where(in_ids(model.id, ids))).all()
    # An out-of-scope row counts as not found whatever its status: its state is none of the actor's business.
    decided = sum(1 for row in found if row[1] != open_status and (scope_clause is None or row[2]))
    outcome.skip(ALREADY_DECIDED, decided)
    outcome.skip(OUT_OF_SCOPE, len(ids) - decided)


@dataclass
class BulkOutcome:
    """``done``: ids this call decided. ``skipped``: why -> count. ``refusals``: (subject, message) of
    rows refused for a reason of their own (a change request whose target changed meanwhile). ``notes``:
    (subject, message) of rows done with a remark (hours clipped by a cap)."""

    decision: str
    done: list = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    refusals: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def skip(self, why: str, n: int = 1):
        if n:
            self.skipped[why] += n

    def refuse(self, subject: str, message: str):
        self.refusals.append((subject, message))

    def note(self, subject: str, message: str):
        self.notes.append((subject, message))

    @property
    def not_done(self) -> int:
        return sum(self.skipped.values()) + len(self.refusals)

    def summary(self, shown_refusals: int = 5) -> str:
        text = f"已{VERBS.get(self.decision, '处理')} {len(self.done)} 条"
        if self.not_done:
            reasons = [f"{why} {n} 条" for why, n in self.skipped.most_common()]
            if self.refusals:
                reasons.append(f"未能{VERBS.get(self.decision, '处理')} {len(self.refusals)} 条")
            text += f"；跳过 {self.not_done} 条（{'，'.join(reasons)}）"
        for subject, message in self.refusals[:shown_refusals]:
            text += f"；{subject}：{message}"
        if len(self.refusals) > shown_refusals:
            text += f"；另有 {len(self.refusals) - shown_refusals} 条未能处理"
        if self.notes:
            text += f"；其中 {len(self.notes)} 条：" + "，".join(f"{s}{m}" for s, m in self.notes[:shown_refusals])
            if len(self.notes) > shown_refusals:
                text += " 等"
        return text
