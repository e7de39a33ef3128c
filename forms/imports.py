"""批量导入: the upload form and the confirmation (mode and, when accounts are created, their initial password)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, StringField

from models.account import hash_password
from models.spreadsheet.imports import MODES
from models.validators import check_password_policy


class UploadForm(FlaskForm):
    file = FileField("选择文件", validators=[FileRequired("请选择要上传的文件")])


class ConfirmForm(FlaskForm):
    mode = StringField("导入方式")  # one of two submit buttons; checked below with a Chinese message
    password = PasswordField("新账号的初始密码", description="8–64位，须同时包含字母和数字；本人首次登录后须修改")
    confirm = PasswordField("确认初始密码")

    def checked(self, needs_password: bool) -> bool:
        ok = self.validate()
        if self.mode.data not in MODES:
            self.mode.errors = [*self.mode.errors, "请选择导入方式"]
            ok = False
        if needs_password:
            try:
                check_password_policy(self.password.data or "")
            except ValueError as e:
                self.password.errors = [*self.password.errors, "请设置初始密码" if not self.password.data else str(e)]
                ok = False
            else:
                if self.confirm.data != self.password.data:
                    self.confirm.errors = [*self.confirm.errors, "两次输入的密码不一致"]
                    ok = False
        return ok

    def password_hash(self, needs_password: bool) -> str | None:
        """Hashed once for the whole batch (see models.account.hash_password)."""
        return hash_password(self.password.data) if needs_password else None
