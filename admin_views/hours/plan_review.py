"""培训计划审核: the superior's two queues — plans to file (备案 / 驳回) and plans whose hours were declared
(通过 / 驳回 all the plan's records at once). Bulk over checked rows or the whole filtered list; the rules are
models/hours/plans.py's."""
from flask import g
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from sqlalchemy import select

from models import Organization, TrainingPlan, access
from models.hours import plans
from models.hours.catalogue import CATEGORIES

from ..export import ExportColumn as Col
from ..filters import InSelectFilter, contains
from ..review_queue import ReviewQueueView
from .plans import PARTICIPANTS_SHOWN, PLAN_EXPORT, PLAN_FORMATTERS, PLAN_LABELS, participants

REVIEW_KINDS = ("employer", "supervisor")


class PlanQueueView(ReviewQueueView):
    """What both queues share: the reviewer's own plans to decide (the operator: those of units without a
    superior, and any)."""

    permission = "hours.plan_review"
    org_kinds = REVIEW_KINDS
    list_template = "admin/hours/plan_review_list.html"
    details_template = "admin/hours/plan_review_details.html"
    column_labels = PLAN_LABELS
    column_formatters = column_formatters_detail = PLAN_FORMATTERS
    column_searchable_list = ["name"]
    column_sortable_list = ["name", "start_date", "end_date", "submitted_at"]
    column_default_sort = [("id", False)]
    column_filters = [
        InSelectFilter(TrainingPlan.org_id, "申报单位",
                       lambda v: select(Organization.id).where(contains(Organization.name, v))),
        FilterEqual(TrainingPlan.category, "计入科目", options=[(c, c) for c in CATEGORIES]),
    ]
    reason_actions = {"reject": "驳回原因"}
    export_columns = (PLAN_EXPORT[0], Col("申报单位", "org.name", width=30)) + PLAN_EXPORT[1:]
    hours_queue = False

    def get_query(self):
        return super().get_query().filter(plans.review_clause(access.current_actor()))

    def get_count_query(self):
        return super().get_count_query().filter(plans.review_clause(access.current_actor()))

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs and self.hours_queue:
            kwargs["declaration"], kwargs["records"] = participants(kwargs["model"].id, PARTICIPANTS_SHOWN)
            kwargs["shown_max"] = PARTICIPANTS_SHOWN
        return super().render(template, **kwargs)

    def explain(self, ids, reviewer, outcome):
        plans.explain_skipped(ids, reviewer, outcome)


class PlanReviewView(PlanQueueView):
    """计划备案: 待审核 plans of the units the reviewer is the superior of."""

    column_list = ["name", "org", "category", "form", "start_date", "end_date", "hours", "expected_participants",
                   "submitted_at"]
    column_details_list = ["name", "org", "category", "form", "start_date", "end_date", "hours",
                           "expected_participants", "place", "organizer", "content", "created_by_name",
                           "submitted_at"]
    export_title = "培训计划审核（待备案）"

    def get_empty_list_message(self):
        return "暂无待备案的培训计划"

    @action("approve", "备案")
    def action_approve(self, ids):
        self._decide(ids, "approved")

    def decide(self, ids, decision, reviewer, reason):
        return plans.decide_plans(ids, decision, reviewer, reason)


class PlanHoursReviewView(PlanQueueView):
    """计划学时审核: plans whose hours wait; deciding one decides all its participants' records."""

    hours_queue = True
    column_list = ["name", "org", "category", "form", "start_date", "end_date", "hours", "applicants"]
    column_details_list = ["name", "org", "category", "form", "start_date", "end_date", "hours",
                           "expected_participants", "place", "organizer", "reviewer_name", "reviewed_at"]
    export_title = "培训计划审核（学时待审核）"

    column_labels = dict(PLAN_LABELS, applicants="申报人数", reviewer_name="备案审核人", reviewed_at="备案时间")
    column_formatters = dict(PLAN_FORMATTERS, applicants=lambda v, c, m, n: g.get("plan_applicants", {}).get(m.id, 0))

    def pending_clause(self):
        return TrainingPlan.hours_status == "pending"

    def get_empty_list_message(self):
        return "暂无待审核的培训计划学时"

    def is_visible(self):
        return False

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True):
            self.export_batch(rows)
        return count, rows

    def export_batch(self, rows):
        """The participants of each plan's current declaration, for a page or an export chunk in one query."""
        g.plan_applicants = plans.applicants_by_plan([r.id for r in rows])

    def decide(self, ids, decision, reviewer, reason):
        return plans.decide_many_hours(ids, decision, reviewer, reason)


def add_views(admin, declare_category, review_category, platform_category):
    admin.add_view(PlanReviewView(TrainingPlan, name="培训计划审核", category=review_category, endpoint="plan_review",
                                  url="/admin/hours/plan-review"))
    # Reached from the 培训计划审核 tabs: no menu entry of its own.
    admin.add_view(PlanHoursReviewView(TrainingPlan, name="培训计划审核", endpoint="plan_hours_review",
                                       url="/admin/hours/plan-review/hours"))
