"""Field builders every form shares: stripped text sized to its column, a pick list, a typed date, a picked id."""
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from models.title_series import level_refusal, series_names

from .input import DAY_OUT_OF_RANGE, day_in_range, to_id
from .validators import strip_filter

PLEASE_PICK = [("", "请选择")]


def choices(values):
    return PLEASE_PICK + [(v, v) for v in values]


def text_field(label, size, required=None):
    """A stripped text field limited to its column's size; ``required`` is the message when empty."""
    checks = [DataRequired(required)] if required else [Optional()]
    return StringField(label, filters=[strip_filter],
                       validators=checks + [Length(max=size, message=f"{label}最长{size}个字")])


def pick_field(label, values, required=None):
    return SelectField(label, choices=choices(values),
                       validators=[DataRequired(required)] if required else [Optional()])


class DayField(DateField):
    """A date typed as 2018-06-30 (or with / or .) in a plain text box; the browser's date picker would show
    the browser's locale format instead of ours."""

    widget = TextInput()

    def __init__(self, label, **kw):
        super().__init__(label, format=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"], **kw)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"请按 2018-06-30 的格式填写{self.label.text}") from None

    def post_validate(self, form, validation_stopped):
        # After the form's own checks (e.g. 不能晚于今天), whose message says more than the range does.
        if not self.errors and self.data is not None and not day_in_range(self.data):
            self.errors.append(f"{self.label.text}：{DAY_OUT_OF_RANGE}")


class PickedId:
    """The id behind a search box (posted as text); whether that row may be chosen is the model's call."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        pk = to_id(str(field.data or ""))
        if pk is None:
            raise StopValidation(self.message)
        field.data = pk


class TitleChoices:
    """A form with ``title_series`` / ``title_level``: the series offered are the rows of 职称系列 (read per form,
    so a series the operator adds is offered at once), and the level must be one the series has."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title_series.choices = choices(series_names())

    def validate_title_level(self, field):
        refusal = level_refusal(self.title_series.data, field.data)
        if refusal:
            raise ValidationError(refusal)
