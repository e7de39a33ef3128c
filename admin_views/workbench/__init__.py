"""运维工作台 (F32): the platform operator's global search and the read-only 360° pages it opens.

One admin view (endpoint "workbench") holds both, so the pages share the URL the brief names
(/admin/workbench/, /admin/workbench/person/<id>, …) and the one access rule (ops.view: 客服 and 运维);
the fixes (fixes.py, ops.fix: 运维 only) open from their 处理 card.
"""
from .bulk_fix import add_bulk_fix_views
from .fixes import add_fix_views
from .operators import OperatorAccountsView
from .profiles import ProfilePages
from .search import SearchView


class WorkbenchView(ProfilePages, SearchView):
    pass


def add_views(admin, category):
    admin.add_view(WorkbenchView(name="全局搜索", category=category, endpoint="workbench", url="/admin/workbench"))
    add_fix_views(admin, category)
    add_bulk_fix_views(admin, category)
    admin.add_view(OperatorAccountsView(name="运维账号", category=category, endpoint="workbench_operators",
                                        url="/admin/workbench/operators"))
