"""运维工作台 · 批量修正 (F32): export a list, edit it in Excel, upload it back; preview per row and field, apply with
a reason as one request. The rules are the kinds' (models/workbench/bulk_fix.py) and the engine's; the upload,
the dry run, the failed-rows file, the background jobs above IMPORT_JOB_ROWS and the one confirmation (an
exclusive claim of the upload) are the import pages' (admin_views/imports.py).

客服 (ops.view) sees the page and what may be edited; only 运维 (ops.fix) uploads and applies — AccessMixin refuses
every POST of an operator without it.
"""
from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user

from forms.workbench import BulkFixForm
from models import access, db
from models.jobs import job_url
from models.spreadsheet import import_runs, uploads
from models.spreadsheet import imports as engine
from models.workbench import bulk_fix  # noqa: F401 -- registers the two kinds

from ..imports import ImportView

FIX = "ops.fix"


class _NoUnit:
    """The platform operator acts for no unit: their uploads belong to them alone (org_id None)."""

    id = None


class BulkFixView(ImportView):
    operator_only = True
    permission = "ops.view"
    back_endpoint = "workbench.index"
    back_label = "全局搜索"
    export_endpoint = ""  # the list whose 导出 Excel gives the file to edit
    export_label = ""

    def is_visible(self):
        return self.is_accessible()

    def _org(self):
        return _NoUnit

    def _render(self, template, **kw):
        return self.render(f"admin/workbench/{template}", kind=self.kind, can_fix=access.can(FIX),
                           export_url=url_for(self.export_endpoint), export_label=self.export_label,
                           kinds=KIND_PAGES, **kw)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = self._upload_form()
        if form.validate_on_submit():
            upload = self._store(form, _NoUnit)
            if upload is not None:
                return self._preview_started(upload, "批量修正文件")
        return self._render("bulk_upload.html", form=form, max_rows=self.kind.max_rows), 400 if form.errors else 200

    @staticmethod
    def _upload_form():
        from forms.imports import UploadForm

        return UploadForm()

    def _preview_page(self, state, form, status=200):
        return self._render("bulk_preview.html", form=form, **state), status

    @expose("/<token>/")
    def preview_view(self, token):
        upload = self._upload(token)
        state = self._state(upload)
        if state["summary"] is None:
            return self._job_or_upload_page(upload.preview_job)
        importing = self._importing(upload, state)
        if importing:
            return redirect(importing)
        return self._preview_page(self._state(upload), BulkFixForm())

    @expose("/<token>/import", methods=("POST",))
    def import_view(self, token):
        upload = self._upload(token)
        state = self._state(upload)
        if state["summary"] is None:
            return self._job_or_upload_page(upload.preview_job)
        form = BulkFixForm()
        if not form.validate():
            return self._preview_page(state, form, 400)
        if state["result"] is not None or not upload.claim():
            flash("该文件的修正已经提交（或正在执行），请勿重复提交", "warning")
            return redirect(self._importing(upload, state) or url_for(".result_view", token=upload.token))
        upload.reason = f"批量修正：{form.reason.data}"
        if upload.rows > import_runs.job_rows():
            upload.save()
            job = import_runs.start(self.kind_name, self._title("批量修正", "", upload), upload, self.endpoint,
                                    mode=engine.VALID_ONLY)
            upload.import_job = job.id
            upload.save()
            return redirect(job_url(job))
        upload.save()
        try:
            import_runs.import_upload(upload, engine.VALID_ONLY, lambda result: db.session.commit())
        except engine.ImportRefused as e:
            flash(str(e), "error")
            import_runs.run_preview(upload)
            return redirect(url_for(".preview_view", token=upload.token))
        return redirect(url_for(".result_view", token=upload.token))

    @expose("/<token>/result")
    def result_view(self, token):
        upload = self._upload(token)
        state = self._state(upload)
        if state["result"] is None:
            return redirect(self._importing(upload, state) or url_for(".preview_view", token=upload.token))
        result = state["result"]
        # the request's own page: its entries and the 撤回 of the whole fix
        audit_url = url_for("audit_requests.request_view", request_id=result["request_id"]) \
            if result.get("request_id") and access.can("audit.view") else None
        return self._render("bulk_result.html", audit_url=audit_url, **state)

    def _upload(self, token) -> uploads.Upload:
        upload = uploads.find(token, self.kind_name, current_user.id, None)
        if upload is None:
            abort(404, "上传的文件不存在或已过期（保留 24 小时），请重新上传")
        return upload


class PersonBulkFixView(BulkFixView):
    kind_name = "fix_person"
    export_endpoint = "staff.index_view"
    export_label = "专技人员信息查询"


class UnitBulkFixView(BulkFixView):
    kind_name = "fix_unit"
    export_endpoint = "subordinates.index_view"
    export_label = "下属机构管理"


KIND_PAGES = (("workbench_bulk_person", "人员（按身份证号）"), ("workbench_bulk_unit", "单位（按统一社会信用代码）"))


def add_bulk_fix_views(admin, category):
    admin.add_view(PersonBulkFixView(name="批量修正（人员）", category=category, endpoint="workbench_bulk_person",
                                     url="/admin/workbench/bulk/person"))
    admin.add_view(UnitBulkFixView(name="批量修正（单位）", category=category, endpoint="workbench_bulk_unit",
                                   url="/admin/workbench/bulk/unit"))
