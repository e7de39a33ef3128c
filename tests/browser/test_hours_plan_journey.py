"""单位培训计划 in a real browser (F22–F23): a unit's plan goes 草稿 → 提交 → its superior 备案s it → after the
training the unit declares the hours of two participants (one picked, one imported) with a proof PDF → the
superior approves them in 培训计划审核 → both records are 已通过 in the unit's 学时申报记录 and on the plan's page."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from models import CreditRecord, TrainingPlan, db, now
from models.hours.catalogue import seed_catalogue

from ..helpers import make_admin, make_org, make_person
from .steps import login, logout, open_menu, submit
from .test_hours_post_training_journey import filled

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" \
      b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PLAN = "2026年急救技能提升培训班"


def _open(page, row, link=None):
    """A list row's details (its first titled icon link), or the row's link named ``link``."""
    with page.expect_navigation():
        (row.get_by_role("link", name=link) if link else row.locator("a[title]").first).click()


def _save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()


def _pick(page, term, name):
    page.locator("#applicants-search").fill(term)
    page.locator("#applicants-menu .list-group-item-action", has_text=name).click()
    expect(page.locator("#applicants-chosen .applicant", has_text=name)).to_be_visible()


def test_plan_from_draft_to_approved_hours(page, shot, live_server, app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "attachments")
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    seed_catalogue()
    city = make_org("济南市人力资源和社会保障局", kind="supervisor")
    unit = make_org("济南示范医院", parent=city)
    unit_admin, city_admin = make_admin(unit, "王管理"), make_admin(city, "孙主管")
    make_person(unit, "周子涵"), make_person(unit, "周其他")
    imported = make_person(unit, "吴明轩")
    db.session.commit()
    ended = now().date() - timedelta(days=3)

    # 计划申报 · 新增 → 草稿 → 提交
    login(page, unit_admin.id_number)
    open_menu(page, "学时（分）申报", "计划申报")
    shot("plans-empty")
    page.get_by_role("link", name="新增").first.click()
    page.locator("#name").fill(PLAN)
    page.locator("#category").select_option("专业科目")
    page.locator("#form_id").select_option(label="面授培训")
    page.locator("#start_date").fill(str(ended - timedelta(days=1)))
    page.locator("#end_date").fill(str(ended))
    page.locator("#hours").fill("200")  # past the form's 80 per record: told next to the field
    page.locator("#expected_participants").fill("30")
    page.locator("#organizer").fill("济南示范医院")
    _save(page)
    expect(page.locator(".invalid-feedback", has_text="上限（80 学时）")).to_be_visible()
    shot("plan-form-refused")
    page.locator("#hours").fill("16")
    _save(page)
    row = page.locator("table.model-list tr", has_text=PLAN)
    expect(row).to_contain_text("草稿")
    shot("plan-draft")
    with page.expect_navigation():
        row.get_by_role("button", name="提交").click()
    expect(page.locator(".plan-status")).to_contain_text("待审核")
    expect(page.locator(".plan-status")).to_contain_text("济南市人力资源和社会保障局")
    shot("plan-submitted")
    logout(page)

    # 培训计划审核 · 备案
    login(page, city_admin.id_number, user_type="主管部门")
    card = page.locator('[data-key="plan_review"]')
    expect(card.locator(".count")).to_have_text("1")
    with page.expect_navigation():
        card.click()
    row = page.locator("table.model-list tr", has_text=PLAN)
    expect(row).to_contain_text("济南示范医院")
    shot("review-queue")
    _open(page, row)
    shot("review-details")
    submit(page, "备案")
    expect(page.get_by_role("alert").first).to_contain_text("1 条")
    logout(page)

    # 学时申报 for the ended plan: two participants picked, a proof PDF
    login(page, unit_admin.id_number)
    open_menu(page, "学时（分）申报", "学时申报", section="单位培训计划")
    row = page.locator("table.model-list tr", has_text=PLAN)
    expect(row).to_contain_text("未申报")
    shot("plan-hours-list")
    _open(page, row, "申报学时")
    _pick(page, "周子", "周子涵")
    section = page.locator("#participants-import")  # the other one by 批量导入 of the downloaded template
    with page.expect_download() as info:
        section.get_by_role("link", name="下载模板").click()
    template = open(info.value.path(), "rb").read()
    section.locator("#participants-file").set_input_files({
        "name": "参训人员名单.xlsx", "mimeType": "application/octet-stream",
        "buffer": filled(template, [[imported.name, imported.id_number]])})
    section.get_by_role("button", name="校验并添加").click()
    expect(section.locator("#participants-status")).to_contain_text("已添加 1 人")
    expect(page.locator("#applicants-chosen .applicant", has_text="吴明轩")).to_be_visible()
    page.locator("#files").set_input_files([{"name": "签到表.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    shot("plan-hours-declare")
    submit(page, "提交学时申报")
    expect(page.get_by_role("alert").first).to_contain_text("2 人")
    expect(page.locator(".plan-hours-status")).to_contain_text("待审核")
    shot("plan-hours-declared")
    logout(page)

    # 培训计划审核 · 计划学时审核: the participants and the proof file, then 通过
    login(page, city_admin.id_number, user_type="主管部门")
    page.goto("/admin/hours/plan-review/")
    page.get_by_role("link", name=re.compile("计划学时审核")).click()
    row = page.locator("table.model-list tr", has_text=PLAN)
    expect(row).to_contain_text("2")
    _open(page, row)
    expect(page.locator(".plan-participants")).to_contain_text("周子涵")
    expect(page.locator(".hours-attachments")).to_contain_text("签到表.pdf")
    shot("hours-review-details")
    submit(page, "通过")
    expect(page.get_by_role("alert").first).to_contain_text("1 条")
    logout(page)

    # the unit sees both records 已通过
    login(page, unit_admin.id_number)
    open_menu(page, "学时（分）申报", "学时申报记录")
    for name in ("周子涵", "吴明轩"):
        expect(page.locator("table.model-list tr", has_text=name)).to_contain_text("已通过")
    expect(page.locator("table.model-list")).not_to_contain_text("周其他")
    shot("records-approved")
    open_menu(page, "学时（分）申报", "学时申报", section="单位培训计划")
    _open(page, page.locator("table.model-list tr", has_text=PLAN))
    expect(page.locator(".plan-hours-status")).to_contain_text("已通过")
    expect(page.locator(".plan-participants tr", has_text="吴明轩")).to_contain_text("已通过")
    shot("plan-hours-approved")
    plan = db.session.scalar(db.select(TrainingPlan))
    assert plan.status == "approved" and plan.hours_status == "approved"
    assert {r.status for r in db.session.scalars(db.select(CreditRecord))} == {"approved"}
