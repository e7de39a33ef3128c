"""电子证书查询打印 (admin_views/stats/certificates.py): who is listed (independent SQL), scoping through the
unit picker, filters and bad input, printing selected / all matching (numbers issued, audited), the job above
SYNC_CERTIFICATES, rights, and a constant number of queries per page."""
import re

import pytest
from sqlalchemy import text

from admin_views.stats import certificates as page
from models import AuditEntry, Certificate, Job, db
from models.certificates import issue

from ..helpers import make_account, make_admin, make_person, make_role
from ..querycount import count_queries
from .data import meet

URL = "/admin/stats/certificates/"
PRINT = "/admin/stats/certificates/print"


@pytest.fixture
def people(tree):
    """济南示范 (2 met, 1 short), its branch (1 met), the Qingdao unit (1 met): 2026."""
    p = type("People", (), {})()
    p.a, p.b = make_person(tree.employer, "甲一"), make_person(tree.employer, "乙二")
    p.short = make_person(tree.employer, "丙三")
    p.branch = make_person(tree.branch, "丁四")
    p.qd = make_person(tree.qingdao, "青岛人")
    meet(tree, tree.employer, [p.a, p.b])
    meet(tree, tree.employer, [p.short], professional=50)
    meet(tree, tree.branch, [p.branch])
    meet(tree, tree.qingdao, [p.qd])
    return p


def expected_names(org_id, year=2026):
    """Met, approved persons of ``org_id``'s subtree: straight SQL over person_year_hours and org_closure."""
    return sorted(db.session.execute(text(
        "SELECT p.name FROM person_year_hours h JOIN person p ON p.id = h.person_id "
        "WHERE h.year = :y AND h.met AND p.status = 'approved' AND h.org_id IN "
        "(SELECT descendant_id FROM org_closure WHERE ancestor_id = :o)"), {"y": year, "o": org_id}).scalars())


def listed(response):
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    table = body.split('id="certificate-list"')[1].split("</table>")[0]
    return sorted(re.findall(r'aria-label="选择 ([^"]+)"', table))


def test_the_page_lists_the_met_persons_of_the_subtree(client, auth, tree, people):
    auth.login(tree.admin)
    r = client.get(URL)
    assert listed(r) == expected_names(tree.employer.id) == sorted(["甲一", "乙二", "丁四"])
    body = r.get_data(as_text=True)
    assert "青岛" not in body.split('id="certificate-list"')[1] and "丙三" not in body
    assert "达到学时要求：<strong>3</strong> 人" in body
    assert listed(client.get(URL, query_string={"org": tree.branch.id})) == ["丁四"]


def test_another_units_org_falls_back_with_a_message(client, auth, tree, people):
    auth.login(tree.admin)
    r = client.get(URL, query_string={"org": tree.qingdao.id})
    assert listed(r) == sorted(["甲一", "乙二", "丁四"])
    assert "所选单位不存在或不在您的管理范围内" in r.get_data(as_text=True)
    for bad in ("abc", "-1", "99999999999999999"):
        assert "青岛人" not in client.get(URL, query_string={"org": bad}).get_data(as_text=True)


def test_the_operator_sees_the_province_and_picks_any_unit(client, auth, tree, people):
    auth.login(make_account("客服小周", is_operator=True), user_type="operator")
    assert listed(client.get(URL)) == sorted(["甲一", "乙二", "丁四", "青岛人"])
    assert listed(client.get(URL, query_string={"org": tree.qingdao.id})) == ["青岛人"]


def test_filters_and_bad_values(client, auth, tree, people):
    auth.login(tree.admin)
    assert listed(client.get(URL, query_string={"q": "甲"})) == ["甲一"]
    r = client.get(URL, query_string={"q": people.b.id_number[:10]})
    assert listed(r) == ["乙二"]
    html = r.get_data(as_text=True)  # found by the full prefix typed, shown masked as on every list
    assert people.b.id_number not in html and people.b.masked_id in html
    assert listed(client.get(URL, query_string={"q": "%"})) == []
    assert listed(client.get(URL, query_string={"year": "2025"})) == []
    issue(2026, [people.a.id], "王管理")
    db.session.commit()
    assert listed(client.get(URL, query_string={"status": "issued"})) == ["甲一"]
    assert listed(client.get(URL, query_string={"status": "none"})) == sorted(["乙二", "丁四"])
    for args, message in (({"year": "1999"}, page.BAD_YEAR), ({"year": "二〇二六"}, page.BAD_YEAR),
                          ({"status": "revoked!"}, page.BAD_STATUS), ({"page": "-3"}, None)):
        r = client.get(URL, query_string=args)
        assert r.status_code == 200
        if message:
            assert message in r.get_data(as_text=True)


def test_print_selected_issues_numbers_and_sends_one_pdf(client, auth, tree, people):
    auth.login(tree.admin)
    r = auth.post(PRINT, {"rowid": [str(people.a.id), str(people.branch.id)]}, form_url=URL)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.get_data()[:5] == b"%PDF-" and "filename*=UTF-8''2026" in r.headers["Content-Disposition"]
    assert {c.person_id for c in Certificate.query.all()} == {people.a.id, people.branch.id}
    assert AuditEntry.query.filter_by(entity="certificate", action="issue").count() == 2
    entry = AuditEntry.query.filter_by(entity="certificate", action="print").one()
    assert entry.changes["certificates"] == 2 and entry.actor_name == "王管理"
    numbers = {c.person_id: c.number for c in Certificate.query.all()}
    auth.post(PRINT, {"rowid": [str(people.a.id)]}, form_url=URL)  # a reprint keeps the number
    db.session.expire_all()
    assert {c.person_id: c.number for c in Certificate.query.all()} == numbers


def test_posted_rows_of_another_unit_or_not_met_are_left_out(client, auth, tree, people):
    auth.login(tree.admin)
    r = auth.post(PRINT, {"rowid": [str(people.qd.id), str(people.short.id), "x", "-1"]},
                  form_url=URL, follow_redirects=True)
    assert page.NOTHING in r.get_data(as_text=True)
    assert Certificate.query.count() == 0 and AuditEntry.query.filter_by(entity="certificate").count() == 0
    r = auth.post(PRINT, {"rowid": [str(people.qd.id), str(people.a.id)]}, form_url=URL)
    assert r.mimetype == "application/pdf"
    assert [c.person_id for c in Certificate.query.all()] == [people.a.id]
    r = client.get(URL)
    assert "有 1 人不在您的管理范围内或未达到年度学时要求" in r.get_data(as_text=True)


def test_print_all_matching_follows_the_filters(client, auth, tree, people):
    auth.login(tree.admin)
    r = auth.post(f"{PRINT}?year=2026&org={tree.branch.id}", {"all": "1"}, form_url=URL)
    assert r.mimetype == "application/pdf"
    assert [c.person_id for c in Certificate.query.all()] == [people.branch.id]
    r = auth.post(f"{PRINT}?year=2026&q=甲", {"all": "1"}, form_url=URL)
    assert {c.person_id for c in Certificate.query.all()} == {people.branch.id, people.a.id}
    r = auth.post(f"{PRINT}?org={tree.qingdao.id}", {"all": "1"}, form_url=URL)
    # another unit's org: the actor's own subtree instead, never Qingdao
    assert people.qd.id not in {c.person_id for c in Certificate.query.all()}
    assert len(Certificate.query.all()) == 3


def test_above_the_limit_a_job_prints_them(client, auth, tree, people, monkeypatch):
    assert page.SYNC_CERTIFICATES == 200
    monkeypatch.setattr(page, "SYNC_CERTIFICATES", 2)
    monkeypatch.setattr(page, "RENDER_CHUNK", 2)  # several layout chunks, joined into one PDF
    auth.login(tree.admin)
    r = auth.post(PRINT, {"all": "1"}, form_url=URL)
    assert r.status_code == 302 and "/admin/jobs/" in r.headers["Location"]
    job = Job.query.one()
    assert job.kind == "certificates" and job.status == "done", job.message
    assert job.total == 3 and job.message == "已生成 3 张证书"
    assert {c.person_id for c in Certificate.query.all()} == {people.a.id, people.b.id, people.branch.id}
    status = client.get(r.headers["Location"])
    assert status.status_code == 200 and "已生成 3 张证书" in status.get_data(as_text=True)
    from models.jobs import result_path

    pdf = result_path(job).read_bytes()
    assert pdf[:5] == b"%PDF-" and _pages(pdf) == 3


def _pages(pdf: bytes) -> int:
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_rights(client, auth, tree, people):
    assert client.get(URL).status_code == 302  # to the login
    clerk = make_admin(tree.employer, "无权限", is_super=False, role=make_role(tree.employer, "查询员", ["stats.completion"]))
    auth.login(clerk)
    assert client.get(URL).status_code == 403
    page_html = client.get("/admin/")
    from ..helpers import csrf_token

    r = client.post(PRINT, data={"all": "1", "csrf_token": csrf_token(page_html.get_data(as_text=True))})
    assert r.status_code == 403 and Certificate.query.count() == 0


def test_a_post_without_csrf_is_refused(client, auth, tree, people):
    auth.login(tree.admin)
    r = client.post(PRINT, data={"all": "1"})
    assert r.status_code == 400 and Certificate.query.count() == 0


def test_the_page_runs_the_same_queries_for_3_or_23_rows(client, auth, tree, people):
    auth.login(tree.admin)
    client.get(URL)
    with count_queries() as few:
        client.get(URL)
    meet(tree, tree.employer, [make_person(tree.employer, f"新{i}") for i in range(20)])
    issue(2026, [people.a.id], "王管理")
    db.session.commit()
    with count_queries() as many:
        r = client.get(URL)
    assert len(listed(r)) == 20
    assert len(many) == len(few)
