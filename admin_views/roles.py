"""账户管理 · 角色管理 (F11): roles as permission checkboxes grouped like the seed's menus."""
from flask import g
from sqlalchemy import func, inspect, select
from wtforms.validators import DataRequired, Length, ValidationError

from forms.account import PermissionsField
from forms.validators import UniqueInOrg, strip_filter
from models import AdminMembership, Role, db, permissions
from models.unit_admin import role_delete_refusal, save_role_codes

from models import access
from .base import ScopedModelView
from .export import ExportColumn as Col


def _codes(view, context, model, name):
    return "、".join(permissions.LABELS[c] for c in permissions.clean_codes(model.permissions))


class RoleView(ScopedModelView):
    permission = "account.roles"
    own_org_only = True
    create_label = "新增角色"
    deleted_message = "该角色已被删除"
    column_list = ["name", "permissions", "admins", "created_at"]
    column_labels = {"name": "角色名称", "permissions": "权限", "admins": "使用人数", "created_at": "创建时间"}
    column_searchable_list = ["name"]
    column_sortable_list = ["name", "created_at"]
    column_default_sort = "name"
    column_formatters = {
        "permissions": _codes,
        "admins": lambda v, c, m, n: g.get("role_admins", {}).get(m.id, 0),
        "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d"),
    }
    export_title = "角色"
    export_columns = (Col(None, "name", width=20), Col("权限", lambda m: _codes(None, None, m, None), width=80),
                      Col(None, lambda m: g.role_admins.get(m.id, 0), "int", column="admins"),
                      Col(None, "created_at", "datetime"))
    form_columns = ["name", "permissions"]
    form_overrides = {"permissions": PermissionsField}
    form_args = {
        "name": {"label": "角色名称", "filters": [strip_filter], "validators": [
            DataRequired("请输入角色名称"), Length(max=50, message="角色名称最长50个字"),
            UniqueInOrg(Role, "name", "本单位已有同名角色", lambda: access.current_org().id)]},
        "permissions": {"label": "权限"},
    }

    @property
    def can_create(self):
        return access.current_org() is not None

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        self.export_batch(rows)
        return count, rows

    def export_batch(self, rows):
        """How many admins hold each role, for a page or a chunk of roles in one query."""
        ids = [r.id for r in rows]
        g.role_admins = dict(db.session.execute(
            select(AdminMembership.role_id, func.count()).where(AdminMembership.role_id.in_(ids))
            .group_by(AdminMembership.role_id)).all()) if ids else {}

    def _editable(self, form):
        form.permissions.editable = access.granted()
        return form

    def create_form(self, obj=None):
        return self._editable(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._editable(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.org_id = access.current_org().id
            model.permissions = []
        else:
            # populate_obj has just copied the posted codes over the role's; start again from what it held.
            history = inspect(model).attrs.permissions.history
            model.permissions = list((history.deleted or history.unchanged or [[]])[0])
        try:
            save_role_codes(model, form.permissions.data, access.granted())
        except PermissionError as e:
            raise ValidationError(str(e)) from None

    def on_model_delete(self, model):
        refusal = role_delete_refusal(model)
        if refusal:
            raise ValidationError(refusal)
