"""平台设置 forms: a 学习形式 edited as rows (its declaration fields) and a few inputs for its credit rule, and a
year's 学时规则 with a row per 计入科目. Every problem is shown next to its input (the checks of the learning form
itself are models/hours/form_schema.py); nothing is saved while one remains."""
import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (BooleanField, DecimalField, FieldList, Form, FormField, IntegerField, SelectField,
                     SelectMultipleField, StringField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from models import db
from models.hours import form_schema
from models.hours.catalogue import CATEGORIES, DECLARERS, FIELD_TYPES, RULE_TYPES, HoursRule, LearningForm, _num

from .fields import DayField
from .validators import strip_filter

BLANK_ROWS = 3  # empty rows under a form's fields: room for new ones without a script
_PAIRS = re.compile(r"[\n\r；;，,]+")
_KEY_VALUE = re.compile(r"^(.+?)\s*[=＝:：]\s*(.+)$")


def _refresh_errors(form, rows):
    """WTForms computes ``errors`` of a form and of its rows once, during validate: the messages added after it
    belong in them too (the page's "未保存" and the rows' messages read them)."""
    for entry in rows.entries:
        entry.form._errors = None
    if not isinstance(rows.errors, list) or not rows.errors or not isinstance(rows.errors[0], str):
        row_errors = [entry.errors for entry in rows.entries]
        rows.errors = row_errors if any(row_errors) else []
    form._errors = None


class SettingsForm(FlaskForm):
    """A platform row's form: ``validate`` leaves the checked columns in ``cleaned``; ``kept`` is the column a
    saved row keeps (others refer to it: a form's code, a rule's year)."""

    kept = None
    editing = None

    def validate(self, extra_validators=None):
        if self.editing is not None:  # what the page shows read-only is what is checked, whatever was posted
            getattr(self, self.kept).data = getattr(self.editing, self.kept)
        return super().validate(extra_validators)

    def apply(self, row):
        for key, value in self.cleaned.items():
            if key != self.kept or row.id is None:
                setattr(row, key, value)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def table_text(table: dict | None) -> str:
    """{"国家级": 12, "省级": 8} as the operator types it: 国家级=12，省级=8."""
    return "，".join(f"{k}={_num(v)}" for k, v in (table or {}).items())


def parse_table(text: str | None) -> dict:
    """The inverse of ``table_text``; raises ValueError(中文) on a pair it cannot read."""
    table = {}
    for pair in _PAIRS.split(text or ""):
        pair = pair.strip()
        if not pair:
            continue
        match = _KEY_VALUE.match(pair)
        if not match:
            raise ValueError(f"无法识别“{pair}”：请按“选项=数值”填写，多项用逗号分隔，如 国家级=12，省级=8")
        key, raw = match.group(1).strip(), match.group(2).strip()
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"“{pair}”中的“{raw}”不是数字") from None
        if not value.is_finite():
            raise ValueError(f"“{pair}”中的“{raw}”不是数字")
        if key in table:
            raise ValueError(f"“{key}”重复")
        table[key] = _num(value)
    return table


def choices_of(text: str | None) -> list[str]:
    return [c.strip() for c in re.split(r"[、,，;；\n\r]+", text or "") if c.strip()]


def category_choices() -> list[tuple[str, str]]:
    """The national two and every 计入科目 a year's rule names (a province's 个人选修)."""
    names = list(CATEGORIES)
    for minimums in db.session.scalars(select(HoursRule.minimums)):
        names += [n for n in (minimums or {}) if n not in names]
    return [(n, n) for n in names]


class SchemaFieldForm(Form):
    """One field the declaration asks for. A row left without 字段名 and 显示名称 is no field."""

    name = StringField("字段名", filters=[strip_filter], render_kw={"placeholder": "如 days"})
    label = StringField("显示名称", filters=[strip_filter], validators=[Length(max=30, message="最长30个字")])
    type = SelectField("类型", choices=list(FIELD_TYPES.items()), validate_choice=False)
    required = BooleanField("必填")
    choices = StringField("选项（用、分隔）", filters=[strip_filter])
    unit = StringField("单位", filters=[strip_filter], validators=[Length(max=10, message="最长10个字")])
    max = DecimalField("上限", places=None, validators=[Optional()],
                       render_kw={"inputmode": "decimal"})

    def is_blank(self) -> bool:
        return not (self.name.data or self.label.data)

    def spec(self) -> dict:
        out = {"name": self.name.data or "", "label": self.label.data or "", "type": self.type.data,
               "required": bool(self.required.data)}
        if self.type.data == "choice":
            out["choices"] = choices_of(self.choices.data)
        if self.unit.data:
            out["unit"] = self.unit.data
        if self.max.data is not None:
            out["max"] = _num(self.max.data)
        return out


def _row_data(field: dict) -> dict:
    return {"name": field.get("name"), "label": field.get("label"), "type": field.get("type"),
            "required": bool(field.get("required")), "choices": "、".join(field.get("choices") or []),
            "unit": field.get("unit"), "max": field.get("max")}


class LearningFormForm(SettingsForm):
    kept = "code"
    code = StringField("代码", filters=[strip_filter], validators=[
        DataRequired("请填写代码"), Regexp(form_schema.NAME.pattern, message="代码须以小写英文字母开头，只含小写字母、数字和下划线")],
        description="程序和导入中使用的标识，保存后不可修改，如 face_to_face")
    name = StringField("学习形式名称", filters=[strip_filter], validators=[
        DataRequired("请填写学习形式名称"), Length(max=50, message="最长50个字")])
    sort = StringField("排序", default="0", filters=[strip_filter],
                       validators=[Optional(), Regexp(r"^\d{1,3}$", message="请填写 0–999 的整数")],
                       description="数字小的排在前面")
    active = BooleanField("启用", default=True)
    categories = CheckboxesField("可计入科目")
    declarers = CheckboxesField("申报方式", choices=list(DECLARERS.items()))
    cap_per_record = DecimalField("每条记录上限（学时）", places=None, validators=[Optional()],
                                  description="不限请留空")
    cap_per_year = DecimalField("每人每年上限（学时）", places=None, validators=[Optional()],
                                description="不限请留空")
    evidence_required = BooleanField("须上传证明材料", default=True)
    evidence_hint = StringField("证明材料说明", filters=[strip_filter],
                                validators=[Length(max=200, message="最长200个字")])
    valid_from = DayField("有效期开始", validators=[Optional()], description="不限请留空",
                          render_kw={"placeholder": "如：2026-01-01"})
    valid_to = DayField("有效期结束", validators=[Optional()], description="不限请留空",
                        render_kw={"placeholder": "如：2026-12-31"})
    fields = FieldList(FormField(SchemaFieldForm), min_entries=1, max_entries=form_schema.MAX_FIELDS + BLANK_ROWS)
    rule_type = SelectField("计算方式", choices=list(RULE_TYPES.items()), validate_choice=False)
    rule_field = StringField("依据字段（字段名）", filters=[strip_filter])
    rule_rate = DecimalField("折算标准（每单位学时）", places=None, validators=[Optional()],
                             description="按数量折算时填写，如每天 8 学时填 8")
    rule_amounts = StringField("各选项学时", filters=[strip_filter],
                               description="按级别定额时填写，如 国家级=12，省级=8，市级=4")
    factor_field = StringField("系数字段（可选）", filters=[strip_filter])
    factor_values = StringField("各选项系数", filters=[strip_filter], description="如 主编=1，副主编=0.8，参编=0.6")
    bonus_field = StringField("加分字段（可选）", filters=[strip_filter])
    bonus_values = StringField("各选项加学时", filters=[strip_filter], description="如 是=6")

    # where form_schema.problems puts a problem → the input it belongs to
    _PLACES = {"rule.type": "rule_type", "rule.field": "rule_field", "rule.rate": "rule_rate",
               "rule.amounts": "rule_amounts", "rule.factor.field": "factor_field",
               "rule.factor.values": "factor_values", "rule.bonus.field": "bonus_field",
               "rule.bonus.values": "bonus_values"}

    def __init__(self, *args, editing: LearningForm | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.categories.choices = category_choices()
        if editing is not None:
            self.code.render_kw = {"readonly": True}
            # a 计入科目 no year's rule names any more stays offered to the forms that count toward it
            offered = {c for c, _ in self.categories.choices}
            self.categories.choices += [(c, c) for c in editing.categories or [] if c not in offered]

    @classmethod
    def data_of(cls, lf: LearningForm) -> dict:
        """A saved learning form as the form's initial data, with blank rows for new fields."""
        rule = lf.rule or {}
        factor, bonus = rule.get("factor") or {}, rule.get("bonus") or {}
        return dict(code=lf.code, name=lf.name, sort=lf.sort, active=lf.active, categories=list(lf.categories),
                    declarers=list(lf.declarers), cap_per_record=_num(lf.cap_per_record), cap_per_year=_num(lf.cap_per_year),
                    evidence_required=lf.evidence_required, evidence_hint=lf.evidence_hint,
                    valid_from=lf.valid_from, valid_to=lf.valid_to,
                    fields=[_row_data(f) for f in lf.fields or []] + [{}] * BLANK_ROWS,
                    rule_type=rule.get("type"), rule_field=rule.get("field"), rule_rate=rule.get("rate"),
                    rule_amounts=table_text(rule.get("amounts")), factor_field=factor.get("field"),
                    factor_values=table_text(factor.get("values")), bonus_field=bonus.get("field"),
                    bonus_values=table_text(bonus.get("values")))

    @classmethod
    def blank_data(cls) -> dict:
        return dict(active=True, evidence_required=True, sort=0, declarers=["person", "unit"],
                    categories=list(CATEGORIES), rule_type="rate", fields=[{}] * (BLANK_ROWS + 1))

    def _table(self, field) -> dict:
        try:
            return parse_table(field.data)
        except ValueError as e:
            field.errors.append(str(e))
            self._bad_table = True
            return {}

    def rows(self):
        return [entry.form for entry in self.fields.entries if not entry.form.is_blank()]

    def spec(self) -> dict:
        """The LearningForm columns the posted form describes."""
        rule = {"type": self.rule_type.data, "field": self.rule_field.data or ""}
        if self.rule_type.data == "rate":
            rule["rate"] = _num(self.rule_rate.data) if self.rule_rate.data is not None else None
        if self.rule_type.data == "table":
            rule["amounts"] = self._table(self.rule_amounts)
        for part, field, values in (("factor", self.factor_field, self.factor_values),
                                    ("bonus", self.bonus_field, self.bonus_values)):
            if field.data or values.data:
                rule[part] = {"field": field.data or "", "values": self._table(values)}
        return dict(code=self.code.data, name=self.name.data, sort=int(self.sort.data or 0), active=self.active.data,
                    categories=[c for c, _ in self.categories.choices if c in (self.categories.data or [])],
                    declarers=[d for d in DECLARERS if d in (self.declarers.data or [])],
                    cap_per_record=self.cap_per_record.data, cap_per_year=self.cap_per_year.data,
                    evidence_required=self.evidence_required.data, evidence_hint=self.evidence_hint.data or None,
                    valid_from=self.valid_from.data, valid_to=self.valid_to.data,
                    fields=[row.spec() for row in self.rows()], rule=rule)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self._bad_table = False
        spec = self.spec()
        rows = self.rows()
        for where, message in form_schema.problems(spec).items():
            parts = where.split(".")
            if parts[0] == "fields" and len(parts) == 3:
                target = getattr(rows[int(parts[1])], parts[2])
            elif where == "fields":
                target = self.fields
            else:
                target = getattr(self, self._PLACES.get(where, where))
            if message not in target.errors:
                target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]
            ok = False
        ok = self._unique(spec) and ok
        _refresh_errors(self, self.fields)
        self.cleaned = spec
        return ok and not self._bad_table

    def _unique(self, spec) -> bool:
        ok = True
        for column, field, message in ((LearningForm.code, self.code, "已有相同代码的学习形式"),
                                       (LearningForm.name, self.name, "已有同名的学习形式")):
            query = select(LearningForm.id).where(column == spec[column.key])
            if self.editing is not None:
                query = query.where(LearningForm.id != self.editing.id)
            if spec[column.key] and db.session.scalar(query) is not None:
                field.errors = [*field.errors, message]
                ok = False
        return ok



class MinimumForm(Form):
    category = StringField("计入科目", filters=[strip_filter],
                           validators=[Length(max=10, message="最长10个字")])
    minimum = DecimalField("最低学时", places=None, validators=[Optional(), NumberRange(min=0, message="不能为负数")])


class HoursRuleForm(SettingsForm):
    kept = "year"
    year = IntegerField("年度", validators=[InputRequired("请填写年度"),
                                          NumberRange(2000, 2100, "请填写 2000–2100 之间的年份")])
    total = DecimalField("每年应修总学时", places=None, validators=[
        InputRequired("请填写总学时"), NumberRange(min=Decimal("0.1"), max=Decimal(9999), message="须大于 0")])
    minimums = FieldList(FormField(MinimumForm), min_entries=1, max_entries=10 + BLANK_ROWS)
    note = StringField("说明", filters=[strip_filter], validators=[Length(max=200, message="最长200个字")],
                       description="如：依据某年继续教育通知")

    def __init__(self, *args, editing: HoursRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            self.year.render_kw = {"readonly": True}

    @classmethod
    def data_of(cls, rule: HoursRule) -> dict:
        rows = [{"category": k, "minimum": v} for k, v in (rule.minimums or {}).items()]
        return dict(year=rule.year, total=_num(rule.total), note=rule.note, minimums=rows + [{}] * BLANK_ROWS)

    @classmethod
    def blank_data(cls, year: int) -> dict:
        return dict(year=year, total=90, minimums=[{"category": c, "minimum": None} for c in CATEGORIES]
                    + [{}] * BLANK_ROWS)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        minimums = {}
        for entry in self.minimums.entries:
            row = entry.form
            if not row.category.data and row.minimum.data is None:
                continue
            if not row.category.data:
                row.category.errors = [*row.category.errors, "请填写计入科目"]
                ok = False
            elif row.category.data in minimums:
                row.category.errors = [*row.category.errors, f"“{row.category.data}”重复"]
                ok = False
            elif row.minimum.data is None:
                row.minimum.errors = [*row.minimum.errors, "请填写最低学时"]
                ok = False
            else:
                minimums[row.category.data] = _num(row.minimum.data)
        if not minimums and ok:
            self.minimums.errors = ["请至少设置一个计入科目的最低学时"]
            ok = False
        total = self.total.data
        if ok and total is not None and sum(Decimal(str(v)) for v in minimums.values()) > total:
            self.total.errors = [*self.total.errors, f"各科目最低学时之和（{_num(sum(Decimal(str(v)) for v in minimums.values()))}）"
                                 f"不能超过总学时（{_num(total)}）"]
            ok = False
        if ok and self.year.data is not None:
            query = select(HoursRule.id).where(HoursRule.year == self.year.data)
            if self.editing is not None:
                query = query.where(HoursRule.id != self.editing.id)
            if db.session.scalar(query) is not None:
                self.year.errors = [*self.year.errors, f"{self.year.data}年的学时规则已存在，请直接编辑"]
                ok = False
        _refresh_errors(self, self.minimums)
        self.cleaned = {"year": self.year.data, "total": total, "minimums": minimums, "note": self.note.data or None}
        return ok

