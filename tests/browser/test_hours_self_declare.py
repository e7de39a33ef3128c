"""学时申报 in a real browser (F21, F33): the declaration page loads each learning form's fields from the server,
keeps what was typed when the form changes and shows the hours before submitting; a staff member self-declares
学术会议 with a PDF in the portal and the unit admin approves it in 学时审核."""
import re

from playwright.sync_api import expect

from models import CreditRecord, db
from models.hours.catalogue import seed_catalogue

from ..helpers import make_admin, make_org, make_person
from .steps import login, open_menu, submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _tree():
    seed_catalogue()
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    city = make_org("济南市人力资源和社会保障局", kind="supervisor", parent=province)
    unit = make_org("济南示范科技有限公司", parent=city)
    db.session.commit()
    return city, unit


def _conference(page, level, meeting):
    """学术会议 under 专业科目, a paper presented: the hours are the level's plus 6."""
    page.get_by_label("计入科目").select_option("专业科目")
    page.get_by_label("学习形式").select_option(label="学术会议")
    page.get_by_label("会议级别").select_option(level)
    page.get_by_label("会议名称").fill(meeting)
    page.get_by_label("是否宣读论文").select_option("是")


def test_unit_declaration_page_switches_forms_and_previews_hours(page, shot, app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "att")
    city, unit = _tree()
    admin = make_admin(unit, "王管理")
    people = [make_person(unit, "张工程"), make_person(unit, "张技术")]
    login(page, admin.id_number)
    open_menu(page, "学时（分）申报", "学时申报", section="学时（分）申报")
    expect(page.get_by_role("heading", name="学时申报")).to_be_visible()

    page.get_by_label("计入科目").select_option("专业科目")
    page.get_by_label("学习形式").select_option(label="面授培训")
    expect(page.get_by_label("培训天数")).to_be_visible()
    page.get_by_label("主办单位").fill("山东省工程师学会")
    page.get_by_label("培训天数").fill("3")
    expect(page.locator("#hours-preview")).to_have_text("本次申报 24 学时")
    shot("face-to-face")

    # Another form: 考察调研 asks for 调研主题 and 天数 too; 培训天数 keeps its 3, the hours follow its rule (6/天).
    page.get_by_label("学习形式").select_option(label="考察调研")
    expect(page.get_by_label("调研主题")).to_be_visible()
    expect(page.get_by_label("培训天数")).to_have_value("3")
    expect(page.locator("#hours-preview")).to_have_text("本次申报 18 学时")
    page.get_by_label("培训天数").fill("6")
    expect(page.locator('[data-error-for="days"]')).to_have_text("超过该学习形式每条记录的上限（30 学时）")
    shot("switched-over-cap")

    # 公需科目: 学术会议 counts toward 专业科目 only, so it is not offered.
    page.get_by_label("计入科目").select_option("公需科目")
    expect(page.get_by_label("学习形式").locator("option", has_text="学术会议")).to_have_count(0)
    _conference(page, "国家级", "全国智能制造年会")
    expect(page.get_by_label("主办单位")).to_have_value("山东省工程师学会")
    expect(page.locator("#hours-preview")).to_have_text("本次申报 18 学时")

    page.get_by_label("学习内容/项目名称").fill("全国智能制造年会")
    page.get_by_label("开始日期").fill("2026-05-01")
    page.get_by_label("结束日期").fill("2026-04-30")
    page.locator("#applicants-search").fill("张")
    page.locator("#applicants-menu button", has_text="张工程").click()
    page.locator("#applicants-search").fill("张技")
    page.locator("#applicants-menu button", has_text="张技术").click()
    expect(page.locator("#applicants-count")).to_have_text("2")
    expect(page.locator("#applicants-chosen")).to_contain_text(people[0].masked_id)
    submit(page, "提交申报")  # no file, end before start: refused, everything kept
    expect(page.locator(".field-error", has_text="结束日期不能早于开始日期")).to_be_visible()
    expect(page.locator(".field-error", has_text="请上传证明材料")).to_be_visible()
    expect(page.get_by_label("会议名称")).to_have_value("全国智能制造年会")
    expect(page.locator("#applicants-count")).to_have_text("2")
    shot("refused")

    page.get_by_label("结束日期").fill("2026-05-02")
    page.locator("#files").set_input_files([{"name": "会议通知.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    submit(page, "提交申报")
    expect(page).to_have_url(re.compile(r"/admin/hours/records/"))
    rows = CreditRecord.query.all()
    assert len(rows) == 2 and {r.review_org_id for r in rows} == {city.id} and {r.hours for r in rows} == {18}


def test_staff_self_declares_a_conference_and_the_unit_approves_it(page, shot, app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "att")
    city, unit = _tree()
    admin = make_admin(unit, "王管理")
    me = make_person(unit, "李会议")
    db.session.commit()

    # 1. The staff member opens 我的学时 from the portal and declares 学术会议 with a PDF.
    login(page, me.id_number, user_type="专业技术人员")
    with page.expect_navigation():
        page.locator("#portal-menu").get_by_role("link", name="我的学时").click()
    expect(page.locator("#year-summary")).to_contain_text("未达标")
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="学时申报").click()
    expect(page.get_by_label("学习形式").locator("option", has_text="岗位培训")).to_have_count(0)
    _conference(page, "省级", "山东省机械工程学术年会")
    page.get_by_label("主办单位").fill("山东省机械工程学会")
    expect(page.locator("#hours-preview")).to_have_text("本次申报 14 学时")
    page.get_by_label("学习内容/项目名称").fill("山东省机械工程学术年会")
    page.get_by_label("开始日期").fill("2026-06-10")
    page.get_by_label("结束日期").fill("2026-06-11")
    page.locator("#files").set_input_files([{"name": "参会证明.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    shot("portal-declare")
    submit(page, "提交申报")
    expect(page.get_by_role("alert")).to_contain_text("学时申报已提交（14 学时），等待济南示范科技有限公司审核")
    expect(page.locator("#hours-records")).to_contain_text("待审核")
    shot("portal-pending")
    page.locator("#user-menu > a").click()
    submit(page, "退出登录")

    # 2. The unit admin finds it in 学时审核, opens it (the PDF is there) and approves it.
    login(page, admin.id_number)
    open_menu(page, "学时（分）审核", "学时审核")
    row = page.locator("table.model-list tr", has_text="李会议")
    expect(row).to_contain_text("学术会议")
    row.locator("input.action-checkbox").check()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("button.bulk-action[data-action=approve]").click()
    expect(page.get_by_role("alert").first).to_contain_text("通过")
    record = CreditRecord.query.one()
    assert record.status == "approved" and record.approved_hours == 14 and record.reviewer_name == "王管理"
    page.locator("#user-menu > a").click()
    submit(page, "退出登录")

    # 3. Back in the portal: 已通过, the hours count toward 专业科目, the own PDF opens.
    login(page, me.id_number, user_type="专业技术人员")
    page.goto("/me/hours?year=2026")
    expect(page.locator("#hours-records")).to_contain_text("已通过")
    expect(page.locator("#year-summary")).to_contain_text("14")
    shot("portal-approved")
    with page.expect_navigation():
        page.locator("#hours-records").get_by_role("link", name="查看").click()
    expect(page.get_by_role("link", name="参会证明.pdf")).to_be_visible()
    shot("portal-record")
