"""账户管理 · 人员调转 (seed §5.1.5, F17–F20): what every transfer list shares.

Both units see a transfer, each from its own side and within its subtree: the out side (人员调出,
人员调出审核, 调出记录) by the transfer's ``from_org_id``, the in side (人员调入审核, 调入记录) by its
``to_org_id``. Which step may follow which, and who may take it, is decided in models/transfer.py.
"""
from flask import abort, flash, g, request
from flask_admin.contrib.sqla.filters import FilterEqual
from sqlalchemy import select

from forms.input import to_id
from models import Organization, Person, Transfer, db
from models import transfer as tr

from models import access
from ..base import ScopedModelView
from ..export import ExportColumn as Col
from ..filters import DayRangeFilter, InSelectFilter, contains, starts_with

LABELS = {
    "person": "姓名", "id_number": "身份证号", "from_org": "调出单位", "to_org": "调入单位",
    "from_department": "原部门", "to_department": "调入后部门", "reason": "调转原因", "transfer_date": "调转日期",
    "status": "状态", "initiated_by_name": "发起人", "initiated_via": "发起方式", "created_at": "申请时间",
    "completed_at": "完成时间", "reject_reason": "驳回原因", "person.name": "姓名", "person.id_number": "身份证号",
}


def _day(value):
    return value.strftime("%Y-%m-%d") if value else ""


def _minute(value):
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


FORMATTERS = {
    "person": lambda v, c, m, n: m.person.name,
    "id_number": lambda v, c, m, n: m.person.masked_id,
    "from_org": lambda v, c, m, n: m.from_org.name,
    "to_org": lambda v, c, m, n: m.to_org.name,
    "status": lambda v, c, m, n: m.status_label,
    "initiated_via": lambda v, c, m, n: m.via_label,
    "transfer_date": lambda v, c, m, n: _day(m.transfer_date),
    "created_at": lambda v, c, m, n: _minute(m.created_at),
    "completed_at": lambda v, c, m, n: _minute(m.completed_at),
}


# Every transfer list's file. The ID stays masked, as on every transfer page: a transfer is seen by two units, and
# its records outlive the person's time at either (the out unit keeps 调出记录 of people who are no longer its own).
EXPORT_COLUMNS = (
    Col("姓名", "person.name", width=12), Col("身份证号", "person.masked_id", "id", 21),
    Col("调出单位", "from_org.name", width=30), Col("原部门", "from_department.name", width=16),
    Col("调入单位", "to_org.name", width=30), Col("调入后部门", "to_department.name", width=16),
    Col("调转原因", "reason", width=30), Col("调转日期", "transfer_date", "date"), Col("状态", "status_label"),
    Col("发起人", "initiated_by_name"), Col("发起方式", "via_label"), Col("申请时间", "created_at", "datetime"),
    Col("完成时间", "completed_at", "datetime"), Col("驳回原因", "reject_reason", width=30),
)


def list_filters(statuses):
    """The filters of a transfer list; 状态 only where more than one status shows. Person and units are matched
    through subselects, not joins, so a transfer is never listed twice and the count stays the list's."""
    statuses = statuses or tuple(tr.STATUSES)
    status = [FilterEqual(Transfer.status, "状态", options=[(s, tr.STATUSES[s]) for s in statuses])]
    return (status if len(statuses) > 1 else []) + [
        # A name's start, through the person name index: ``%王%`` would read all 500,000 staff.
        InSelectFilter(Transfer.person_id, "姓名", lambda v: select(Person.id).where(starts_with(Person.name, v)),
                       operation="开头是"),
        InSelectFilter(Transfer.person_id, "身份证号", lambda v: select(Person.id).where(Person.id_number == v.upper()),
                       operation="等于"),
        InSelectFilter(Transfer.from_org_id, "调出单位",
                       lambda v: select(Organization.id).where(contains(Organization.name, v))),
        InSelectFilter(Transfer.to_org_id, "调入单位",
                       lambda v: select(Organization.id).where(contains(Organization.name, v))),
        DayRangeFilter(Transfer.created_at, "申请时间"),
    ]


class TransferView(ScopedModelView):
    """A list of transfers seen from one side (``side``), optionally only those in ``statuses``."""

    side: str = ""  # "out": the admin's subtree is the out unit; "in": the target
    statuses: tuple = ()
    can_create = can_edit = can_delete = False
    can_view_details = True
    list_template = "admin/transfer/list.html"
    details_template = "admin/transfer/details.html"
    column_list = ["person", "id_number", "from_org", "to_org", "reason", "transfer_date", "initiated_via",
                   "created_at"]
    column_labels = LABELS
    column_formatters = FORMATTERS
    column_searchable_list = ["person.name", "person.id_number"]
    column_sortable_list = ["created_at", "transfer_date"]
    column_default_sort = [("created_at", True), ("id", True)]
    empty_message = "暂无记录"
    export_columns = EXPORT_COLUMNS
    intro = ""
    tabs = ()  # (endpoint, label) pairs shown above the list

    def __init__(self, *args, **kwargs):
        self.column_filters = list_filters(self.statuses)  # per view: the 状态 choices are the statuses it lists
        super().__init__(*args, **kwargs)

    def _side(self, query):
        org_id = access.scope_org_id()
        if org_id is not None:
            query = query.filter(Transfer.out_clause(org_id) if self.side == "out" else Transfer.in_clause(org_id))
        return query.filter(Transfer.reached_in_side()) if self.side == "in" else query

    def _narrow(self, query):
        query = self._side(query)
        return query.filter(Transfer.status.in_(self.statuses)) if self.statuses else query

    def get_query(self):
        return self._narrow(super().get_query())

    def get_count_query(self):
        return self._narrow(super().get_count_query())

    def get_side_one(self, id):
        """A transfer of this view's side whatever its status (404 otherwise): a page can then say that a
        colleague has already decided it, instead of pretending it does not exist."""
        pk = to_id(id)
        obj = self._side(super().get_query()).filter(Transfer.id == pk).one_or_none() if pk else None
        if obj is None:
            abort(404)
        return obj

    def get_empty_list_message(self):
        return self.empty_message

    def run_step(self, step_name, ids):
        """A bulk step over the checked rows that are still in this list; per-row results in one message."""
        try:
            outcome = tr.decide_many(step_name, ids, access.current_actor(), request.form.get("reason"))
        except ValueError as e:
            db.session.rollback()
            flash(str(e), "error")
            return
        db.session.commit()
        text = outcome.summary()
        dropped = len(g.get("action_dropped") or [])
        if dropped:  # never the actor's, or taken out of this list by someone else meanwhile
            text += f"；另有 {dropped} 条已被他人处理或不在管理范围内"
        flash(text, "success" if outcome.done and not outcome.not_done and not dropped else "warning")
