"""平台设置 (the platform operator's): 学习形式管理 and 学时规则.

Both are rows of data (models/hours/catalogue.py), audited by the ORM listener. An edit never reaches what was
declared before: a declaration copies the rule and caps in force, a record its hours and yearly cap. Rows are not
deleted — records point at them; a form no longer offered is 停用.
"""
from flask import flash
from flask_admin.helpers import get_form_data
from sqlalchemy.exc import IntegrityError

from forms.hours_catalogue import HoursRuleForm, LearningFormForm
from models import db
from models.base import now
from models.hours.catalogue import DECLARERS, HoursRule, LearningForm, _num

from ..base import ScopedModelView
from ..export import ExportColumn as Col


def _joined(values, labels=None):
    return "、".join((labels or {}).get(v, v) for v in values or [])


def _cap(value):
    return "不限" if value is None else f"{_num(value)}"


def _validity(lf):
    if not lf.valid_from and not lf.valid_to:
        return "长期有效"
    return f"{lf.valid_from or '不限'} 至 {lf.valid_to or '不限'}"


class CatalogueView(ScopedModelView):
    """The operator edits these rows through a form of its own (``form_class``), not one scaffolded from columns."""

    operator_only = True
    can_delete = False
    can_view_details = False
    form_class = None
    duplicate_message = ""

    def _form(self, obj=None):
        posted = get_form_data()
        initial = {} if posted is not None else (self.form_class.data_of(obj) if obj is not None
                                                 else self.blank_data())
        return self.form_class(posted, editing=obj, **initial)

    def create_form(self, obj=None):
        return self._form()

    def edit_form(self, obj=None):
        return self._form(obj)

    def create_model(self, form):
        return self._save(form, self.model())

    def update_model(self, form, model):
        return self._save(form, model) is not None

    def _save(self, form, model):
        form.apply(model)
        db.session.add(model)
        try:
            db.session.commit()
        except IntegrityError:  # two operators saving the same name or year at once: the constraint decides
            db.session.rollback()
            flash(self.duplicate_message, "error")
            return None
        return model


class LearningFormView(CatalogueView):
    form_class = LearningFormForm
    create_label = "新增学习形式"
    duplicate_message = "已有相同代码或名称的学习形式"
    create_template = edit_template = "admin/hours/learning_form_edit.html"
    column_list = ["sort", "name", "code", "categories", "rule", "cap_per_record", "cap_per_year",
                   "evidence_required", "declarers", "validity", "active"]
    column_labels = {"sort": "排序", "name": "学习形式", "code": "代码", "categories": "可计入科目",
                     "rule": "计算规则", "cap_per_record": "每条上限", "cap_per_year": "每年上限",
                     "evidence_required": "证明材料", "declarers": "申报方式", "validity": "有效期", "active": "状态"}
    column_sortable_list = ["sort", "name", "code"]
    column_default_sort = [("sort", False), ("id", False)]
    column_searchable_list = ["name"]
    column_formatters = {
        "categories": lambda v, c, m, n: _joined(m.categories),
        "rule": lambda v, c, m, n: m.rule_text(),
        "cap_per_record": lambda v, c, m, n: _cap(m.cap_per_record),
        "cap_per_year": lambda v, c, m, n: _cap(m.cap_per_year),
        "evidence_required": lambda v, c, m, n: "必须上传" if m.evidence_required else "可不上传",
        "declarers": lambda v, c, m, n: _joined(m.declarers, DECLARERS),
        "validity": lambda v, c, m, n: _validity(m),
        "active": lambda v, c, m, n: "启用" if m.active else "停用",
    }
    export_title = "学习形式"
    export_columns = (Col(None, "sort", "int"), Col(None, "name", width=16), Col(None, "code", width=14),
                      Col("可计入科目", lambda m: _joined(m.categories), width=18),
                      Col("计算规则", lambda m: m.rule_text(), width=60),
                      Col("每条上限", lambda m: _cap(m.cap_per_record)), Col("每年上限", lambda m: _cap(m.cap_per_year)),
                      Col("申报方式", lambda m: _joined(m.declarers, DECLARERS), width=30),
                      Col("有效期", _validity, width=24), Col("状态", lambda m: "启用" if m.active else "停用"))

    def blank_data(self):
        return LearningFormForm.blank_data()

    def search_placeholder(self):
        return "学习形式名称（从开头匹配）"


class HoursRuleView(CatalogueView):
    form_class = HoursRuleForm
    create_label = "新增年度规则"
    duplicate_message = "该年度的学时规则已存在，请直接编辑"
    create_template = edit_template = "admin/hours/hours_rule_edit.html"
    column_list = ["year", "total", "minimums", "note", "created_at"]
    column_labels = {"year": "年度", "total": "总学时", "minimums": "各计入科目最低学时", "note": "说明",
                     "created_at": "创建时间"}
    column_sortable_list = ["year"]
    column_default_sort = ("year", True)
    column_formatters = {
        "total": lambda v, c, m, n: _num(m.total),
        "minimums": lambda v, c, m, n: "，".join(f"{k} ≥ {_num(x)}" for k, x in (m.minimums or {}).items()),
        "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d"),
    }
    export_title = "学时规则"
    export_columns = (Col(None, "year", "int"), Col("总学时", lambda m: _num(m.total)),
                      Col("各计入科目最低学时", lambda m: "，".join(f"{k} ≥ {_num(x)}" for k, x in
                                                          (m.minimums or {}).items()), width=40),
                      Col(None, "note", width=30), Col(None, "created_at", "datetime"))

    def blank_data(self):
        years = {y for (y,) in db.session.query(HoursRule.year)}
        year = now().year
        while year in years:
            year += 1
        return HoursRuleForm.blank_data(year)


def add_views(admin, declare_category, review_category, platform_category):
    admin.add_view(LearningFormView(LearningForm, name="学习形式管理", category=platform_category,
                                    endpoint="learning_forms", url="/admin/hours/forms"))
    admin.add_view(HoursRuleView(HoursRule, name="学时规则", category=platform_category, endpoint="hours_rules",
                                 url="/admin/hours/rules"))
