"""学时（分）审核 · 学时审核 (F25, seed §5.3): the records this org decides — declared by its own staff, by training
bases for its staff, and by its subordinate units — with the 条件查询, bulk 通过 / 驳回 over checked rows or every
row matching it, 逐条查看 and 删除记录 with a reason. The queue and the decisions are models/hours/approval.py's.
"""
from flask import flash, g, request
from flask_admin.actions import action

from models import CreditRecord, access, db
from models.bulk import explain_skipped
from models.hours import approval

from .credit_lists import CreditRecordList


class CreditReviewView(CreditRecordList):
    permission = "hours.review"
    org_kinds = ("employer", "supervisor")
    default_tab = "pending"
    column_list = ["person_name", "id_number", "org", "form", "category", "year", "end_date", "hours",
                   "approved_hours", "declared_by", "status", "created_at"]
    select_all_actions = ("approve", "reject", "remove")
    reason_actions = {"reject": "驳回原因", "remove": "删除原因"}
    action_button_classes = {"approve": "btn-success", "reject": "btn-danger", "remove": "btn-outline-danger"}
    export_title = "学时审核"
    intro = "本单位职工个人申报、继续教育基地为本单位职工申报、下属单位申报的学时，由本单位审核。"

    def rows(self, query):
        # The queue is the org's own (review_org_id), not its subtree: a subordinate unit's staff records are
        # decided by that unit, and a transferred person's pending unit declaration stays with its reviewer.
        return query.filter(approval.in_queue(access.current_actor()))

    def shows_full_id(self, record):
        return True  # the reviewer checks the number against the proof

    def _run(self, ids, decide):
        reviewer = access.current_actor()
        try:
            outcome = decide(ids, reviewer, request.form.get("reason"))
        except ValueError as e:
            db.session.rollback()
            flash(str(e), "error")
            return
        explain_skipped(CreditRecord, approval.in_queue(reviewer), g.get("action_dropped") or [], outcome)
        db.session.commit()
        flash(outcome.summary(), "success" if outcome.done and not outcome.not_done and not outcome.notes
              else "warning")

    @action("approve", "批量通过")
    def action_approve(self, ids):
        self._run(ids, lambda ids, reviewer, reason: approval.decide_credits(ids, "approved", reviewer))

    @action("reject", "批量驳回")
    def action_reject(self, ids):
        self._run(ids, lambda ids, reviewer, reason: approval.decide_credits(ids, "rejected", reviewer, reason))

    # Not named "delete": Flask-Admin offers that action only with can_delete, i.e. its own unaudited row delete.
    @action("remove", "删除记录")
    def action_remove(self, ids):
        self._run(ids, approval.delete_credits)


def add_views(admin, declare_category, review_category, platform_category):
    admin.add_view(CreditReviewView(name="学时审核", category=review_category, endpoint="hours_review",
                                    url="/admin/hours/review"))
