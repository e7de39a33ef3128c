"""个人中心 (F33) over HTTP: one menu on every page, the home page's summary, constant queries per page, every
action audited under the person, nobody else's rows, and a reset password that must be replaced before anything
else opens (every route of the app walked)."""
import re

import pytest
from sqlalchemy import select

from models import Account, AuditEntry, ChangeRequest, CreditRecord, Transfer, db
from models.hours import approval

from ..certificates.data import OPERATOR, meet
from ..helpers import audit_count, csrf_token, make_person
from ..hours.test_declare import catalogue, post  # noqa: F401 - catalogue is a fixture
from ..hours.test_me_hours import conference
from ..querycount import count_queries
from ..test_change_review import form_values

PAGES = {"/me/": "个人信息", "/me/change": "信息变更", "/me/hours/declare": "学时申报", "/me/hours": "我的学时",
         "/me/certificates": "我的证书", "/me/transfer": "调转申请", "/password": "修改密码"}
MENU = ("个人信息", "信息变更", "学时申报", "我的学时", "我的证书", "调转申请", "修改密码", "退出登录")
TEMPORARY = "Temp12345"
NEW = "Neues2026pw"


@pytest.fixture
def me(unit, catalogue, client, auth):
    person = make_person(unit.employer, "李本人")
    auth.login(person.account, user_type="person")
    return person


def menu_of(html):
    return html.split('id="portal-navbar"')[1].split("</nav>")[0]


def test_every_page_has_the_one_menu_with_its_entry_active(client, me):
    for url, entry in PAGES.items():
        html = client.get(url).get_data(as_text=True)
        nav = menu_of(html)
        assert all(label in nav for label in MENU), url
        active = re.findall(r'<li class="nav-item active">\s*<a[^>]*>.*?</a>', nav, re.S)
        assert len(active) == 1 and entry in active[0], (url, active)
        assert 'class="navbar-toggler"' in nav and "navbar-expand-lg" in html  # collapses on a phone
        # The admin's own Bootstrap 4 (Flask-Admin's static) and nothing from another host.
        assert "/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css" in html
        assert not re.search(r'(src|href)="(https?:)?//', html.replace(f'href="http://localhost/v/', "")), url


def test_a_record_page_marks_my_hours(client, me):
    post(client, conference(), url="/me/hours/declare")
    record = CreditRecord.query.one()
    nav = menu_of(client.get(f"/me/hours/{record.id}").get_data(as_text=True))
    assert re.search(r'nav-item active">\s*<a[^>]*>.*?我的学时', nav, re.S)


def test_home_summarises_progress_pending_requests_transfer_and_latest(client, auth, unit, me):
    html = client.get("/me/").get_data(as_text=True)
    assert "账号正常" in html and unit.employer.name in html and 'style="width: 0%"' in html
    assert "没有待审核的修改申请" in html and "没有进行中的调转" in html and "暂无学时记录" in html

    meet(unit, unit.employer, [me], year=2026, public=30, professional=15)  # 45 of 90: half way
    post(client, conference(title="本人申报的学术会议"), url="/me/hours/declare")
    auth.post("/me/change", form_values(client.get("/me/change").get_data(as_text=True), education="博士研究生"))
    auth.post("/me/transfer", {"to_org_id": str(unit.other.id), "reason": "家庭原因", "transfer_date": "2026-12-01"})
    html = client.get("/me/").get_data(as_text=True)
    progress = html.split('id="me-progress"')[1].split('id="me-pending-change"')[0]
    assert 'style="width: 50%"' in progress and "已认定 45 学时" in progress and "未达标" in progress
    assert "专业科目差 45 学时" in progress
    change = html.split('id="me-pending-change"')[1].split('id="me-pending-transfer"')[0]
    assert "待审核" in change and "学历：" in change and "博士研究生" in change
    transfer = html.split('id="me-pending-transfer"')[1].split('id="me-latest"')[0]
    assert "待调出审核" in transfer and unit.other.name in transfer
    latest = html.split('id="me-latest"')[1]
    assert "本人申报的学术会议" in latest and "待审核" in latest and "已通过" in latest


def test_pages_run_the_same_queries_for_one_record_or_many(client, unit, me):
    def queries(url):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    urls = ("/me/", "/me/hours?year=2026", "/me/certificates", "/me/change", "/me/transfer")
    meet(unit, unit.employer, [me], year=2026)
    few = {url: queries(url) for url in urls}
    for _ in range(4):
        meet(unit, unit.employer, [me], year=2026)
        post(client, conference(), url="/me/hours/declare")
    assert {url: queries(url) for url in urls} == few


def test_everything_a_person_does_is_audited_as_that_person(client, auth, unit, me):
    def entries_since(n):
        return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(n)).all()

    steps = []
    n = audit_count()
    auth.post("/me/change", form_values(client.get("/me/change").get_data(as_text=True), education="博士研究生"))
    steps.append(("change_request", entries_since(n)))
    n = audit_count()
    post(client, conference(), url="/me/hours/declare")
    steps.append(("credit_declaration", entries_since(n)))
    n = audit_count()
    auth.post("/me/transfer", {"to_org_id": str(unit.other.id), "reason": "家庭原因", "transfer_date": "2026-12-01"})
    steps.append(("transfer", entries_since(n)))
    transfer = Transfer.query.one()
    n = audit_count()
    auth.post(f"/me/transfer/{transfer.id}/cancel", form_url="/me/transfer")
    steps.append(("transfer", entries_since(n)))
    meet(unit, unit.employer, [me], year=2025)
    n = audit_count()
    auth.post("/me/certificates/download", {"year": "2025"}, form_url="/me/certificates")
    steps.append(("certificate", entries_since(n)))
    n = audit_count()
    auth.post("/password", {"current_password": "Passw0rd1", "new_password": NEW, "confirm": NEW})
    steps.append(("account", entries_since(n)))
    for entity, entries in steps:
        assert entity in {e.entity for e in entries}, (entity, [(e.entity, e.action) for e in entries])
        assert {(e.actor_id, e.actor_name) for e in entries} == {(me.account_id, "李本人")}, entity
        assert len({e.request_id for e in entries}) == 1, entity  # one request, one transaction


def test_nobody_elses_rows(client, auth, unit, me):
    other = make_person(unit.employer, "王他人")
    meet(unit, unit.employer, [other], year=2025)
    theirs = CreditRecord.query.filter_by(person_id=other.id).first()
    assert client.get(f"/me/hours/{theirs.id}").status_code == 404
    assert client.get("/me/hours/999999999").status_code == 404
    page = client.get("/me/certificates").get_data(as_text=True)
    assert "2025年" not in page and "暂无证书" in page  # their met year is not in my list
    html = client.get("/me/hours?year=2025").get_data(as_text=True)  # not one of my years: this year's page
    assert f"/me/hours/{theirs.id}" not in html and '<option value="2025">' not in html


# -- a reset password: nothing opens until it is replaced ------------------------------------------------
def reset(person):
    account = db.session.get(Account, person.account_id)
    account.set_password(TEMPORARY, temporary=True)
    db.session.commit()


def every_url(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "admin.static", "auth.change_password", "auth.logout"):
            continue
        if rule.rule.startswith("/api/"):
            continue  # the REST API reads no session: a bearer token, never the browser's login (tests/api)
        args = {name: (999999 if "int" in type(rule._converters[name]).__name__.lower() else "x")
                for name in rule.arguments}
        yield rule, rule.build(args, append_unknown=False)[1]


@pytest.mark.parametrize("who", ["person", "admin"])
def test_a_reset_password_closes_every_route_but_the_change_and_logout(app, client, auth, unit, catalogue, who):
    if who == "person":
        account = make_person(unit.employer, "李本人")
        reset(account)
        auth.login(account.account, TEMPORARY, user_type="person")
    else:
        reset_admin = db.session.get(Account, unit.admin.id)
        reset_admin.set_password(TEMPORARY, temporary=True)
        db.session.commit()
        auth.login(unit.admin, TEMPORARY)
    page = client.get("/password")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "请先" in html
    if who == "person":  # the portal menu offers only what opens
        nav = menu_of(html)
        assert "修改密码" in nav and "退出登录" in nav and "我的学时" not in nav and "返回</a>" not in html
    token = csrf_token(html)
    walked = 0
    for rule, url in every_url(app):
        if "GET" in rule.methods:
            r = client.get(url)
            assert r.status_code == 302 and r.headers["Location"].endswith("/password"), (url, r.status_code)
            walked += 1
        if "POST" in rule.methods:
            before = audit_count()
            r = client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token})
            assert r.status_code == 302 and r.headers["Location"].endswith("/password"), (url, r.status_code)
            assert audit_count() == before, url
    assert walked > 100  # the admin's pages and the JSON endpoints (schema, targets.json, chart data) included
    for url in ("/me/hours/schema?category=专业科目", "/me/transfer/targets.json?q=济南", "/admin/"):
        assert client.get(url).headers["Location"].endswith("/password"), url


def test_the_new_password_follows_the_rules_next_to_the_field(client, auth, unit, catalogue):
    person = make_person(unit.employer, "李本人")
    reset(person)
    auth.login(person.account, TEMPORARY, user_type="person")
    for new, confirm, message in (("short1", "short1", "密码至少8位"), ("abcdefgh", "abcdefgh", "密码须同时包含字母和数字"),
                                  (TEMPORARY, TEMPORARY, "新密码不能与原密码相同"), (NEW, NEW + "x", "两次输入的新密码不一致")):
        before = audit_count()
        r = auth.post("/password", {"current_password": TEMPORARY, "new_password": new, "confirm": confirm})
        html = r.get_data(as_text=True)
        field = "confirm" if "不一致" in message else "new_password"
        assert r.status_code == 200 and re.search(
            rf'name="{field}"[^>]*>\s*<div class="invalid-feedback field-error">{message}</div>', html), message
        assert db.session.get(Account, person.account_id).must_change_password and audit_count() == before
    r = auth.post("/password", {"current_password": TEMPORARY, "new_password": NEW, "confirm": NEW})
    assert r.status_code == 302 and r.headers["Location"].endswith("/me/")
    account = db.session.get(Account, person.account_id)
    assert not account.must_change_password and account.last_login_at is not None
    assert client.get("/me/hours").status_code == 200
    assert AuditEntry.query.filter_by(entity="account", action="password").count() == 1


def test_logout_still_works_while_the_change_is_forced(client, auth, unit, catalogue):
    person = make_person(unit.employer, "李本人")
    reset(person)
    auth.login(person.account, TEMPORARY, user_type="person")
    token = csrf_token(client.get("/password").get_data(as_text=True))
    r = client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    r = client.get("/me/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert db.session.get(Account, person.account_id).must_change_password  # still to be replaced next time
