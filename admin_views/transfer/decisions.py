"""账户管理 · 人员调出审核 (F18) and 人员调入审核 (F19): the two review queues of a transfer.

The out unit lets its person go (通过 → 待调入审核) or refuses; the target unit then confirms
("确认调转": the person moves, into a department of the admin's choosing or none) or refuses.
"""
from flask import flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.helpers import get_redirect_target
from flask_admin.model.template import EndpointLinkRowAction

from forms.transfer import ConfirmInForm
from models import Department, db
from models import transfer as tr

from models import access
from .listing import TransferView


class TransferOutReviewView(TransferView):
    permission = "transfer.out_review"
    side = "out"
    statuses = ("pending_out",)
    reason_actions = {"reject_out": "驳回原因"}
    action_button_classes = {"approve_out": "btn-success", "reject_out": "btn-danger"}
    empty_message = "暂无待调出审核的人员"
    intro = "本单位（含下属单位）人员的调出申请。通过后转入调入单位确认；驳回须填写原因。"
    decisions = (("approve_out", "通过", "btn-success"), ("reject_out", "驳回", "btn-danger"))

    @action("approve_out", "通过", "确定通过所选的调出申请吗？")
    def action_approve(self, ids):
        self.run_step("approve_out", ids)

    @action("reject_out", "驳回")
    def action_reject(self, ids):
        self.run_step("reject_out", ids)


class TransferInReviewView(TransferView):
    permission = "transfer.in_review"
    side = "in"
    statuses = ("pending_in",)
    reason_actions = {"reject_in": "驳回原因"}
    action_button_classes = {"confirm_in": "btn-success", "reject_in": "btn-danger"}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-check", ".confirm_view", "确认调转")]
    empty_message = "暂无待调入审核的人员"
    intro = "调入本单位（含下属单位）的人员，已经调出单位审核通过。确认调转后人员即调入，原单位不再管理该人员；批量确认时不分配部门。"
    decisions = (("reject_in", "驳回", "btn-danger"),)

    @action("confirm_in", "确认调转", "确定确认调转所选人员吗？人员将调入本单位，暂不分配部门。")
    def action_confirm(self, ids):
        self.run_step("confirm_in", ids)

    @action("reject_in", "驳回")
    def action_reject(self, ids):
        self.run_step("reject_in", ids)

    @expose("/confirm/", methods=("GET", "POST"))
    def confirm_view(self):
        """确认调转 of one transfer, choosing the department at the target unit."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        transfer = self.get_side_one(request.args.get("id"))
        if transfer.status != "pending_in":
            flash(tr.STALE, "warning")
            return redirect(return_url)
        form = ConfirmInForm()
        # The target's departments, through the admin's own scope: never another unit's.
        form.set_departments(access.scope(Department.query, Department)
                             .filter(Department.org_id == transfer.to_org_id).order_by(Department.name).all())
        if form.validate_on_submit():
            name = transfer.person.name
            try:
                tr.confirm_in(transfer.id, access.current_actor(), form.chosen_department, form.note.data)
            except ValueError as e:
                db.session.rollback()
                flash(str(e), "error")
                if str(e) == tr.STALE:
                    return redirect(return_url)
            else:
                db.session.commit()
                flash(f"已确认调转，{name}已调入{transfer.to_org.name}", "success")
                return redirect(return_url)
        return self.render("admin/transfer/confirm.html", transfer=transfer, form=form, return_url=return_url)
