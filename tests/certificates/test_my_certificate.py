"""个人自助 · 我的学时: completion per year (达标/未达标, what is missing) and 下载证书 of a met year."""
from models import AuditEntry, Certificate, db

from ..helpers import make_person
from .data import meet

URL = "/me/hours"
DOWNLOAD = "/me/hours/certificate"


def test_years_show_completion_and_what_is_missing(client, auth, tree):
    me = make_person(tree.employer, "李本人")
    meet(tree, tree.employer, [me], year=2025)
    meet(tree, tree.employer, [me], year=2026, public=24, professional=50)
    auth.login(me.account, user_type="person")
    body = client.get(URL, query_string={"year": "2026"}).get_data(as_text=True)
    table = body.split('id="year-completion"')[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    assert "2026年" in rows[0] and "未达标" in rows[0] and "下载证书" not in rows[0]
    assert "公需科目差 6 学时，专业科目差 10 学时，合计差 16 学时" in rows[0]
    assert "2025年" in rows[1] and "达标" in rows[1] and "下载证书" in rows[1]
    assert 'id="year-missing">公需科目差 6 学时' in body


def test_download_issues_once_and_sends_the_pdf(client, auth, tree):
    me = make_person(tree.employer, "李本人")
    meet(tree, tree.employer, [me], year=2025)
    auth.login(me.account, user_type="person")
    r = auth.post(DOWNLOAD, {"year": "2025"}, form_url=URL)
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.get_data()[:5] == b"%PDF-"
    cert = Certificate.query.one()
    assert (cert.person_id, cert.year, cert.issued_by) == (me.id, 2025, "李本人（本人）")
    assert cert.number.startswith("202501")
    assert AuditEntry.query.filter_by(entity="certificate", action="issue").count() == 1
    auth.post(DOWNLOAD, {"year": "2025"}, form_url=URL)
    db.session.expire_all()
    assert Certificate.query.one().number == cert.number
    assert f"编号 {cert.number}" in client.get(URL).get_data(as_text=True)


def test_no_certificate_for_a_year_not_met_or_a_bad_year(client, auth, tree):
    me = make_person(tree.employer, "李本人")
    meet(tree, tree.employer, [me], year=2026, professional=20)
    other = make_person(tree.employer, "王他人")
    meet(tree, tree.employer, [other], year=2025)
    auth.login(me.account, user_type="person")
    for year in ("2026", "2025", "abc", ""):  # 2025: another person's met year is not mine
        r = auth.post(DOWNLOAD, {"year": year}, form_url=URL, follow_redirects=True)
        assert r.status_code == 200 and "该年度未达到学时要求，暂无证书" in r.get_data(as_text=True)
    assert Certificate.query.count() == 0
    assert client.post(DOWNLOAD, data={"year": "2026"}).status_code == 400  # no CSRF token
