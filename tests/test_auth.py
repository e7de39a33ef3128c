"""F3–F6: login by user type with every message, org picker, password change, forgot password, logout."""
import re

from sqlalchemy import func, select

from models import Account, AuditEntry, OutboxMail, db

from .helpers import PASSWORD, make_admin, make_org, make_person


def login_error(response):
    text = response.get_data(as_text=True)
    match = re.search(r'id="login-error">([^<]+)<', text)
    return match.group(1) if match else None


def test_wrong_password_and_unknown_account_get_one_message(auth, unit):
    assert login_error(auth.login(unit.admin, "Wrong1234")) == login_error(auth.login("370102197501011239"))
    assert "账号或密码错误" in login_error(auth.login(unit.admin, "Wrong1234"))


def test_bad_id_format_is_shown_next_to_the_field(auth, unit):
    text = auth.login("12345").get_data(as_text=True)
    assert "身份证号应为18位" in text and "is-invalid" in text


def test_lock_after_five_failures(auth, unit):
    for _ in range(4):
        assert "账号或密码错误" in login_error(auth.login(unit.admin, "Wrong1234"))
    assert "锁定" in login_error(auth.login(unit.admin, "Wrong1234"))
    assert "锁定" in login_error(auth.login(unit.admin, PASSWORD)), "even the right password is refused while locked"
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "lock")) == 1


def test_pending_person_is_told_to_ask_the_unit(auth, unit):
    person = make_person(unit.employer, status="pending")
    assert "此账号还未被审核" in login_error(auth.login(person.account, user_type="person"))


def test_rejected_person_sees_the_reason(auth, unit):
    person = make_person(unit.employer, status="rejected", reject_reason="职称信息与证书不符")
    message = login_error(auth.login(person.account, user_type="person"))
    assert "已被驳回" in message and "职称信息与证书不符" in message


def test_disabled_person_and_disabled_unit(auth, unit):
    person = make_person(unit.employer, status="disabled")
    assert "已停用" in login_error(auth.login(person.account, user_type="person"))
    ok = make_person(unit.branch)
    unit.branch.status = "disabled"
    db.session.commit()
    assert "单位已停用" in login_error(auth.login(ok.account, user_type="person"))


def test_pending_and_rejected_unit_admins(auth, unit):
    pending = make_org("待审核单位", parent=unit.city, status="pending")
    admin = make_admin(pending)
    assert "此账号还未被审核" in login_error(auth.login(admin))
    pending.status, pending.reject_reason = "rejected", "营业执照模糊"
    db.session.commit()
    assert "营业执照模糊" in login_error(auth.login(admin))


def test_wrong_user_type(auth, unit):
    assert "不是主管部门管理员" in login_error(auth.login(unit.admin, user_type="supervisor"))
    assert "不是专业技术人员" in login_error(auth.login(unit.admin, user_type="person"))
    assert "不是平台运维" in login_error(auth.login(unit.admin, user_type="operator"))


def test_person_lands_on_portal(auth, client, unit):
    person = make_person(unit.employer, "刘专技")
    r = auth.login(person.account, user_type="person")
    assert r.headers["Location"].endswith("/me/")
    assert "刘专技" in client.get("/me/").get_data(as_text=True)
    assert client.get("/admin/").status_code in (302, 403)


def test_multi_org_admin_picks_and_switches(auth, client, unit):
    make_admin(unit.branch, account=unit.admin, is_super=True)
    r = auth.login(unit.admin)
    assert "/choose-org" in r.headers["Location"]
    page = client.get("/choose-org")
    assert unit.branch.name in page.get_data(as_text=True)
    r = auth.post("/choose-org", {"org_id": unit.branch.id})
    assert r.status_code == 302
    assert unit.branch.name in client.get("/admin/").get_data(as_text=True)
    r = auth.post("/choose-org", {"org_id": unit.other.id}, form_url="/choose-org")
    assert r.status_code == 200 and "Not a valid choice" not in r.get_data(as_text=True)
    assert unit.branch.name in client.get("/admin/").get_data(as_text=True)


def test_change_password(auth, client, unit):
    auth.login(unit.admin)
    r = auth.post("/password", {"current_password": "Wrong1234", "new_password": "Newpass123", "confirm": "Newpass123"})
    assert "原密码不正确" in r.get_data(as_text=True)
    r = auth.post("/password", {"current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert "密码至少8位" in r.get_data(as_text=True)
    r = auth.post("/password", {"current_password": PASSWORD, "new_password": "Newpass123", "confirm": "Other1234"})
    assert "两次输入的新密码不一致" in r.get_data(as_text=True)
    r = auth.post("/password", {"current_password": PASSWORD, "new_password": "Newpass123", "confirm": "Newpass123"})
    assert r.status_code == 302
    assert client.get("/admin/").status_code == 200, "the session that changed the password stays logged in"
    auth.logout()
    assert "账号或密码错误" in login_error(auth.login(unit.admin, PASSWORD))
    assert auth.login(unit.admin, "Newpass123").status_code == 302


def test_password_change_ends_other_sessions(app, unit):
    first, second = app.test_client(), app.test_client()
    from .conftest import Auth

    Auth(first).login(unit.admin)
    Auth(second).login(unit.admin)
    Auth(first).post("/password", {"current_password": PASSWORD, "new_password": "Newpass123",
                                   "confirm": "Newpass123"})
    assert first.get("/admin/").status_code == 200
    assert second.get("/admin/").status_code == 302


def test_logout_needs_post_and_clears_session(auth, client, unit):
    auth.login(unit.admin)
    assert client.get("/logout").status_code == 405
    r = auth.logout()
    assert r.headers["Location"].endswith("/login")
    assert client.get("/admin/").status_code == 302


def test_post_without_csrf_token_is_refused(client, unit):
    r = client.post("/login", data={"user_type": "employer", "id_number": unit.admin.id_number, "password": PASSWORD})
    assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True)


def test_temporary_password_forces_a_new_one(auth, client, unit):
    account = db.session.get(Account, unit.admin.id)
    account.set_password("Temp12345", temporary=True)
    db.session.commit()
    auth.login(unit.admin, "Temp12345")
    assert client.get("/admin/").headers["Location"].endswith("/password")


def latest_code():
    mail = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc())).first()
    return mail, re.search(r"验证码为 (\d{6})", mail.body).group(1) if mail else None


def test_forgot_password_by_email_then_reset(auth, client, unit):
    account = db.session.get(Account, unit.admin.id)
    r = auth.post("/forgot-password", {"id_number": account.id_number, "contact": account.email.upper()})
    assert r.status_code == 302 and "/reset-password" in r.headers["Location"]
    mail, code = latest_code()
    assert mail.to_addr == account.email
    r = auth.post("/reset-password", {"id_number": account.id_number, "code": code, "new_password": "Reset1234",
                                      "confirm": "Reset1234"})
    assert r.status_code == 302
    assert auth.login(account, "Reset1234").status_code == 302
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "reset_password")) == 1


def test_forgot_password_by_phone_and_mismatch_says_the_same(auth, client, unit):
    account = db.session.get(Account, unit.admin.id)
    ok = auth.post("/forgot-password", {"id_number": account.id_number, "contact": account.phone}, follow_redirects=True)
    bad = auth.post("/forgot-password", {"id_number": account.id_number, "contact": "nobody@example.cn"},
                    follow_redirects=True)
    unknown = auth.post("/forgot-password", {"id_number": "370102197501011239", "contact": "x@example.cn"},
                        follow_redirects=True)
    texts = [r.get_data(as_text=True) for r in (ok, bad, unknown)]
    assert all("如果您填写的信息与注册信息一致" in t for t in texts)
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 1


def test_wrong_reset_code_changes_nothing(auth, unit):
    account = db.session.get(Account, unit.admin.id)
    before = account.password_hash
    auth.post("/forgot-password", {"id_number": account.id_number, "contact": account.email})
    r = auth.post("/reset-password", {"id_number": account.id_number, "code": "999999x"[:6],
                                      "new_password": "Reset1234", "confirm": "Reset1234"})
    _, code = latest_code()
    if code != "999999":
        assert "验证码错误或已过期" in r.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(Account, account.id).password_hash == before


def test_forgot_password_is_rate_limited(auth, unit):
    account = db.session.get(Account, unit.admin.id)
    for _ in range(3):
        assert auth.post("/forgot-password", {"id_number": account.id_number, "contact": account.email}).status_code == 302
    r = auth.post("/forgot-password", {"id_number": account.id_number, "contact": account.email})
    assert r.status_code == 429 and "操作过于频繁" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 3


def test_error_pages_are_chinese(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "页面不存在" in r.get_data(as_text=True)


def test_server_error_page_shows_no_stack_trace(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    r = client.get("/boom")
    text = r.get_data(as_text=True)
    assert r.status_code == 500 and "系统错误" in text
    assert "secret internals" not in text and "Traceback" not in text


def test_removed_membership_ends_admin_access_at_the_next_click(auth, client, unit):
    from models import AdminMembership

    auth.login(unit.admin)
    assert client.get("/admin/").status_code == 200
    db.session.execute(AdminMembership.__table__.delete().where(AdminMembership.account_id == unit.admin.id))
    db.session.commit()
    r = client.get("/admin/departments/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert "管理权限已变更" in client.get("/login").get_data(as_text=True)


def test_person_cannot_open_admin_pages(auth, client, unit):
    person = make_person(unit.employer, "刘专技")
    auth.login(person.account, user_type="person")
    assert client.get("/admin/departments/").status_code == 403


def test_disabling_the_unit_closes_an_open_staff_portal(auth, client, unit):
    person = make_person(unit.employer, "刘专技")
    auth.login(person.account, user_type="person")
    assert client.get("/me/").status_code == 200
    unit.employer.status = "disabled"
    db.session.commit()
    assert client.get("/me/").status_code == 403


# -- the lock-counting check behind every password field ------------------------------------------------
def test_unknown_id_spends_the_same_hash_work(app, auth, unit, monkeypatch):
    from models import account as account_module

    hashes = []
    real = account_module.check_password_hash
    monkeypatch.setattr(account_module, "check_password_hash", lambda h, p: hashes.append(h) or real(h, p))
    auth.login("370102197501011239", "Wrong1234")
    auth.login(unit.admin, "Wrong1234")
    assert len(hashes) == 2, "an unknown ID costs one hash check, like a wrong password"
    method = app.config["PASSWORD_HASH_METHOD"]
    assert hashes[0].startswith(method + "$") and hashes[1].startswith(method + "$")


def test_wrong_current_passwords_lock_the_account_and_end_the_session(auth, client, unit):
    auth.login(unit.admin)
    for _ in range(4):
        r = auth.post("/password", {"current_password": "Wrong1234", "new_password": "Newpass123",
                                    "confirm": "Newpass123"})
        assert "原密码不正确" in r.get_data(as_text=True)
    r = auth.post("/password", {"current_password": "Wrong1234", "new_password": "Newpass123", "confirm": "Newpass123"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert "锁定" in client.get("/login").get_data(as_text=True)
    assert client.get("/admin/").status_code == 302, "the session that guessed is over"
    db.session.expire_all()
    assert db.session.get(Account, unit.admin.id).is_locked
    assert "锁定" in login_error(auth.login(unit.admin, PASSWORD))


def test_admins_change_the_password_inside_the_admin_layout(auth, client, unit):
    auth.login(unit.admin)
    page = client.get("/password").get_data(as_text=True)
    assert 'id="change-password"' in page and "账户管理" in page and 'class="portal"' not in page


def test_staff_change_the_password_inside_the_portal(auth, client, unit):
    person = make_person(unit.employer, "刘专技")
    auth.login(person.account, user_type="person")
    page = client.get("/password").get_data(as_text=True)
    assert 'id="change-password"' in page and 'class="portal"' in page and "账户管理" not in page


def test_reset_page_url_carries_no_id_number(auth, client, unit):
    account = db.session.get(Account, unit.admin.id)
    unknown = "370102197501011239"
    for id_number in (account.id_number, unknown):
        r = auth.post("/forgot-password", {"id_number": id_number, "contact": "x@example.cn"})
        location = r.headers["Location"]
        assert "/reset-password?t=" in location and id_number not in location
        page = client.get(location).get_data(as_text=True)
        assert f'value="{id_number}"' in page, "the form is filled in from the token"
    assert 'value="370102' not in client.get("/reset-password?t=forged").get_data(as_text=True)


def test_initial_password_is_not_called_a_reset(auth, client, unit):
    from models.unit_admin import register_admin_account

    new = register_admin_account(unit.employer, id_number="370102197501011239", name="新管理", password="Init12345",
                                 phone="13900000001", email="new@example.cn", role=None, granter_codes=[])
    db.session.commit()
    auth.login(new.account, "Init12345")
    page = client.get("/password").get_data(as_text=True)
    assert "您的初始密码由单位管理员设置，请先修改密码" in page and "重置" not in page
    auth.post("/logout", form_url="/password")
    auth.login(new.account, "Init12345")
    assert "初始密码" in client.get("/password").get_data(as_text=True), "still initial until it is changed"


def test_a_reset_password_says_so(auth, client, unit):
    auth.login(unit.admin)
    auth.logout()
    account = db.session.get(Account, unit.admin.id)
    account.set_password("Temp12345", temporary=True)
    db.session.commit()
    auth.login(unit.admin, "Temp12345")
    page = client.get("/password").get_data(as_text=True)
    assert "您的密码已被管理员重置" in page and "初始密码" not in page


def test_rejection_advice_is_not_repeated(auth, unit):
    from demo.orgs import REJECTED_PERSON_REASON

    said = make_person(unit.employer, status="rejected", reject_reason=REJECTED_PERSON_REASON)
    message = login_error(auth.login(said.account, user_type="person"))
    assert REJECTED_PERSON_REASON in message and message.count("重新注册") == 1
    plain = make_person(unit.employer, status="rejected", reject_reason="职称信息与证书不符。")
    message = login_error(auth.login(plain.account, user_type="person"))
    assert message == "您的注册信息已被驳回，原因：职称信息与证书不符。请修改后重新注册"
    org = make_org("驳回单位", parent=unit.city, status="rejected", reject_reason="请上传清晰的营业执照后重新注册")
    message = login_error(auth.login(make_admin(org)))
    assert message.count("重新注册") == 1 and message.startswith("单位注册信息已被驳回")
