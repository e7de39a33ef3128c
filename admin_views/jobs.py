"""查询统计 · 导入导出任务: the actor's background jobs, each with a status page whose progress bar polls JSON.

Any admin sees the jobs they started while acting for the current org; the platform operator sees all.
A job of someone else is not found (404), its page, its JSON and its file alike.
"""
from flask import abort, jsonify, send_file
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_login import current_user
from markupsafe import Markup, escape

from models import access
from models.base import is_row_id
from models.jobs import STATUSES, Job, fail_stale, job_url, result_path, status_json

from .base import ScopedModelView


def _title(view, context, model, name):
    return Markup('<a href="%s">%s</a>') % (job_url(model), escape(model.title))


def _status(view, context, model, name):
    css = {"failed": "text-danger", "done": "text-success"}.get(model.status, "")
    return Markup('<span class="%s">%s</span>') % (css, model.status_label)


def _progress(view, context, model, name):
    if model.status == "queued":
        return ""
    text = f"{model.done:,} / {model.total:,}" if model.total else f"{model.done:,}"
    return text + (f"（{model.errors:,} 条有误）" if model.errors else "")


def _message(view, context, model, name):
    text = model.message or ""
    shown = text if len(text) <= 60 else text[:59] + "…"
    return Markup('<span class="text-danger">%s</span>') % shown if model.status == "failed" else shown


class JobsView(ScopedModelView):
    permission = None  # any admin: the rows are their own
    own_org_only = True  # a job belongs to the org its actor acted for
    can_create = can_edit = can_delete = False
    column_display_actions = False  # the title links to the job's page; there is nothing else to do with a row
    column_list = ["title", "actor_name", "status", "phase", "done", "created_at", "finished_at", "message"]
    column_labels = {"title": "任务", "status": "状态", "phase": "阶段", "done": "进度", "created_at": "提交时间",
                     "finished_at": "结束时间", "message": "结果说明", "actor_name": "提交人"}
    column_default_sort = ("id", True)
    column_sortable_list = ["created_at"]
    column_filters = [FilterEqual(Job.status, "状态", options=list(STATUSES.items()))]
    column_formatters = {"title": _title, "status": _status, "done": _progress, "message": _message}

    def get_query(self):
        return self._own(super().get_query())

    def get_count_query(self):
        return self._own(super().get_count_query())

    @staticmethod
    def _own(query):
        return query if access.scope_org_id() is None else query.filter(Job.account_id == current_user.id)

    @expose("/")
    def index_view(self):
        # The active jobs on the page's first rows are checked before they are shown, never left "running".
        fail_stale(self.get_query().filter(Job.status.in_(("queued", "running"))).order_by(Job.id.desc())
                   .limit(self.page_size).all())
        return super().index_view()

    def _job(self, id) -> Job:
        if not is_row_id(id):
            abort(404)
        job = self.get_query().filter(Job.id == id).one_or_none()
        if job is None:
            abort(404)
        if fail_stale([job]):
            job = self.get_query().filter(Job.id == id).one()
        return job

    @expose("/<int:id>")
    def status_view(self, id):
        job = self._job(id)
        return self.render("admin/job_status.html", job=job, data=status_json(job))

    @expose("/<int:id>.json")
    def status_json_view(self, id):
        return jsonify(status_json(self._job(id)))

    @expose("/<int:id>/download")
    def download_view(self, id):
        job = self._job(id)
        path = result_path(job) if job.status == "done" else None
        if path is None:
            abort(404, "结果文件不存在或已过期清理（保留 7 天），请重新发起任务")
        return send_file(path, as_attachment=True, download_name=job.result_name or path.name, max_age=0)
