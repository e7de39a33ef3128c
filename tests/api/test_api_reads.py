"""GET /api/v1/persons, /completion, /certificates: the token org's subtree only, filters, cursor paging, no N+1."""
from datetime import date

from models import Certificate, db
from models.certificates.issue import new_token

from ..helpers import make_person
from ..querycount import count_queries
from .conftest import bearer, many_people


def get(client, url, secret):
    return client.get(url, headers=bearer(secret))


def names(response):
    return [row["name"] for row in response.get_json()["items"]]


def test_persons_are_the_subtrees_approved_staff(client, world):
    r = get(client, "/api/v1/persons", world.secret)
    assert r.status_code == 200
    assert names(r) == ["张静", "李强", "王芳"]  # the branch's too; not pending, not another unit's
    row = r.get_json()["items"][0]
    assert row["id_number"] == world.zhang.id_number and row["department"] == {"id": world.dept.id, "name": "信息科"}
    assert names(get(client, "/api/v1/persons", world.other_secret)) == ["孙外人"]
    assert names(get(client, "/api/v1/persons", world.base_secret)) == []


def test_person_filters(client, world):
    url = "/api/v1/persons?"
    assert names(get(client, url + "name=张", world.secret)) == ["张静"]
    assert names(get(client, url + f"id_number={world.li.id_number[:14]}", world.secret)) == ["李强"]
    assert names(get(client, url + f"department_id={world.dept.id}", world.secret)) == ["张静"]
    assert names(get(client, url + "title_series=卫生技术", world.secret)) == ["张静"]
    assert names(get(client, url + f"org_id={world.branch.id}", world.secret)) == ["王芳"]
    # another unit's org or department narrows to nothing instead of widening the scope
    assert names(get(client, url + f"org_id={world.other.id}", world.secret)) == []
    assert names(get(client, url + "name=孙", world.secret)) == []


def test_person_cursor_pages_through_all(client, world):
    seen, after = [], None
    while True:
        r = get(client, "/api/v1/persons?limit=2" + (f"&after={after}" if after else ""), world.secret)
        body = r.get_json()
        seen += [row["name"] for row in body["items"]]
        after = body["next_after"]
        if after is None:
            break
    assert seen == ["张静", "李强", "王芳"]


def test_bad_query_arguments_are_422_in_chinese(client, world):
    for query, field in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"),
                         ("after=-1", "after"), ("id_number=12a", "id_number"), ("department_id=99999999999", "department_id")):
        r = get(client, "/api/v1/persons?" + query, world.secret)
        assert r.status_code == 422, query
        body = r.get_json()
        assert body["code"] == "invalid" and field in body["errors"], (query, body)
        assert all("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][field][:1]), body


def test_one_person_and_another_units_person_is_404(client, world):
    r = get(client, f"/api/v1/persons/{world.wang.id}", world.secret)
    assert r.status_code == 200 and r.get_json()["org"]["id"] == world.branch.id
    for pid in (world.stranger.id, world.pending.id, 999999):
        r = get(client, f"/api/v1/persons/{pid}", world.secret)
        assert r.status_code == 404 and "不在本单位" in r.get_json()["message"]
        assert "孙外人" not in r.get_data(as_text=True)
    assert get(client, "/api/v1/persons/99999999999", world.secret).status_code == 404  # beyond INTEGER


def test_person_list_query_count_does_not_grow_with_rows(client, world):
    get(client, "/api/v1/persons", world.secret)
    with count_queries() as few:
        get(client, "/api/v1/persons", world.secret)
    many_people(world.employer, 40)
    with count_queries() as more:
        r = get(client, "/api/v1/persons?limit=100", world.secret)
    assert len(r.get_json()["items"]) == 43
    assert len(more) == len(few), (len(few), len(more))


def test_completion_list_and_person_year(client, world):
    r = get(client, "/api/v1/completion?year=2026", world.secret)
    assert r.status_code == 200
    rows = {row["name"]: row for row in r.get_json()["items"]}
    assert set(rows) == {"张静", "李强", "王芳"}
    assert rows["张静"]["met"] is False and rows["张静"]["missing"] == ["公需差 30 学时", "专业差 60 学时"]
    assert names_of(get(client, "/api/v1/completion?year=2026&q=李", world.secret)) == ["李强"]
    assert names_of(get(client, "/api/v1/completion?year=2026&met=true", world.secret)) == []
    r = get(client, f"/api/v1/completion/{world.zhang.id}?year=2026", world.secret)
    body = r.get_json()
    assert body["required_total"] == 90 and body["met"] is False
    assert [c["category"] for c in body["categories"]] == ["公需科目", "专业科目"]
    assert get(client, f"/api/v1/completion/{world.stranger.id}?year=2026", world.secret).status_code == 404
    assert get(client, "/api/v1/completion?year=1800", world.secret).status_code == 422


def names_of(response):
    return [row["name"] for row in response.get_json()["items"]]


def test_certificates_of_the_subtree_only(client, world):
    for person, number in ((world.zhang, "202637000001"), (world.stranger, "202637000002")):
        db.session.add(Certificate(person_id=person.id, year=2026, org_id=person.org_id, number=number,
                                   token=new_token(), issued_by="王管理"))
    db.session.commit()
    r = get(client, "/api/v1/certificates?year=2026", world.secret)
    items = r.get_json()["items"]
    assert [c["number"] for c in items] == ["202637000001"]
    assert items[0]["name"] == "张静" and items[0]["revoked"] is False and "/v/" in items[0]["verify_url"]
    assert [c["number"] for c in get(client, "/api/v1/certificates", world.other_secret).get_json()["items"]] == [
        "202637000002"]
    assert get(client, "/api/v1/certificates?year=2025", world.secret).get_json()["items"] == []
