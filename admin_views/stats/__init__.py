"""查询统计: the statistics pages of seed §5.4 and the unit picker they share."""
from . import completion
from .title_distribution import TitleDistributionView
from .unit_picker import OrgTreeView


def add_views(admin, category):
    admin.add_view(TitleDistributionView(name="职称系列分布查询", category=category, endpoint="title_distribution",
                                         url="/admin/stats/title-distribution"))
    admin.add_view(OrgTreeView(name="单位树", endpoint="org_tree", url="/admin/org-tree"))
    completion.add_views(admin, category)
