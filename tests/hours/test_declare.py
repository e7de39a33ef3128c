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
def catalogue(app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "att")
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


def test_base_declares_by_id_number_and_name(client, auth, unit, catalogue):
    base = make_org("山东省继续教育基地", kind="base", parent=unit.province)
    admin = make_admin(base, "基地管理")
    a, b = make_person(unit.employer, "李甲"), make_person(unit.other, "李乙")
    auth.login(admin, user_type="base")
    people = f"{a.id_number} 李甲\n\n{b.id_number}，李乙\n"
    r = post(client, {**face_to_face([]), "people": people})
    assert r.status_code == 302, r.get_data(as_text=True)
    rows = CreditRecord.query.order_by(CreditRecord.person_id).all()
    assert [(r.person_id, r.review_org_id, r.declared_by, r.declarer_org_id) for r in rows] == [
        (a.id, unit.employer.id, "base", base.id), (b.id, unit.other.id, "base", base.id)]


def test_base_pairs_unknown_or_mismatched_are_refused_by_row(client, auth, unit, catalogue):
    base = make_org("山东省继续教育基地", kind="base", parent=unit.province)
    admin = make_admin(base, "基地管理")
    a = make_person(unit.employer, "李甲", department=None, title_name="秘密职称")
    stranger = "11010519491231002X"  # valid checksum, nobody registered
    auth.login(admin, user_type="base")
    people = f"{a.id_number} 李甲\n{a.id_number} 王五\n{stranger} 赵六\n12345 钱七\n{a.id_number} 李甲"
    r = post(client, {**face_to_face([]), "people": people})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "第 2 行：未找到身份证号与姓名一致的已注册专业技术人员" in html
    assert "第 3 行：未找到身份证号与姓名一致的已注册专业技术人员" in html
    assert "第 4 行：身份证号应为18位" in html and "第 5 行：与第 1 行是同一人" in html
    assert unit.employer.name not in html and "秘密职称" not in html
    assert Declaration.query.count() == 0 and CreditRecord.query.count() == 0


def test_base_has_no_people_search(client, auth, unit, catalogue):
    base = make_org("山东省继续教育基地", kind="base", parent=unit.province)
    admin = make_admin(base, "基地管理")
    make_person(unit.employer, "李甲")
    auth.login(admin, user_type="base")
    assert client.get(URL + "people?q=李").get_json() == []
    html = client.get(URL).get_data(as_text=True)
    assert 'id="applicants"' not in html and "参训人员" in html
    # Forms a base may not declare (岗位培训 is a unit's) are neither offered nor accepted.
    assert "岗位培训" not in html
    r = post(client, {**face_to_face([]), "form_id": str(form("post_training").id), "people": ""})
    assert "该学习形式不接受继续教育基地申报" in r.get_data(as_text=True)


def test_people_search_is_scoped_prefix_masked_and_capped(client, auth, unit, catalogue):
    mine = make_person(unit.branch, "孙一")
    make_person(unit.other, "孙二")  # another unit
    make_person(unit.employer, "孙三", status="pending")
    for i in range(25):
        make_person(unit.employer, f"周{i:02d}")
    auth.login(unit.admin)
    rows = client.get(URL + "people?q=孙").get_json()
    assert rows == [{"id": mine.id, "name": "孙一", "masked_id": mine.masked_id}]
    assert mine.id_number not in client.get(URL + "people?q=孙").get_data(as_text=True)
    assert client.get(URL + f"people?q={mine.id_number}").get_json()[0]["id"] == mine.id
    assert client.get(URL + "people?q=一").get_json() == []  # a prefix, not a substring
    assert len(client.get(URL + "people?q=周").get_json()) == 20


def test_schema_and_preview(client, auth, unit, catalogue):
    auth.login(unit.admin)
    conference = form("conference")
    answer = client.get(URL + f"schema?category=公需科目&form_id={conference.id}").get_json()
    assert answer["schema"] is None and answer["refusal"] == "该学习形式不能计入公需科目"
    assert "学术会议" not in {f["name"] for f in answer["forms"]} and "面授培训" in {f["name"] for f in answer["forms"]}
    answer = client.get(URL + f"schema?category=专业科目&form_id={conference.id}").get_json()
    assert [f["name"] for f in answer["schema"]["fields"]] == ["level", "meeting", "organizer", "paper"]
    html, token, _ = page(client)
    values = {"level": "国家级", "meeting": "年会", "organizer": "学会", "paper": "是"}
    r = client.post(URL + "preview", json={"form_id": conference.id, "category": "专业科目", "values": values},
                    headers={"X-CSRFToken": token})
    assert r.get_json()["text"] == "本次申报 18 学时" and r.get_json()["refusal"] is None
    r = client.post(URL + "preview", json={"form_id": form("face_to_face").id, "category": "专业科目",
                                           "values": {"organizer": "x", "days": "11"}}, headers={"X-CSRFToken": token})
    assert r.get_json()["refusal"] == "超过该学习形式每条记录的上限（80 学时）" and r.get_json()["field"] == "days"
    r = client.post(URL + "preview", json={"form_id": form("face_to_face").id, "values": {"days": "abc"}},
                    headers={"X-CSRFToken": token})
    assert r.get_json()["errors"]["days"] == "请填写数字"
    # A POST without the CSRF token is refused.
    assert client.post(URL + "preview", json={"form_id": conference.id}).status_code == 400


@pytest.mark.parametrize("change, field, message", [
    ({"f_days": "11"}, "days", "超过该学习形式每条记录的上限（80 学时）"),
    ({"f_days": "abc"}, "days", "请填写数字"),
    ({"f_organizer": ""}, "organizer", "必填项，不能为空"),
    ({"category": "公需科目", "form_id": "post_training"}, "form_id", "该学习形式不能计入公需科目"),
    ({"end_date": "future"}, "end_date", "结束日期不能晚于今天：学时在学习完成后申报"),
    ({"start_date": "2026-05-03"}, "end_date", "结束日期不能早于开始日期"),
    ({"applicants": []}, "applicants", "请至少选择一名申请人"),
    ({"applicants": "other"}, "applicants", "所选申请人不存在、未审核通过或不在本单位（含下属单位）范围内，请重新选择"),
    ({"applicants": "pending"}, "applicants", "所选申请人不存在、未审核通过或不在本单位（含下属单位）范围内，请重新选择"),
    ({"applicants": "junk"}, "applicants", "所选申请人不存在、未审核通过或不在本单位（含下属单位）范围内，请重新选择"),
    ({"title": ""}, "title", "请填写学习内容/项目名称"),
    ({"files": "none"}, "files", "请上传证明材料"),
    ({"files": "exe"}, "files", "不是有效的 PDF、JPG 或 PNG 文件"),
])
def test_refusals_write_nothing(client, auth, unit, catalogue, change, field, message):
    me = make_person(unit.employer, "张一")
    stranger = make_person(unit.other, "外单位")
    pending = make_person(unit.employer, "待审核", status="pending")
    data = face_to_face([me])
    files = ((PDF, "通知.pdf"),)
    for key, value in change.items():
        if key == "form_id":
            data[key] = str(form(value).id)
        elif key == "end_date" and value == "future":
            data[key] = (date.today() + timedelta(days=2)).isoformat()
        elif key == "applicants" and value in ("other", "pending", "junk"):
            extra = {"other": str(stranger.id), "pending": str(pending.id), "junk": "1x"}[value]
            data[key] = [str(me.id), extra]
        elif key == "files":
            files = () if value == "none" else ((b"MZ\x90\x00binary", "证明.pdf"),)
        else:
            data[key] = value
    auth.login(unit.admin)
    r = post(client, data, files=files)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and message in html
    assert Declaration.query.count() == 0 and CreditRecord.query.count() == 0
    # What was typed is still there, and the chosen applicant too (shown masked).
    assert 'value="省工程师学会"' in html or field == "organizer"
    if field != "applicants" or change["applicants"]:
        assert f'<option value="{me.id}" selected>张一 {me.masked_id}</option>' in html or field == "applicants"


def test_a_second_post_of_the_same_page_files_nothing_more(client, auth, unit, catalogue):
    me = make_person(unit.employer, "张一")
    auth.login(unit.admin)
    html, token, key = page(client)
    data = {**face_to_face([me]), "csrf_token": token, "submit_key": key}
    first = client.post(URL, data={**data, "files": [(io.BytesIO(PDF), "a.pdf")]}, content_type="multipart/form-data")
    again = client.post(URL, data={**data, "files": [(io.BytesIO(PDF), "a.pdf")]}, content_type="multipart/form-data")
    assert first.status_code == again.status_code == 302
    with client.session_transaction() as session:
        assert ("warning", "该申报已提交，请勿重复提交") in session["_flashes"]
    assert Declaration.query.count() == 1 and CreditRecord.query.count() == 1
    # A fresh page has a fresh key: declaring the same again on purpose works.
    assert post(client, face_to_face([me])).status_code == 302 and Declaration.query.count() == 2
    # A post without the page's key is a stale page.
    r = post(client, {**face_to_face([me]), "submit_key": ""})
    assert "页面已过期，请刷新后重新填写" in r.get_data(as_text=True) and Declaration.query.count() == 2


def test_the_same_key_racing_is_written_once(app, unit, catalogue):
    """Two posts of one page at the same moment: the unique submit_key lets one declaration through."""
    from models.actor import Actor
    from models.hours.records import declare

    me = make_person(unit.employer, "张一")
    args = (form("face_to_face"), "专业科目", {"organizer": "x", "days": 1}, [me.id])
    kw = dict(declared_by="unit", actor=Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id),
              org=unit.employer, title="t", start_date=date(2026, 1, 1), end_date=date(2026, 1, 1), submit_key="k" * 43)
    declare(*args, **kw)
    db.session.commit()
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError):
        declare(*args, **kw)
    db.session.rollback()
    assert Declaration.query.count() == 1


def test_access(client, auth, unit, catalogue):
    assert client.get(URL).status_code == 302  # to the login
    role = make_role(unit.employer, "只读", ["hours.records"])
    clerk = make_admin(unit.employer, "无权限", is_super=False, role=role)
    auth.login(clerk)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "people?q=张").status_code == 403
    auth.logout()
    person = make_person(unit.employer, "本人")
    auth.login(person.account, user_type="person")
    assert client.get(URL).status_code in (302, 403)
