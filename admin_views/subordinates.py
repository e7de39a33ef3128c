"""账户管理 · 下属机构管理 (F12b): the subtree below the admin's own unit."""
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike

from models import Organization
from models.choices import FIELD_LABELS, ORG_KINDS, ORG_STATUSES, REGIONS

from . import access
from .base import ScopedModelView


class SubordinateView(ScopedModelView):
    permission = "account.subordinates"
    can_create = can_edit = can_delete = False
    can_view_details = True
    column_list = ["name", "uscc", "kind", "parent", "region", "status", "created_at"]
    column_details_list = ["name", "tree_path", "uscc", "kind", "parent", "nature", "industry", "region",
                           "address", "contact_name", "contact_phone", "contact_email", "status",
                           "reject_reason", "created_at", "reviewed_at"]
    column_labels = dict(FIELD_LABELS, name="单位名称", tree_path="隶属关系")
    column_searchable_list = ["name", "uscc"]
    column_sortable_list = ["name", "created_at"]
    column_default_sort = "name"
    column_filters = [
        FilterLike(Organization.name, "单位名称"),
        FilterEqual(Organization.uscc, "统一社会信用代码"),
        FilterEqual(Organization.kind, "机构类型", options=list(ORG_KINDS.items())),
        FilterEqual(Organization.status, "状态", options=list(ORG_STATUSES.items())),
        FilterEqual(Organization.region, "所属地区", options=[(r, r) for r in REGIONS]),
    ]
    column_formatters = {
        "kind": lambda v, c, m, n: m.kind_label,
        "status": lambda v, c, m, n: m.status_label,
        "parent": lambda v, c, m, n: m.parent.name if m.parent else "",
    }
    column_formatters_detail = column_formatters

    def get_query(self):
        query = super().get_query()
        org = access.current_org()
        return query.filter(Organization.id != org.id) if org else query

    def get_count_query(self):
        query = super().get_count_query()
        org = access.current_org()
        return query.filter(Organization.id != org.id) if org else query
