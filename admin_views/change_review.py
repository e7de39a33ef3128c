"""账户管理 · 变更审核管理 (seed §5.1.4): 人员信息修改审核 (F15) and 机构信息修改审核 (F16).

Each pending request shows its fields before → after; approval applies them all or refuses the row
(its target changed meanwhile), rejection needs a reason. A change of superior is reviewed by the
NEW superior: the request's ``org_id`` is that superior.
"""
from flask import g
from flask_admin.contrib.sqla.filters import FilterLike
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import ChangeRequest, Department, Organization, Person, change_requests, db
from models.bulk import explain_skipped
from models.change_requests import ORG, PERSON
from models.choices import ORG_KINDS
from models.org_change import account_names
from models.validators import mask_id_number

from .export import ExportColumn as Col
from .filters import DayRangeFilter, InSelectFilter, contains
from .review_queue import ReviewQueueView


def _diff_table(rows):
    cells = Markup("").join(Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(
        r["label"], r["before"], r["after"]) for r in rows)
    return Markup('<table class="table table-sm table-bordered mb-0 change-diff"><thead><tr><th>项目</th>'
                  "<th>修改前</th><th>修改后</th></tr></thead><tbody>{}</tbody></table>").format(cells)


def _diff_summary(view, context, model, name):
    rows = g.get("change_rows", {}).get(model.id) or change_requests.describe(model)
    return Markup("<br>").join(Markup("{}：{} → <strong>{}</strong>").format(
        r["label"], r["before"] if r["before"] != "" else "（空）", r["after"] if r["after"] != "" else "（空）")
        for r in rows)


def _code(view, context, model, name):
    code = g.get("change_codes", {}).get(model.target_id, "")
    return mask_id_number(code) if model.target_type == PERSON and code else code


def _requested_at(view, context, model, name):
    return model.requested_at.strftime("%Y-%m-%d %H:%M")


def _changes_text(request) -> str:
    rows = g.get("change_rows", {}).get(request.id) or []
    return "；".join(f"{r['label']}：{r['before'] if r['before'] != '' else '（空）'} → "
                    f"{r['after'] if r['after'] != '' else '（空）'}" for r in rows)


def change_export_columns(labels):
    """A change queue's file. The code in full, like the details page: the reviewer checks whose data changes."""
    return (
        Col(labels["subject_name"], "subject_name", width=24),
        Col(labels["code"], lambda m: g.get("change_codes", {}).get(m.target_id, ""), "id", 21),
        Col(labels["changes"], _changes_text, width=60), Col(labels["requested_at"], "requested_at", "datetime"),
        Col(labels["org"], "org.name", width=30),
    )


class ChangeQueueView(ReviewQueueView):
    target_type: str = ""
    column_list = ["subject_name", "code", "changes", "requested_at"]
    column_details_list = ["subject_name", "code", "org", "requester", "requested_at", "changes"]
    column_sortable_list = ["requested_at", "subject_name"]
    column_default_sort = [("requested_at", False), ("id", False)]
    column_formatters = {"changes": _diff_summary, "code": _code, "requested_at": _requested_at}

    def pending_clause(self):
        return (ChangeRequest.target_type == self.target_type) & (ChangeRequest.status == "pending")

    def get_query(self):
        return super().get_query().options(joinedload(ChangeRequest.org))

    def get_list(self, *args, **kwargs):
        """The page's diffs, target codes and names in a fixed number of queries, whatever the page size."""
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and rows:
            g.change_rows = change_requests.describe_many(rows)
            g.change_codes = self.codes([r.target_id for r in rows])
        return count, rows

    def codes(self, target_ids) -> dict:
        raise NotImplementedError

    def export_batch(self, rows):
        g.change_rows = change_requests.describe_many(rows)
        g.change_codes = self.codes([r.target_id for r in rows])

    def get_one(self, id):
        obj = super().get_one(id)
        g.change_codes = self.codes([obj.target_id])
        g.requester_names = account_names([obj.requested_by_id])
        return obj

    def decide(self, ids, decision, reviewer, reason):
        return change_requests.decide_changes(self.target_type, ids, decision, reviewer, reason)

    def explain(self, ids, reviewer, outcome):
        scope = ChangeRequest.scope_clause(reviewer.scope_org_id) if reviewer.scope_org_id is not None else None
        explain_skipped(ChangeRequest, scope, ids, outcome)


def _detail_formatters():
    return {
        "changes": lambda v, c, m, n: _diff_table(change_requests.describe(m)),
        "code": lambda v, c, m, n: g.get("change_codes", {}).get(m.target_id, ""),  # in full: the reviewer checks it
        "org": lambda v, c, m, n: m.org.name,
        "requester": lambda v, c, m, n: g.get("requester_names", {}).get(m.requested_by_id, ""),
        "requested_at": _requested_at,
    }


class PersonChangeView(ChangeQueueView):
    """F15: staff of the reviewer's subtree asking to change their data."""

    permission = "review.person_change"
    records_endpoint = "person_change_done"
    target_type = PERSON
    column_labels = {"subject_name": "姓名", "code": "身份证号", "changes": "修改内容", "requested_at": "申请时间",
                     "org": "审核单位", "requester": "申请人"}
    column_filters = [
        FilterLike(ChangeRequest.subject_name, "姓名"),
        InSelectFilter(ChangeRequest.target_id, "身份证号", lambda v: select(Person.id).where(Person.id_number == v),
                       operation="等于"),
        InSelectFilter(ChangeRequest.target_id, "所在部门", lambda v: select(Person.id).where(
            Person.department_id.in_(select(Department.id).where(contains(Department.name, v))))),
        DayRangeFilter(ChangeRequest.requested_at, "申请时间"),
    ]
    column_formatters_detail = _detail_formatters()
    export_columns = change_export_columns(column_labels)

    def codes(self, target_ids):
        return dict(db.session.execute(
            select(Person.id, Person.id_number).where(Person.id.in_(target_ids))).all()) if target_ids else {}


class OrgChangeView(ChangeQueueView):
    """F16: subordinate units asking to change their basic info or superior."""

    permission = "review.org_change"
    records_endpoint = "org_change_done"
    target_type = ORG
    column_labels = {"subject_name": "单位名称", "code": "统一社会信用代码", "changes": "变更内容",
                     "requested_at": "申请时间", "org": "审核单位", "requester": "申请人"}
    column_filters = [
        FilterLike(ChangeRequest.subject_name, "单位名称"),
        InSelectFilter(ChangeRequest.target_id, "统一社会信用代码",
                       lambda v: select(Organization.id).where(Organization.uscc == v.upper()), operation="等于"),
        InSelectFilter(ChangeRequest.target_id, "机构类型",
                       lambda v: select(Organization.id).where(Organization.kind == v),
                       operation="等于", options=list(ORG_KINDS.items())),
        DayRangeFilter(ChangeRequest.requested_at, "申请时间"),
    ]
    column_formatters_detail = _detail_formatters()
    export_columns = change_export_columns(column_labels)

    def codes(self, target_ids):
        return dict(db.session.execute(
            select(Organization.id, Organization.uscc).where(Organization.id.in_(target_ids))).all()) if target_ids else {}




def add_views(admin, category):
    from models import registration_review as reviews
    from .review_records import ReviewRecordView

    admin.add_view(PersonChangeView(ChangeRequest, name="人员信息修改审核", category=category, endpoint="person_change"))
    admin.add_view(OrgChangeView(ChangeRequest, name="机构信息修改审核", category=category, endpoint="org_change"))
    admin.add_view(ReviewRecordView(reviews.PERSON_CHANGE, "review.person_change", "person_change",
                                    endpoint="person_change_done"))
    admin.add_view(ReviewRecordView(reviews.ORG_CHANGE, "review.org_change", "org_change",
                                    endpoint="org_change_done"))
