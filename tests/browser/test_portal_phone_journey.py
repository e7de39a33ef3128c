"""个人中心 (F33) on a phone (375×667, touch): the documented staff member 张静 of the demo walks every portal page
through the collapsing menu — home, 信息变更, 学时申报 with a proof file, 我的学时 of a year, 我的证书 (a PDF with her
name), 调转申请, 修改密码 — and no page scrolls sideways. Then her unit admin resets her password and her next login
must set a new one before anything else opens."""
import re
import subprocess

from playwright.sync_api import expect

from demo import accounts as documented
from demo import load_demo
from models import AuditEntry, ChangeRequest, CreditRecord, Declaration, Person, db, now

from .conftest import TIMEOUT_MS, _shot_path
from .steps import login, logout, open_menu, submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
ME = documented.BY_KEY["staff"]
NEW_PASSWORD = "Phone2026ok"


def _phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _fits(page):
    """Nothing wider than the phone: the page never scrolls sideways."""
    width = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(width[:2]) <= width[2], f"{page.url} is {max(width[:2])} px wide on a {width[2]} px screen"


def _menu(page, entry):
    """Open the collapsed menu (☰) and tap ``entry``; the page that opens fits the screen."""
    toggler = page.locator("#portal-navbar .navbar-toggler")
    expect(toggler).to_be_visible()
    expect(page.locator("#portal-menu")).not_to_be_visible()
    toggler.tap()
    link = page.locator("#portal-menu a.nav-link", has_text=entry)
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.tap()
    expect(page.locator("#portal-menu li.active")).to_contain_text(entry)
    _fits(page)


def test_staff_portal_on_a_phone(browser, live_server, tmp_path):
    live_server.app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "att")
    load_demo()
    person = Person.query.filter_by(id_number=ME.id_number).one()
    last_year = now().year - 1
    context, page = _phone(browser, live_server)
    steps = iter(range(1, 100))

    def shot(step):
        page.screenshot(path=_shot_path("test_portal_phone", f"{next(steps):02d}-{step}"), full_page=True)

    try:
        login(page, ME.id_number, documented.PASSWORD, user_type="专业技术人员")
        _fits(page)

        # Home: account, unit, this year's progress, what waits, the latest records.
        expect(page).to_have_url(re.compile(r"/me/$"))
        expect(page.locator("#me-account")).to_contain_text("账号正常")
        expect(page.locator("#me-unit")).to_have_text("济南市第一人民医院")
        expect(page.locator("#me-progress .progress-bar")).to_be_visible()
        expect(page.locator("#me-latest")).to_contain_text("心血管介入诊疗新技术培训班")
        expect(page.locator("#me-pending-change")).to_contain_text("没有待审核的修改申请")
        shot("home")
        page.locator("#portal-navbar .navbar-toggler").tap()
        expect(page.locator("#portal-navbar-collapse")).to_have_class(re.compile(r"\bshow\b"))  # opened, not opening
        for entry in ("个人信息", "信息变更", "学时申报", "我的学时", "我的证书", "调转申请", "修改密码"):
            expect(page.locator("#portal-menu a.nav-link", has_text=entry)).to_be_visible()
        expect(page.locator("#user-menu")).to_be_visible()
        shot("menu-open")
        page.locator("#portal-navbar .navbar-toggler").tap()
        expect(page.locator("#portal-menu")).not_to_be_visible()

        # 信息变更: a new phone number, refused first (bad number), then filed for the unit to review.
        _menu(page, "信息变更")
        page.get_by_label("手机号").fill("1380000")
        submit(page, "提交修改申请")
        expect(page.locator(".field-error")).to_contain_text("手机号")
        _fits(page)
        shot("change-refused")
        page.get_by_label("手机号").fill("13905310088")
        submit(page, "提交修改申请")
        expect(page.get_by_role("alert")).to_contain_text("修改申请已提交")
        expect(page.locator("#pending-request")).to_contain_text("13905310088")
        _fits(page)
        shot("change-pending")
        request = ChangeRequest.query.filter_by(target_id=person.id, status="pending").one()
        assert AuditEntry.query.filter_by(entity="change_request", entity_id=str(request.id)).count() >= 1

        # 学时申报: 学术会议 with a PDF proof; it lands in 我的学时 of this year, 待审核.
        _menu(page, "学时申报")
        page.get_by_label("计入科目").select_option("专业科目")
        page.get_by_label("学习形式").select_option(label="学术会议")
        page.get_by_label("会议级别").select_option("省级")
        page.get_by_label("会议名称").fill("山东省心血管病学青年论坛")
        page.get_by_label("主办单位").fill("山东省医学会")
        page.get_by_label("是否宣读论文").select_option("否")
        expect(page.locator("#hours-preview")).to_have_text("本次申报 8 学时")
        page.get_by_label("学习内容/项目名称").fill("山东省心血管病学青年论坛")
        day = now().date().isoformat()
        page.get_by_label("开始日期").fill(day)
        page.get_by_label("结束日期").fill(day)
        page.locator("#files").set_input_files([{"name": "参会证明.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        _fits(page)
        shot("declare")
        submit(page, "提交申报")
        expect(page.get_by_role("alert")).to_contain_text("学时申报已提交（8 学时），等待济南市第一人民医院审核")
        row = page.locator("#hours-records tr", has_text="山东省心血管病学青年论坛")
        expect(row).to_contain_text("待审核")
        _fits(page)
        shot("hours-this-year")
        declaration = Declaration.query.filter_by(person_id=person.id, title="山东省心血管病学青年论坛").one()
        record = CreditRecord.query.filter_by(declaration_id=declaration.id).one()
        assert (record.person_id, record.status, record.review_org_id) == (person.id, "pending", person.org_id)
        assert len(declaration.attachments) == 1
        assert AuditEntry.query.filter_by(entity="credit_declaration", entity_id=str(declaration.id)).count() == 1
        with page.expect_navigation():
            row.get_by_role("link", name="查看").tap()
        expect(page.get_by_role("link", name="参会证明.pdf").first).to_be_visible()
        _fits(page)
        shot("hours-record")

        # 我的学时 of last year: 达标 against the rule; the rejected record of this year shows its reason.
        _menu(page, "我的学时")
        expect(page.locator("#hours-records")).to_contain_text("已驳回")
        page.locator("#year").select_option(str(last_year))
        with page.expect_navigation():
            page.get_by_role("button", name="查看").tap()
        expect(page.locator("#year-summary")).to_contain_text(f"{last_year}年度学时完成情况")
        expect(page.locator("#year-summary")).to_contain_text("已达标")
        _fits(page)
        shot("hours-last-year")

        # 我的证书: last year's certificate, numbered on the first download, a PDF with her name.
        _menu(page, "我的证书")
        cert_row = page.locator(f"#certificate-{last_year}")
        expect(cert_row).to_contain_text("未生成")
        with page.expect_download() as download:
            cert_row.get_by_role("button", name="下载证书").tap()
        pdf = tmp_path / "certificate.pdf"
        download.value.save_as(pdf)
        assert pdf.read_bytes()[:5] == b"%PDF-"
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "张静" in text and str(last_year) in text
        page.reload()
        expect(cert_row).to_contain_text("有效")
        expect(cert_row.locator("a.verify-link")).to_have_attribute("href", re.compile(r"/v/[A-Za-z0-9_-]{16,}$"))
        _fits(page)
        shot("certificates")

        # 调转申请: the form; sent without a target unit it is refused next to the field.
        _menu(page, "调转申请")
        page.get_by_label("调转原因").fill("家庭原因")
        submit(page, "提交调转申请")
        expect(page.locator(".field-error")).to_contain_text("请搜索并选择调入单位")
        _fits(page)
        shot("transfer")

        # 修改密码: the password rules, next to the field; then the new one works.
        _menu(page, "修改密码")
        page.locator("#current_password").fill(documented.PASSWORD)
        page.locator("#new_password").fill("short")
        page.locator("#confirm").fill("short")
        submit(page, "保存")
        expect(page.locator("#new_password ~ .field-error")).to_be_visible()
        _fits(page)
        shot("password-refused")
        page.locator("#current_password").fill(documented.PASSWORD)
        page.locator("#new_password").fill(NEW_PASSWORD)
        page.locator("#confirm").fill(NEW_PASSWORD)
        submit(page, "保存")
        expect(page.get_by_role("alert")).to_contain_text("密码修改成功")
        expect(page).to_have_url(re.compile(r"/me/$"))
        expect(page.locator("#me-pending-change")).to_contain_text("13905310088")
        shot("home-after")

        page.locator("#portal-navbar .navbar-toggler").tap()
        page.locator("#user-menu > a").tap()
        submit(page, "退出登录")
        expect(page).to_have_url(re.compile(r"/login$"))
        login(page, ME.id_number, NEW_PASSWORD, user_type="专业技术人员")
        expect(page).to_have_url(re.compile(r"/me/$"))
    finally:
        context.close()


def test_a_reset_password_must_be_replaced_first(browser, live_server, page):
    load_demo()
    admin = documented.BY_KEY["employer_admin"]
    context, phone = _phone(browser, live_server)
    steps = iter(range(1, 100))

    def phone_shot(step):
        phone.screenshot(path=_shot_path("test_portal_forced_change", f"{next(steps):02d}-{step}"), full_page=True)

    try:
        # She has used the portal before (so the new password is a reset, not the initial one), and forgot it.
        login(phone, ME.id_number, documented.PASSWORD, user_type="专业技术人员")
        expect(phone).to_have_url(re.compile(r"/me/$"))
        phone.context.clear_cookies()

        # Her unit admin resets her password in 专技人员信息查询 (desktop).
        login(page, admin.id_number, documented.PASSWORD)
        open_menu(page, "查询统计", "专技人员信息查询")
        search = page.locator("input[name=search]").first
        search.fill(ME.id_number)
        with page.expect_navigation():
            search.press("Enter")
        rows = page.locator("table.model-list tbody tr")
        expect(rows).to_have_count(1)
        with page.expect_navigation():
            rows.first.locator("a[title='重置密码']").click()
        submit(page, "确认重置")
        temporary = page.locator(".reset-password").inner_text().strip()
        logout(page)

        login(phone, ME.id_number, temporary, user_type="专业技术人员")
        expect(phone).to_have_url(re.compile(r"/password$"))
        expect(phone.locator("#change-password .alert-warning")).to_contain_text("您的密码已被管理员重置")
        _fits(phone)
        phone.locator("#portal-navbar .navbar-toggler").tap()
        expect(phone.locator("#portal-menu a.nav-link")).to_have_count(1)  # 修改密码 only, and 退出登录
        expect(phone.locator("#portal-menu")).to_contain_text("修改密码")
        expect(phone.locator("#user-menu")).to_be_visible()
        phone_shot("forced")
        for url in ("/me/", "/me/hours", "/me/certificates", "/me/transfer/targets.json?q=济南", "/admin/"):
            phone.goto(url)
            expect(phone).to_have_url(re.compile(r"/password$"))

        phone.locator("#current_password").fill(temporary)
        phone.locator("#new_password").fill("abcdefgh")
        phone.locator("#confirm").fill("abcdefgh")
        submit(phone, "保存")
        expect(phone.locator("#new_password ~ .field-error")).to_contain_text("字母和数字")
        expect(phone).to_have_url(re.compile(r"/password$"))
        phone_shot("weak-refused")
        phone.locator("#current_password").fill(temporary)
        phone.locator("#new_password").fill(NEW_PASSWORD)
        phone.locator("#confirm").fill(NEW_PASSWORD)
        submit(phone, "保存")
        expect(phone).to_have_url(re.compile(r"/me/$"))
        expect(phone.get_by_role("alert")).to_contain_text("密码修改成功")
        phone_shot("home")
        db.session.expire_all()
        assert not Person.query.filter_by(id_number=ME.id_number).one().account.must_change_password
    finally:
        context.close()
