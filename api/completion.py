"""GET /api/v1/completion: 继教完成情况 — each approved person of the token org's subtree against a year's 学时规则."""
import marshmallow as ma

from models import now
from models.hours.completion import year_summary
from models.stats import completion_query
from models.stats.completion_query import Criteria, summary_shortfalls

from .common import CursorArgs, blueprint, caller, needs, next_after
from .persons import find_person

bp = blueprint("api_completion", "/api/v1/completion", "继教完成情况（completion:read）")
YEAR = dict(validate=ma.validate.Range(2000, 2100), metadata={"description": "年度，默认今年"})


class CompletionArgs(CursorArgs):
    year = ma.fields.Integer(load_default=lambda: now().year, **YEAR)
    department_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**31 - 1), metadata={"description": "所在部门编号"})
    title_series = ma.fields.String(validate=ma.validate.Length(1, 20), metadata={"description": "职称系列"})
    met = ma.fields.Boolean(metadata={"description": "true：只列达标的人；false：只列未达标的人"})
    q = ma.fields.String(validate=ma.validate.Length(1, 18), metadata={"description": "姓名或身份证号（从开头匹配）"})


class YearArgs(ma.Schema):
    year = ma.fields.Integer(load_default=lambda: now().year, **YEAR)


class CompletionRow(ma.Schema):
    person_id = ma.fields.Integer()
    name = ma.fields.String()
    id_number = ma.fields.String()
    org_id = ma.fields.Integer()
    org_name = ma.fields.String()
    department = ma.fields.String(allow_none=True)
    year = ma.fields.Integer()
    public_hours = ma.fields.Float(metadata={"description": "公需科目学时（已通过）"})
    professional_hours = ma.fields.Float(metadata={"description": "专业科目学时（已通过）"})
    other_hours = ma.fields.Float()
    total_hours = ma.fields.Float()
    met = ma.fields.Boolean(metadata={"description": "是否达标"})
    missing = ma.fields.List(ma.fields.String(), metadata={"description": "未达标时所差，如“公需差 6 学时”"})


class CompletionPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CompletionRow))
    next_after = ma.fields.Integer(allow_none=True)


class CategoryHours(ma.Schema):
    category = ma.fields.String(metadata={"description": "计入科目"})
    hours = ma.fields.Float()
    minimum = ma.fields.Float(allow_none=True)


class PersonYear(ma.Schema):
    person_id = ma.fields.Integer()
    name = ma.fields.String()
    year = ma.fields.Integer()
    required_total = ma.fields.Float(metadata={"description": "该年度学时规则要求的总学时"})
    total_hours = ma.fields.Float()
    categories = ma.fields.List(ma.fields.Nested(CategoryHours))
    met = ma.fields.Boolean()
    missing = ma.fields.List(ma.fields.String())


@bp.route("")
@needs("completion:read")
@bp.arguments(CompletionArgs, location="query", as_kwargs=True)
@bp.response(200, CompletionPage)
def list_completion(limit, after, year, department_id=None, title_series=None, met=None, q=None):
    """本单位（含下属单位）每人某年度的完成情况，按人员编号分页（游标）"""
    criteria = Criteria(year=year, org_id=caller().org.id, department_id=department_id, series=title_series,
                        met=met, prefix=(q or "").strip())
    rows = completion_query.page(criteria, 0, limit + 1, after=after)
    items = [{"person_id": r.person_id, "name": r.name, "id_number": r.id_number, "org_id": r.org_id,
              "org_name": r.org_name, "department": r.department, "year": year, "public_hours": r.public,
              "professional_hours": r.professional, "other_hours": r.other, "total_hours": r.total, "met": r.met,
              "missing": r.missing} for r in rows]
    return {"items": items[:limit], "next_after": next_after(items, limit, key=lambda r: r["person_id"])}


@bp.route("/<int:person_id>")
@needs("completion:read")
@bp.arguments(YearArgs, location="query", as_kwargs=True)
@bp.response(200, PersonYear)
def person_completion(person_id, year):
    """一名专技人员某年度的学时：各计入科目已通过的学时、要求、是否达标、所差"""
    person = find_person(person_id)
    summary = year_summary(person.id, year)
    return {"person_id": person.id, "name": person.name, "year": year, "required_total": summary["rule"].total,
            "total_hours": summary["total"], "met": summary["met"],
            "categories": [{"category": name, "hours": got, "minimum": need} for name, got, need in summary["rows"]],
            "missing": [] if summary["met"] else summary_shortfalls(summary)}
