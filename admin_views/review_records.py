"""已审核: the review records behind each queue's second tab — who decided what, when, and why.

Deleting a record removes the record only, never the person, unit or request it is about; the
deletion is audited like any other.
"""
from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from models import ChangeRequest, Organization, Person, ReviewRecord, change_requests, db
from models import registration_review as reviews
from models.review_records import DECISIONS
from models.validators import mask_id_number

from models import access
from .export import ExportColumn as Col
from .filters import DayRangeFilter, PrefixFilter
from .base import ScopedModelView
from .review_queue import REVIEW_CATEGORY

TARGET_STATUS = {reviews.PERSON_REGISTRATION: Person, reviews.ORG_REGISTRATION: Organization}


def _subject_code(view, context, model, name):
    code = model.subject_code or ""
    return mask_id_number(code) if model.target_type in (reviews.PERSON_REGISTRATION, reviews.PERSON_CHANGE) else code


def _export_code(record):
    """Masked for people, like the list: a decided registration or change is no longer a pending check, and a person
    rejected is not the unit's (the approved ones export in full from 专技人员信息查询). Unit codes are public."""
    return _subject_code(None, None, record, None)


def _target(view, context, model, name):
    """What the decision was about, as it stands now (details page only: one query)."""
    if model.target_type in TARGET_STATUS:
        target = db.session.get(TARGET_STATUS[model.target_type], model.target_id)
        return f"当前状态：{target.status_label}" if target else "已不存在"
    request = db.session.get(ChangeRequest, model.target_id)
    if request is None:
        return "申请已不存在"
    rows = change_requests.describe(request)
    cells = Markup("").join(Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(
        r["label"], r["before"], r["after"]) for r in rows)
    return Markup('<table class="table table-sm table-bordered mb-0 change-diff"><thead><tr><th>项目</th>'
                  "<th>修改前</th><th>修改后</th></tr></thead><tbody>{}</tbody></table>").format(cells)


class ReviewRecordView(ScopedModelView):
    """One queue's 已审核 tab; reached from the queue's tabs, so it has no menu entry of its own."""

    can_create = can_edit = False
    can_delete = True
    can_view_details = True
    select_all_actions = ("delete",)
    action_button_classes = {"delete": "btn-outline-danger"}
    list_template = "admin/review/records_list.html"
    details_template = "admin/review/records_details.html"
    column_list = ["subject_name", "subject_code", "decision", "reason", "reviewer_name", "org", "created_at"]
    column_details_list = ["subject_name", "subject_code", "decision", "reason", "reviewer_name", "org",
                           "created_at", "target"]
    column_labels = {"subject_name": "姓名/名称", "subject_code": "身份证号/统一社会信用代码", "decision": "审核结果",
                     "reason": "驳回原因", "reviewer_name": "审核人", "org": "审核单位", "created_at": "审核时间",
                     "target": "审核对象"}
    column_searchable_list = ["subject_name", "subject_code"]
    column_sortable_list = ["created_at", "subject_name"]
    column_default_sort = [("created_at", True), ("id", True)]
    column_filters = [
        PrefixFilter(ReviewRecord.subject_name, "姓名/名称"),
        FilterEqual(ReviewRecord.subject_code, "身份证号/统一社会信用代码"),
        FilterEqual(ReviewRecord.decision, "审核结果", options=list(DECISIONS.items())),
        PrefixFilter(ReviewRecord.reviewer_name, "审核人"),
        DayRangeFilter(ReviewRecord.created_at, "审核时间"),
    ]
    column_formatters = {
        "subject_code": _subject_code,
        "decision": lambda v, c, m, n: m.decision_label,
        "org": lambda v, c, m, n: m.org.name,
        "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d %H:%M"),
    }
    column_formatters_detail = dict(column_formatters, subject_code=lambda v, c, m, n: m.subject_code or "",
                                    target=_target)
    export_columns = (
        Col(None, "subject_name", width=24), Col(None, _export_code, "id", 21, column="subject_code"), Col("审核结果", "decision_label"),
        Col("驳回原因", "reason", width=30), Col("审核人", "reviewer_name"), Col("审核单位", "org.name", width=30),
        Col("审核时间", "created_at", "datetime"),
    )

    def __init__(self, review_type, permission, queue_endpoint, **kwargs):
        self.review_type, self.permission, self.queue_endpoint = review_type, permission, queue_endpoint
        self.queue_name = reviews.REVIEW_TYPES[review_type]
        about_person = review_type in (reviews.PERSON_REGISTRATION, reviews.PERSON_CHANGE)
        self.column_labels = dict(self.column_labels, subject_name="姓名" if about_person else "单位名称",
                                  subject_code="身份证号" if about_person else "统一社会信用代码")
        super().__init__(ReviewRecord, name="已审核", category=REVIEW_CATEGORY, **kwargs)

    def is_visible(self):
        return False

    def export_file_title(self):
        return f"{self.queue_name}（已审核）"

    def get_query(self):
        return super().get_query().filter(ReviewRecord.target_type == self.review_type).options(
            joinedload(ReviewRecord.org))

    def get_count_query(self):
        return super().get_count_query().filter(ReviewRecord.target_type == self.review_type)

    def get_empty_list_message(self):
        return "暂无审核记录"

    @action("delete", "删除审核记录", "确定要删除选中的审核记录吗？（只删除记录，不影响账号）")
    def action_delete(self, ids):
        outcome = reviews.delete_review_records(ids, access.scope_org_id())
        db.session.commit()
        flash(outcome.summary() + "（只删除了审核记录，账号和申请不受影响）", "success")
