"""What the four review queues share: deciding the selected rows and reporting the outcome.

A queue view declares its pending rows (``pending_clause``) and how its rows are decided
(``decide`` / ``explain``, thin calls into models/); this base gives it the bulk 通过 / 驳回
actions, the reason a rejection requires, the summary flash and the 待审核 / 已审核 tabs.
"""
from flask import flash, g, request
from flask_admin.actions import action

from models import db

from models import access
from .base import ScopedModelView

REVIEW_CATEGORY = "账户管理"


class ReviewQueueView(ScopedModelView):
    """A 待审核 list: pending rows only; bulk 通过 / 驳回 over checked rows or the whole filtered list."""

    can_create = can_edit = can_delete = False
    can_view_details = True
    select_all_actions = ("approve", "reject")
    reason_actions = {"reject": "驳回原因"}
    action_button_classes = {"approve": "btn-success", "reject": "btn-danger"}
    list_template = "admin/review/queue_list.html"
    details_template = "admin/review/queue_details.html"
    records_endpoint: str = ""  # the 已审核 tab of this queue

    def pending_clause(self):
        return self.model.status == "pending"

    def get_query(self):
        return super().get_query().filter(self.pending_clause())

    def get_count_query(self):
        return super().get_count_query().filter(self.pending_clause())

    def get_empty_list_message(self):
        return "暂无待审核的记录"

    def export_file_title(self):
        return self.export_title or f"{self.name}（待审核）"

    # -- the decision, in models/ ------------------------------------------------------------------
    def decide(self, ids, decision, reviewer, reason):
        raise NotImplementedError

    def explain(self, ids, reviewer, outcome):
        """Say why posted ids that are not in the queue were skipped."""
        raise NotImplementedError

    @action("approve", "通过")
    def action_approve(self, ids):
        self._decide(ids, "approved")

    @action("reject", "驳回")
    def action_reject(self, ids):
        self._decide(ids, "rejected")

    def _decide(self, ids, decision):
        reviewer = access.current_actor()
        try:
            outcome = self.decide(ids, decision, reviewer, request.form.get("reason"))
        except ValueError as e:
            db.session.rollback()
            flash(str(e), "error")
            return
        self.explain(g.get("action_dropped") or [], reviewer, outcome)
        db.session.commit()
        flash(outcome.summary(), "success" if outcome.done and not outcome.not_done else "warning")
