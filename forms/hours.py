"""学时申报 (F21, F33): 计入科目, 学习形式, the fields of that form's schema, dates, applicants and proof files.

A learning form's own fields are data the operator edits (LearningForm.fields), not WTForms fields: the page
renders them from the schema and posts them as ``f_<name>``; LearningForm.clean_values checks them and its
messages are shown next to each field. One form serves the unit and base admins' page and the staff portal;
``declarer`` (person / unit / base) decides which learning forms are offered.
"""
import re
import secrets

from flask import request
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Regexp, ValidationError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Declaration, LearningForm, db, now
from models.hours import attachments
from models.hours.catalogue import CATEGORIES, _num
from models.hours.records import DATE_FUTURE, DATES_ORDER, TITLE_MAX, declare

from .fields import PLEASE_PICK, DayField, text_field
from .hours_files import ProofFilesField
from .input import to_id

FIELD_PREFIX = "f_"
ZERO_HOURS = "按所填信息计算的学时为 0，请检查填写内容"
PICK_FORM = "请选择学习形式"
STALE_PAGE = "页面已过期，请刷新后重新填写"
ALREADY_SUBMITTED = "该申报已提交，请勿重复提交"
_KEY = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_submit_key() -> str:
    return secrets.token_urlsafe(32)  # 43 characters: Declaration.submit_key


def category_choices(forms):
    """The platform's 计入科目, then any other a learning form counts toward (a province's 个人选修)."""
    names = list(CATEGORIES)
    for f in forms:
        names += [c for c in f.categories if c not in names]
    return PLEASE_PICK + [(c, c) for c in names]


def learning_form(form_id, category, declarer):
    """(the LearningForm, why it may not be used) for the ids and names posted; (None, None) when none chosen."""
    pk = to_id(form_id)
    found = db.session.get(LearningForm, pk) if pk is not None else None
    if found is None:
        return None, (PICK_FORM if form_id else None)
    return found, found.refusal(category or None, declarer)


def schema_answer(declarer, category, form_id) -> dict:
    """The JSON the page loads when 计入科目 or 学习形式 changes: the forms offered and the chosen one's schema."""
    offered = LearningForm.available(declarer, category or None)
    found, refusal = learning_form(form_id, category, declarer)
    return {"forms": [{"id": f.id, "name": f.name} for f in offered],
            "schema": found.schema() if found is not None and refusal is None else None,
            "refusal": refusal if form_id else None}


def credit_answer(found, values: dict) -> dict:
    """Hours for cleaned ``values`` under ``found``'s rule, with the cap's refusal put on the rule's field."""
    hours = found.credit(values)
    refusal = found.cap_refusal(hours) or (ZERO_HOURS if hours <= 0 else None)
    field = (found.rule or {}).get("field")
    return {"hours": _num(hours), "text": f"本次申报 {_num(hours)} 学时", "refusal": refusal,
            "field": field if field in {f["name"] for f in found.fields} else None}


def preview_answer(declarer, payload) -> dict:
    """The page's hours preview (POST JSON {form_id, category, values}): what submitting would credit."""
    payload = payload if isinstance(payload, dict) else {}
    found, refusal = learning_form(payload.get("form_id"), payload.get("category"), declarer)
    if found is None or refusal:
        return {"hours": None, "text": "", "refusal": refusal, "field": None, "errors": {}}
    raw = payload.get("values") if isinstance(payload.get("values"), dict) else {}
    values, errors = found.clean_values({k: v for k, v in raw.items() if isinstance(v, str)})
    rule = found.rule or {}
    counted = {rule.get("field")} | {(rule.get(k) or {}).get("field") for k in ("factor", "bonus")}
    if counted & set(errors):  # the hours depend on a field not (rightly) filled in yet
        return {"hours": None, "text": "", "refusal": None, "field": None, "errors": errors}
    return {**credit_answer(found, values), "errors": errors}


class DeclarationForm(FlaskForm):
    category = SelectField("计入科目", validators=[DataRequired("请选择计入科目")])
    form_id = SelectField("学习形式", validate_choice=False, validators=[DataRequired(PICK_FORM)])
    title = text_field("学习内容/项目名称", TITLE_MAX, required="请填写学习内容/项目名称")
    start_date = DayField("开始日期", validators=[InputRequired("请填写开始日期")])
    end_date = DayField("结束日期", validators=[InputRequired("请填写结束日期")])
    files = ProofFilesField("证明材料")
    submit_key = HiddenField(validators=[DataRequired(STALE_PAGE), Regexp(_KEY, message=STALE_PAGE)])
    # A unit's applicants: person ids, options added by the picker (or the 岗位培训 import).
    applicants = SelectMultipleField("申请人", choices=[], validate_choice=False)
    # A training base's: one "身份证号 姓名" per line.
    people = TextAreaField("参训人员")

    def __init__(self, declarer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.declarer = declarer
        # The API (api/credits.py) posts JSON: it passes the same fields as ``formdata``, the page's own post is
        # request.form; the schema's fields are read from whichever it is.
        self._posted = kwargs.get("formdata")
        if not self.is_submitted():
            self.submit_key.data = new_submit_key()
        offered = LearningForm.available(declarer)
        self.category.choices = category_choices(offered)
        in_category = [f for f in offered if not self.category.data or self.category.data in f.categories]
        self.form_id.choices = [("", "请选择")] + [(str(f.id), f.name) for f in in_category]
        self.learning_form, _ = learning_form(self.form_id.data, None, declarer)
        self.values, self.value_errors, self.hours = {}, {}, None

    # -- the schema's fields ------------------------------------------------------------------------
    def typed_values(self) -> dict:
        """What was typed into the schema's fields (shown again after an error)."""
        if self.learning_form is None:
            return {}
        posted = self._posted if self._posted is not None else request.form
        return {f["name"]: posted.get(FIELD_PREFIX + f["name"], "") for f in self.learning_form.fields}

    def schema(self):
        return self.learning_form.schema() if self.learning_form is not None else None

    def validate_form_id(self, field):
        found, refusal = learning_form(field.data, self.category.data, self.declarer)
        if refusal:
            raise ValidationError(refusal)

    def validate_end_date(self, field):
        if field.data and field.data > now().date():
            raise ValidationError(DATE_FUTURE)
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(DATES_ORDER)

    def validate(self, extra_validators=None):
        found = self.learning_form
        self.files.required = bool(found is not None and found.evidence_required)
        ok = super().validate(extra_validators)
        if found is None or self.form_id.errors:
            return False
        self.values, self.value_errors = found.clean_values(self.typed_values())
        if not self.value_errors:
            answer = credit_answer(found, self.values)
            if answer["refusal"]:
                self.value_errors[answer["field"] or "_hours"] = answer["refusal"]
            else:
                self.hours = answer["hours"]
        if self.end_date.data and not self.end_date.errors:
            refusal = found.refusal(self.category.data, self.declarer, self.end_date.data)
            if refusal:
                self.end_date.errors.append(refusal)
                ok = False
        return ok and not self.value_errors

    def filed_before(self) -> bool:
        """This page was submitted and filed already (double click, back and submit again)."""
        key = self.submit_key.data
        return bool(key) and db.session.scalar(select(Declaration.id).where(Declaration.submit_key == key)) is not None

    def file(self, person_ids, declared_by, org, actor):
        """records.declare() and attachments.store() for this input, uncommitted; None when refused (the reason is
        on the form, or ``already_submitted`` is set: this page's key was used by a declaration meanwhile)."""
        self.already_submitted = False
        try:
            declaration = declare(self.learning_form, self.category.data, self.values, person_ids,
                                  declared_by=declared_by, actor=actor, org=org, title=self.title.data,
                                  start_date=self.start_date.data, end_date=self.end_date.data,
                                  submit_key=self.submit_key.data)
        except IntegrityError:  # the same page posted twice at once: the second meets the first's submit_key
            db.session.rollback()
            self.already_submitted = True
            return None
        except ValueError as e:
            db.session.rollback()
            self.form_errors.append(str(e))
            return None
        try:
            attachments.store(self.files.files, declaration)
        except ValueError as e:
            db.session.rollback()
            self.files.errors.append(str(e))
            return None
        return declaration
