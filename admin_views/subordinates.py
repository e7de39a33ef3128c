"""账户管理 · 下属机构管理 (F12b): the subtree below the admin's own unit — details with admins, direct edits
with a reason, 停用 / 启用."""
from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike
from flask_admin.helpers import get_redirect_target
from markupsafe import Markup

from forms.account import StatusForm, SubordinateForm
from models import AdminMembership, Organization, db
from models.choices import FIELD_LABELS, ORG_KINDS, ORG_STATUSES, REGIONS
from models.org_change import USCC_TAKEN, edit_subordinate, set_org_enabled, tree_paths

from models import access
from .base import ScopedModelView
from .export import ExportColumn as Col


class SubordinateView(ScopedModelView):
    permission = "account.subordinates"
    can_create = can_delete = False
    can_edit = True
    can_view_details = True
    details_template = "admin/account/subordinate_details.html"
    edit_template = "admin/account/subordinate_edit.html"
    form = SubordinateForm
    column_list = ["name", "uscc", "kind", "tree_path", "region", "status", "created_at"]  # the path names the superior
    column_details_list = ["name", "tree_path", "uscc", "kind", "parent", "nature", "industry", "region",
                           "address", "contact_name", "contact_phone", "contact_email", "status",
                           "reject_reason", "created_at", "reviewed_at"]
    column_labels = dict(FIELD_LABELS, name="单位名称", tree_path="隶属关系")
    column_searchable_list = ["name", "uscc"]
    column_sortable_list = ["name", "created_at"]
    column_default_sort = "name"
    column_filters = [
        FilterLike(Organization.name, "单位名称"),
        FilterEqual(Organization.uscc, "统一社会信用代码"),
        FilterEqual(Organization.kind, "机构类型", options=list(ORG_KINDS.items())),
        FilterEqual(Organization.status, "状态", options=list(ORG_STATUSES.items())),
        FilterEqual(Organization.region, "所属地区", options=[(r, r) for r in REGIONS]),
    ]
    column_formatters = {
        "kind": lambda v, c, m, n: m.kind_label,
        "uscc": lambda v, c, m, n: Markup('<span class="badge badge-warning no-uscc">无统一社会信用代码</span>')
        if m.no_uscc else (m.uscc or ""),
        "status": lambda v, c, m, n: m.status_label,
        "parent": lambda v, c, m, n: m.parent.name if m.parent else "",
        "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d") if m.created_at else "",
        "tree_path": lambda v, c, m, n: g.get("tree_paths", {}).get(m.id, ""),
    }
    column_formatters_detail = dict(column_formatters, tree_path=lambda v, c, m, n: m.tree_path, created_at=lambda v, c, m, n: (
        m.created_at.strftime("%Y-%m-%d %H:%M") if m.created_at else ""), reviewed_at=lambda v, c, m, n: (
        m.reviewed_at.strftime("%Y-%m-%d %H:%M") if m.reviewed_at else ""))

    export_title = "下属机构"
    export_columns = (
        Col(None, "name", width=30), Col(None, "uscc", "id", 21), Col(None, "kind_label", column="kind"),
        Col(None, lambda m: g.tree_paths.get(m.id, ""), width=50, column="tree_path"), Col(None, "region"),
        Col(None, "nature", width=14), Col(None, "industry", width=14), Col(None, "address", width=30),
        Col(None, "contact_name"), Col(None, "contact_phone", "id", 14), Col(None, "contact_email", width=24),
        Col(None, "status_label", column="status"), Col(None, "created_at", "datetime"),
        Col(None, "reviewed_at", "datetime"),
    )

    def get_query(self):
        query = super().get_query()
        org = access.current_org()
        return query.filter(Organization.id != org.id) if org else query

    def get_count_query(self):
        query = super().get_count_query()
        org = access.current_org()
        return query.filter(Organization.id != org.id) if org else query

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        self.export_batch(rows)
        return count, rows

    def export_batch(self, rows):
        g.tree_paths = tree_paths([o.id for o in rows], access.scope_org_id())

    # -- details: the unit's admins and the 停用/启用 buttons -------------------------------------------
    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["admins"] = access.scope(AdminMembership.query, AdminMembership).filter(
                AdminMembership.org_id == kwargs["model"].id).order_by(
                AdminMembership.is_super.desc(), AdminMembership.created_at).all()
            kwargs["status_form"] = StatusForm()
        return super().render(template, **kwargs)

    # -- edit: applied at once through the model rule, with the reason on the audit entry -----------------
    def update_model(self, form, model):
        try:
            edit_subordinate(model, form.basic_values(), form.change_reason.data)
            db.session.commit()
        except ValueError as e:
            db.session.rollback()
            if str(e) == USCC_TAKEN:
                form.uscc.errors = list(form.uscc.errors) + [str(e)]
            else:
                flash(str(e), "error")
            return False
        return True

    # -- 停用 / 启用 -------------------------------------------------------------------------------------
    def _set_enabled(self, ids, enabled):
        acting = access.current_org()
        orgs = self.get_query().filter(Organization.id.in_(ids)).all() if ids else []
        done, refused = [], []
        reason = (request.form.get("reason") or "").strip()[:500] or None
        for org in sorted(orgs, key=lambda o: o.id):  # rows locked in one order: two bulk clicks never deadlock
            try:
                set_org_enabled(org, enabled, acting.id if acting else None, reason)
                done.append(org.name)
            except ValueError as e:
                refused.append(str(e))
        db.session.commit()
        verb = "启用" if enabled else "停用"
        if done:
            flash(f"已{verb} {len(done)} 个单位：" + "、".join(done[:10]) + ("等" if len(done) > 10 else ""), "success")
        for message in refused[:10]:
            flash(message, "error")
        if not done and not refused:
            flash(f"没有可{verb}的单位", "warning")

    @action("disable", "停用", "确定停用选中的单位吗？停用后这些单位的管理员和专技人员将不能登录。")
    def action_disable(self, ids):
        self._set_enabled(ids, False)

    @action("enable", "启用", "确定启用选中的单位吗？")
    def action_enable(self, ids):
        self._set_enabled(ids, True)

    @expose("/status/<int:id>", methods=("POST",))
    def status(self, id):
        org = self.get_one(id)
        form = StatusForm()
        if not form.validate_on_submit():
            flash("原因最长500个字", "error")
        else:
            self._set_enabled([org.id], request.form.get("enabled") == "1")
        return redirect(get_redirect_target() or url_for(".details_view", id=org.id))

