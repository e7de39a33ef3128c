"""账户管理 · 注册审核管理 (seed §5.1.3): 专技人员注册审核 (F13) and 下属单位注册审核 (F14).

A person registers at its unit, which reviews it; a unit registers under its chosen superior, which
— with the superior's ancestors — reviews it (``scope_column = "parent_id"``).
"""
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike
from sqlalchemy import select

from models import AdminMembership, Department, Organization, Person, db
from models import registration_review as reviews
from models.choices import EDUCATIONS, FIELD_LABELS, ORG_KINDS, ORG_NATURES, REGIONS
from models.title_series import series_options
from models.registration_review import ORGS, PERSONS

from .export import ExportColumn as Col
from .filters import DayRangeFilter, InSelectFilter, RowChoiceFilter, contains
from .review_queue import ReviewQueueView
from .staff import PERSON_COLUMNS


def _registered_at(view, context, model, name):
    return model.created_at.strftime("%Y-%m-%d %H:%M")


class PersonRegistrationView(ReviewQueueView):
    """F13: staff who registered at a unit of the reviewer's subtree."""

    permission = "review.person_registration"
    records_endpoint = "person_registration_done"
    column_list = ["name", "id_number", "gender", "org", "department", "education", "title_series", "title_level",
                   "created_at"]
    column_details_list = ["name", "id_number", "gender", "birth_date", "phone", "email", "org", "department",
                           "education", "major", "title_series", "title_name", "title_level", "title_date",
                           "admin_post", "created_at"]
    column_labels = dict(FIELD_LABELS, name="姓名", org="工作单位", created_at="注册时间")
    column_searchable_list = ["name", "id_number"]
    column_sortable_list = ["name", "created_at"]
    column_default_sort = [("created_at", False), ("id", False)]
    column_filters = [
        FilterLike(Person.name, "姓名"),
        FilterEqual(Person.id_number, "身份证号"),
        InSelectFilter(Person.department_id, "所在部门",
                       lambda v: select(Department.id).where(contains(Department.name, v))),
        InSelectFilter(Person.org_id, "工作单位",
                       lambda v: select(Organization.id).where(contains(Organization.name, v))),
        RowChoiceFilter(Person.title_series, "职称系列", series_options),
        FilterEqual(Person.education, "学历", options=[(v, v) for v in EDUCATIONS]),
        DayRangeFilter(Person.created_at, "注册时间"),
    ]
    column_formatters = {
        "id_number": lambda v, c, m, n: m.masked_id,
        "org": lambda v, c, m, n: m.org.name,
        "department": lambda v, c, m, n: m.department.name if m.department else "",
        "created_at": _registered_at,
    }
    column_formatters_detail = {
        "org": lambda v, c, m, n: m.org.tree_path,
        "department": lambda v, c, m, n: m.department.name if m.department else "",
        "phone": lambda v, c, m, n: m.account.phone or "",
        "email": lambda v, c, m, n: m.account.email or "",
        "created_at": _registered_at,
    }
    # In full, like the details page: the reviewer checks the ID against the person's documents.
    export_columns = PERSON_COLUMNS + (Col("手机号", "account.phone", "id", 14), Col("电子邮箱", "account.email", width=24),
                                       Col("注册时间", "created_at", "datetime"))

    def decide(self, ids, decision, reviewer, reason):
        return reviews.decide_registrations(PERSONS, ids, decision, reviewer, reason)

    def explain(self, ids, reviewer, outcome):
        reviews.explain_skipped(PERSONS, ids, reviewer, outcome)


def _unit_admin(view, context, model, name):
    membership = db.session.scalar(select(AdminMembership).where(
        AdminMembership.org_id == model.id, AdminMembership.is_super.is_(True)))
    if membership is None:
        return ""
    account = membership.account
    return f"{account.name}（{account.id_number}，{account.phone or '无手机号'}，{account.email or '无邮箱'}）"


class OrgRegistrationView(ReviewQueueView):
    """F14: units that registered under an org of the reviewer's subtree."""

    permission = "review.org_registration"
    records_endpoint = "org_registration_done"
    scope_column = "parent_id"
    column_list = ["name", "uscc", "kind", "parent", "region", "nature", "contact_name", "contact_phone",
                   "created_at"]
    column_details_list = ["name", "uscc", "kind", "parent", "nature", "industry", "region", "address",
                           "contact_name", "contact_phone", "contact_email", "admin", "created_at"]
    column_labels = dict(FIELD_LABELS, name="单位名称", created_at="注册时间", admin="单位管理员")
    column_searchable_list = ["name", "uscc"]
    column_sortable_list = ["name", "created_at"]
    column_default_sort = [("created_at", False), ("id", False)]
    column_filters = [
        FilterLike(Organization.name, "单位名称"),
        FilterEqual(Organization.uscc, "统一社会信用代码"),
        FilterEqual(Organization.kind, "机构类型", options=list(ORG_KINDS.items())),
        FilterEqual(Organization.nature, "单位性质", options=[(v, v) for v in ORG_NATURES]),
        FilterEqual(Organization.region, "所属地区", options=[(v, v) for v in REGIONS]),
        DayRangeFilter(Organization.created_at, "注册时间"),
    ]
    column_formatters = {
        "kind": lambda v, c, m, n: m.kind_label,
        "parent": lambda v, c, m, n: m.parent.name if m.parent else "",
        "created_at": _registered_at,
    }
    column_formatters_detail = dict(column_formatters, admin=_unit_admin,
                                    parent=lambda v, c, m, n: m.parent.tree_path if m.parent else "")
    export_columns = (
        Col("单位名称", "name", width=30), Col("统一社会信用代码", "uscc", "id", 21), Col("机构类型", "kind_label"),
        Col("上级单位", "parent.name", width=30), Col("所属地区", "region"), Col("单位性质", "nature", width=14),
        Col("所属行业", "industry", width=14), Col("单位地址", "address", width=30), Col("联系人", "contact_name"),
        Col("联系电话", "contact_phone", "id", 14), Col("联系邮箱", "contact_email", width=24),
        Col("注册时间", "created_at", "datetime"),
    )

    def decide(self, ids, decision, reviewer, reason):
        return reviews.decide_registrations(ORGS, ids, decision, reviewer, reason)

    def explain(self, ids, reviewer, outcome):
        reviews.explain_skipped(ORGS, ids, reviewer, outcome)




def add_views(admin, category):
    from .review_records import ReviewRecordView

    admin.add_view(PersonRegistrationView(Person, name="专技人员注册审核", category=category,
                                          endpoint="person_registration"))
    admin.add_view(OrgRegistrationView(Organization, name="下属单位注册审核", category=category,
                                       endpoint="org_registration"))
    admin.add_view(ReviewRecordView(reviews.PERSON_REGISTRATION, "review.person_registration", "person_registration",
                                    endpoint="person_registration_done"))
    admin.add_view(ReviewRecordView(reviews.ORG_REGISTRATION, "review.org_registration", "org_registration",
                                    endpoint="org_registration_done"))
