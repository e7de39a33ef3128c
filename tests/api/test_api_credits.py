"""POST /api/v1/credits: validated as the web's 学时申报, each record pending with the web's reviewer, idempotent by
the client's key (retried and concurrent), audited as the token's org and creator; GET shows the review status."""
import base64
import threading

import pytest
from sqlalchemy import func, select

from models import ApiPush, AuditEntry, CreditRecord, Declaration, db

from ..helpers import audit_count, in_threads, response_text
from .conftest import bearer, many_people, push_body

URL = "/api/v1/credits"


def push(client, secret, body):
    return client.post(URL, headers=bearer(secret), json=body)


def declarations():
    return db.session.scalar(select(func.count()).select_from(Declaration))


def test_a_unit_pushes_for_its_staff_and_the_superior_reviews(client, world):
    r = push(client, world.secret, push_body([world.zhang, world.wang]))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["counts"] == {"pending": 2} and body["hours"] == 8 and body["category"] == "公需科目"
    assert [x["name"] for x in body["records"]] == ["张静", "王芳"]
    records = CreditRecord.query.filter_by(declaration_id=body["id"]).all()
    # the same queue as the web's 学时申报 of a unit: its superior decides
    assert {r.review_org_id for r in records} == {world.city.id} and {r.declared_by for r in records} == {"unit"}
    declaration = db.session.get(Declaration, body["id"])
    assert declaration.created_by_id == world.admin.id and len(declaration.attachments) == 1


def test_every_write_is_audited_as_the_tokens_org_and_creator(client, world):
    before = audit_count()
    body = push(client, world.secret, push_body([world.zhang, world.li])).get_json()
    entries = AuditEntry.query.filter(AuditEntry.id > 0).order_by(AuditEntry.id).all()[before:]
    assert {e.entity for e in entries} >= {"credit_declaration", "credit_record", "credit_attachment"}
    assert {(e.actor_id, e.actor_org_id, e.actor_role) for e in entries} == {
        (world.admin.id, world.employer.id, f"接口令牌「人事系统」{world.token.prefix}")}
    assert len({e.request_id for e in entries}) == 1
    assert any(e.entity == "credit_declaration" and e.entity_id == str(body["id"]) for e in entries)


def test_a_retry_returns_the_first_result_and_another_body_is_422(client, world):
    first = push(client, world.secret, push_body([world.zhang, world.li], key="day-2026-03-01"))
    assert first.status_code == 201
    before = audit_count()
    again = push(client, world.secret, push_body([world.zhang, world.li], key="day-2026-03-01"))
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert declarations() == 1 and audit_count() == before
    other = push(client, world.secret, push_body([world.zhang], key="day-2026-03-01"))
    assert other.status_code == 422 and "idempotency_key" in other.get_json()["errors"]
    assert declarations() == 1
    # the key is the org's: another org may use the same one
    stranger = push(client, world.other_secret, push_body([world.stranger], key="day-2026-03-01"))
    assert stranger.status_code == 201 and declarations() == 2


def test_concurrent_identical_pushes_file_one_declaration(app, world, monkeypatch):
    """Six clients retry at the same moment: all of them find no earlier push (held at a barrier right after that
    check), so the unique (org, key) alone decides — one files, the others answer its result."""
    import api.credits

    people = many_people(world.employer, 30)
    body = push_body(people, key="concurrent-1")
    checked, answers = threading.Barrier(6, timeout=20), []
    real = api.credits._existing
    local = threading.local()

    def existing_then_wait(*args):
        found = real(*args)
        if not getattr(local, "waited", False):
            local.waited = True
            checked.wait()
        return found

    monkeypatch.setattr(api.credits, "_existing", existing_then_wait)

    def one():
        with app.app_context():
            r = push(app.test_client(), world.secret, body)
            answers.append((r.status_code, r.get_json().get("id")))

    in_threads([one] * 6)
    assert len(answers) == 6
    assert sorted(s for s, _ in answers) == [200] * 5 + [201], answers
    assert len({i for _, i in answers}) == 1
    db.session.expire_all()
    assert declarations() == 1 and ApiPush.query.count() == 1
    assert CreditRecord.query.count() == 30


@pytest.mark.parametrize("change, field, words", [
    ({"form": "no-such-form"}, "form", "没有这个学习形式"),
    ({"category": "个人选修"}, "category", ""),
    ({"end_date": "2099-01-01"}, "end_date", "不能晚于今天"),
    ({"start_date": "2026-03-05", "end_date": "2026-03-01"}, "end_date", "不能早于开始日期"),
    ({"start_date": "2026/13/01"}, "start_date", "格式"),
    ({"title": ""}, "title", "请填写"),
    ({"values": {"description": "课程"}}, "values.hours", "必填"),
    ({"values": {"description": "课程", "hours": 41}}, "values.hours", "不能超过"),
    ({"values": {"description": "课程", "hours": "八"}}, "values.hours", "数字"),
    ({"values": {"description": "课程", "hours": 8, "bonus": 3}}, "values.bonus", "没有字段"),
    ({"attachments": []}, "attachments", "请上传证明材料"),
    ({"attachments": [{"filename": "a.pdf", "content_base64": base64.b64encode(b"MZ\x90\x00").decode()}]},
     "attachments", "不是有效的"),
    ({"attachments": [{"filename": "a.pdf", "content_base64": "***"}]}, "attachments.0.content_base64", "Base64"),
    ({"persons": []}, "persons", "至少"),
    ({"idempotency_key": "有空格 的键"}, "idempotency_key", "格式"),
])
def test_what_the_web_form_refuses_the_api_refuses_next_to_the_field(client, world, change, field, words):
    r = push(client, world.secret, push_body([world.zhang], key="k-bad", **change))
    got = r.get_json()
    assert r.status_code == 422, got
    assert field in got["errors"] and words in got["errors"][field], got["errors"]
    assert declarations() == 0 and CreditRecord.query.count() == 0 and ApiPush.query.count() == 0


def test_persons_outside_the_reach_are_refused_each_by_its_row(client, world):
    before = audit_count()
    body = push_body([world.zhang, world.stranger, world.pending, world.zhang], key="k-reach")
    body["persons"].append({"id_number": world.li.id_number, "name": "李错名"})
    body["persons"].append({"id_number": "37010219900101001X", "name": "无此人"})
    r = push(client, world.secret, body)
    errors = r.get_json()["errors"]
    assert r.status_code == 422
    assert set(errors) == {"persons.1", "persons.2", "persons.3", "persons.4", "persons.5"}, errors
    assert "本单位" in errors["persons.1"] and "同一人" in errors["persons.3"]
    assert errors["persons.1"].split("：")[1] == errors["persons.4"].split("：")[1]  # unknown = elsewhere = misnamed
    assert "校验码" in errors["persons.5"] or "身份证" in errors["persons.5"]
    assert audit_count() == before and declarations() == 0


def test_a_training_base_names_people_it_trained_anywhere(client, world):
    r = push(client, world.base_secret, push_body([world.zhang, world.stranger], key="base-1"))
    assert r.status_code == 201
    records = CreditRecord.query.order_by(CreditRecord.person_id).all()
    # each goes to the person's own unit, as the web's base declaration
    assert [(r.person_id, r.review_org_id) for r in records] == [
        (world.zhang.id, world.employer.id), (world.stranger.id, world.other.id)]
    # 岗位培训 is a unit's form: a base is told so
    r = push(client, world.base_secret, push_body([world.zhang], key="base-2", form="post_training", category="专业"))
    assert r.status_code == 422 and "不接受" in r.get_json()["errors"]["form"]


def test_status_of_a_push_is_the_pushers_and_its_subtrees_only(client, world):
    pushed = push(client, world.secret, push_body([world.zhang], key="s-1")).get_json()
    r = client.get(f"{URL}/{pushed['id']}", headers=bearer(world.secret))
    assert r.status_code == 200 and r.get_json()["records"][0]["status_label"] == "待审核"
    assert r.get_json()["idempotency_key"] == "s-1"
    for secret in (world.other_secret, world.base_secret):
        r = client.get(f"{URL}/{pushed['id']}", headers=bearer(secret))
        assert r.status_code == 404 and "张静" not in r.get_data(as_text=True)
    assert client.get(f"{URL}/999999", headers=bearer(world.secret)).status_code == 404


def test_a_base_pushes_500_people_in_one_request_and_sees_them_reviewed(client, auth, world):
    """Done when: a training base pushes a day's hours for 500 people with one request and sees them reviewed."""
    people = many_people(world.employer, 500, name="学员")
    r = push(client, world.base_secret, push_body(people, key="class-2026-03-01"))
    assert r.status_code == 201, r.get_json()
    pushed = r.get_json()
    assert pushed["applicants"] == 500 and pushed["counts"] == {"pending": 500}

    # the unit's admin approves them on the web, every matching row at once
    auth.login(world.admin)
    page = auth.post("/admin/hours/review/action/", {"action": "approve", "select_all": "1", "expected": "500",
                                                    "url": "/admin/hours/review/"},
                     form_url="/admin/hours/review/", follow_redirects=True)
    assert "已通过 500 条" in response_text(page)

    r = client.get(f"{URL}/{pushed['id']}", headers=bearer(world.base_secret))
    status = r.get_json()
    assert status["counts"] == {"approved": 500}
    assert {x["status_label"] for x in status["records"]} == {"已通过"}
    assert {x["approved_hours"] for x in status["records"]} == {8}
    # and the unit's token sees the hours in 完成情况
    first = client.get(f"/api/v1/completion/{people[0].id}?year=2026", headers=bearer(world.secret)).get_json()
    assert first["categories"][0] == {"category": "公需科目", "hours": 8, "minimum": 30}
