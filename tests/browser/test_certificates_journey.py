"""电子证书: a unit admin finds the met staff, picks a unit in the tree, prints the selected rows as one PDF;
the QR code's page verifies it; the staff member sees their years and downloads their own certificate."""
import re

from playwright.sync_api import expect

from admin_views.stats import certificates as certificates_view
from models import Certificate, db
from models.hours import approval

from ..certificates.conftest import tree  # noqa: F401 - the fixture
from ..certificates.data import OPERATOR, meet
from ..helpers import make_person
from .steps import login, open_menu


def test_print_verify_and_download(app, tree, page, shot, live_server, monkeypatch, tmp_path):  # noqa: F811
    a, b = make_person(tree.employer, "欧阳明远"), make_person(tree.employer, "张堃")
    c = make_person(tree.branch, "李历下")
    short = make_person(tree.employer, "王差六")
    professional = meet(tree, tree.employer, [a, b])
    meet(tree, tree.branch, [c])
    meet(tree, tree.employer, [short], public=24)
    db.session.commit()

    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    login(page, tree.admin.id_number)
    open_menu(page, "查询统计", "电子证书查询打印")
    rows = page.locator("#certificate-list tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#certificate-count")).to_contain_text("3")
    expect(page.locator("#certificate-list")).not_to_contain_text("王差六")
    shot("list")

    # The tree: open it, go down to the branch with the keyboard's help of the search, pick it.
    picker = page.locator("#org-picker")
    picker.fill("济南示范科技有限公司历")
    option = page.get_by_role("treeitem", name=re.compile("历下分公司"))
    expect(option.first).to_be_visible()
    shot("picker")
    with page.expect_navigation():
        option.first.click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("李历下")

    page.goto("/admin/stats/certificates/")
    page.locator("#certificate-list .select-page").check()
    page.locator(f'#certificate-list input[value="{c.id}"]').uncheck()
    with page.expect_download() as download:
        page.get_by_role("button", name="打印所选").click()
    pdf = download.value
    assert pdf.suggested_filename.startswith("2026年度继续教育证书_") and pdf.suggested_filename.endswith(".pdf")
    assert open(pdf.path(), "rb").read(5) == b"%PDF-"
    db.session.expire_all()
    assert {x.person_id for x in Certificate.query.all()} == {a.id, b.id}
    page.reload()
    expect(page.locator("#certificate-list")).to_contain_text("202601000001")
    shot("printed")

    # 打印全部符合条件 above the limit (lowered here from 200 to 2): asked first, then a job with its download.
    monkeypatch.setattr(certificates_view, "SYNC_CERTIFICATES", 2)
    page.goto("/admin/stats/certificates/")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="打印全部符合条件").click()
    expect(page.locator(".job-message")).to_contain_text("已生成 3 张证书")
    expect(page.locator(".job-download")).to_be_visible()
    shot("job")
    with page.expect_download() as download:
        page.locator(".job-download").click()
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"

    cert = Certificate.query.filter_by(person_id=a.id).one()
    page.goto(f"/v/{cert.token}")
    expect(page.locator("#check-result")).to_contain_text("证书有效")
    expect(page.locator("#certificate-check")).to_contain_text("欧阳明远")
    shot("verified")
    approval.delete_credits(professional[:1], OPERATOR, "重复申报")  # a's 专业科目 hours go: revoked
    db.session.commit()
    page.reload()
    expect(page.locator("#check-result")).to_contain_text("该证书已撤销")
    expect(page.locator("#certificate-check")).not_to_contain_text("64 学时")
    shot("revoked")

    page.context.clear_cookies()
    login(page, short.id_number, user_type="专业技术人员")
    page.goto("/me/hours")
    expect(page.locator("#year-completion")).to_contain_text("公需科目差 6 学时")
    shot("me-short")
    page.context.clear_cookies()
    login(page, b.id_number, user_type="专业技术人员")
    page.goto("/me/hours")
    with page.expect_navigation():
        page.locator("#year-completion a[href*='/me/certificates']").first.click()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载证书").click()
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    page.goto("/me/hours")
    expect(page.locator("#year-completion")).to_contain_text("编号 202601")
    shot("me-met")
