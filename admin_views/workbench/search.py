"""运维工作台 · 全局搜索: one box for 身份证号, 姓名, 手机号, 统一社会信用代码 or 单位名称, the platform operator's only."""
from flask import request
from flask_admin import expose

from models.workbench import search as s

from ..base import ScopedView


class SearchView(ScopedView):
    operator_only = True
    permission = "ops.view"  # 客服 and 运维 alike (models/permissions.OPERATOR_ROLES)

    @expose("/")
    def index(self):
        raw = request.args.get("q", "")
        term = s.clean_term(raw)
        groups = s.search(term) if term else []
        return self.render("admin/workbench/search.html", term=term, groups=groups, cap=s.CAP,
                           too_long=len(raw.strip()) > s.MAX_TERM)
