"""平台设置 · 职称系列管理 (the operator's): the series as rows with the levels each has (models/title_series.py).

Audited by the ORM listener. A series some person holds is never deleted nor renamed (person.title_series points
at its name); one no longer offered is 停用 — kept for the people who hold it and in list filters.
"""
from flask_admin.form import BaseForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from forms.hours_catalogue import CheckboxesField
from forms.validators import strip_filter
from models import db
from models.title_series import IN_USE, LEVELS, RENAME_IN_USE, TitleSeries
from flask import request
from sqlalchemy import func, select, true

from .base import ScopedModelView

DUPLICATE = "已有同名的职称系列"


class TitleSeriesForm(BaseForm):
    name = StringField("职称系列", filters=[strip_filter],
                       validators=[DataRequired("请输入职称系列名称"), Length(max=20, message="职称系列最长20个字")])
    levels = CheckboxesField("包含的级别", choices=[(v, v) for v in LEVELS], validators=[Optional()],
                             description="不勾选任何级别：只能选“无”")
    sort = IntegerField("排序", default=0, validators=[Optional(), NumberRange(0, 9999, "排序须为0到9999的整数")])
    active = BooleanField("启用", default=True)


class TitleSeriesView(ScopedModelView):
    operator_only = True
    can_view_details = False
    form = TitleSeriesForm
    create_label = "新增职称系列"
    column_list = ["sort", "name", "levels", "national", "active"]
    column_labels = {"sort": "排序", "name": "职称系列", "levels": "包含的级别", "national": "来源", "active": "状态"}
    column_sortable_list = ["sort", "name"]
    column_default_sort = [("sort", False), ("id", False)]
    column_searchable_list = ["name"]
    form_widget_args = {"levels": {"class": "list-unstyled checkbox-row"}}  # not a form-control box around a list
    column_formatters = {
        "levels": lambda v, c, m, n: "、".join(m.levels) or "（无级别）",
        "national": lambda v, c, m, n: "国家设置" if m.national else "本省增设",
        "active": lambda v, c, m, n: "启用" if m.active else "停用",
    }
    deleted_message = "该职称系列已被删除"
    delete_conflict_message = IN_USE

    def search_placeholder(self):
        return "职称系列名称（从开头匹配）"

    def validate_form(self, form):
        """A taken name, or the rename of a series someone holds, is said next to the name field."""
        if not super().validate_form(form):
            return False
        if not isinstance(form, TitleSeriesForm):  # the delete and action forms pass here too
            return True
        editing = self.get_one(request.args.get("id")) if request.endpoint.endswith("edit_view") else None
        name = form.name.data
        clash = db.session.scalar(select(func.count()).select_from(TitleSeries).where(
            TitleSeries.name == name, TitleSeries.id != editing.id if editing else true()))
        refusal = DUPLICATE if clash else (editing.rename_refusal(name) if editing else None)
        if refusal:
            form.name.errors = [*form.name.errors, refusal]
            return False
        return True

    def on_model_change(self, form, model, is_created):
        if not is_created:  # checked again on the locked row: a holder may have appeared since the form was read
            refusal = model.rename_refusal(form.name.data)
            if refusal:
                raise ValidationError(refusal)
        model.set_levels(form.levels.data or [])
        model.sort = form.sort.data or 0

    def on_model_delete(self, model):
        if model.in_use():
            raise ValidationError(IN_USE)


def add_views(admin, category):
    admin.add_view(TitleSeriesView(TitleSeries, name="职称系列管理", category=category, endpoint="title_series",
                                   url="/admin/title-series"))
