"""查询统计 · 专技人员信息查询 (F28): conditional query over the subtree's staff, details and 重置密码."""
from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.model.template import EndpointLinkRowAction
from flask_wtf import FlaskForm
from sqlalchemy import select

from models import Department, Organization, Person, access, db
from models.choices import EDUCATIONS, FIELD_LABELS, PERSON_STATUSES, TITLE_LEVELS
from models.title_series import series_options

from .base import ScopedModelView
from .filters import IdChoiceFilter, InSelectFilter, PrefixFilter, RowChoiceFilter, starts_with
from .stats.unit_filter import OrgSubtreeFilter, with_linked_departments

from .export import ExportColumn as Col

MAX_DEPARTMENT_OPTIONS = 300


def _choices(values):
    return [(v, v) for v in values]


def _own_departments():
    """The 所在部门 pick list: the departments of the unit the admin acts for (a province has too many to list)."""
    org = access.current_org()
    if org is None:
        return []
    rows = db.session.execute(select(Department.id, Department.name).where(Department.org_id == org.id)
                              .order_by(Department.name).limit(MAX_DEPARTMENT_OPTIONS))
    return [(str(i), name) for i, name in rows]


def _units_named(prefix):
    return select(Organization.id).where(starts_with(Organization.name, prefix))
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
    details_template = "admin/staff/details.html"
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
        IdChoiceFilter(Person.department_id, "所在部门", lambda: with_linked_departments(_own_departments())),
        InSelectFilter(Person.org_id, "所属单位", _units_named, operation="名称开头是"),
        FilterEqual(Person.education, "学历", options=_choices(EDUCATIONS)),
        RowChoiceFilter(Person.title_series, "职称系列", series_options),
        FilterEqual(Person.title_level, "职称级别", options=_choices(TITLE_LEVELS)),
        FilterEqual(Person.status, "状态", options=list(PERSON_STATUSES.items())),
        OrgSubtreeFilter(Person.org_id, "所属单位（含下属单位）"),  # last: the positions before it are in links
    ]
    column_formatters = {
        "id_number": lambda v, c, m, n: m.masked_id,
        "status": lambda v, c, m, n: m.status_label,
        "org": lambda v, c, m, n: m.org.name,
        "department": lambda v, c, m, n: m.department.name if m.department else "",
    }
    column_formatters_detail = {"status": lambda v, c, m, n: m.status_label}
    list_template = "admin/staff/list.html"
    export_title = "专技人员信息"
    export_columns = PERSON_COLUMNS + (Col("状态", "status_label"), Col("注册时间", "created_at", "datetime"),
                                       Col("审核时间", "reviewed_at", "datetime"))

    @staticmethod
    def can_import() -> bool:
        return access.can("stats.staff_import")

    @staticmethod
    def can_reset_password():
        return access.can("stats.staff_password")

    def get_list_row_actions(self):
        actions = super().get_list_row_actions()
        if self.can_reset_password():
            actions.append(EndpointLinkRowAction("fa fa-key", ".reset_password_view", "重置密码"))
        return actions

    @expose("/reset-password/", methods=("GET", "POST"))
    def reset_password_view(self):
        """重置密码: asks first (a GET never changes anything), then shows the temporary password once."""
        if not self.can_reset_password():
            abort(403)
        person = self.get_one(request.args.get("id"))
        back = self.get_url(".details_view", id=person.id)
        form = FlaskForm()
        if form.validate_on_submit():
            try:
                password = person.reset_password()
            except ValueError as e:
                db.session.rollback()
                flash(str(e), "error")
                return redirect(back)
            db.session.commit()
            return self.render("admin/staff/password_reset.html", person=person, password=password, back=back)
        return self.render("admin/staff/password_reset.html", person=person, form=form, back=back,
                           refusal=person.password_reset_refusal())
