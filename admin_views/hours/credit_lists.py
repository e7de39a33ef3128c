"""What 学时审核 and 学时申报记录 share: the columns, the 条件查询, the 认定结果 tabs and a record's details page
(its declaration, proof files and review trail) over CreditRecord.

Every filter reads a column of credit_record itself (the frozen 姓名 / 身份证号 copies included), so a filtered
list of a province's millions of records stays on that table's indexes; 单位 and 学习形式 are id lists, matched
without joins.
"""
from decimal import Decimal

from flask import request
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, DateBetweenFilter, FilterEqual
from sqlalchemy import and_, func, or_, select

from forms.input import to_id
from models import AuditEntry, CreditRecord, LearningForm, Organization, access, db, now
from models.hours.catalogue import CATEGORIES
from models.hours.records import DECLARED_BY, STATUSES
from models.validators import mask_id_number

from ..base import ScopedModelView
from ..export import ExportColumn as Col
from ..filters import InSelectFilter, PrefixFilter, starts_with

YEARS_SHOWN = 6
TABS = (("pending", "待审核"), ("approved", "已通过"), ("rejected", "已驳回"), ("all", "全部"))
# What each audited step of a record is called on its details page.
TRAIL_STEPS = {"create": "申报", "approve": "通过", "reject": "驳回", "delete": "删除", "transfer": "随人员调转",
               "update": "修改"}


class IdChoiceFilter(BaseSQLAFilter):
    """A column equal to one of the options read per request (``options_of()``); anything else matches nothing."""

    def __init__(self, column, name, options_of):
        super().__init__(column, name)
        self.options_of = options_of

    def request_options(self):
        return self.options_of()

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) == value)

    def validate(self, value):
        return to_id(value) is not None

    def clean(self, value):
        return to_id(value)

    def operation(self):
        return "等于"


def _years():
    this = now().year
    return [(str(y), f"{y}年") for y in range(this, this - YEARS_SHOWN, -1)]


def _forms():
    return [(str(i), name) for i, name in db.session.execute(
        select(LearningForm.id, LearningForm.name).order_by(LearningForm.sort, LearningForm.id))]


def _units_named(prefix):
    """Units of the actor's subtree whose name starts with ``prefix`` (the person's unit of a record)."""
    return access.scope(select(Organization.id).where(starts_with(Organization.name, prefix)), Organization)


def record_filters():
    return [
        IdChoiceFilter(CreditRecord.year, "年度", _years),
        FilterEqual(CreditRecord.category, "计入科目", options=[(c, c) for c in CATEGORIES]),
        IdChoiceFilter(CreditRecord.form_id, "学习形式", _forms),
        InSelectFilter(CreditRecord.org_id, "单位", _units_named, operation="名称开头是"),
        PrefixFilter(CreditRecord.person_name, "姓名"),
        PrefixFilter(CreditRecord.id_number, "身份证号"),
        DateBetweenFilter(CreditRecord.end_date, "学习结束日期"),
        FilterEqual(CreditRecord.declared_by, "申报方式", options=list(DECLARED_BY.items())),
    ]


def hours_text(value):
    """12.0 -> "12", 2.5 -> "2.5" (hours are kept to one decimal)."""
    return "" if value is None else f"{Decimal(str(value)).normalize():f}"


FORMATTERS = {
    "id_number": lambda v, c, m, n: mask_id_number(m.id_number),
    "org": lambda v, c, m, n: m.org.name,
    "form": lambda v, c, m, n: m.form.name,
    "hours": lambda v, c, m, n: hours_text(m.hours),
    "approved_hours": lambda v, c, m, n: hours_text(m.approved_hours),
    "declared_by": lambda v, c, m, n: m.declared_by_label,
    "status": lambda v, c, m, n: m.status_label,
    "end_date": lambda v, c, m, n: m.end_date.isoformat(),
    "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d %H:%M"),
}
LABELS = {"person_name": "姓名", "id_number": "身份证号", "org": "单位", "form": "学习形式", "category": "计入科目",
          "year": "年度", "end_date": "学习结束日期", "hours": "申报学时", "approved_hours": "认定学时",
          "declared_by": "申报方式", "status": "认定结果", "created_at": "申报时间", "reject_reason": "驳回原因",
          "reviewer_name": "审核人"}
EXPORT_COLUMNS = (
    Col("姓名", "person_name", width=12), Col("身份证号", lambda r: mask_id_number(r.id_number), "id", 21),
    Col("单位", "org.name", width=30), Col("学习形式", "form.name", width=16), Col("计入科目", "category"),
    Col("年度", "year", "int", 8), Col("学习结束日期", "end_date", "date"), Col("申报学时", "hours", "number"),
    Col("认定学时", "approved_hours", "number"), Col("申报方式", "declared_by_label", width=16),
    Col("认定结果", "status_label"), Col("驳回原因", "reject_reason", width=30), Col("审核人", "reviewer_name"),
    Col("审核时间", "reviewed_at", "datetime"), Col("申报时间", "created_at", "datetime"),
)


def review_trail(record):
    """The audited steps of ``record`` and of its declaration, oldest first: [(step, who, when, note)]."""
    entries = db.session.scalars(select(AuditEntry).where(or_(
        and_(AuditEntry.entity == "credit_record", AuditEntry.entity_id == str(record.id)),
        and_(AuditEntry.entity == "credit_declaration", AuditEntry.entity_id == str(record.declaration_id),
             AuditEntry.action != "create"))).order_by(AuditEntry.id)).all()
    steps = []
    for e in entries:
        changes = e.changes or {}
        note = e.reason or ""
        if e.action == "approve":
            credited = (changes.get("approved_hours") or {}).get("after")
            note = f"认定 {hours_text(credited)} 学时" if credited is not None else note
        elif e.action == "reject":
            note = (changes.get("reject_reason") or {}).get("after") or e.reason or ""
        elif e.action == "create" and e.entity == "credit_record":
            note = e.reason or ""
        who = e.actor_name + (f"（{e.actor_org_name}）" if e.actor_org_name else "")
        steps.append((TRAIL_STEPS.get(e.action, e.action_label), who, e.created_at, note))
    return steps


class CreditRecordList(ScopedModelView):
    """A list of credit records with 认定结果 tabs (``?tab=``), the 条件查询 and a details page."""

    can_create = can_edit = can_delete = False
    can_view_details = True
    list_template = "admin/hours/record_list.html"
    details_template = "admin/hours/record_details.html"
    column_labels = LABELS
    column_formatters = FORMATTERS
    column_sortable_list = ["created_at", "end_date", "person_name"]
    column_default_sort = ("id", True)
    export_columns = EXPORT_COLUMNS
    default_tab = "all"
    tabs = TABS
    intro = ""

    def __init__(self, *args, **kwargs):
        self.column_filters = record_filters()
        super().__init__(CreditRecord, *args, **kwargs)

    def current_tab(self):
        tab = request.args.get("tab") or self.default_tab
        return tab if tab in dict(self.tabs) else self.default_tab

    def tab_clause(self):
        tab = self.current_tab()
        return CreditRecord.status == tab if tab in STATUSES else None

    def rows(self, query):
        """The view's own rows of ``query`` (the list, its count, action ids and details alike)."""
        raise NotImplementedError

    def get_query(self):
        return self.rows(db.session.query(CreditRecord))

    def get_count_query(self):
        return self.rows(db.session.query(func.count("*")).select_from(CreditRecord))

    def _list_queries(self, search, filters):
        query, count_query, joins = super()._list_queries(search, filters)
        clause = self.tab_clause()
        if clause is not None:
            query, count_query = query.filter(clause), count_query.filter(clause)
        return query, count_query, joins

    def tab_url(self, tab):
        args = {k: v for k, v in request.args.items() if k not in ("tab", "page")}
        return self.get_url(".index_view", tab=tab, **args)

    def export_file_title(self):
        return f"{self.name}（{dict(self.tabs)[self.current_tab()]}）"

    def get_empty_list_message(self):
        return "暂无符合条件的学时记录"

    def details_context(self, record):
        declaration = record.declaration
        return {"declaration": declaration, "values": declaration.value_rows(),
                "attachments": list(declaration.attachments), "trail": review_trail(record),
                "full_id": self.shows_full_id(record), "hours_text": hours_text}

    def shows_full_id(self, record):
        return False

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs.update(self.details_context(kwargs["model"]))
        return super().render(template, **kwargs)
