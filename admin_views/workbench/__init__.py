"""运维工作台 (F32): the platform operator's global search and the read-only 360° pages it opens.

One admin view (endpoint "workbench") holds both, so the pages share the URL the brief names
(/admin/workbench/, /admin/workbench/person/<id>, …) and the one access rule (operator only).
"""
from .profiles import ProfilePages
from .search import SearchView


class WorkbenchView(ProfilePages, SearchView):
    pass


def add_views(admin, category):
    admin.add_view(WorkbenchView(name="全局搜索", category=category, endpoint="workbench", url="/admin/workbench"))
