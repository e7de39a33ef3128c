"""账户管理 · 管理内设部门 (F9)."""
from flask import flash, g
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms.validators import DataRequired, Length, ValidationError

from forms.validators import UniqueInOrg, strip_filter
from models import Department, Person, db

from models import access
from .base import ScopedModelView
from .export import ExportColumn as Col


class DepartmentView(ScopedModelView):
    permission = "account.departments"
    own_org_only = True
    create_label = "添加部门"
    deleted_message = "该部门已被删除"
    column_list = ["name", "people", "created_at"]
    column_labels = {"name": "部门名称", "people": "人数", "created_at": "创建时间"}
    column_searchable_list = ["name"]
    column_default_sort = "name"
    form_columns = ["name"]
    form_args = {"name": {"label": "部门名称", "filters": [strip_filter], "validators": [
        DataRequired("请输入部门名称"), Length(max=50, message="部门名称最长50个字"),
        UniqueInOrg(Department, "name", "本单位已有同名部门", lambda: access.current_org().id),
    ]}}
    column_formatters = {"people": lambda v, c, m, n: g.get("department_people", {}).get(m.id, 0),
                         "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d")}
    export_title = "内设部门"
    export_columns = (Col(None, "name", width=24), Col("人数", lambda m: g.department_people.get(m.id, 0), "int"),
                      Col(None, "created_at", "datetime"))

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        self.export_batch(rows)
        return count, rows

    def export_batch(self, rows):
        """Each department's head count, for a page or a chunk of departments in one query."""
        ids = [d.id for d in rows]
        g.department_people = dict(db.session.execute(
            select(Person.department_id, func.count()).where(Person.department_id.in_(ids)).group_by(Person.department_id)
        ).all()) if ids else {}

    @property
    def can_create(self):
        return access.current_org() is not None

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.org_id = access.current_org().id

    def handle_view_exception(self, exc):
        # Two admins adding the same name at once: the constraint decides. (A delete's IntegrityError is
        # answered by the base's delete_model and never comes here.)
        if isinstance(exc, IntegrityError):
            db.session.rollback()
            flash("本单位已有同名部门", "error")
            return True
        return super().handle_view_exception(exc)

    def on_model_delete(self, model):
        refusal = model.delete_refusal()
        if refusal:
            raise ValidationError(refusal)
