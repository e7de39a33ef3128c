"""平台设置 in a browser: the operator corrects a learning form the page refused and saves it, adds a year's
学时规则 with 个人选修; a declaration's proof files show as a thumbnail and an inline PDF under the app's CSP."""
import io

from flask import render_template_string
from playwright.sync_api import expect
from werkzeug.datastructures import FileStorage

from models import LearningForm, db
from models.hours.attachments import store
from models.hours.catalogue import HoursRule, seed_catalogue

from ..helpers import make_account, make_admin, make_org, make_person
from ..hours.test_attachments import JPG, PDF, PNG, declaration_of
from .steps import login, open_menu, submit


def watch(page):
    problems = []
    # Chromium logs the browser's own favicon request as a failed resource; any other error counts.
    page.on("console", lambda m: problems.append((page.url, m.text, m.location))
            if (m.type == "error" or "Content Security Policy" in m.text)
            and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def fill_and_save(page, values):
    for selector, value in values.items():
        page.locator(selector).fill(value)
    submit(page, "保存")


def test_operator_edits_a_learning_form_and_a_years_rule(page, live_server, shot):
    seed_catalogue()
    operator = make_account("客服小周", is_operator=True)
    db.session.commit()
    problems = watch(page)
    login(page, operator.id_number, user_type="平台运维")
    open_menu(page, "平台设置", "学习形式管理")
    expect(page.locator("table.model-list")).to_contain_text("每天8学时")
    shot("forms-list")

    page.locator("table.model-list tr", has_text="学术会议").locator("a[title='编辑记录']").click()
    expect(page.get_by_label("学习形式名称")).to_have_value("学术会议")
    # a choice field without choices, a rule pointing at no field, a negative cap
    fill_and_save(page, {"#fields-0-choices": "", "#rule_field": "grade", "#cap_per_year": "-3"})
    expect(page.get_by_role("alert").first).to_contain_text("记录失败，请检查下方标出的字段")
    expect(page.locator("#fields-0-choices ~ .invalid-feedback")).to_have_text("选项字段须至少设置一个选项")
    expect(page.locator("#rule_field ~ .invalid-feedback")).to_have_text("申报字段中没有“grade”")
    expect(page.locator("#cap_per_year ~ .invalid-feedback")).to_contain_text("每年上限须大于 0")
    shot("form-refused")

    fill_and_save(page, {"#fields-0-choices": "国家级、省级、市级", "#rule_field": "level", "#cap_per_year": "30",
                         "#rule_amounts": "国家级=10，省级=6，市级=3", "#fields-4-name": "report_no",
                         "#fields-4-label": "报告编号"})
    expect(page.locator("table.model-list")).to_contain_text("国家级10学时")
    shot("form-saved")
    db.session.expire_all()
    conference = LearningForm.query.filter_by(code="conference").one()
    assert conference.cap_per_year == 30 and conference.fields[-1]["name"] == "report_no"

    open_menu(page, "平台设置", "学时规则")
    page.get_by_role("link", name="新增年度规则").click()
    fill_and_save(page, {"#minimums-0-minimum": "30", "#minimums-1-minimum": "42", "#minimums-2-category": "个人选修",
                         "#minimums-2-minimum": "38"})
    expect(page.locator("#total ~ .invalid-feedback")).to_contain_text("不能超过总学时（90）")
    shot("rule-refused")
    page.locator("#minimums-2-minimum").fill("18")
    submit(page, "保存")
    expect(page.locator("table.model-list")).to_contain_text("个人选修 ≥ 18")
    shot("rules-list")
    assert HoursRule.query.count() == 2
    assert not problems, problems


PREVIEW = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>证明材料</title>
<link rel="stylesheet" href="{{ url_for('admin.static', filename='bootstrap/bootstrap4/css/bootstrap.min.css') }}">
</head><body class="p-3">{% from 'admin/hours/attachments.html' import attachment_list %}
<h5>证明材料</h5>{{ attachment_list(atts) }}</body></html>"""


def test_proof_files_preview_inline_under_the_csp(app, page, live_server, shot, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "att")
    seed_catalogue()
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    employer = make_org("济南示范科技有限公司", parent=province)
    admin = make_admin(employer, "王管理")
    tree = type("T", (), {"employer": employer, "admin": admin})
    d = declaration_of(tree, make_person(employer, "李四"))
    ids = [a.id for a in store([FileStorage(io.BytesIO(PDF), "2026年结业证书.pdf"),
                                FileStorage(io.BytesIO(JPG), "签到表.jpg"),
                                FileStorage(io.BytesIO(PNG), "培训照片.png")], d)]
    db.session.commit()

    def preview():
        from models.hours.records import Attachment

        return render_template_string(PREVIEW, atts=Attachment.query.filter(Attachment.id.in_(ids)).all())

    app.add_url_rule("/admin/hours/test-preview", "test_preview", preview)
    problems = watch(page)
    login(page, admin.id_number)
    files = []
    page.on("response", lambda r: files.append((r.status, r.headers.get("content-type")))
            if "/admin/hours/attachments/" in r.url else None)
    page.goto("/admin/hours/test-preview")
    expect(page.locator("iframe")).to_have_count(1)
    expect(page.locator("img.img-thumbnail")).to_have_count(2)
    page.wait_for_load_state("networkidle")
    # the images decoded (a blocked or sniffed-away image has no width) and the PDF frame loaded the file
    assert page.locator("img.img-thumbnail").evaluate_all("imgs => imgs.map(i => i.naturalWidth)") == [240, 240]
    assert (200, "application/pdf") in files and (200, "image/png") in files
    shot("attachments")
    assert not problems, problems


def test_operator_opens_a_new_learning_form(page, live_server, shot):
    seed_catalogue()
    operator = make_account("客服小周", is_operator=True)
    db.session.commit()
    login(page, operator.id_number, user_type="平台运维")
    page.goto("/admin/hours/forms/new/")
    expect(page.get_by_label("公需科目")).to_be_checked()
    expect(page.locator("table.schema-fields tbody tr")).to_have_count(4)
    shot("new-form")
