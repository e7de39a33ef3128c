"""学时申报 (F21) over HTTP: a unit declares for its staff, a training base for people it trained; every refusal."""
import io
import re
from datetime import date, timedelta

import pytest

from models import AuditEntry, CreditRecord, Declaration, LearningForm, db
from models.hours.catalogue import seed_catalogue

from ..helpers import csrf_token, make_admin, make_org, make_person, make_role

URL = "/admin/hours/declare/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form(code):
    return LearningForm.query.filter_by(code=code).one()


@pytest.fixture
def catalogue(app):
    seed_catalogue()
    db.session.commit()


def page(client, url=URL):
    html = client.get(url).get_data(as_text=True)
    key = re.search(r'name="submit_key"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="submit_key"', html)
    return html, csrf_token(html), key.group(1)


def face_to_face(people, days="2", **extra):
    data = {"category": "专业科目", "form_id": str(form("face_to_face").id), "title": "新技术应用培训班",
            "start_date": "2026-05-01", "end_date": "2026-05-02", "f_organizer": "省工程师学会",
            "f_place": "济南", "f_days": days, "applicants": [str(p.id) for p in people]}
    data.update(extra)
    return data


def post(client, data, url=URL, files=((PDF, "通知.pdf"),)):
    html, token, key = page(client, url)
    data = {**data, "csrf_token": token, "submit_key": data.get("submit_key", key)}
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(url, data=data, content_type="multipart/form-data")


def test_page_offers_the_forms_of_a_unit(client, auth, unit, catalogue):
    auth.login(unit.admin)
    html = client.get(URL).get_data(as_text=True)
    assert "计入科目" in html and "学习形式" in html and "岗位培训" in html and "申请人" in html


def test_unit_declares_for_several_staff(client, auth, unit, catalogue):
    people = [make_person(unit.employer, "张一"), make_person(unit.branch, "张二")]
    auth.login(unit.admin)
    r = post(client, face_to_face(people))
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/hours/records/")
    d = Declaration.query.one()
    assert d.declared_by == "unit" and d.hours == 16 and d.values["days"] == 2 and len(d.attachments) == 1
    rows = CreditRecord.query.all()
    assert {r.person_id for r in rows} == {p.id for p in people} and {r.review_org_id for r in rows} == {unit.city.id}
    assert AuditEntry.query.filter_by(entity="credit_declaration", action="create").count() == 1
