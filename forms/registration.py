"""Public registration forms: 用人单位注册 (F1) and 专技人员注册 (F2).

Lengths follow the model columns, so an over-long value gets a message instead of a database error.
"""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Optional, ValidationError

from models.choices import EDUCATIONS, ORG_KINDS, TITLE_LEVELS

from .account import OrgBasicFields
from .fields import DayField, PickedId, TitleChoices, pick_field, text_field
from .input import to_id
from .validators import Email, IdNumber, PasswordPolicy, Phone, Uscc, strip_filter

class _PasswordPair:
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), PasswordPolicy()],
                             description="8–64位，须同时包含字母和数字")
    confirm = PasswordField("确认密码", validators=[DataRequired("请再次输入密码"),
                                                EqualTo("password", "两次输入的密码不一致")])


class UnitRegistrationForm(OrgBasicFields, _PasswordPair, FlaskForm):
    """The unit's basic info as 基本信息管理 edits it, plus kind, superior and the first administrator."""

    uscc = StringField("统一社会信用代码", filters=[strip_filter],
                       validators=[DataRequired("请输入统一社会信用代码"), Uscc()])  # self-registration needs one
    kind = RadioField("机构类型", default="employer",
                      choices=[(k, ORG_KINDS[k]) for k in ("employer", "supervisor", "base")],
                      validators=[InputRequired("请选择机构类型")])
    superior_id = HiddenField("上级部门", validators=[PickedId("请选择上级部门")])
    superior_name = StringField("上级部门")  # only the search box's text; the id above is what counts

    admin_name = text_field("管理员姓名", 50, "请输入管理员姓名")
    admin_id_number = StringField("管理员身份证号", filters=[strip_filter],
                                  validators=[DataRequired("请输入管理员身份证号"), IdNumber()],
                                  description="即管理员的登录账号")
    admin_phone = StringField("手机号", filters=[strip_filter], validators=[DataRequired("请输入手机号"), Phone()])
    admin_email = StringField("邮箱", filters=[strip_filter], validators=[DataRequired("请输入邮箱"), Email()],
                              description="找回密码的验证码将发送到此邮箱")

    def org_data(self) -> dict:
        return {**self.basic_values(), "kind": self.kind.data}

    def admin_data(self) -> dict:
        return {"name": self.admin_name.data, "id_number": self.admin_id_number.data,
                "phone": self.admin_phone.data, "email": self.admin_email.data}


class PersonRegistrationForm(TitleChoices, _PasswordPair, FlaskForm):
    name = text_field("姓名", 50, "请输入姓名")
    id_number = StringField("身份证号", filters=[strip_filter],
                            validators=[DataRequired("请输入身份证号"), IdNumber()], description="即您的登录账号")
    employer_id = HiddenField("工作单位", validators=[PickedId("请选择工作单位")])
    employer_name = StringField("工作单位")  # only the search box's text
    department_id = SelectField("所在部门", choices=[("", "请先选择工作单位")], validate_choice=False,
                                validators=[Optional()])
    education = pick_field("学历", EDUCATIONS, "请选择学历")
    major = text_field("所学专业", 50)
    title_series = pick_field("职称系列", [], "请选择职称系列")
    title_name = text_field("职称名称", 50)
    title_level = pick_field("职称级别", TITLE_LEVELS, "请选择职称级别")
    title_date = DayField("取得时间", validators=[Optional()])
    admin_post = text_field("行政职务", 50)
    phone = StringField("手机号", filters=[strip_filter], validators=[DataRequired("请输入手机号"), Phone()])
    email = StringField("邮箱", filters=[strip_filter], validators=[DataRequired("请输入邮箱"), Email()],
                        description="找回密码的验证码将发送到此邮箱")

    PERSON_FIELDS = ("name", "id_number", "education", "major", "title_series", "title_name", "title_level",
                     "title_date", "admin_post")

    def validate_department_id(self, field):
        # The options are filled in the browser from the chosen employer; the model checks membership.
        if field.data and to_id(field.data) is None:
            raise ValidationError("请选择所在部门")

    def validate_title_date(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("取得时间不能晚于今天")
        if field.data and field.data.year < 1950:
            raise ValidationError("请填写正确的取得时间")

    def person_data(self) -> dict:
        return {key: self[key].data or None for key in self.PERSON_FIELDS}

    def department(self) -> int | None:
        return to_id(self.department_id.data)

    def contact(self) -> dict:
        return {"phone": self.phone.data, "email": self.email.data}
