"""运维工作台 forms (F32): every fix carries a reason, required and shown next to its field."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from models.choices import EDUCATIONS, ORG_KINDS, TITLE_LEVELS
from models.validators import normalize_uscc
from models.workbench.fixes import REASON_MAX, REASON_REQUIRED

from .account import OrgBasicFields
from .fields import DayField, TitleChoices, pick_field, text_field
from .validators import Email, Phone, strip_filter


def reason_field():
    return TextAreaField("原因", filters=[strip_filter], description="必填，将与修改一起记入审计日志",
                         validators=[DataRequired(REASON_REQUIRED),
                                     Length(max=REASON_MAX, message=f"原因最长{REASON_MAX}个字")])


class ReasonForm(FlaskForm):
    """解锁 / 重置密码 / 停用 / 启用: nothing but the reason."""

    reason = reason_field()


class PersonFixForm(TitleChoices, FlaskForm):
    name = text_field("姓名", 50, "请输入姓名")
    title_series = pick_field("职称系列", [], "请选择职称系列")
    title_name = text_field("职称名称", 50)
    title_level = pick_field("职称级别", TITLE_LEVELS, "请选择职称级别")
    title_date = DayField("取得时间", validators=[Optional()])
    education = pick_field("学历", EDUCATIONS, "请选择学历")
    major = text_field("所学专业", 50)
    admin_post = text_field("行政职务", 50)
    phone = StringField("手机号", filters=[strip_filter], validators=[DataRequired("请输入手机号"), Phone()])
    email = StringField("邮箱", filters=[strip_filter], validators=[DataRequired("请输入邮箱"), Email()])
    department_id = SelectField("所在部门", validators=[Optional()])
    reason = reason_field()

    FIELDS = ("name", "title_series", "title_name", "title_level", "title_date", "education", "major",
              "admin_post", "phone", "email", "department_id")

    def set_departments(self, departments):
        self.department_id.choices = [("", "（未设置部门）")] + [(str(d.id), d.name) for d in departments]

    def validate_title_date(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("取得时间不能晚于今天")
        if field.data and field.data.year < 1950:
            raise ValidationError("请填写正确的取得时间")

    def values(self) -> dict:
        out = {key: self[key].data or None for key in self.FIELDS}
        out["department_id"] = int(out["department_id"]) if out["department_id"] else None
        return out

    @classmethod
    def initial(cls, current: dict) -> dict:
        data = dict(current)
        data["title_date"] = date.fromisoformat(data["title_date"]) if data.get("title_date") else None
        data["department_id"] = str(data["department_id"]) if data.get("department_id") else ""
        return data


class MoveForm(FlaskForm):
    to_org = StringField("调入单位", filters=[strip_filter], validators=[DataRequired("请填写调入单位")],
                         description="填写调入单位的统一社会信用代码或完整名称")
    reason = reason_field()


class UsccOrNone:
    """A USCC (checked like everywhere), or nothing when the unit is marked 无统一社会信用代码."""

    def __call__(self, form, field):
        if not (field.data or "").strip():
            field.data = None
            if not form.no_uscc.data:
                raise StopValidation("请输入统一社会信用代码，或勾选“无统一社会信用代码”")
            return
        if form.no_uscc.data:
            raise StopValidation("已勾选“无统一社会信用代码”，请清空统一社会信用代码")
        try:
            field.data = normalize_uscc(field.data)
        except ValueError as e:
            raise StopValidation(str(e)) from None


class UnitFixForm(OrgBasicFields, FlaskForm):
    uscc = StringField("统一社会信用代码", filters=[strip_filter], validators=[UsccOrNone()])
    no_uscc = BooleanField("无统一社会信用代码")
    reason = reason_field()

    def values(self) -> dict:
        return dict(self.basic_values(), no_uscc=bool(self.no_uscc.data))


class UnitCreateForm(UnitFixForm):
    kind = SelectField("机构类型", choices=list(ORG_KINDS.items()), default="employer",
                       validators=[DataRequired("请选择机构类型")])
    parent_id = HiddenField()


class LookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: changes nothing

    q = StringField("身份证号或统一社会信用代码", filters=[strip_filter])
