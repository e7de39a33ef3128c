"""个人自助 forms: a staff member's request to change their own data (F15 via F33)."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from models.choices import EDUCATIONS, TITLE_LEVELS

from .fields import DayField, TitleChoices, pick_field, text_field
from .validators import Email, Phone, strip_filter


class PersonChangeForm(TitleChoices, FlaskForm):
    title_series = pick_field("职称系列", [], "请选择职称系列")
    title_name = text_field("职称名称", 50)
    title_level = pick_field("职称级别", TITLE_LEVELS, "请选择职称级别")
    title_date = DayField("取得时间", validators=[Optional()])
    education = pick_field("学历", EDUCATIONS, "请选择学历")
    phone = StringField("手机号", filters=[strip_filter], validators=[DataRequired("请输入手机号"), Phone()])
    email = StringField("邮箱", filters=[strip_filter], validators=[DataRequired("请输入邮箱"), Email()])
    department_id = SelectField("所在部门", validators=[Optional()])

    FIELDS = ("title_series", "title_name", "title_level", "title_date", "education", "phone", "email",
              "department_id")

    def set_departments(self, departments):
        self.department_id.choices = [("", "（未设置部门）")] + [(str(d.id), d.name) for d in departments]

    def validate_title_date(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("取得时间不能晚于今天")
        if field.data and field.data.year < 1950:
            raise ValidationError("请填写正确的取得时间")

    def values(self) -> dict:
        """What the person asks for, normalised: empty text is None, the department an id."""
        out = {key: self[key].data or None for key in self.FIELDS}
        out["department_id"] = int(out["department_id"]) if out["department_id"] else None
        return out

    @classmethod
    def initial(cls, current: dict) -> dict:
        data = dict(current)
        data["title_date"] = date.fromisoformat(data["title_date"]) if data.get("title_date") else None
        data["department_id"] = str(data["department_id"]) if data.get("department_id") else ""
        return data
