"""查询统计 · 职称系列分布查询 (F26): approved persons of the picked unit's subtree (and department) by 职称系列 × 级别.

The table, its two charts (JSON for static/charts.js) and the xlsx export read the same picked unit and the same
query (models/stats/title_counts.py); every count links to 专技人员信息查询 filtered to what it counts.
"""
import io

from flask import abort, current_app, jsonify, send_file, url_for
from flask_admin import expose

from models import access, audit, db, now
from models.spreadsheet.charts import CrossTable, write_cross_table
from models.spreadsheet.writing import download_name
from models.stats.title_counts import Distribution, title_distribution

from ..base import ScopedView
from ..export import XLSX
from .unit_picker import department_options, picked_department, picked_org

STAFF_FILTERS = {"unit": "所属单位（含下属单位）", "status": "状态", "series": "职称系列", "level": "职称级别",
                 "department": "所在部门"}


def _staff_filter_keys():
    """The URL keys of 专技人员信息查询's filters (flt<n>_<key>), looked up by name: their positions are the
    staff view's business."""
    staff = next((v for v in current_app.extensions["admin"][0]._views if v.endpoint == "staff"), None)
    if staff is None or not staff._filter_args:
        return None
    by_name = {str(flt.name): key for key, (_, flt) in staff._filter_args.items()}
    keys = {k: by_name.get(name) for k, name in STAFF_FILTERS.items()}
    return keys if all(keys.values()) else None


class StaffLinks:
    """Where a count leads: the staff query of the same unit subtree, department, series and level (approved
    persons). None when the actor may not open the staff query, or for 未填写 (no filter matches an empty value)."""

    def __init__(self, org, dept):
        self.keys = _staff_filter_keys() if access.can("stats.staff") else None
        self.base = {}
        if self.keys:
            if org is not None:
                self.base[f"flt0_{self.keys['unit']}"] = org.id
            self.base[f"flt1_{self.keys['status']}"] = "approved"
            if dept is not None:
                self.base[f"flt2_{self.keys['department']}"] = dept.id

    def __call__(self, series=False, level=False):
        """``False``: that axis is not narrowed (a total); None: 未填写, which no link can select."""
        if not self.keys or series is None or level is None:
            return None
        args = dict(self.base)
        if series is not False:
            args[f"flt3_{self.keys['series']}"] = series
        if level is not False:
            args[f"flt4_{self.keys['level']}"] = level
        return url_for("staff.index_view", **args)


class TitleDistributionView(ScopedView):
    permission = "stats.title_distribution"

    def _picked(self, warn=True):
        org = picked_org(warn=warn)
        return org, picked_department(org, warn=warn)

    @staticmethod
    def _args(org, dept):
        """The query string of the picks as resolved, for the chart and export links of the page."""
        args = {}
        if org is not None:
            args["org"] = org.id
        if dept is not None:
            args["dept"] = dept.id
        return args

    @expose("/")
    def index(self):
        org, dept = self._picked()
        dist = title_distribution(org.id if org else None, dept.id if dept else None)
        args = self._args(org, dept)
        return self.render("admin/stats/title_distribution.html", org=org, dept=dept, dist=dist,
                           departments=department_options(org), link=StaffLinks(org, dept), label=Distribution.label,
                           bar_url=url_for(".chart", kind="bar", **args), pie_url=url_for(".chart", kind="pie", **args),
                           export_url=url_for(".export_xlsx", **args), unit_name=_unit_name(org, dept))

    @expose("/chart/<kind>.json")
    def chart(self, kind):
        if kind not in ("bar", "pie"):
            abort(404)
        org, dept = self._picked(warn=False)
        dist = title_distribution(org.id if org else None, dept.id if dept else None)
        link = StaffLinks(org, dept)
        return jsonify(bar_option(dist, link) if kind == "bar" else pie_option(dist, link))

    @expose("/export.xlsx")
    def export_xlsx(self):
        org, dept = self._picked(warn=False)  # a file answers: a message would surface on some later page
        dist = title_distribution(org.id if org else None, dept.id if dept else None)
        unit = _unit_name(org, dept)
        table = CrossTable(
            title=f"职称系列分布（{unit}）",
            notes=[f"统计范围：{unit}{'（含下属单位）' if org and not dept else ''}，已审核的专业技术人员，共 {dist.total} 人",
                   f"导出时间：{now().strftime('%Y-%m-%d %H:%M')}"],
            corner="职称系列", row_labels=[Distribution.label(s) for s in dist.series],
            column_labels=[Distribution.label(lv) for lv in dist.levels],
            cells=[[dist.cell(s, lv) for lv in dist.levels] for s in dist.series],
            bar_title="各职称系列人数（按级别）", pie_title="职称系列构成")
        buffer = io.BytesIO()
        write_cross_table(buffer, table, sheet_title="职称系列分布")
        audit.record("person", self.endpoint, "export", {"title": "职称系列分布", "rows": len(dist.series),
                                                         "persons": dist.total, **self._args(org, dept)})
        db.session.commit()
        buffer.seek(0)
        return send_file(buffer, mimetype=XLSX, as_attachment=True, max_age=0,
                         download_name=download_name(f"职称系列分布_{unit}"))


def _unit_name(org, dept):
    name = org.name if org is not None else "全省"
    return f"{name} · {dept.name}" if dept is not None else name


def bar_option(dist: Distribution, link: StaffLinks) -> dict:
    """Horizontal bars, one per series, stacked by level: 29 series names stay readable down the side."""
    rows = [Distribution.label(s) for s in dist.series]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 36, "bottom": 28, "containLabel": True},
        "xAxis": {"type": "value", "name": "人数", "nameLocation": "middle", "nameGap": 26, "minInterval": 1},
        "yAxis": {"type": "category", "data": rows, "inverse": True},
        "series": [{"name": Distribution.label(lv), "type": "bar", "stack": "total", "emphasis": {"focus": "series"},
                    "data": [_item(dist.cell(s, lv), link(s, lv)) for s in dist.series]}
                   for lv in dist.levels if dist.column_total(lv)],
    }


def pie_option(dist: Distribution, link: StaffLinks) -> dict:
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 人（{d}%）"},
        "legend": {"type": "scroll", "bottom": 0},
        "series": [{"name": "职称系列", "type": "pie", "radius": ["28%", "56%"], "center": ["50%", "46%"],
                    "label": {"formatter": "{b}\n{c} 人"}, "minShowLabelAngle": 3,
                    "percentPrecision": 1,  # as the table's shares (ECharts rounds them to sum to 100 %)
                    "data": [dict(_item(dist.row_total(s), link(s)), name=Distribution.label(s))
                             for s in dist.series]}],
    }


def _item(value, url):
    return {"value": value, "url": url} if url else {"value": value}
