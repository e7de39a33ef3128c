"""查询统计 · 审计日志 (F31): every change, bulk ones included, read-only."""
from datetime import date, datetime, time, timedelta

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import DateBetweenFilter, FilterEqual
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from forms.input import to_id
from models import AuditEntry, access, db, permissions
from models.audit import ACTIONS
from models.audit_history import (ENTITY_LABELS, entity_label, field_changes, request_entries, request_groups,
                                  request_summary, with_names)
from models.audit_revert import RevertRefused, apply, plan, reverted_by
from models.base import starts_with

from .base import ScopedModelView, ScopedView
from .export import ExportColumn as Col, compact_json
from .filters import DayRangeFilter, PrefixFilter


def _changes(view, context, model, name):
    """The field diff with Chinese labels (models/audit_history); masked fields say only that they changed."""
    if not model.changes:
        return ""
    items = []
    for f in field_changes(model.entity, model.changes):
        if f.masked:
            items.append(Markup("<li><strong>%s</strong>：已修改（内容不显示）</li>") % f.label)
            continue
        parts = [Markup("<del>%s</del>") % f.before if f.before is not None else "",
                 " → " if f.before is not None and f.after is not None else "",
                 Markup("<ins>%s</ins>") % f.after if f.after is not None else ""]
        items.append(Markup("<li><strong>%s</strong>：%s</li>") % (f.label, Markup("").join(parts)))
    return Markup("<ul class='list-unstyled mb-0 audit-diff'>%s</ul>") % Markup("").join(items)


def _request_link(request_id):
    return Markup("<a href='%s'>%s</a>") % (url_for("audit_requests.request_view", request_id=request_id), request_id)


class OrgIdFilter(FilterEqual):
    """An org id typed by hand: text that is no id is refused by the list's filter check, never sent to SQL."""

    def validate(self, value):
        return to_id(value) is not None

    def clean(self, value):
        return to_id(value)


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
        FilterEqual(AuditEntry.entity, "对象类型", options=list(ENTITY_LABELS.items())),
        FilterEqual(AuditEntry.entity_id, "对象编号"),
        PrefixFilter(AuditEntry.actor_name, "操作人"),
        FilterEqual(AuditEntry.action, "操作", options=list(ACTIONS.items())),
        OrgIdFilter(AuditEntry.actor_org_id, "操作人单位编号"),
        FilterEqual(AuditEntry.request_id, "请求编号"),
        DayRangeFilter(AuditEntry.created_at, "时间"),
    ]
    column_formatters = {"action": lambda v, c, m, n: m.action_label, "entity": lambda v, c, m, n: entity_label(m.entity)}
    column_formatters_detail = {"action": lambda v, c, m, n: m.action_label,
                                "entity": lambda v, c, m, n: entity_label(m.entity), "changes": _changes,
                                "request_id": lambda v, c, m, n: _request_link(m.request_id)}
    list_template = "admin/audit/list.html"

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


# -- grouped per request, one request's entries, revert ------------------------------------------------------

BAD_DATE = "日期格式不正确，应为 YYYY-MM-DD"
BAD_ORG = "操作人单位编号应为数字"
NEED_ENTITY = "按对象编号筛选时请同时选择对象类型"
BAD_CHOICE = "筛选条件的取值无效，已忽略"
CONFLICT = "要恢复的值已被其他记录使用（如统一社会信用代码、身份证号），未撤回任何修改"
PAGE_GROUPS = 20
PAGE_ENTRIES = 50
SUMMARY_CAP = 100_000  # a request's entries the summary counts (the command line's request holds millions)


def _scope():
    org_id = access.scope_org_id()
    return [] if org_id is None else [AuditEntry.scope_clause(org_id)]


def _day(raw):
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        flash(BAD_DATE, "error")
        return None


def read_filters(args) -> tuple[dict, list]:
    """The page's filters from the query string, each bad value flashed and dropped; and their clauses."""
    f = {k: (args.get(k) or "").strip()[:100] for k in
         ("entity", "entity_id", "actor", "actor_org", "action", "start", "end", "request_id")}
    a, where = AuditEntry, _scope()
    if f["entity"] and f["entity"] not in ENTITY_LABELS:
        flash(BAD_CHOICE, "error")
        f["entity"] = ""
    if f["action"] and f["action"] not in ACTIONS:
        flash(BAD_CHOICE, "error")
        f["action"] = ""
    if f["entity_id"] and not f["entity"]:
        flash(NEED_ENTITY, "error")  # the (entity, entity_id) index answers only the pair
        f["entity_id"] = ""
    if f["actor_org"] and to_id(f["actor_org"]) is None:
        flash(BAD_ORG, "error")
        f["actor_org"] = ""
    start, end = _day(f["start"]), _day(f["end"])
    f["start"], f["end"] = (start.isoformat() if start else ""), (end.isoformat() if end else "")
    if f["entity"]:
        where.append(a.entity == f["entity"])
    if f["entity_id"]:
        where.append(a.entity_id == f["entity_id"])
    if f["actor"]:
        where.append(starts_with(a.actor_name, f["actor"]))
    if f["actor_org"]:
        where.append(a.actor_org_id == to_id(f["actor_org"]))
    if f["action"]:
        where.append(a.action == f["action"])
    if f["request_id"]:
        where.append(a.request_id == f["request_id"])
    if start:
        where.append(a.created_at >= datetime.combine(start, time.min))
    if end:
        where.append(a.created_at < datetime.combine(end + timedelta(days=1), time.min))
    return f, where


def may_revert() -> bool:
    """A 运维 operator: the one holding the fix code (a 客服 reads the log, never reverts)."""
    return bool(g.get("is_operator")) and access.can(permissions.OPERATOR_WRITE)


def _flat_url(endpoint_suffix="index_view", **values):
    """The flat 审计日志 list (and its export) with the same filters, in Flask-Admin's flt args."""
    view = next(v for v in current_app.extensions["admin"][0]._views if isinstance(v, AuditLogView))
    args, n = {}, 0
    for key, (_, flt) in view._filter_args.items():
        column = getattr(flt.column, "key", None)
        value = values.get(column)
        if column == "created_at" and isinstance(flt, DateBetweenFilter):
            value = f"{values['start']} to {values['end']}" if values.get("start") and values.get("end") else None
        if value:
            args[f"flt{n}_{key}"] = value
            n += 1
    return url_for(f"{view.endpoint}.{endpoint_suffix}", **args)


class AuditRequestsView(ScopedView):
    """审计日志 by request: each request's entries one line, opened into its entries with their field diffs."""

    permission = "audit.view"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        f, where = read_filters(request.args)
        before = to_id(request.args.get("before"), big=True)
        groups, next_before = request_groups(where, before, PAGE_GROUPS)
        with_names([grp.head for grp in groups])
        filters = {k: v for k, v in f.items() if v}
        export = _flat_url("export_xlsx", entity=f["entity"], entity_id=f["entity_id"], actor_name=f["actor"],
                           actor_org_id=f["actor_org"], action=f["action"], request_id=f["request_id"],
                           start=f["start"], end=f["end"])
        return self.render("admin/audit/requests.html", f=f, groups=groups, filters=filters, export_url=export,
                           next_url=url_for(".index", before=next_before, **filters) if next_before else None,
                           first_url=url_for(".index", **filters) if before else None,
                           entities=ENTITY_LABELS, actions=ACTIONS)

    @expose("/request/<request_id>")
    def request_view(self, request_id):
        where = _scope()
        after = to_id(request.args.get("after"), big=True)
        rows, next_after = request_entries(where, request_id[:32], after, PAGE_ENTRIES)
        with_names(rows)
        if not rows and after is None:
            abort(404)
        return self.render("admin/audit/request.html", request_id=request_id, rows=rows,
                           summary=request_summary(where, request_id[:32], SUMMARY_CAP), summary_cap=SUMMARY_CAP, reverted=reverted_by(request_id),
                           next_url=url_for(".request_view", request_id=request_id, after=next_after)
                           if next_after else None,
                           export_url=_flat_url("export_xlsx", request_id=request_id),
                           revert_url=url_for("audit_revert.revert_view", request_id=request_id)
                           if may_revert() and any(r.action != "revert" for r in rows) else None)


class AuditRevertView(ScopedView):
    """撤回 one request: GET previews, POST (reason required) applies as one audited request."""

    operator_only = True
    permission = "audit.view"

    def is_visible(self):
        return False

    def is_accessible(self):
        return super().is_accessible() and may_revert()

    @expose("/")
    def index(self):
        return redirect(url_for("audit_requests.index"))

    @expose("/<request_id>", methods=["GET", "POST"])
    def revert_view(self, request_id):
        request_id, error, reason = request_id[:32], None, ""
        try:
            preview = plan(request_id)
        except RevertRefused as e:
            flash(str(e), "error")
            return redirect(url_for("audit_requests.request_view", request_id=request_id))
        if not preview.entries:
            abort(404)
        if request.method == "POST":
            reason = (request.form.get("reason") or "").strip()[:500]
            if not reason:
                error = "请填写撤回原因"
            else:
                try:
                    done = apply(request_id, reason)
                except RevertRefused as e:
                    db.session.rollback()
                    flash(str(e), "error")
                except IntegrityError:  # a restored 统一社会信用代码 / 身份证号 another record holds by now
                    db.session.rollback()
                    flash(CONFLICT, "error")
                else:
                    new_request = g.get("request_id")
                    db.session.commit()
                    skipped = len(done.of("changed"))
                    flash(f"已撤回 {len(done.restorable)} 项修改" + (f"，{skipped} 项此后已被再次修改，已跳过" if skipped else ""),
                          "success")
                    return redirect(url_for("audit_requests.request_view", request_id=new_request)
                                    if new_request else url_for("audit_requests.index"))
                preview = plan(request_id)
        with_names(preview.fields[:2000])
        return self.render("admin/audit/revert.html", request_id=request_id, plan=preview, error=error,
                           reason=reason)


def add_audit_views(admin, category):
    """The grouped log and 撤回 (hidden pages opened from 审计日志); the flat list stays where it is."""
    admin.add_view(AuditRequestsView(name="审计日志（按请求）", category=category, endpoint="audit_requests",
                                     url="/admin/audit/requests"))
    admin.add_view(AuditRevertView(name="撤回修改", category=category, endpoint="audit_revert",
                                   url="/admin/audit/revert"))
