"""查询统计: the statistics pages of seed §5.4 and the unit picker they share."""
from .certificates import CertificatesView
from .unit_picker import OrgTreeView


def add_views(admin, category):
    admin.add_view(OrgTreeView(name="单位树", endpoint="org_tree", url="/admin/org-tree"))
    admin.add_view(CertificatesView(name="电子证书查询打印", category=category, endpoint="certificates",
                                    url="/admin/stats/certificates"))
