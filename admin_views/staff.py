"""查询统计 · 专技人员信息查询 (F28): conditional query over the subtree's staff."""
from flask_admin.contrib.sqla.filters import FilterEqual

from models import Person
from models.choices import EDUCATIONS, FIELD_LABELS, PERSON_STATUSES, TITLE_LEVELS, TITLE_SERIES

from .base import ScopedModelView
from .export import ExportColumn as Col
from .filters import PrefixFilter


def _choices(values):
    return [(v, v) for v in values]


# A person's columns, shared by every list of staff (this query, the registration queue). The ID is exported
# in full: these are the admin's own people (or people asking to become them), whose details page shows it too.
PERSON_COLUMNS = (
    Col("姓名", "name", width=12), Col("身份证号", "id_number", "id", 21), Col("性别", "gender", width=6),
    Col("出生日期", "birth_date", "date"), Col("工作单位", "org.name", width=30), Col("所在部门", "department.name", width=16),
    Col("学历", "education"), Col("所学专业", "major", width=16), Col("职称系列", "title_series", width=14),
    Col("职称名称", "title_name", width=16), Col("职称级别", "title_level"), Col("取得职称时间", "title_date", "date", 14),
    Col("行政职务", "admin_post", width=14),
)


class StaffQueryView(ScopedModelView):
    permission = "stats.staff"
    can_create = can_edit = can_delete = False
    can_view_details = True
    column_list = ["name", "id_number", "gender", "org", "department", "education", "title_series",
                   "title_level", "status"]
    column_details_list = ["name", "id_number", "gender", "birth_date", "org", "department", "education",
                           "major", "title_series", "title_name", "title_level", "title_date", "admin_post",
                           "status", "reject_reason", "created_at", "reviewed_at"]
    column_labels = dict(FIELD_LABELS, name="姓名")
    column_searchable_list = ["name", "id_number"]
    column_sortable_list = ["name", "created_at"]
    column_default_sort = ("id", True)
    column_filters = [
        PrefixFilter(Person.name, "姓名"),
        FilterEqual(Person.id_number, "身份证号"),
        FilterEqual(Person.education, "学历", options=_choices(EDUCATIONS)),
        FilterEqual(Person.title_series, "职称系列", options=_choices(TITLE_SERIES)),
        FilterEqual(Person.title_level, "职称级别", options=_choices(TITLE_LEVELS)),
        FilterEqual(Person.status, "状态", options=list(PERSON_STATUSES.items())),
    ]
    column_formatters = {
        "id_number": lambda v, c, m, n: m.masked_id,
        "status": lambda v, c, m, n: m.status_label,
        "org": lambda v, c, m, n: m.org.name,
        "department": lambda v, c, m, n: m.department.name if m.department else "",
    }
    column_formatters_detail = {"status": lambda v, c, m, n: m.status_label}
    export_title = "专技人员信息"
    export_columns = PERSON_COLUMNS + (Col("状态", "status_label"), Col("注册时间", "created_at", "datetime"),
                                       Col("审核时间", "reviewed_at", "datetime"))
