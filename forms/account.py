"""账户管理 forms (F8–F12b): a unit's basic info, its superior, admins, roles."""
from flask_admin.form import BaseForm
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, StopValidation

from models import Role, db, permissions
from models.base import is_row_id
from models.unit_admin import ROLE_GONE
from models.choices import INDUSTRIES, ORG_NATURES, REGIONS
from models.validators import normalize_uscc

from .fields import PickedId, pick_field, text_field
from .validators import Email, IdNumber, PasswordPolicy, Phone, strip_filter

class UsccOfOrg:
    """Required unless the unit was created without one (``no_uscc``, F32); the form names its unit as ``org``."""

    def __call__(self, form, field):
        org = getattr(form, "org", None) or getattr(form, "_obj", None)
        if not (field.data or "").strip():
            if org is not None and org.no_uscc:
                field.data = None
                return
            raise StopValidation("请输入统一社会信用代码")
        try:
            field.data = normalize_uscc(field.data)
        except ValueError as e:
            raise StopValidation(str(e)) from None


class OrgBasicFields:
    """The fields a unit's basic info consists of (same labels and rules as 用人单位注册)."""

    name = text_field("单位名称", 100, "请输入单位名称")
    uscc = StringField("统一社会信用代码", filters=[strip_filter], validators=[UsccOfOrg()])
    nature = pick_field("单位性质", ORG_NATURES, "请选择单位性质")
    industry = pick_field("所属行业", INDUSTRIES, "请选择所属行业")
    region = pick_field("所属地区", REGIONS, "请选择所属地区")
    address = text_field("单位地址", 200)
    contact_name = text_field("联系人", 50, "请输入联系人")
    contact_phone = StringField("联系电话", filters=[strip_filter],
                                validators=[DataRequired("请输入联系电话"), Phone()])
    contact_email = StringField("联系邮箱", filters=[strip_filter], validators=[Email(optional=True)])

    BASIC = ("name", "uscc", "nature", "industry", "region", "address", "contact_name", "contact_phone",
             "contact_email")

    def basic_values(self) -> dict:
        return {key: self[key].data or None for key in self.BASIC}


class UnitInfoForm(OrgBasicFields, FlaskForm):
    """基本信息管理 · 修改: becomes a change request for the superior."""


class SubordinateForm(OrgBasicFields, BaseForm):
    """下属机构管理 · 编辑 (a Flask-Admin form): applied at once, with a mandatory reason."""

    change_reason = TextAreaField("修改原因", filters=[strip_filter], validators=[
        DataRequired("请填写修改原因"), Length(max=500, message="修改原因最长500个字")],
        description="将记入审计日志")


class SuperiorForm(FlaskForm):
    """更换上级部门."""

    superior_id = HiddenField("新的上级部门", validators=[PickedId("请选择新的上级部门")])


class StatusForm(FlaskForm):
    """停用 / 启用 a subordinate unit."""

    reason = text_field("原因", 500)


# -- admins (F10, F12) -------------------------------------------------------------------------------
NO_ROLE = "暂不分配角色"


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # matches no choice, so pre_validate refuses it


class RoleField(SelectField):
    """A role of this unit; the view passes the (scoped) roles in with :meth:`set_roles`."""

    def __init__(self, label="角色", **kwargs):
        kwargs.setdefault("description", "可稍后在管理员列表中分配或更换")
        super().__init__(label, coerce=_int_or_none, choices=[(None, NO_ROLE)], **kwargs)

    def set_roles(self, roles):
        self.choices = [(None, NO_ROLE)] + [(r.id, r.name) for r in roles]

    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices}:
            # Deleted after the page was opened (even just before the choices were read): say so, not "pick one".
            gone = is_row_id(self.data) and db.session.get(Role, self.data) is None
            raise StopValidation(ROLE_GONE if gone else "请选择本单位的角色")


class AddPersonAdminForm(FlaskForm):
    """(a) 选择成为管理员."""

    person_id = HiddenField("本单位人员", validators=[PickedId("请选择本单位已审核的人员")])
    role_id = RoleField()


class RegisterAdminForm(FlaskForm):
    """(b) 注册成为管理员."""

    id_number = StringField("身份证号", filters=[strip_filter], validators=[DataRequired("请输入身份证号"), IdNumber()],
                            description="即新管理员的登录账号，须未在本系统注册过")
    name = text_field("姓名", 50, "请输入姓名")
    phone = StringField("手机号", filters=[strip_filter], validators=[DataRequired("请输入手机号"), Phone()])
    email = StringField("邮箱", filters=[strip_filter], validators=[DataRequired("请输入邮箱"), Email()],
                        description="找回密码的验证码将发送到此邮箱")
    password = PasswordField("初始密码", validators=[DataRequired("请输入初始密码"), PasswordPolicy()],
                             description="8–64位，须同时包含字母和数字；新管理员首次登录时须修改密码")
    confirm = PasswordField("确认密码", validators=[DataRequired("请再次输入密码"),
                                                EqualTo("password", "两次输入的密码不一致")])
    role_id = RoleField()


class ExistingAdminForm(FlaskForm):
    """(c) 添加成为管理员: an account of the platform, proven by its own password."""

    id_number = StringField("身份证号", filters=[strip_filter], validators=[DataRequired("请输入身份证号"), IdNumber()])
    name = text_field("姓名", 50, "请输入姓名")
    password = PasswordField("该账号的登录密码", validators=[DataRequired("请输入该账号的登录密码"), Length(max=64)],
                             description="须与该账号注册时设置的密码一致")
    role_id = RoleField()


class AssignRoleForm(FlaskForm):
    role_id = RoleField(description="")


class RemoveAdminForm(FlaskForm):
    confirm_self = BooleanField("我确认删除自己在本单位的管理员权限，删除后将立即失去本单位后台的访问权限")


# -- roles (F11) ---------------------------------------------------------------------------------------
class PermissionWidget:
    """Checkboxes grouped like the seed's menus; codes the editor does not hold are shown but disabled."""

    def __call__(self, field, **kwargs):
        chosen = set(field.data or ())
        editable = getattr(field, "editable", permissions.ALL)
        html = ['<div class="permission-groups" id="%s">' % escape(field.id)]
        for group, items in permissions.CATALOGUE:
            html.append('<fieldset class="permission-group border rounded p-2 mb-2"><legend class="h6 w-auto px-1">'
                        f'{escape(group)}</legend>')
            for code, label in items:
                box_id = f"{field.id}-{code.replace('.', '-')}"
                disabled = "" if code in editable else " disabled"
                checked = " checked" if code in chosen else ""
                title = "" if code in editable else ' title="您没有此权限，不能授予"'
                html.append(
                    f'<div class="form-check form-check-inline"{title}>'
                    f'<input class="form-check-input" type="checkbox" name="{escape(field.name)}" id="{box_id}"'
                    f' value="{escape(code)}"{checked}{disabled}>'
                    f'<label class="form-check-label" for="{box_id}">{escape(label)}</label></div>')
            html.append("</fieldset>")
        html.append("</div>")
        return Markup("".join(html))


class PermissionsField(SelectMultipleField):
    widget = PermissionWidget()

    def __init__(self, label="权限", **kwargs):
        kwargs.setdefault("choices", [(code, label) for code, label in permissions.LABELS.items()])
        super().__init__(label, **kwargs)

    def pre_validate(self, form):
        unknown = set(self.data or ()) - permissions.ALL
        if unknown:
            raise StopValidation("包含无效的权限")
        if not self.data:
            raise StopValidation("请至少选择一项权限")
