"""POST /api/v1/credits: push one 学时申报 for many people; GET /api/v1/credits/<id>: the review status of each record.

A push is the web's 学时申报 posted as JSON: the same DeclarationForm checks it (计入科目, 学习形式 and who may
declare it, the form's own fields and caps, dates, proof files), the same records.declare() files it, each record
pending review by the org the web would send it to. Who may be named is the web's rule too: a training base names
people it trained by 身份证号 + 姓名, a unit its own approved staff (and their names must match).

The client's ``idempotency_key`` makes a retry safe: (org, key) is stored once with the body's hash in the push's
own transaction, so a retry with the same body answers the first result (200), another body under the same key is
refused (422), and two identical pushes at the same moment file one declaration.
"""
import base64
import binascii
import io

import marshmallow as ma
from flask import abort, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage, MultiDict

from forms.hours import FIELD_PREFIX, DeclarationForm, new_submit_key
from models import CreditRecord, Declaration, LearningForm, Person, access, db
from models.actor import Actor
from models.api_tokens import ApiPush, body_digest
from models.hours import applicants
from models.hours.catalogue import CATEGORIES
from models.hours.records import MAX_APPLICANTS, STATUSES
from models.validators import normalize_id_number

from .common import Invalid, blueprint, caller, needs

bp = blueprint("api_credits", "/api/v1/credits", "学时推送与审核状态（credits:write / credits:read）")

SHORT_CATEGORIES = {c[:2]: c for c in CATEGORIES}  # "公需" → "公需科目"
KEY_REUSED = "该 idempotency_key 已用于内容不同的另一次推送：重试请原样提交，新的推送请使用新的 key"
NOT_A_DECLARER = "只有用人单位、主管部门或继续教育基地可以推送学时"
UNKNOWN_FORM = "没有这个学习形式：请填写学习形式的编码（如 face_to_face）或编号"
NO_MATCH_STAFF = "第 {row} 人：未找到身份证号与姓名一致的本单位（含下属单位）已审核人员"
NO_MATCH_TRAINED = "第 {row} 人：未找到身份证号与姓名一致的已注册专业技术人员"
REPEATED = "第 {row} 人：与第 {first} 人是同一人"
BAD_FILE = "附件内容须为 Base64 编码"
PERSONS_COUNT = f"请至少提供一名申请人，一次最多 {MAX_APPLICANTS} 人"
ORDER = {"idempotency_key": 0, "form": 1, "category": 2, "title": 3, "start_date": 4, "end_date": 5}


class PersonIn(ma.Schema):
    id_number = ma.fields.String(required=True, validate=ma.validate.Length(1, 18), metadata={"description": "身份证号"})
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 50), metadata={"description": "姓名"})


class AttachmentIn(ma.Schema):
    filename = ma.fields.String(required=True, validate=ma.validate.Length(1, 200),
                                metadata={"description": "文件名，如 签到表.pdf（PDF、JPG、PNG）"})
    content_base64 = ma.fields.String(required=True, metadata={"description": "文件内容，Base64 编码"})


class PushIn(ma.Schema):
    idempotency_key = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9_.:-]{1,100}$"),
        metadata={"description": "客户端生成的唯一键（1–100 位字母、数字或 _ . : -）：同一键重试不会重复申报"})
    form = ma.fields.Raw(required=True, metadata={"description": "学习形式的编码（如 face_to_face）或编号",
                                                  "type": ["string", "integer"]})
    category = ma.fields.String(required=True, metadata={"description": "计入科目：公需 / 专业（或 公需科目 / 专业科目）"})
    title = ma.fields.String(required=True, metadata={"description": "学习内容/项目名称"})
    start_date = ma.fields.String(required=True, metadata={"description": "开始日期，如 2026-11-28"})
    end_date = ma.fields.String(required=True, metadata={"description": "结束日期，不晚于今天"})
    values = ma.fields.Dict(keys=ma.fields.String(), load_default=dict,
                            metadata={"description": "该学习形式的申报字段，如 {\"organizer\": \"…\", \"days\": 2}"})
    persons = ma.fields.List(ma.fields.Nested(PersonIn), required=True,
                             validate=ma.validate.Length(1, MAX_APPLICANTS, error=PERSONS_COUNT),
                             metadata={"description": f"申请人（身份证号 + 姓名），一次 1–{MAX_APPLICANTS} 人"})
    attachments = ma.fields.List(ma.fields.Nested(AttachmentIn), load_default=list,
                                 metadata={"description": "证明材料（学习形式要求时必填）"})


class RecordOut(ma.Schema):
    id = ma.fields.Integer()
    person_id = ma.fields.Integer()
    id_number = ma.fields.String()
    name = ma.fields.String()
    hours = ma.fields.Float(metadata={"description": "申报学时"})
    approved_hours = ma.fields.Float(allow_none=True, metadata={"description": "认定学时（通过后；受年度上限约束）"})
    status = ma.fields.String(metadata={"description": "pending / approved / rejected"})
    status_label = ma.fields.String(metadata={"description": "待审核 / 已通过 / 已驳回"})
    reject_reason = ma.fields.String(allow_none=True)
    reviewed_at = ma.fields.DateTime(allow_none=True)


class PushOut(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "申报编号（GET /api/v1/credits/{id} 查询审核状态）"})
    idempotency_key = ma.fields.String(allow_none=True)
    form = ma.fields.String()
    category = ma.fields.String()
    title = ma.fields.String()
    year = ma.fields.Integer()
    hours = ma.fields.Float(metadata={"description": "每人申报学时"})
    applicants = ma.fields.Integer()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                            metadata={"description": "各状态的记录数，如 {\"pending\": 500}"})
    records = ma.fields.List(ma.fields.Nested(RecordOut))
    created_at = ma.fields.DateTime()


def _form_by_reference(ref) -> LearningForm | None:
    if isinstance(ref, int) and not isinstance(ref, bool):
        return db.session.get(LearningForm, ref) if 1 <= ref <= 2**31 - 1 else None
    if isinstance(ref, str) and ref.strip():
        text = ref.strip()
        found = db.session.scalar(select(LearningForm).where(LearningForm.code == text))
        if found is None and text.isascii() and text.isdigit() and len(text) < 10:
            found = db.session.get(LearningForm, int(text))
        return found
    return None


def _posted(body: dict, found: LearningForm | None):
    """The web form's fields, as the page would post them; (formdata, errors found on the way)."""
    errors = {}
    data = MultiDict({"category": SHORT_CATEGORIES.get(body["category"].strip(), body["category"].strip()),
                      "form_id": str(found.id) if found is not None else "", "title": body["title"],
                      "start_date": body["start_date"], "end_date": body["end_date"],
                      "submit_key": new_submit_key()})
    names = {f["name"] for f in (found.fields if found is not None else [])}
    for name, value in (body.get("values") or {}).items():
        if found is not None and name not in names:
            errors[f"values.{name}"] = f"学习形式“{found.name}”没有字段“{name}”"
        elif isinstance(value, (dict, list)):
            errors[f"values.{name}"] = "须为文本或数字"
        elif value is not None:
            data[FIELD_PREFIX + name] = value if isinstance(value, str) else str(value)  # the page posts text
    for i, a in enumerate(body.get("attachments") or []):
        try:
            content = base64.b64decode(a["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            errors[f"attachments.{i}.content_base64"] = BAD_FILE
            continue
        data.add("files", FileStorage(io.BytesIO(content), filename=a["filename"]))
    return data, errors


def _persons(body: dict, declarer: str):
    """(person ids, errors): the pairs normalised, then matched as the web matches them for this declarer."""
    rows, errors = [], {}
    for i, p in enumerate(body["persons"]):
        try:
            rows.append((i + 1, normalize_id_number(p["id_number"]), p["name"].strip()))
        except ValueError as e:
            errors[f"persons.{i}.id_number"] = f"第 {i + 1} 人：{e}"
    if not rows:
        return [], errors
    people = None if declarer == "base" else access.scoped_select(Person)
    ids, problems = applicants.match_rows(rows, people, NO_MATCH_TRAINED if declarer == "base" else NO_MATCH_STAFF,
                                          REPEATED)
    errors.update({f"persons.{number - 1}": message for number, message in problems})
    return ids, errors


def _form_errors(form: DeclarationForm) -> dict:
    names = {"form_id": "form", "files": "attachments"}
    out = {}
    for field, messages in form.errors.items():
        if field in ("csrf_token", "applicants", "people") or not messages:
            continue
        if field is None:  # form_errors: what records.declare() refused
            out["_"] = messages[0]
        elif field == "submit_key":
            continue
        else:
            out[names.get(field, field)] = messages[0]
    out.update({f"values.{name}" if name != "_hours" else "values": message
                for name, message in form.value_errors.items()})
    return out


def _existing(org_id: int, key: str, digest: str):
    push = db.session.scalar(select(ApiPush).where(ApiPush.org_id == org_id, ApiPush.idempotency_key == key))
    if push is None:
        return None
    if push.body_sha256 != digest:
        raise Invalid({"idempotency_key": KEY_REUSED})
    return push


def declaration_out(declaration: Declaration, key: str | None) -> dict:
    c = CreditRecord.__table__.c
    rows = db.session.execute(select(c.id, c.person_id, c.id_number, c.person_name, c.hours, c.approved_hours,
                                     c.status, c.reject_reason, c.reviewed_at)
                              .where(c.declaration_id == declaration.id).order_by(c.id)).all()
    counts = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {"id": declaration.id, "idempotency_key": key, "form": declaration.form.code,
            "category": declaration.category, "title": declaration.title, "year": declaration.year,
            "hours": declaration.hours, "applicants": declaration.applicants, "counts": counts,
            "created_at": declaration.created_at,
            "records": [{"id": r.id, "person_id": r.person_id, "id_number": r.id_number, "name": r.person_name,
                         "hours": r.hours, "approved_hours": r.approved_hours, "status": r.status,
                         "status_label": STATUSES.get(r.status, r.status), "reject_reason": r.reject_reason,
                         "reviewed_at": r.reviewed_at} for r in rows]}


@bp.route("", methods=["POST"])
@needs("credits:write")
@bp.arguments(PushIn)
@bp.response(201, PushOut)
@bp.alt_response(200, schema=PushOut, description="同一 idempotency_key、同一内容的重试：第一次推送的结果")
def push(body):
    """推送一次学时申报：同一学习形式、同一内容，为多人各生成一条待审核的学时记录"""
    me = caller()
    if me.org.kind not in ("employer", "supervisor", "base"):
        abort(403, NOT_A_DECLARER)
    digest = body_digest(request.get_json())
    key = body["idempotency_key"]
    done = _existing(me.org.id, key, digest)
    if done is not None:
        return declaration_out(db.session.get(Declaration, done.declaration_id), key), 200
    declarer = "base" if me.org.kind == "base" else "unit"
    found = _form_by_reference(body["form"])
    formdata, errors = _posted(body, found)
    if found is None:
        errors["form"] = UNKNOWN_FORM
    form = DeclarationForm(declarer, formdata=formdata, meta={"csrf": False})
    valid = found is not None and form.validate()
    person_ids, person_errors = _persons(body, declarer)
    errors.update(person_errors)
    if found is not None:
        errors.update(_form_errors(form))
    if errors or not valid:
        db.session.rollback()
        raise Invalid(errors or {"_": "提交的数据未通过校验"})
    account = me.membership.account
    actor = Actor(account.id, account.name, me.org.id, me.org.id)
    record = ApiPush(org_id=me.org.id, idempotency_key=key, body_sha256=digest, token_id=me.token.id)
    db.session.add(record)
    try:
        db.session.flush()  # a concurrent push of the same key waits here for the first to end, then collides
    except IntegrityError:
        db.session.rollback()
        done = _existing(me.org.id, key, digest)
        return declaration_out(db.session.get(Declaration, done.declaration_id), key), 200
    declaration = form.file(person_ids, declarer, me.org, actor)
    if declaration is None:
        db.session.rollback()
        raise Invalid(_form_errors(form) or {"_": "提交的数据未通过校验"})
    record.declaration_id = declaration.id
    db.session.commit()
    return declaration_out(declaration, key), 201


@bp.route("/<int:declaration_id>")
@needs("credits:read", "credits:write")
@bp.response(200, PushOut)
def status(declaration_id):
    """一次推送（申报）的每条记录及其审核状态"""
    declaration = db.session.scalar(access.scoped_select(Declaration).where(Declaration.id == declaration_id))
    if declaration is None:
        abort(404, "该申报不存在，或不是本单位（含下属单位）的申报")
    key = db.session.scalar(select(ApiPush.idempotency_key).where(ApiPush.declaration_id == declaration.id))
    return declaration_out(declaration, key)
