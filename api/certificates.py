"""GET /api/v1/certificates: the 电子证书 issued to the token org's staff (printed once in the back office)."""
import marshmallow as ma
from sqlalchemy import select

from models import Certificate, Organization, Person, access, db
from models.base import starts_with
from models.certificates.printing import verification_url

from .common import CursorArgs, blueprint, needs, next_after

bp = blueprint("api_certificates", "/api/v1/certificates", "电子证书（certificates:read）")


class CertificateArgs(CursorArgs):
    year = ma.fields.Integer(validate=ma.validate.Range(2000, 2100), metadata={"description": "年度"})
    person_id = ma.fields.Integer(validate=ma.validate.Range(1, 2**31 - 1), metadata={"description": "人员编号"})
    id_number = ma.fields.String(validate=ma.validate.Regexp(r"^[0-9]{1,17}[0-9Xx]?$"),
                                 metadata={"description": "身份证号（从开头匹配）"})


class CertificateOut(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"description": "证书编号"})
    year = ma.fields.Integer()
    person_id = ma.fields.Integer()
    name = ma.fields.String()
    id_number = ma.fields.String()
    unit = ma.fields.String(metadata={"description": "发证时所在单位"})
    issued_at = ma.fields.DateTime()
    revoked = ma.fields.Boolean(metadata={"description": "是否已作废（该年度学时后来被调整，不再达标）"})
    revoke_reason = ma.fields.String(allow_none=True)
    verify_url = ma.fields.String(metadata={"description": "查验地址（证书上的二维码）"})


class CertificatePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CertificateOut))
    next_after = ma.fields.Integer(allow_none=True)


@bp.route("")
@needs("certificates:read")
@bp.arguments(CertificateArgs, location="query", as_kwargs=True)
@bp.response(200, CertificatePage)
def list_certificates(limit, after, year=None, person_id=None, id_number=None):
    """已发放的电子证书（本单位及下属单位现有人员的），按证书编号顺序分页（游标）"""
    c = Certificate.__table__.c
    query = (select(c.id, c.number, c.year, c.person_id, c.issued_at, c.revoked_at, c.revoke_reason, c.token,
                    Person.name, Person.id_number, Organization.name.label("unit"))
             .join(Person, Person.id == c.person_id).join(Organization, Organization.id == c.org_id)
             .where(Person.scope_clause(access.current_org().id)))
    if year:
        query = query.where(c.year == year)
    if person_id:
        query = query.where(c.person_id == person_id)
    if id_number:
        query = query.where(starts_with(Person.id_number, id_number.upper()))
    if after:
        query = query.where(c.id > after)
    rows = [{"id": r.id, "number": r.number, "year": r.year, "person_id": r.person_id, "name": r.name,
             "id_number": r.id_number, "unit": r.unit, "issued_at": r.issued_at, "revoked": r.revoked_at is not None,
             "revoke_reason": r.revoke_reason, "verify_url": verification_url(r.token)}
            for r in db.session.execute(query.order_by(c.id).limit(limit + 1))]
    return {"items": rows[:limit], "next_after": next_after(rows, limit)}
