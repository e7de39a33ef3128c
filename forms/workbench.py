"""运维工作台 forms (F32): every fix carries a reason, required and shown next to its field."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from models.choices import ORG_KINDS
from models.validators import normalize_uscc
from models.workbench.fixes import REASON_MAX, REASON_REQUIRED

from .account import OrgBasicFields
from .fields import text_field
from .me import PersonChangeForm
from .validators import strip_filter


def reason_field():
    return TextAreaField("原因", filters=[strip_filter], description="必填，将与修改一起记入审计日志",
                         validators=[DataRequired(REASON_REQUIRED),
                                     Length(max=REASON_MAX, message=f"原因最长{REASON_MAX}个字")])


class ReasonForm(FlaskForm):
    """解锁 / 重置密码 / 停用 / 启用: nothing but the reason."""

    reason = reason_field()


class PersonFixForm(PersonChangeForm):
    """The operator's edit of a person: what the person may ask to change (个人自助), plus 姓名, 所学专业 and
    行政职务, with the reason."""

    name = text_field("姓名", 50, "请输入姓名")
    major = text_field("所学专业", 50)
    admin_post = text_field("行政职务", 50)
    reason = reason_field()

    FIELDS = ("name", "title_series", "title_name", "title_level", "title_date", "education", "major",
              "admin_post", "phone", "email", "department_id")


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


class BulkFixForm(FlaskForm):
    """批量修正 · 确认: the reason, recorded with every row's change."""

    reason = reason_field()


class OperatorRoleForm(FlaskForm):
    """运维账号 · 设置角色."""

    role = SelectField("角色", choices=[("service", "客服（只读）"), ("ops", "运维（可修正数据）")],
                       validators=[DataRequired("请选择角色")])
    reason = reason_field()
