"""Login, org choice and password forms (F3–F5)."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from models.choices import USER_TYPES

from .validators import IdNumber, PasswordPolicy, strip_filter


class LoginForm(FlaskForm):
    user_type = RadioField("用户类型", choices=list(USER_TYPES.items()), default="employer",
                           validators=[InputRequired("请选择用户类型")])
    id_number = StringField("账号（身份证号）", filters=[strip_filter],
                            validators=[DataRequired("请输入身份证号"), IdNumber()])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=64)])


class ChooseOrgForm(FlaskForm):
    org_id = SelectField("选择要管理的单位", coerce=int, validators=[InputRequired("请选择单位")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("原密码", validators=[DataRequired("请输入原密码")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), PasswordPolicy()])
    confirm = PasswordField("确认新密码", validators=[DataRequired("请再次输入新密码"),
                                                 EqualTo("new_password", "两次输入的新密码不一致")])


class ForgotPasswordForm(FlaskForm):
    id_number = StringField("身份证号", filters=[strip_filter], validators=[DataRequired("请输入身份证号"), IdNumber()])
    contact = StringField("注册时填写的邮箱或手机号", filters=[strip_filter],
                          validators=[DataRequired("请输入注册时填写的邮箱或手机号"), Length(max=120)])


class ResetPasswordForm(FlaskForm):
    id_number = StringField("身份证号", filters=[strip_filter], validators=[DataRequired("请输入身份证号"), IdNumber()])
    code = StringField("验证码", filters=[strip_filter], validators=[DataRequired("请输入邮件中的验证码"), Length(max=6)])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), PasswordPolicy()])
    confirm = PasswordField("确认新密码", validators=[DataRequired("请再次输入新密码"),
                                                 EqualTo("new_password", "两次输入的新密码不一致")])
