"""查询统计 · 审计日志 (F31): every change, bulk ones included, read-only."""
import json

from flask import current_app, url_for
from flask_admin.contrib.sqla.filters import DateBetweenFilter, FilterEqual
from markupsafe import Markup, escape

from models import AuditEntry
from models.audit import ACTIONS

from .base import ScopedModelView
from .export import ExportColumn as Col, compact_json
from .filters import PrefixFilter


def _changes(view, context, model, name):
    if not model.changes:
        return ""
    text = json.dumps(model.changes, ensure_ascii=False, indent=1)
    return Markup("<pre class='audit-changes'>%s</pre>") % escape(text)


class AuditLogView(ScopedModelView):
    permission = "audit.view"
    can_create = can_edit = can_delete = False
    # Every page reads its ids first: on the narrow ids the planner takes the (actor org, action, id) index for a
    # filter that matches few of millions of entries; on the wide rows it walks the whole log backwards.
    deferred_join_offset = 0
    can_view_details = True
    column_list = ["created_at", "actor_name", "actor_org_name", "actor_role", "action", "entity", "entity_id",
                   "reason"]
    column_details_list = column_list + ["ip", "request_id", "changes"]
    column_labels = {"created_at": "时间", "actor_name": "操作人", "actor_org_name": "操作人单位",
                     "actor_role": "角色", "action": "操作", "entity": "对象类型", "entity_id": "对象编号",
                     "reason": "原因", "ip": "IP地址", "request_id": "请求编号", "changes": "变更内容"}
    column_default_sort = ("id", True)
    column_sortable_list = ["created_at"]
    column_filters = [
        FilterEqual(AuditEntry.entity, "对象类型"),
        FilterEqual(AuditEntry.entity_id, "对象编号"),
        PrefixFilter(AuditEntry.actor_name, "操作人"),
        FilterEqual(AuditEntry.action, "操作", options=list(ACTIONS.items())),
        FilterEqual(AuditEntry.request_id, "请求编号"),
        DateBetweenFilter(AuditEntry.created_at, "时间"),
    ]
    column_formatters = {"action": lambda v, c, m, n: m.action_label}
    column_formatters_detail = {"action": lambda v, c, m, n: m.action_label, "changes": _changes}

    export_title = "审计日志"
    export_columns = (
        Col(None, "created_at", "datetime"), Col(None, "actor_name"), Col(None, "actor_org_name", width=30),
        Col(None, "actor_role"), Col("操作", "action_label"), Col(None, "entity", width=14), Col(None, "entity_id", "id", 14),
        Col(None, "reason", width=30), Col(None, "ip", "id", 16), Col(None, "request_id", "id", 34),
        Col("变更内容", lambda m: compact_json(m.changes), width=80),
    )


def request_url(request_id: str) -> str:
    """The log filtered by one request id: every entry of one import (or any bulk write)."""
    view = next(v for v in current_app.extensions["admin"][0]._views if isinstance(v, AuditLogView))
    key = next(k for k, (_, flt) in view._filter_args.items() if flt.column is AuditEntry.request_id)
    return url_for(f"{view.endpoint}.index_view", **{f"flt0_{key}": request_id})
