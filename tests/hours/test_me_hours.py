"""个人自助 · 我的学时 (F33): own records by year, hours against the year's rule, declaring own hours, own files."""
from datetime import date

from models import CreditRecord, Declaration, HoursRule, db
from models.actor import Actor
from models.hours import approval
from models.hours.records import declare

from ..helpers import make_person
from .test_declare import PDF, catalogue, form, page, post  # noqa: F401 - catalogue is a fixture

URL = "/me/hours/declare"


def conference(**extra):
    return {"category": "专业科目", "form_id": str(form("conference").id), "title": "全国智能制造年会",
            "start_date": "2026-05-01", "end_date": "2026-05-02", "f_level": "国家级", "f_meeting": "全国智能制造年会",
            "f_organizer": "中国机械工程学会", "f_paper": "是", **extra}


def login_person(auth, person):
    auth.login(person.account, user_type="person")


def test_self_declaration_goes_to_the_own_unit(client, auth, unit, catalogue):
    me = make_person(unit.branch, "李本人")
    login_person(auth, me)
    r = post(client, conference(), url=URL)
    assert r.status_code == 302 and "/me/hours" in r.headers["Location"]
    d = Declaration.query.one()
    assert (d.declared_by, d.person_id, d.org_id, d.hours) == ("person", me.id, unit.branch.id, 18)
    record = CreditRecord.query.one()
    assert (record.person_id, record.review_org_id, record.status) == (me.id, unit.branch.id, "pending")
    html = client.get("/me/hours?year=2026").get_data(as_text=True)
    assert "全国智能制造年会" in html and "待审核" in html and "学术会议" in html


def test_only_person_forms_are_offered_and_accepted(client, auth, unit, catalogue):
    me = make_person(unit.employer, "李本人")
    login_person(auth, me)
    html = client.get(URL).get_data(as_text=True)
    assert "学术会议" in html and "岗位培训" not in html
    answer = client.get(f"/me/hours/schema?category=专业科目&form_id={form('post_training').id}").get_json()
    assert answer["schema"] is None and answer["refusal"] == "该学习形式不接受个人申报"
    r = post(client, {**conference(), "form_id": str(form("post_training").id), "f_days": "1"}, url=URL)
    assert "该学习形式不接受个人申报" in r.get_data(as_text=True) and Declaration.query.count() == 0


def test_self_declaration_refusals(client, auth, unit, catalogue):
    me = make_person(unit.employer, "李本人")
    login_person(auth, me)
    r = post(client, conference(f_level="世界级"), url=URL)
    assert "请从下拉列表中选择" in r.get_data(as_text=True)
    r = post(client, conference(), url=URL, files=())
    assert "请上传证明材料" in r.get_data(as_text=True)
    r = post(client, conference(end_date="2099-01-01"), url=URL)
    assert "结束日期不能晚于今天" in r.get_data(as_text=True)
    # Somebody else's id posted as an applicant changes nothing: a person declares for themself only.
    other = make_person(unit.employer, "别人")
    r = post(client, {**conference(), "applicants": [str(other.id)]}, url=URL)
    assert r.status_code == 302
    assert {r.person_id for r in CreditRecord.query} == {me.id}
    html, token, key = page(client, URL)
    r = client.post("/me/hours/preview", json={"form_id": form("conference").id, "category": "专业科目",
                                               "values": {"level": "省级", "paper": "否"}},
                    headers={"X-CSRFToken": token})
    assert r.get_json()["text"] == "本次申报 8 学时"


def test_a_second_post_files_nothing_more(client, auth, unit, catalogue):
    me = make_person(unit.employer, "李本人")
    login_person(auth, me)
    import io
    html, token, key = page(client, URL)
    data = {**conference(), "csrf_token": token, "submit_key": key}
    for _ in range(2):
        r = client.post(URL, data={**data, "files": [(io.BytesIO(PDF), "a.pdf")]}, content_type="multipart/form-data")
        assert r.status_code == 302
    assert Declaration.query.count() == 1


def test_year_summary_against_the_rule(client, auth, unit, catalogue):
    me = make_person(unit.employer, "李本人")
    db.session.add(HoursRule(year=2025, total=90, minimums={"公需科目": 30, "专业科目": 60}))
    db.session.commit()
    actor = Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id)
    kept = declare(form("face_to_face"), "公需科目", {"organizer": "x", "days": 4}, [me.id], declared_by="unit",
                   actor=actor, org=unit.employer, title="法规培训", start_date=date(2025, 3, 1),
                   end_date=date(2025, 3, 4))
    refused = declare(form("face_to_face"), "专业科目", {"organizer": "x", "days": 2}, [me.id], declared_by="unit",
                      actor=actor, org=unit.employer, title="技术培训", start_date=date(2025, 4, 1),
                      end_date=date(2025, 4, 2))
    db.session.commit()
    reviewer = Actor(unit.admin.id, "市局", unit.city.id, unit.city.id)
    ids = lambda d: [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id)]  # noqa: E731
    approval.decide_credits(ids(kept), "approved", reviewer)
    approval.decide_credits(ids(refused), "rejected", reviewer, "材料不全")
    db.session.commit()
    login_person(auth, me)
    html = client.get("/me/hours?year=2025").get_data(as_text=True)
    assert "已通过" in html and "已驳回" in html and "材料不全" in html and "未达标" in html
    assert "<td>公需科目</td><td>32</td><td>不少于 30</td>" in html
    assert "<td>专业科目</td><td>0</td><td>不少于 60</td>" in html
    assert "<td>合计</td><td>32</td><td>不少于 90</td>" in html
    # The year picker offers the years with records and the current one.
    years = client.get("/me/hours").get_data(as_text=True)
    assert '<option value="2025">2025年</option>' in years


def test_own_attachment_only(client, auth, unit, catalogue):
    me = make_person(unit.employer, "李本人")
    other = make_person(unit.employer, "别人")
    login_person(auth, me)
    post(client, conference(), url=URL)
    mine = Declaration.query.one().attachments[0]
    record = CreditRecord.query.one()
    html = client.get(f"/me/hours/{record.id}").get_data(as_text=True)
    assert f"/me/hours/attachments/{mine.id}" in html and "会议级别" in html and "国家级" in html
    r = client.get(f"/me/hours/attachments/{mine.id}")
    assert r.status_code == 200 and r.data == PDF and r.mimetype == "application/pdf"
    auth.logout()
    login_person(auth, other)
    assert client.get(f"/me/hours/attachments/{mine.id}").status_code == 404
    assert client.get(f"/me/hours/{record.id}").status_code == 404
    assert client.get("/me/hours/attachments/abc").status_code == 404


def test_unit_declared_record_shows_without_the_units_files(client, auth, unit, catalogue):
    me = make_person(unit.employer, "李本人")
    auth.login(unit.admin)
    post(client, {"category": "专业科目", "form_id": str(form("face_to_face").id), "title": "单位培训",
                  "start_date": "2026-05-01", "end_date": "2026-05-01", "f_organizer": "本单位", "f_days": "1",
                  "applicants": [str(me.id)]})
    auth.logout()
    login_person(auth, me)
    record = CreditRecord.query.one()
    html = client.get(f"/me/hours/{record.id}").get_data(as_text=True)
    assert "单位申报" in html and "证明材料" not in html
    att = Declaration.query.one().attachments[0]
    assert client.get(f"/me/hours/attachments/{att.id}").status_code == 404


def test_portal_needs_a_person(client, auth, unit, catalogue):
    assert client.get("/me/hours").status_code == 302
    auth.login(unit.admin)
    assert client.get("/me/hours").status_code == 403
    assert client.get(URL).status_code == 403
    me = make_person(unit.employer, "李本人")
    auth.logout()
    login_person(auth, me)
    html = client.get("/me/").get_data(as_text=True)
    assert 'href="/me/hours"' in html
