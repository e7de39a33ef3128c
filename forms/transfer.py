"""人员调转 forms (F17–F20): starting a transfer (unit or the person), confirming it at the target unit."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from models import now
from models.transfer import TEXT_MAX

from .fields import DayField, PickedId
from .validators import strip_filter


def _reason(label, message):
    return TextAreaField(label, filters=[strip_filter], validators=[
        InputRequired(message), Length(max=TEXT_MAX, message=f"{label}最长{TEXT_MAX}个字")])


class SelfTransferForm(FlaskForm):
    """What the person fills in themself (个人自助 · 调转申请)."""

    to_org_id = HiddenField("调入单位", validators=[PickedId("请搜索并选择调入单位")])
    reason = _reason("调转原因", "请填写调转原因")
    transfer_date = DayField("调转日期", default=lambda: now().date(), validators=[InputRequired("请填写调转日期")])


class TransferOutForm(SelfTransferForm):
    """人员调出: the same, for a person of the unit's subtree picked from a search box (the id check is the same)."""

    person_id = HiddenField("调出人员", validators=[PickedId("请搜索并选择调出人员")])


class ConfirmInForm(FlaskForm):
    """确认调转: the department at the target unit (or none) and an optional note."""

    department_id = SelectField("调入后所在部门", validate_choice=False, validators=[Optional()])
    note = TextAreaField("审核意见", filters=[strip_filter],
                         validators=[Length(max=TEXT_MAX, message=f"审核意见最长{TEXT_MAX}个字")])

    def set_departments(self, departments):
        self.department_id.choices = [("", "（暂不分配部门）")] + [(str(d.id), d.name) for d in departments]

    def validate_department_id(self, field):
        if field.data and field.data not in {value for value, _ in field.choices}:
            raise ValidationError("所选部门不属于调入单位，请重新选择")

    @property
    def chosen_department(self):
        return int(self.department_id.data) if self.department_id.data else None
