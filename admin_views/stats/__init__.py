"""查询统计: the statistics pages of seed §5.4 and the unit picker they share."""
from . import completion
from .certificates import CertificatesView
from .title_distribution import TitleDistributionView
from .unit_picker import OrgTreeView


def add_views(admin, category):
    """职称系列分布查询 and 继教完成情况查询: the first two pages of the seed's 查询分析 menu."""
    admin.add_view(TitleDistributionView(name="职称系列分布查询", category=category, endpoint="title_distribution",
                                         url="/admin/stats/title-distribution"))
    admin.add_view(OrgTreeView(name="单位树", endpoint="org_tree", url="/admin/org-tree"))
    completion.add_views(admin, category)


def add_certificate_views(admin, category):
    """电子证书查询打印: after 专技人员信息查询, as in the seed."""
    admin.add_view(CertificatesView(name="电子证书查询打印", category=category, endpoint="certificates",
                                    url="/admin/stats/certificates"))
