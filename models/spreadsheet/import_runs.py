"""A stored upload through the engine: the dry run that feeds the preview page, and the import once confirmed.

Both run in the request for small files and as background jobs above ``job_rows`` (2,000 data rows by default),
with progress every 1,000 rows. The import reads the stored file again and checks every row again: what it writes
is what the file says and what the database allows now, not what the preview saw.
"""
from flask import current_app, g, url_for
from sqlalchemy.exc import IntegrityError

from ..jobs import job_kind, start_job
from ..org import Organization
from ..base import db
from . import imports as engine
from .reading import read_table

JOB_ROWS = 2000
SHOWN_ERRORS = 500
CONFLICT = "导入时发现部分数据已被他人同时修改或导入，本次未导入任何数据；请重新预览后再导入"
ALREADY = "该文件已经导入（或正在导入），请勿重复提交"


def job_rows() -> int:
    return int(current_app.config.get("IMPORT_JOB_ROWS", JOB_ROWS))


def _kind_and_context(upload, **options):
    kind = engine.KINDS[upload.kind]
    # The platform operator acts for no unit: a kind of theirs (运维工作台 · 批量修正) gets no org.
    org = db.session.get(Organization, upload.org_id) if upload.org_id is not None else None
    return kind, kind.context(org, reason=upload.reason or f"批量导入：{upload.file_name}", **options)


def _read(upload):
    return read_table(upload.file_name, upload.data())


def summary(kind, preview) -> dict:
    """What the preview page shows, kept beside the upload (the full list of errors is the failed-rows file)."""
    errors = []
    for error in preview.errors():
        if len(errors) >= SHOWN_ERRORS:
            break
        errors.append(list(error))
    return {"counts": preview.counts(), "fatal": preview.fatal, "notices": preview.notices,
            "errors": errors, "error_count": preview.error_count(), **kind.summary(preview)}


def _keep_failed(upload, kind, preview, ctx):
    if preview.invalid_rows:
        upload.put(".failed.xlsx", engine.failed_rows_xlsx(kind, preview, ctx))
    else:
        upload.path(".failed.xlsx").unlink(missing_ok=True)


def run_preview(upload, progress=None) -> dict:
    kind, ctx = _kind_and_context(upload)
    preview = engine.validate(kind, _read(upload), ctx, progress)
    result = summary(kind, preview)
    _keep_failed(upload, kind, preview, ctx)
    upload.put_json(".preview.json", result)
    return result


def run_import(upload, mode, progress=None, writing=None) -> dict:
    """Check again and write; nothing committed. ``writing()`` is called between the two (a job says so on its
    page: its progress commits, so it cannot be called once the write has begun)."""
    options = {"password_hash": upload.password_hash} if kind_needs_password(upload) else \
        {"previewed": upload.get_json(".preview.json")}
    kind, ctx = _kind_and_context(upload, **options)
    preview = engine.validate(kind, _read(upload), ctx, progress, database=False)  # commit checks it now
    if writing:
        writing()
    outcome = engine.commit(kind, preview, mode, ctx)
    db.session.flush()
    _keep_failed(upload, kind, preview, ctx)
    return {"mode": mode, "mode_label": engine.MODES[mode], "refused": outcome.refused,
            "created": outcome.written.created, "updated": outcome.written.updated,
            "unchanged": outcome.written.unchanged, "skipped": outcome.skipped,
            "request_id": g.get("request_id"), **summary(kind, preview), **kind.result(outcome.written)}


def kind_needs_password(upload) -> bool:
    """Whether the kind creates accounts (and so takes the batch's password) rather than fixing what the preview
    showed (and so takes that preview, to write only where the database still holds what was shown)."""
    return not getattr(engine.KINDS[upload.kind], "fixes_preview", False)


def import_upload(upload, mode, finish, progress=None, writing=None) -> dict:
    """:func:`run_import`, then ``finish(result)``, which commits. The result is kept beside the upload once
    committed; when nothing was written the claim is given back, so the user may choose again."""
    try:
        result = run_import(upload, mode, progress, writing)
        finish(result)
    except IntegrityError:  # an ID taken by a concurrent import or registration since the check
        db.session.rollback()
        upload.release()
        raise engine.ImportRefused(CONFLICT) from None
    except BaseException:
        db.session.rollback()
        upload.release()
        raise
    upload.put_json(".result.json", result)
    if result["refused"]:
        upload.release()
    return result


def result_message(result) -> str:
    if result["refused"]:
        return result["refused"]
    if "stale" in result:  # a fix kind (运维工作台 · 批量修正)
        return (f"批量修正完成：修改 {result['updated']:,} 行"
                + (f"，跳过 {len(result['stale']):,} 行（预览后已被修改）" if result["stale"] else ""))
    return (f"导入完成：新增 {result['created']:,} 行，更新 {result['updated']:,} 行"
            + (f"，未导入 {result['skipped']:,} 行（有错误）" if result["skipped"] else ""))


# -- jobs ----------------------------------------------------------------------------------------------------
def _upload_of(job):
    from . import uploads

    params = job.params
    upload = uploads.find(params.get("token"), params.get("kind"), params.get("account_id"), params.get("org_id"))
    if upload is None:
        raise engine.ImportRefused("上传的文件已过期或不存在，请重新上传")
    return upload


def _progress(job, phase):
    return lambda done, failed: job.progress(done, errors=failed, phase=phase)


@job_kind("import_preview")
def preview_job(job):
    upload = _upload_of(job)
    result = run_preview(upload, _progress(job, "校验中"))
    counts = result["counts"]
    job.finish(f"校验完成：正确 {counts['valid']:,} 行，错误 {counts['invalid']:,} 行",
               result={"url": url_for(f"{job.params['endpoint']}.preview_view", token=upload.token)})


@job_kind("import_write")
def import_job(job):
    upload = _upload_of(job)
    url = url_for(f"{job.params['endpoint']}.result_view", token=upload.token)
    import_upload(upload, job.params["mode"], lambda result: job.finish(result_message(result), {"url": url}),
                  _progress(job, "导入前校验中"), lambda: job.progress(upload.rows, phase="写入中"))


def start(kind_name, title, upload, endpoint, **params):
    name = "import_write" if params.get("mode") else "import_preview"
    job = start_job(name, title, {"kind": kind_name, "token": upload.token, "account_id": upload.account_id,
                                  "org_id": upload.org_id, "endpoint": endpoint, "continue": True, **params},
                    total=upload.rows)
    return job
