"""GET /api/v1/persons: the approved staff of the token's org and its subtree, as 专技人员信息查询 shows them."""
import marshmallow as ma
from sqlalchemy.orm import joinedload

from models import Person, access, db
from models.base import starts_with

from .common import CursorArgs, blueprint, needs, next_after

bp = blueprint("api_persons", "/api/v1/persons", "专技人员（persons:read）")


class PersonArgs(CursorArgs):
    name = ma.fields.String(validate=ma.validate.Length(1, 50), metadata={"description": "姓名（从开头匹配）"})
    id_number = ma.fields.String(validate=ma.validate.Regexp(r"^[0-9]{1,17}[0-9Xx]?$"),
                                 metadata={"description": "身份证号（从开头匹配）"})
    department_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**31 - 1), metadata={"description": "所在部门编号"})
    title_series = ma.fields.String(validate=ma.validate.Length(1, 20), metadata={"description": "职称系列"})
    org_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**31 - 1),
                               metadata={"description": "所属单位编号（须在本单位及下属单位范围内；只含该单位本身）"})


class Ref(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class PersonOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(metadata={"description": "姓名"})
    id_number = ma.fields.String(metadata={"description": "身份证号"})
    gender = ma.fields.String(metadata={"description": "性别"})
    birth_date = ma.fields.Date(metadata={"description": "出生日期"})
    org = ma.fields.Nested(Ref, metadata={"description": "所属单位"})
    department = ma.fields.Nested(Ref, allow_none=True, metadata={"description": "所在部门"})
    education = ma.fields.String(allow_none=True, metadata={"description": "学历"})
    major = ma.fields.String(allow_none=True, metadata={"description": "所学专业"})
    title_series = ma.fields.String(allow_none=True, metadata={"description": "职称系列"})
    title_name = ma.fields.String(allow_none=True, metadata={"description": "职称名称"})
    title_level = ma.fields.String(allow_none=True, metadata={"description": "职称级别"})
    title_date = ma.fields.Date(allow_none=True, metadata={"description": "取得职称时间"})
    admin_post = ma.fields.String(allow_none=True, metadata={"description": "行政职务"})


class PersonPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PersonOut))
    next_after = ma.fields.Integer(allow_none=True, metadata={"description": "下一页的游标（null：没有下一页）"})


def staff():
    """The token org's approved staff, through the web's one scoping helper."""
    return access.scoped_select(Person).where(Person.status == "approved")


def person_dict(p: Person) -> dict:
    return {"id": p.id, "name": p.name, "id_number": p.id_number, "gender": p.gender, "birth_date": p.birth_date,
            "org": {"id": p.org.id, "name": p.org.name},
            "department": {"id": p.department.id, "name": p.department.name} if p.department else None,
            "education": p.education, "major": p.major, "title_series": p.title_series, "title_name": p.title_name,
            "title_level": p.title_level, "title_date": p.title_date, "admin_post": p.admin_post}


def find_person(person_id: int) -> Person:
    """One of the token org's staff, or 404 (another unit's person is as absent as a person that never was)."""
    from flask import abort

    found = db.session.scalar(staff().where(Person.id == person_id))
    if found is None:
        abort(404, "该人员不存在，或不在本单位（含下属单位）范围内")
    return found


@bp.route("")
@needs("persons:read")
@bp.arguments(PersonArgs, location="query", as_kwargs=True)
@bp.response(200, PersonPage)
def list_persons(limit, after, name=None, id_number=None, department_id=None, title_series=None, org_id=None):
    """专技人员列表：按编号顺序分页（游标），可按姓名、身份证号开头、部门、职称系列、单位筛选"""
    query = staff().options(joinedload(Person.org), joinedload(Person.department))
    if name:
        query = query.where(starts_with(Person.name, name))
    if id_number:
        query = query.where(starts_with(Person.id_number, id_number.upper()))
    if department_id:
        query = query.where(Person.department_id == department_id)
    if title_series:
        query = query.where(Person.title_series == title_series)
    if org_id:
        query = query.where(Person.org_id == org_id)
    if after:
        query = query.where(Person.id > after)
    rows = [person_dict(p) for p in db.session.scalars(query.order_by(Person.id).limit(limit + 1)).unique()]
    return {"items": rows[:limit], "next_after": next_after(rows, limit)}


@bp.route("/<int:person_id>")
@needs("persons:read")
@bp.response(200, PersonOut)
def get_person(person_id):
    """一名专技人员的信息"""
    return person_dict(find_person(person_id))
