"""单位培训计划 forms: a plan's fields (checked in models/hours/plans.clean, which puts each message next to its
field), and the reason of a 驳回."""
from flask_admin.form import BaseForm
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from models.hours.catalogue import CATEGORIES, LearningForm

from .fields import DayField, choices
from .hours_files import ProofFilesField
from .validators import strip_filter


class PlanForm(BaseForm):
    name = StringField("培训班名称", filters=[strip_filter], validators=[InputRequired("请填写培训班名称")])
    category = SelectField("计入科目", choices=choices(CATEGORIES), validate_choice=False,
                           validators=[InputRequired("请选择计入科目")])
    form_id = SelectField("学习形式", validate_choice=False, validators=[InputRequired("请选择学习形式")])
    start_date = DayField("开始日期", validators=[InputRequired("请填写开始日期")])
    end_date = DayField("结束日期", validators=[InputRequired("请填写结束日期")])
    hours = StringField("每人学时", filters=[strip_filter], validators=[InputRequired("请填写每人学时")])
    expected_participants = StringField("预计参训人数", filters=[strip_filter],
                                        validators=[InputRequired("请填写预计参训人数")])
    place = StringField("培训地点", filters=[strip_filter])
    organizer = StringField("主办单位", filters=[strip_filter])
    content = TextAreaField("培训内容", filters=[strip_filter])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The forms a unit may declare, read per request: the operator edits the catalogue.
        self.form_id.choices = [("", "请选择")] + [(str(f.id), f.name) for f in LearningForm.available("unit")]

    def values(self) -> dict:
        return {name: self[name].data for name in ("name", "category", "form_id", "start_date", "end_date", "hours",
                                                   "expected_participants", "place", "organizer", "content")}


class PlanHoursForm(FlaskForm):
    """学时申报 for a plan: the participants come from the applicants picker (posted as ``applicants``)."""

    files = ProofFilesField()
