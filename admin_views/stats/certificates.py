"""查询统计 · 电子证书查询打印 (F30): the persons of the picked unit's subtree who met a year's rule, and their
certificates printed as one PDF — the selected rows, or every row matching the filters.

Printing numbers those without a certificate (models/certificates/issue.py, audited) and records the print.
Up to SYNC_CERTIFICATES the PDF is the response; more run as a job (``certificates``) whose page shows the
progress and then offers the file. Either way the people printed are the scoped query's, checked again at print
time: a posted id of another unit, or of someone who no longer meets the rule, is left out and said so.
"""
import io

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose

from forms.input import to_id
from models import access, audit, db, now
from models.certificates import issue, listing
from models.certificates.printing import certificate_html, printed
from models.jobs import job_kind, job_url, start_job

from ..base import COUNT_CAP, ScopedView
from ..bulk import valid_ids
from .unit_picker import picked_org

PAGE_SIZE = 20
SYNC_CERTIFICATES = 200   # up to this many the PDF is written during the request; more: a background job
MAX_CERTIFICATES = 5_000  # one PDF; WeasyPrint holds every laid-out page until it writes the file
RENDER_CHUNK = 100        # pages laid out between two progress reports of the job
YEARS_BACK = 6
NOTHING = "没有可打印的证书：请勾选达到年度学时要求的人员"
TOO_MANY = f"符合条件的人员超过 {MAX_CERTIFICATES:,} 人，请缩小单位或条件范围后分批打印"
BAD_YEAR = "年度无效，已显示本年度"
BAD_STATUS = "证书状态无效，已显示全部"
PDF = "application/pdf"


def pdf_name(year: int) -> str:
    return f"{year}年度继续教育证书_{now().date().isoformat()}.pdf"


def years() -> list[int]:
    this = now().year
    return list(range(this, this - YEARS_BACK, -1))


def read_filters(args, warn=True) -> listing.Filters:
    """The page's filters from the query string ``args`` (the print form posts to its page's query string); a bad
    value falls back to its default, with a flash when ``warn``."""
    raw_year = args.get("year", "").strip()
    year = to_id(raw_year) if raw_year else now().year
    if year not in years():
        if warn:
            flash(BAD_YEAR, "error")
        year = now().year
    status = args.get("status", "").strip()
    if status and status not in listing.STATUSES:
        if warn:
            flash(BAD_STATUS, "error")
        status = ""
    org = picked_org(warn=warn)
    if org is None and access.scope_org_id() is not None:  # only the operator sees the whole province
        org = access.current_org()
    return listing.Filters(year=year, org_id=org.id if org else None, prefix=args.get("q", "").strip()[:18],
                           status=status)


def print_pdf(year: int, person_ids) -> bytes:
    """Issue what is missing, lay the pages out and write one PDF (the caller commits)."""
    issue(year, person_ids, access.current_actor().name)
    return render_pages(year, person_ids)


def render_pages(year: int, person_ids, progress=None) -> bytes:
    """One PDF of the certificates ``person_ids`` hold, laid out RENDER_CHUNK pages at a time; ``progress(done)``
    after each chunk (the job's, which commits: the numbers must be committed before)."""
    from weasyprint import HTML

    documents, done = [], 0
    for start in range(0, len(person_ids), RENDER_CHUNK):
        pages = printed(year, person_ids[start:start + RENDER_CHUNK])
        if pages:
            documents.append(HTML(string=certificate_html(year, pages), base_url=current_app.root_path).render())
        done += len(person_ids[start:start + RENDER_CHUNK])
        if progress:
            progress(done)
    if len(documents) == 1:
        return documents[0].write_pdf()
    return documents[0].copy([page for d in documents for page in d.pages]).write_pdf()


def _audit_print(f: listing.Filters, count: int, chosen: str):
    audit.record("certificate", f.year, "print", {"year": f.year, "org_id": f.org_id, "q": f.prefix,
                                                  "status": f.status, "certificates": count, "chosen": chosen})


class CertificatesView(ScopedView):
    permission = "stats.certificates"

    @expose("/")
    def index(self):
        f = read_filters(request.args)
        page = max(0, min(to_id(request.args.get("page", "")) or 0, COUNT_CAP // PAGE_SIZE))
        count = listing.capped_count(f, COUNT_CAP)
        rows = listing.page_rows(f, page, PAGE_SIZE)
        pages = (min(count, COUNT_CAP) + PAGE_SIZE - 1) // PAGE_SIZE
        org = picked_org(warn=False)
        return self.render("admin/stats/certificates.html", f=f, rows=rows, count=count, capped=count > COUNT_CAP,
                           page=page, pages=pages, org=org if f.org_id else None, years=years(),
                           statuses=listing.STATUSES, sync_limit=SYNC_CERTIFICATES, page_size=PAGE_SIZE)

    @expose("/print", methods=["POST"])
    def print_view(self):
        f = read_filters(request.args, warn=False)
        back = url_for(".index", year=f.year, org=f.org_id or "", q=f.prefix, status=f.status)
        if request.form.get("all"):
            ids = listing.matching_ids(f, MAX_CERTIFICATES)
            chosen, left_out = "all", 0
        else:
            posted = valid_ids(request.form.getlist("rowid"))
            ids = listing.among(f, posted) if len(posted) <= MAX_CERTIFICATES else []
            chosen, left_out = "selected", len(posted) - len(ids)
        if len(ids) > MAX_CERTIFICATES:
            flash(TOO_MANY, "error")
            return redirect(back)
        if not ids:
            flash(NOTHING, "error")
            return redirect(back)
        if left_out:
            flash(f"所选人员中有 {left_out} 人不在您的管理范围内或未达到年度学时要求，未打印", "warning")
        if len(ids) > SYNC_CERTIFICATES:
            job = start_job("certificates", f"打印{f.year}年度继续教育证书（{len(ids):,} 张）", {
                "year": f.year, "org_id": f.org_id, "q": f.prefix, "status": f.status, "chosen": chosen,
                "ids": ids if chosen == "selected" else None, "back": back}, total=len(ids))
            return redirect(job_url(job))
        pdf = print_pdf(f.year, ids)
        _audit_print(f, len(ids), chosen)
        db.session.commit()
        return send_file(io.BytesIO(pdf), mimetype=PDF, as_attachment=True, download_name=pdf_name(f.year),
                         max_age=0)


@job_kind("certificates")
def run_certificates(run):
    """A large batch, in the background, as the actor who asked (the job's request context): the matching people
    are read again through the same scoped query, rights checked again."""
    p = run.params
    view = next((v for v in current_app.extensions["admin"][0]._views if v.endpoint == "certificates"), None)
    if view is None or not view.is_accessible():
        raise ValueError("您已没有电子证书查询打印的权限，打印未执行")
    args = {"year": str(p["year"]), "org": str(p.get("org_id") or ""), "q": p.get("q") or "",
            "status": p.get("status") or ""}
    with current_app.test_request_context("/admin/stats/certificates/", query_string=args,
                                          environ_base={"REMOTE_ADDR": request.remote_addr}):
        f = read_filters(request.args, warn=False)
        ids = listing.among(f, p["ids"]) if p.get("ids") else listing.matching_ids(f, MAX_CERTIFICATES)
        if len(ids) > MAX_CERTIFICATES:
            raise ValueError(TOO_MANY)
        run.progress(0, len(ids), phase="发放证书编号")
        path = run.file_path(".pdf")
        try:
            def step(done):
                run.progress(done, len(ids), phase="生成证书页面" if done < len(ids) else "写入PDF")

            issue(f.year, ids, access.current_actor().name)
            _audit_print(f, len(ids), p.get("chosen") or "all")
            db.session.commit()  # the numbers and the audit stand before the long layout
            path.write_bytes(render_pages(f.year, ids, step))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        run.finish(f"已生成 {len(ids):,} 张证书", result={"url": p.get("back") or url_for("certificates.index"),
                                                        "url_label": "返回电子证书查询打印"},
                   file_name=pdf_name(f.year))

