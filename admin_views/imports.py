"""批量导入 (F29) pages, one view per import kind: 下载模板 → 上传 → 预览 (always a dry run) → 确认 → 结果.

The rules are the engine's (models/spreadsheet/imports.py) and the kind's; this module only moves files and forms.
Files over ``IMPORT_JOB_ROWS`` data rows are checked and imported as background jobs, whose status page continues
to the preview or the result when done. An upload is found only by the admin who made it, acting for the same unit.
"""
import io
import logging

from flask import abort, current_app, flash, redirect, send_file, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from forms.imports import ConfirmForm, UploadForm
import models.staff_import  # noqa: F401 -- registers the 专技人员信息 kind
from models import access, db
from models.jobs import Job, fail_stale, job_url
from models.spreadsheet import import_runs, uploads
from models.spreadsheet import imports as engine
from models.spreadsheet.reading import FileRefused, read_table
from models.spreadsheet.writing import download_name

from .audit_log import request_url
from .base import ScopedView

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNREADABLE = "无法读取该文件，请用 Excel/WPS 打开确认后另存为 .xlsx 再上传"


class ImportView(ScopedView):
    """Subclasses name the kind and the list the import belongs to."""

    kind_name: str = ""
    back_endpoint: str = ""
    back_label: str = ""

    def is_visible(self):
        return False  # reached from its list's 批量导入 button

    @property
    def kind(self) -> engine.ImportKind:
        return engine.KINDS[self.kind_name]

    def _render(self, template, **kw):
        return self.render(f"admin/imports/{template}", kind=self.kind, back_url=url_for(self.back_endpoint),
                           back_label=self.back_label, **kw)

    def _org(self):
        org = access.current_org()
        if org is None:  # the platform operator acts for no unit: there is no unit to import into
            abort(404, "批量导入须以单位管理员身份进行：平台运维账号没有所属单位")
        return org

    def _upload(self, token) -> uploads.Upload:
        org = self._org()
        upload = uploads.find(token, self.kind_name, current_user.id, org.id)
        if upload is None:
            abort(404, "上传的文件不存在或已过期（保留 24 小时），请重新上传")
        return upload

    # -- template and upload ---------------------------------------------------------------------------
    @expose("/template")
    def template_view(self):
        org = self._org()
        data = engine.template(self.kind, self.kind.context(org))
        return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, max_age=0,
                         download_name=f"{self.kind.title}导入模板.xlsx")

    @expose("/", methods=("GET", "POST"))
    def index(self):
        org = self._org()
        form = UploadForm()
        if form.validate_on_submit():
            upload = self._store(form, org)
            if upload is not None:
                return self._preview_started(upload, "导入文件")
        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 2**20
        return self._render("upload.html", form=form, limit_mb=limit, max_rows=engine.MAX_ROWS)

    def _preview_started(self, upload, what: str):
        """The dry run of a stored upload: a background job above IMPORT_JOB_ROWS rows, else at once."""
        if upload.rows > import_runs.job_rows():
            job = import_runs.start(self.kind_name, self._title("校验", what, upload), upload, self.endpoint)
            upload.preview_job = job.id
            upload.save()
            return redirect(job_url(job))
        import_runs.run_preview(upload)
        return redirect(url_for(".preview_view", token=upload.token))

    def _store(self, form, org) -> uploads.Upload | None:
        """Read the file at once: whatever is wrong with it as a whole is said here, next to the field."""
        file = form.file.data
        name = (file.filename or "").strip() or "未命名"
        data = file.read()
        try:
            table = read_table(name, data, self.kind.max_rows)
        except FileRefused as e:
            form.file.errors.append(str(e))
            return None
        except Exception:  # a parser's surprise on a crafted file is still the file's fault, never a 500
            log.exception("upload %r could not be read", name)
            form.file.errors.append(UNREADABLE)
            return None
        _, _, fatal = engine.match_header(self.kind, table.header)
        if fatal:
            form.file.errors.append(fatal)
            return None
        return uploads.store(self.kind_name, name, data, len(table.rows), current_user.id, org.id)

    def _title(self, verb, noun, upload) -> str:
        """The job's title (a column of 100 characters): the file's name shortened if need be."""
        name = upload.file_name if len(upload.file_name) <= 40 else upload.file_name[:39] + "…"
        return f"{verb}{self.kind.title}{noun}（{name}）"

    # -- preview and confirmation ----------------------------------------------------------------------
    def _state(self, upload):
        """The upload's page data: its dry run, and what has become of it since."""
        return {"upload": upload, "summary": upload.get_json(".preview.json"),
                "result": upload.get_json(".result.json"), "claimed": upload.claimed,
                "failed_file": upload.has(".failed.xlsx")}

    @expose("/<token>/")
    def preview_view(self, token):
        upload = self._upload(token)
        state = self._state(upload)
        if state["summary"] is None:  # still being checked in the background
            return self._job_or_upload_page(upload.preview_job)
        importing = self._importing(upload, state)
        if importing:
            return redirect(importing)
        return self._preview_page(self._state(upload), ConfirmForm())

    def _importing(self, upload, state) -> str | None:
        """The page of the job importing this upload while it runs. A job that failed (or whose process died)
        wrote nothing: its claim is given back and its message shown, so the admin may choose again."""
        if not (state["claimed"] and upload.import_job and state["result"] is None):
            return None
        job = db.session.scalar(select(Job).where(Job.id == upload.import_job, Job.account_id == current_user.id))
        if job is not None and not job.finished:
            fail_stale([job])
            db.session.refresh(job)
        if job is None or job.status == "failed":
            upload.release()
            flash((job.message if job else None) or "导入未能完成，未导入任何数据，请重新选择", "error")
            return None
        return None if job.status == "done" else job_url(job)

    def _preview_page(self, state, form, status=200):
        summary = state["summary"]
        return self._render("preview.html", form=form, needs_password=self.kind.needs_password(summary),
                            modes=engine.MODES, **state), status

    def _job_or_upload_page(self, job_id):
        if job_id:
            return redirect(job_url_of(job_id))
        flash("该文件的校验未能完成，请重新上传", "error")
        return redirect(url_for(".index"))

    @expose("/<token>/import", methods=("POST",))
    def import_view(self, token):
        upload = self._upload(token)
        state = self._state(upload)
        if state["summary"] is None:
            return self._job_or_upload_page(upload.preview_job)
        needs_password = self.kind.needs_password(state["summary"])
        form = ConfirmForm()
        if not form.checked(needs_password):
            return self._preview_page(state, form, 400 if form.csrf_token.errors else 200)
        if not upload.claim():
            flash(import_runs.ALREADY, "warning")
            return redirect(self._importing(upload, state) or url_for(".result_view", token=upload.token))
        upload.password_hash = form.password_hash(needs_password)
        mode = form.mode.data
        if upload.rows > import_runs.job_rows():
            upload.save()
            job = import_runs.start(self.kind_name, self._title("导入", "", upload), upload, self.endpoint,
                                    mode=mode)
            upload.import_job = job.id
            upload.save()
            return redirect(job_url(job))
        upload.save()
        try:
            import_runs.import_upload(upload, mode, lambda result: db.session.commit())
        except engine.ImportRefused as e:
            flash(str(e), "error")
            import_runs.run_preview(upload)  # the page then shows what the database holds now
            return redirect(url_for(".preview_view", token=upload.token))
        return redirect(url_for(".result_view", token=upload.token))

    @expose("/<token>/result")
    def result_view(self, token):
        upload = self._upload(token)
        state = self._state(upload)
        if state["result"] is None:
            return redirect(self._importing(upload, state) or url_for(".preview_view", token=upload.token))
        result = state["result"]
        audit_url = request_url(result["request_id"]) if result.get("request_id") and access.can("audit.view") \
            else None
        return self._render("result.html", audit_url=audit_url, **state)

    @expose("/<token>/failed")
    def failed_view(self, token):
        upload = self._upload(token)
        path = upload.path(".failed.xlsx")
        if not path.exists():
            abort(404, "没有出错的行，无需导出")
        return send_file(path, mimetype=XLSX, as_attachment=True, max_age=0,
                         download_name=download_name(f"{self.kind.title}_导入失败数据"))


def job_url_of(job_id) -> str:
    return url_for("jobs.status_view", id=job_id)


class StaffImportView(ImportView):
    permission = "stats.staff_import"
    kind_name = "staff"
    back_endpoint = "staff.index_view"
    back_label = "专技人员信息查询"
