"""待办事项 (F7): the queues an admin acts on — what each counts, which permission acts on it, which kinds of
org have it at all, and the list page it opens. Views render them; ``bench/`` times them.

All counts of one dashboard come from ONE statement of scalar subqueries: a round trip per page, not per queue.
"""
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func, literal_column, select

from . import change_requests, registration_review
from . import transfer as tr
from .base import db
from .hours import approval as credit_approval
from .transfer import Transfer
from .hours import plans

# Org kinds whose admins decide each kind of queue. Staff register at employers (and at supervising departments,
# which have staff of their own); units register under supervisors and employers (branches); transfers move
# staff between employers, and supervising departments oversee those of their subtree. A training base has none
# of these: it declares hours for people it trained.
STAFF_KINDS = ("employer", "supervisor")
# A card counts at most this many rows and then says "1,000+": counting a province's 100,000 waiting registrations
# on every 30-second refresh reads them all and tells nobody more.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    permission: str
    count_query: Callable  # scope org id (None: unbounded) -> SELECT count(*) of the rows waiting
    endpoint: str
    kinds: tuple = STAFF_KINDS  # org kinds whose admins have this queue
    params: dict = field(default_factory=dict)


QUEUES: list[Queue] = [
    Queue("person_registration", "专技人员注册审核", "review.person_registration",
          lambda scope: registration_review.pending_count_query(registration_review.PERSONS, scope),
          "person_registration.index_view"),
    Queue("org_registration", "下属单位注册审核", "review.org_registration",
          lambda scope: registration_review.pending_count_query(registration_review.ORGS, scope),
          "org_registration.index_view"),
    Queue("person_change", "人员信息修改审核", "review.person_change",
          lambda scope: change_requests.pending_count_query(change_requests.PERSON, scope),
          "person_change.index_view"),
    Queue("org_change", "机构信息修改审核", "review.org_change",
          lambda scope: change_requests.pending_count_query(change_requests.ORG, scope), "org_change.index_view"),
    Queue("transfer_out_review", "人员调出审核", "transfer.out_review",
          lambda scope: tr.queue_count_query("pending_out", Transfer.from_org_id, scope),
          "transfer_out_review.index_view"),
    Queue("transfer_in_review", "人员调入审核", "transfer.in_review",
          lambda scope: tr.queue_count_query("pending_in", Transfer.to_org_id, scope),
          "transfer_in_review.index_view"),
    Queue("hours_review", "学时审核", "hours.review", lambda scope: credit_approval.pending_count_query(scope),
          "hours_review.index_view"),
    Queue("plan_review", "计划审核", "hours.plan_review", plans.pending_count_query, "plan_review.index_view"),
]


def queues_for(granted, org_kind) -> list[Queue]:
    """The queues an admin holding ``granted`` codes for an org of ``org_kind`` acts on (None: the operator)."""
    return [q for q in QUEUES if q.permission in granted and (org_kind is None or org_kind in q.kinds)]


def capped(count_query):
    """``count_query`` (a SELECT count(*) with its FROM named) counting at most COUNT_CAP + 1 rows."""
    rows = count_query.with_only_columns(literal_column("1")).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(rows)


def count_all(queues, scope_org_id) -> dict:
    """{queue key: rows waiting, at most COUNT_CAP + 1} for ``queues`` within the scope, in one statement."""
    if not queues:
        return {}
    row = db.session.execute(select(*[capped(q.count_query(scope_org_id)).scalar_subquery().label(q.key)
                                      for q in queues])).one()
    return dict(row._mapping)


def shown(count: int):
    """What a card says: the number, or "1,000+" past the cap."""
    return count if count <= COUNT_CAP else f"{COUNT_CAP:,}+"
