"""个人自助 · 我的学时 (completion per year: 达标/未达标, what is missing) and 我的证书 (下载证书 of a met year, the
one way a person gets a certificate; the state and verification link of each)."""
from models import AuditEntry, Certificate, db
from models.hours import approval

from ..helpers import make_person
from .data import OPERATOR, meet

URL = "/me/hours"
CERTS = "/me/certificates"
DOWNLOAD = "/me/certificates/download"


def test_years_show_completion_and_what_is_missing(client, auth, tree):
    me = make_person(tree.employer, "李本人")
    meet(tree, tree.employer, [me], year=2025)
    meet(tree, tree.employer, [me], year=2026, public=24, professional=50)
    auth.login(me.account, user_type="person")
    body = client.get(URL, query_string={"year": "2026"}).get_data(as_text=True)
    table = body.split('id="year-completion"')[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    assert "2026年" in rows[0] and "未达标" in rows[0] and CERTS not in rows[0]
    assert "公需科目差 6 学时，专业科目差 10 学时，合计差 16 学时" in rows[0]
    assert "2025年" in rows[1] and "达标" in rows[1] and f"{CERTS}#certificate-2025" in rows[1]
    assert 'id="year-missing">公需科目差 6 学时' in body


def test_download_issues_once_and_sends_the_pdf(client, auth, tree):
    me = make_person(tree.employer, "李本人")
    meet(tree, tree.employer, [me], year=2025)
    auth.login(me.account, user_type="person")
    page = client.get(CERTS).get_data(as_text=True)
    assert "未生成" in page and "下载证书" in page and "/v/" not in page
    r = auth.post(DOWNLOAD, {"year": "2025"}, form_url=CERTS)
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.get_data()[:5] == b"%PDF-"
    cert = Certificate.query.one()
    assert (cert.person_id, cert.year, cert.issued_by) == (me.id, 2025, "李本人（本人）")
    assert cert.number.startswith("202501")
    assert AuditEntry.query.filter_by(entity="certificate", action="issue").count() == 1
    assert AuditEntry.query.filter_by(entity="certificate", action="print").count() == 1
    auth.post(DOWNLOAD, {"year": "2025"}, form_url=CERTS)
    db.session.expire_all()
    assert Certificate.query.one().number == cert.number
    assert f"编号 {cert.number}" in client.get(URL).get_data(as_text=True)
    row = client.get(CERTS).get_data(as_text=True).split('id="certificate-2025"')[1].split("</tr>")[0]
    assert cert.number in row and "有效" in row and f"/v/{cert.token}" in row


def test_a_revoked_certificate_says_why_and_cannot_be_downloaded(client, auth, tree):
    me = make_person(tree.employer, "李本人")
    professional = meet(tree, tree.employer, [me], year=2025)
    auth.login(me.account, user_type="person")
    auth.post(DOWNLOAD, {"year": "2025"}, form_url=CERTS)
    approval.delete_credits(professional, OPERATOR, "重复申报")
    db.session.commit()
    row = client.get(CERTS).get_data(as_text=True).split('id="certificate-2025"')[1].split("</tr>")[0]
    assert "已撤销" in row and "不再达到年度学时要求" in row and "下载证书" not in row
    r = auth.post(DOWNLOAD, {"year": "2025"}, form_url=CERTS, follow_redirects=True)
    assert r.mimetype == "text/html" and "该年度未达到学时要求，暂无证书" in r.get_data(as_text=True)


def test_no_certificate_for_a_year_not_met_or_a_bad_year(client, auth, tree):
    me = make_person(tree.employer, "李本人")
    meet(tree, tree.employer, [me], year=2026, professional=20)
    other = make_person(tree.employer, "王他人")
    meet(tree, tree.employer, [other], year=2025)
    auth.login(me.account, user_type="person")
    row = client.get(CERTS).get_data(as_text=True).split('id="certificate-2026"')[1].split("</tr>")[0]
    assert "未达标" in row and "下载证书" not in row
    for year in ("2026", "2025", "abc", "", "99999999999"):  # 2025: another person's met year is not mine
        r = auth.post(DOWNLOAD, {"year": year}, form_url=CERTS, follow_redirects=True)
        assert r.status_code == 200 and "该年度未达到学时要求，暂无证书" in r.get_data(as_text=True)
    assert Certificate.query.count() == 0
    assert AuditEntry.query.filter_by(entity="certificate").count() == 0
    assert client.post(DOWNLOAD, data={"year": "2026"}).status_code == 400  # no CSRF token
    assert client.get(DOWNLOAD).status_code == 405  # nothing is issued on a GET
