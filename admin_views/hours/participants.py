"""参训人员批量导入: the 批量导入 of the declaration pages (F21 岗位培训, F23 a plan's participants), as JSON.

The engine's import pages (admin_views/imports.py) with the same upload, template and failed-rows file, but no
preview page and no import: static/hours_participants.js posts the file to ``check`` and adds the people who pass
to the page's applicants (templates/admin/hours/participants_import.html); the declaration is the write.

A file above ``IMPORT_JOB_ROWS`` data rows is checked by the engine's job (import_runs ``import_preview``): the
answer names the job's JSON, and the job's result URL is ``preview_view``, which answers the check's JSON once done.
"""
from flask import abort, jsonify, redirect, url_for
from flask_admin import expose

import models.hours.participants  # noqa: F401 -- registers the 参训人员名单 kind
from forms.imports import UploadForm
from models.jobs import job_url
from models.spreadsheet import import_runs

from ..imports import ImportView

NO_FILE = "请选择要上传的参训人员名单文件"
STILL_CHECKING = "名单正在后台校验中，请稍候"


class ParticipantsImportView(ImportView):
    # 岗位培训 is declared under 学时申报, a plan's participants under 单位培训计划: either right opens the check.
    permission = ("hours.declare", "hours.plan")
    org_kinds = ("employer", "supervisor")
    kind_name = "hours_participants"
    back_endpoint = "hours_declare.index"
    # The engine's confirmation and result pages are not routed: this kind writes nothing (see the model).
    import_view = result_view = None

    @expose("/")
    def index(self):
        return redirect(url_for(self.back_endpoint))

    @expose("/check", methods=("POST",))
    def check(self):
        org = self._org()
        form = UploadForm()
        if not form.validate_on_submit():
            return _refused(form.file.errors[0] if form.file.errors else NO_FILE)
        upload = self._store(form, org)
        if upload is None:
            return _refused(form.file.errors[0])
        if upload.rows > import_runs.job_rows():
            job = import_runs.start(self.kind_name, self._title("校验", "", upload), upload, self.endpoint)
            upload.preview_job = job.id
            upload.save()
            return _checking(job.id, job_url(job))
        return jsonify(self._answer(upload, import_runs.run_preview(upload)))

    @expose("/<token>/")
    def preview_view(self, token):
        """The check's answer for an upload checked as a job (its result URL)."""
        upload = self._upload(token)
        summary = upload.get_json(".preview.json")
        if summary is None:
            if not upload.preview_job:
                abort(404, "该名单的校验未能完成，请重新上传")
            return _checking(upload.preview_job, url_for("jobs.status_view", id=upload.preview_job))
        return jsonify(self._answer(upload, summary))

    def _answer(self, upload, summary) -> dict:
        errors = [{"row": row, "column": column, "value": value, "message": message}
                  for row, column, value, message in summary["errors"]]
        failed = url_for(".failed_view", token=upload.token) if upload.has(".failed.xlsx") else None
        return {"people": summary.get("people", []), "errors": errors, "error_count": summary["error_count"],
                "failed_url": failed, "total": summary["counts"]["total"], "failed_rows": summary["counts"]["invalid"],
                "notices": summary["notices"], "message": summary["fatal"]}


def _refused(message):
    """The file as a whole refused (type, damage, bomb, size, no data): nothing to add, the reason to show."""
    return jsonify({"people": [], "errors": [], "error_count": 0, "failed_url": None, "total": 0, "failed_rows": 0,
                    "notices": [], "message": message}), 400


def _checking(job_id, page):
    return jsonify({"job": url_for("jobs.status_json_view", id=job_id), "job_page": page,
                    "message": STILL_CHECKING}), 202


def add_views(admin, declare_category, review_category, platform_category):
    admin.add_view(ParticipantsImportView(name="参训人员批量导入", category=declare_category,
                                          endpoint="hours_participants", url="/admin/hours/participants"))
