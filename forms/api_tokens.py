"""账户管理 · 接口令牌: the create form. Which scopes are offered is the creator's (models/api_tokens.offered_scopes);
whether they may be given is decided again by models/api_tokens.issue, whatever was posted."""
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from models.api_tokens import NAME_MAX, NO_EXPIRY, NO_NAME

from .fields import DayField, text_field


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        """The model says what is wrong with a code (unknown, or beyond the creator's rights), next to the field."""


class ApiTokenForm(FlaskForm):
    name = text_field("令牌名称", NAME_MAX, required=NO_NAME)
    scopes = CheckboxesField("权限范围", choices=[])
    expires_at = DayField("有效期至", validators=[InputRequired(NO_EXPIRY)])
