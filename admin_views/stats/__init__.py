"""查询统计: the statistics pages of seed §5.4 and the unit picker they share."""
from .unit_picker import OrgTreeView


def add_views(admin, category):
    admin.add_view(OrgTreeView(name="单位树", endpoint="org_tree", url="/admin/org-tree"))
    from . import completion

    completion.add_views(admin, category)
