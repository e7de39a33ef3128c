"""查询统计 · 继教完成情况查询 (F27, seed §5.4.2): each person of the picked unit's subtree against a year's 学时规则,
a summary per unit with its chart, a person's 学习记录 of the year, and the export of the filtered list.

Every number is read from 学时汇总 (models/stats/completion_query.py). The page, the chart JSON, the drill and the
export read the same arguments through :func:`read_criteria`, so they are scoped alike: the unit picker admits only
units of the actor's subtree, and a person outside it is not found (404).
"""
import io
from urllib.parse import urlencode

from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_admin import expose
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forms.input import to_id
from models import CreditRecord, Person, access, audit, db, now
from models.hours.completion import year_summary
from models.jobs import job_kind, job_url, start_job
from models.spreadsheet.writing import OutColumn, download_name, write_xlsx
from models.stats import completion_query as cq
from models.title_series import series_names

from ..base import COUNT_CAP, CappedCount, ScopedView
from ..export import EXPORT_MAX_ROWS, EXPORT_SYNC_ROWS, TOO_MANY, XLSX
from .unit_picker import department_options, picked_department, picked_org

PAGE_SIZE = 20
FIRST_YEAR = 2000
EXPORT_CHUNK = 1000
BAD_YEAR = "年度格式不正确，已显示{year}年"
BAD_SERIES = "所选职称系列不存在，已显示全部职称系列"
BAD_MET = "达标情况只能选择达标或未达标，已显示全部"
ARGS = ("year", "org", "dept", "series", "met", "q")
EXPORT_COLUMNS = (
    OutColumn("姓名", width=12), OutColumn("身份证号", "id", 21), OutColumn("单位", width=30),
    OutColumn("部门", width=16), OutColumn("职称系列", width=14), OutColumn("职称级别"), OutColumn("年度", "int", 8),
    OutColumn("公需科目学时", "number", 14), OutColumn("专业科目学时", "number", 14),
    OutColumn("其他学时", "number"), OutColumn("总学时", "number"), OutColumn("是否达标", width=10),
    OutColumn("未达标原因", width=30),
)


def read_criteria(warn=True):
    """(Criteria, picked unit, picked department) from the query string; a bad value is flashed (``warn``) and
    left out, never a 500."""
    this_year = now().year
    raw_year = request.args.get("year", "").strip()
    year = to_id(raw_year) if raw_year else this_year
    if year is None or not FIRST_YEAR <= year <= this_year + 1:
        if warn:
            flash(BAD_YEAR.format(year=this_year), "error")
        year = this_year
    org = picked_org(warn=warn)
    if org is None and access.scope_org_id() is not None:
        abort(403)  # an admin without a unit of its own: nothing is theirs to see
    dept = picked_department(org, warn=warn)
    series = request.args.get("series", "").strip()
    if series and series not in series_names(active_only=False):
        if warn:
            flash(BAD_SERIES, "error")
        series = ""
    met = {"1": True, "0": False, "": None}.get(request.args.get("met", "").strip(), "bad")
    if met == "bad":
        if warn:
            flash(BAD_MET, "error")
        met = None
    prefix = request.args.get("q", "").strip()[:50]
    criteria = cq.Criteria(year=year, org_id=org.id if org else None, department_id=dept.id if dept else None,
                           series=series or None, met=met, prefix=prefix)
    return criteria, org, dept


def query_args(criteria: cq.Criteria, **over) -> dict:
    """The page's arguments for ``criteria`` (then ``over``), as a link keeps them."""
    args = {"year": criteria.year, "org": criteria.org_id or "", "dept": criteria.department_id or "",
            "series": criteria.series or "", "met": {True: "1", False: "0"}.get(criteria.met, ""),
            "q": criteria.prefix}
    args.update(over)
    return {k: v for k, v in args.items() if v not in ("", None)}


def export_rows(criteria: cq.Criteria, progress=None):
    """The filtered list in the page's order, a chunk of people at a time (keyset on the id: no OFFSET)."""
    done, after = 0, None
    while True:
        rows = cq.page(criteria, 0, EXPORT_CHUNK, after=after)
        if not rows:
            return
        for r in rows:
            yield [r.name, r.id_number, r.org_name, r.department, r.title_series, r.title_level, criteria.year,
                   r.public, r.professional, r.other, r.total, "是" if r.met else "否", r.missing_text]
        done += len(rows)
        if progress:
            progress(done)
        after = rows[-1].person_id


def write_export(target, criteria: cq.Criteria, progress=None) -> int:
    written = write_xlsx(target, list(EXPORT_COLUMNS), export_rows(criteria, progress),
                         sheet_title=f"{criteria.year}年继教完成情况")
    audit.record("person_year_hours", "completion", "export", {
        "title": "继教完成情况", "rows": written, "query": request.query_string.decode("utf-8", "replace")[:1000]})
    return written


class CompletionView(ScopedView):
    permission = "stats.completion"

    @expose("/")
    def index(self):
        criteria, org, dept = read_criteria()
        page = max(0, min(to_id(request.args.get("page", "")) or 0, COUNT_CAP // PAGE_SIZE))
        units, more_units = cq.unit_summary(criteria.year, criteria.org_id)
        unit_total = None if more_units else cq.totals(units)  # a total of the listed units only would mislead
        count = self._count(criteria, page, unit_total)
        rows = cq.page(criteria, page * PAGE_SIZE, PAGE_SIZE)
        rule = cq.HoursRule.for_year(criteria.year)
        pages = min(-(-int(count) // PAGE_SIZE), COUNT_CAP // PAGE_SIZE + 1) if count else 0
        return self.render(
            "admin/stats/completion.html", criteria=criteria, org=org, dept=dept, rows=rows, count=count,
            page=page, pages=pages, units=units, more_units=more_units, unit_total=unit_total, rule=rule,
            departments=department_options(org), series=series_names(active_only=False),
            years=list(range(now().year, FIRST_YEAR - 1, -1))[:10], args=query_args(criteria),
            url=lambda endpoint=".index", **over: url_for(endpoint, **query_args(criteria, **over)),
            hours_text=cq.hours_text, can_see_records=access.can("hours.records"))

    @staticmethod
    def _count(criteria, page, total):
        """How many people the list holds. Filtered by year, unit and 达标 only, that is the summary's total,
        already read; otherwise a capped count (as ScopedModelView.capped_count: a province is not counted in
        full)."""
        if total is not None and not (criteria.department_id or criteria.series or criteria.prefix):
            return {None: total.persons, True: total.met, False: total.persons - total.met}[criteria.met]
        limit = max(COUNT_CAP, (page + 4) * PAGE_SIZE)
        count = cq.capped_count(criteria, limit)
        return CappedCount(count) if count > limit else count

    @expose("/chart.json")
    def chart_json(self):
        """The summary's bar chart (ECharts option): persons and 达标 per unit, the rate on a second axis; a bar
        opens the page narrowed to its unit."""
        criteria, _org, _dept = read_criteria(warn=False)
        units, _more = cq.unit_summary(criteria.year, criteria.org_id)
        names, persons, met, rates = [], [], [], []
        for u in units:
            link = url_for(".index", **query_args(criteria, org=u.org_id, dept="")) if u.pickable else None
            names.append(f"{u.name}（本级）" if u.own else u.name)
            persons.append({"value": u.persons, **({"url": link} if link else {})})
            met.append({"value": u.met, **({"url": link} if link else {})})
            rates.append(round(u.rate * 100, 1))
        return jsonify({
            "title": {"text": f"{criteria.year}年继续教育达标情况（按单位）", "left": "center",
                      "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "axis"},
            "legend": {"data": ["人数", "达标人数", "达标率（%）"], "bottom": 0},
            "grid": {"left": 50, "right": 50, "top": 60, "bottom": 110},
            "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 30}},
            "yAxis": [{"type": "value", "name": "人数", "minInterval": 1},
                      {"type": "value", "name": "达标率（%）", "min": 0, "max": 100}],
            "series": [{"name": "人数", "type": "bar", "data": persons},
                       {"name": "达标人数", "type": "bar", "data": met},
                       {"name": "达标率（%）", "type": "line", "yAxisIndex": 1, "data": rates}],
        })

    @expose("/person/<person_id>/")
    def person_view(self, person_id):
        """学习记录: the person's credit records of the year, in every state, with their proof files."""
        criteria, _org, _dept = read_criteria()
        pk = to_id(person_id)
        person = db.session.scalar(access.scope(select(Person), Person).where(Person.id == pk)) if pk else None
        if person is None:
            abort(404)
        records = db.session.scalars(
            select(CreditRecord).where(CreditRecord.person_id == person.id, CreditRecord.year == criteria.year)
            .options(joinedload(CreditRecord.form), joinedload(CreditRecord.declaration))
            .order_by(CreditRecord.end_date, CreditRecord.id)).all()
        attachments = _attachments_of({r.declaration_id for r in records})
        summary = year_summary(person.id, criteria.year)
        summary["missing"] = [] if summary["met"] else cq.summary_shortfalls(summary)
        return self.render("admin/stats/completion_person.html", person=person, records=records,
                           attachments=attachments, summary=summary, criteria=criteria,
                           back=url_for(".index", **query_args(criteria)), hours_text=cq.hours_text,
                           can_see_records=access.can("hours.records"))

    @expose("/export.xlsx")
    def export_xlsx(self):
        criteria, _org, _dept = read_criteria()
        count = cq.capped_count(criteria, EXPORT_MAX_ROWS)
        if count > EXPORT_MAX_ROWS:
            flash(TOO_MANY, "error")
            return redirect(url_for(".index", **query_args(criteria)))
        if count > EXPORT_SYNC_ROWS:
            job = start_job("completion_export", f"导出{criteria.year}年继教完成情况", {
                "path": request.path, "query": request.query_string.decode("utf-8", "replace")}, total=count)
            return redirect(job_url(job))
        buffer = io.BytesIO()
        write_export(buffer, criteria)
        db.session.commit()
        buffer.seek(0)
        return send_file(buffer, mimetype=XLSX, as_attachment=True,
                         download_name=download_name(f"{criteria.year}年继教完成情况"), max_age=0)


def _attachments_of(declaration_ids) -> dict:
    from models import Attachment

    if not declaration_ids:
        return {}
    out = {}
    for att in db.session.scalars(select(Attachment).where(Attachment.declaration_id.in_(declaration_ids))
                                  .order_by(Attachment.id)):
        out.setdefault(att.declaration_id, []).append(att)
    return out


@job_kind("completion_export")
def run_completion_export(run):
    """A large export in the background: the same arguments, for the same actor, rights checked again."""
    with current_app.test_request_context(run.params["path"], query_string=run.params.get("query", ""),
                                          environ_base={"REMOTE_ADDR": request.remote_addr}):
        if not access.can("stats.completion"):
            raise ValueError("您已没有继教完成情况查询的权限，导出未执行")
        criteria, _org, _dept = read_criteria(warn=False)
        path = run.file_path(".xlsx")
        try:
            written = write_export(path, criteria, progress=lambda done: run.progress(done, phase="写入中"))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        back = url_for("completion.index") + "?" + urlencode(query_args(criteria))
        run.finish(f"已导出 {written:,} 条记录", result={"url": back, "url_label": "返回继教完成情况查询"},
                   file_name=download_name(f"{criteria.year}年继教完成情况"))


def add_views(admin, category):
    admin.add_view(CompletionView(name="继教完成情况查询", category=category, endpoint="completion",
                                  url="/admin/stats/completion"))
