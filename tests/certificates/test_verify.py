"""电子证书查验 /v/<token>: public, shows name, unit, year and hours only; revoked says so; unknown or malformed
is a plain 404; rate-limited per address."""
import pytest

from models import Certificate, db
from models.certificates import issue
from models.hours import approval

from ..conftest import throttle_count
from ..helpers import make_person
from .data import OPERATOR, meet


@pytest.fixture
def cert(tree):
    person = make_person(tree.employer, "欧阳明远")
    professional = meet(tree, tree.employer, [person])
    issue(2026, [person.id], "王管理")
    db.session.commit()
    c = Certificate.query.one()
    c.professional_records = professional
    return c


def test_a_valid_certificate_shows_name_unit_year_and_hours_only(client, cert):
    r = client.get(f"/v/{cert.token}")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "证书有效" in body and "欧阳明远" in body and "济南示范科技有限公司" in body and "2026年" in body
    assert "32 学时" in body and "64 学时" in body and "96 学时" in body
    person = cert.person
    for secret in (person.id_number, person.masked_id, person.id_number[-4:], cert.number, "工程技术", "中级"):
        assert secret not in body
    assert r.headers["Cache-Control"] == "no-store"


def test_a_revoked_certificate_says_so(client, cert):
    approval.delete_credits(cert.professional_records, OPERATOR, "重复申报")
    db.session.commit()
    body = client.get(f"/v/{cert.token}").get_data(as_text=True)
    assert "该证书已撤销" in body and "证书有效" not in body
    assert "不再达到年度学时要求" in body and "64 学时" not in body and "32 学时" not in body


def test_unknown_and_malformed_tokens_are_a_plain_404(client, cert):
    bodies = set()
    for token in ("A" * 22, cert.token[:-1] + ("A" if cert.token[-1] != "A" else "B"), "abc", "x" * 200,
                  "%27%20OR%201=1--", cert.number, cert.person.id_number):
        r = client.get(f"/v/{token}")
        assert r.status_code == 404, token
        bodies.add(r.get_data(as_text=True).replace(token, ""))
        assert "欧阳明远" not in r.get_data(as_text=True)
    assert len(bodies) == 1  # nothing tells a well-formed unknown token from a malformed one


def test_checks_are_rate_limited_per_address(app, client, cert, throttle_store):
    app.config["CERTIFICATE_CHECKS_PER_HOUR"] = 3
    assert client.get(f"/v/{cert.token}").status_code == 200
    assert client.get("/v/" + "B" * 22).status_code == 404  # a guess counts too
    assert client.get(f"/v/{cert.token}").status_code == 200
    r = client.get(f"/v/{cert.token}")
    assert r.status_code == 429 and "查验过于频繁" in r.get_data(as_text=True)
    assert "欧阳明远" not in r.get_data(as_text=True)
    other = client.get(f"/v/{cert.token}", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200  # another address has its own allowance
    assert throttle_count(throttle_store, "cert-check:") == 5
