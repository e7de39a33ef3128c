"""The API's fixtures: a unit tree with staff, a training base, tokens made by models/api_tokens.issue."""
import base64
from datetime import timedelta

import pytest

from demo.ids import id_number
from models import Account, Person, db, now
from models.account import hash_password
from models.api_tokens import SCOPES, issue
from models.hours.catalogue import seed_catalogue
from models.validators import birth_date_of, gender_of

from ..helpers import PASSWORD, make_admin, make_department, make_org, make_person, next_seq

ALL_SCOPES = list(SCOPES)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF_B64 = base64.b64encode(PDF).decode()


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def make_token(org, creator, scopes=ALL_SCOPES, name=None, days=30):
    token, secret = issue(org, creator, name or f"令牌{next_seq()}", scopes, now().date() + timedelta(days=days))
    db.session.commit()
    return token, secret


def many_people(org, n, name="批量"):
    """``n`` approved staff of ``org`` at once (one password hash for all): a 500-person push needs them fast."""
    password = hash_password(PASSWORD)
    people = []
    for i in range(n):
        seq = next_seq()
        number = id_number(seq)
        account = Account(id_number=number, name=f"{name}{i}", password_hash=password, phone=f"139{seq:08d}"[-11:])
        db.session.add(account)
        db.session.flush()
        people.append(Person(account_id=account.id, org_id=org.id, name=f"{name}{i}", id_number=number,
                             gender=gender_of(number), birth_date=birth_date_of(number), status="approved"))
    db.session.add_all(people)
    db.session.commit()
    return people


def push_body(people, key="k-1", **over):
    body = {"idempotency_key": key, "form": "other", "category": "公需", "title": "2026年度公需科目培训",
            "start_date": "2026-03-01", "end_date": "2026-03-01",
            "values": {"description": "线上课程", "hours": 8},
            "persons": [{"id_number": p.id_number, "name": p.name} for p in people],
            "attachments": [{"filename": "签到表.pdf", "content_base64": PDF_B64}]}
    body.update(over)
    return body


@pytest.fixture
def world(unit):
    """unit.employer (with its branch) has staff and a full token; unit.other has its own staff and token; a
    training base under the province has a token too."""
    seed_catalogue()
    db.session.commit()
    dept = make_department(unit.employer, "信息科")
    w = unit
    w.dept = dept
    w.zhang = make_person(unit.employer, "张静", department=dept, title_series="卫生技术")
    w.li = make_person(unit.employer, "李强")
    w.wang = make_person(unit.branch, "王芳")
    w.pending = make_person(unit.employer, "赵待审", status="pending")
    w.stranger = make_person(unit.other, "孙外人")
    w.token, w.secret = make_token(unit.employer, unit.admin, name="人事系统")
    w.other_token, w.other_secret = make_token(unit.other, unit.other_admin, name="乙单位系统")
    w.base = make_org("山东省专业技术人员继续教育基地（示范）", kind="base", parent=unit.province)
    w.base_admin = make_admin(w.base, "基地管理员")
    w.base_token, w.base_secret = make_token(w.base, w.base_admin, name="培训平台")
    return w
