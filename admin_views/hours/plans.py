"""单位培训计划 (seed §5.2.2): 计划申报 — the unit's own plans, 新增 / edit while 草稿 or 已驳回, 提交 to the superior;
学时申报 — after a 已备案 plan has ended, its participants and proof files (models/hours/plans.py holds the rules)."""
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.model.helpers import get_mdict_item_or_list
from flask_admin.model.template import BaseListRowAction, EditRowAction
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from forms.hours_plans import PlanForm, PlanHoursForm
from forms.input import to_id
from models import CreditRecord, Person, TrainingPlan, access, db
from models.hours import plans
from models.hours.plans import HOURS_STATUSES, PLAN_STATUSES
from models.hours.records import MAX_APPLICANTS, NO_APPLICANTS, TOO_MANY_APPLICANTS
from models.validators import mask_id_number

from ..base import ScopedModelView
from ..export import ExportColumn as Col

UNIT_KINDS = ("employer", "supervisor")
PLAN_LABELS = dict(name="培训班名称", category="计入科目", form="学习形式", start_date="开始日期", end_date="结束日期",
                   hours="每人学时", expected_participants="预计参训人数", place="培训地点", organizer="主办单位",
                   content="培训内容", status="备案状态", reject_reason="驳回原因", reviewer_name="审核人",
                   reviewed_at="审核时间", submitted_at="提交时间", created_by_name="创建人", created_at="创建时间",
                   hours_status="学时认定结果", hours_reject_reason="学时驳回原因", hours_reviewed_at="学时审核时间",
                   org="申报单位", review_org="审核单位")


def _day(v, c, m, n):
    value = getattr(m, n)
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else (value.isoformat() if value else "")


def _hours(v, c, m, n):
    value = getattr(m, n)
    return f"{value.normalize():f}" if value is not None else ""


PLAN_FORMATTERS = {
    "form": lambda v, c, m, n: m.form.name if m.form else "",
    "status": lambda v, c, m, n: m.status_label,
    "hours_status": lambda v, c, m, n: m.hours_status_label,
    "start_date": _day, "end_date": _day, "submitted_at": _day, "reviewed_at": _day, "created_at": _day,
    "hours_reviewed_at": _day, "hours": _hours,
    "org": lambda v, c, m, n: m.org.name,
    "review_org": lambda v, c, m, n: m.review_org.name if m.review_org else ("平台运维" if m.submitted_at else ""),
}
PLAN_EXPORT = (Col("培训班名称", "name", width=30), Col("计入科目", "category"), Col("学习形式", "form.name"),
               Col("开始日期", "start_date", "date"), Col("结束日期", "end_date", "date"),
               Col("每人学时", "hours", "number"), Col("预计参训人数", "expected_participants", "number"),
               Col("培训地点", "place", width=20), Col("主办单位", "organizer", width=24),
               Col("备案状态", "status_label"), Col("学时认定结果", "hours_status_label"))


def post_button(endpoint, plan_id, text, css="btn-primary"):
    """A one-click POST (CSRF-protected; nothing changes through GET)."""
    return Markup('<form method="POST" action="{}" class="d-inline"><input type="hidden" name="csrf_token" '
                  'value="{}"><input type="hidden" name="id" value="{}"><button type="submit" '
                  'class="btn btn-sm {}">{}</button></form>').format(url_for(endpoint), generate_csrf(), plan_id,
                                                                     css, text)


class EditableOnly(BaseListRowAction):
    def __init__(self, inner):
        super().__init__(inner.title)
        self.inner = inner

    def render(self, context, row_id, row):
        return self.inner.render(context, row_id, row) if row.editable else ""


class UnitPlanView(ScopedModelView):
    """The unit's own plans (not its branches': each unit files its own)."""

    permission = "hours.plan"
    org_kinds = UNIT_KINDS
    own_org_only = True
    can_delete = False
    can_view_details = True
    column_labels = PLAN_LABELS
    column_formatters_detail = PLAN_FORMATTERS
    column_searchable_list = ["name"]
    column_sortable_list = ["name", "start_date", "end_date", "created_at"]
    column_default_sort = [("id", True)]
    export_columns = PLAN_EXPORT

    def _actor(self):
        return access.current_actor()


class PlanView(UnitPlanView):
    """计划申报: 新增, edit while 草稿 / 已驳回, 提交."""

    can_create = can_edit = True
    create_label = "新增"
    form = PlanForm
    column_list = ["name", "category", "form", "start_date", "end_date", "hours", "expected_participants", "status",
                   "submitted_at", "submit"]
    column_details_list = ["name", "category", "form", "start_date", "end_date", "hours", "expected_participants",
                           "place", "organizer", "content", "created_by_name", "created_at", "status",
                           "submitted_at", "review_org", "reviewer_name", "reviewed_at", "reject_reason"]
    column_filters = [FilterEqual(TrainingPlan.status, "备案状态", options=list(PLAN_STATUSES.items()))]
    details_template = "admin/hours/plan_details.html"
    export_title = "培训计划"
    column_labels = dict(PLAN_LABELS, submit="操作")
    column_formatters = dict(PLAN_FORMATTERS, submit=lambda v, c, m, n: (
        post_button(".submit_view", m.id, "提交") if m.editable else ""))

    def get_empty_list_message(self):
        return "暂无培训计划，点击“新增”申报本单位的培训班计划"

    def _apply(self, form, work):
        try:
            plan = work(form.values())
        except plans.PlanInvalid as e:
            db.session.rollback()
            for name, message in e.errors.items():
                form[name].errors = [*form[name].errors, message]
            return False
        except ValueError as e:
            db.session.rollback()
            flash(str(e), "error")
            return False
        db.session.commit()
        return plan

    def create_model(self, form):
        return self._apply(form, lambda values: plans.create_plan(values, self._actor(), access.current_org()))

    def update_model(self, form, model):
        return self._apply(form, lambda values: plans.edit_plan(model.id, values, self._actor()))

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if request.method == "GET" and obj is not None:
            form.form_id.data = str(obj.form_id)
            form.hours.data = _hours(None, None, obj, "hours")
            form.expected_participants.data = str(obj.expected_participants or "")
        return form

    def get_list_row_actions(self):
        """The edit icon only on rows that may still be edited (草稿 / 已驳回)."""
        return [EditableOnly(a) if isinstance(a, EditRowAction) else a for a in super().get_list_row_actions()]

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        plan_id = get_mdict_item_or_list(request.args, "id")
        plan = self.get_one(plan_id) if plan_id is not None else None
        if plan is not None and not plan.editable:
            flash(plans.NOT_EDITABLE, "error")
            return redirect(url_for(".details_view", id=plan.id))
        return super().edit_view()

    @expose("/submit/", methods=("POST",))
    def submit_view(self):
        plan = self.get_one(request.form.get("id"))
        try:
            plans.submit_plan(plan.id, self._actor())
        except ValueError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(f"培训计划“{plan.name}”已提交，等待上级主管部门审核备案", "success")
        return redirect(url_for(".details_view", id=plan.id))


def participants(plan_id, limit=None):
    """The participants' records of the plan's current declaration, in name order."""
    declaration = plans.current_declaration(plan_id)
    if declaration is None:
        return None, []
    q = select(CreditRecord).where(CreditRecord.declaration_id == declaration.id).order_by(CreditRecord.person_name,
                                                                                          CreditRecord.id)
    return declaration, db.session.scalars(q.limit(limit) if limit else q).all()


PARTICIPANTS_SHOWN = 500


class PlanHoursView(UnitPlanView):
    """学时申报 (for plans): the unit's 已备案 plans; once one has ended, its participants and proof files."""

    can_create = can_edit = False
    column_list = ["name", "category", "form", "start_date", "end_date", "hours", "hours_status", "declare"]
    column_details_list = ["name", "category", "form", "start_date", "end_date", "hours", "expected_participants",
                           "place", "organizer", "reviewer_name", "reviewed_at", "hours_status",
                           "hours_reviewed_at", "hours_reject_reason"]
    column_filters = [FilterEqual(TrainingPlan.hours_status, "学时认定结果", options=list(HOURS_STATUSES.items()))]
    details_template = "admin/hours/plan_hours_details.html"
    export_title = "培训计划学时申报"
    column_labels = dict(PLAN_LABELS, declare="操作", reviewer_name="备案审核人", reviewed_at="备案时间")
    column_formatters = dict(PLAN_FORMATTERS, declare=lambda v, c, m, n: _declare_cell(m))
    declare_refusal = staticmethod(plans.declare_refusal)

    def get_query(self):
        return super().get_query().filter(TrainingPlan.status == "approved")

    def get_count_query(self):
        return super().get_count_query().filter(TrainingPlan.status == "approved")

    def get_empty_list_message(self):
        return "暂无已备案的培训计划：培训计划经上级主管部门审核备案、培训结束后，可在此申报学时"

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs["declaration"], kwargs["records"] = participants(kwargs["model"].id, PARTICIPANTS_SHOWN)
            kwargs["shown_max"] = PARTICIPANTS_SHOWN
        return super().render(template, **kwargs)

    def _people(self, ids):
        """Posted participants kept only when they are approved staff of the unit's subtree."""
        return db.session.scalars(access.scope(select(Person.id), Person).where(
            Person.id.in_(ids), Person.status == "approved")).all() if ids else []

    def _chosen(self, ids):
        """The picked people as the picker's selected options, after a refused POST."""
        rows = db.session.execute(access.scope(select(Person.id, Person.name, Person.id_number), Person).where(
            Person.id.in_(ids)).order_by(Person.name)).all() if ids else []
        return [{"id": r.id, "name": r.name, "masked_id": mask_id_number(r.id_number)} for r in rows]

    @expose("/declare/", methods=("GET", "POST"))
    def declare_view(self):
        plan = self.get_one(request.values.get("id"))
        refusal = plans.declare_refusal(plan)
        if refusal:
            flash(refusal, "error")
            return redirect(url_for(".details_view", id=plan.id))
        form = PlanHoursForm()
        form.files.required = plan.form.evidence_required
        posted = sorted({i for i in (to_id(x) for x in request.form.getlist("applicants")) if i is not None})
        applicants_error = None
        if len(posted) > MAX_APPLICANTS:
            applicants_error, posted = TOO_MANY_APPLICANTS.format(n=MAX_APPLICANTS), []
        elif form.validate_on_submit():
            try:
                declaration = plans.declare_plan_hours(plan, self._people(posted), form.files.files, self._actor())
            except plans.ProofRefusal as e:
                db.session.rollback()
                form.files.errors = [*form.files.errors, str(e)]
            except ValueError as e:
                db.session.rollback()
                applicants_error = str(e)
            else:
                count = declaration.applicants
                db.session.commit()
                flash(f"已为培训计划“{plan.name}”申报 {count} 人的学时，等待上级主管部门审核", "success")
                return redirect(url_for(".details_view", id=plan.id))
        elif request.method == "POST" and not posted:
            applicants_error = NO_APPLICANTS
        return self.render("admin/hours/plan_hours_declare.html", plan=plan, form=form, chosen=self._chosen(posted),
                           applicants_error=applicants_error)


def _declare_cell(model):
    refusal = plans.declare_refusal(model)
    if refusal is None:
        return Markup('<a class="btn btn-sm btn-primary" href="{}">申报学时</a>').format(
            url_for(".declare_view", id=model.id))
    if model.hours_status == "none":
        return Markup('<span class="text-muted small">{}</span>').format("培训结束后可申报")
    return ""


def add_views(admin, declare_category, review_category, platform_category):
    admin.add_view(PlanView(TrainingPlan, name="计划申报", category=declare_category, endpoint="plans",
                            url="/admin/hours/plans"))
    admin.add_view(PlanHoursView(TrainingPlan, name="学时申报", category=declare_category, endpoint="plan_hours",
                                 url="/admin/hours/plan-hours"))
