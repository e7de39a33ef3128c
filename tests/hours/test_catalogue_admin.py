"""平台设置 · 学习形式管理 and 学时规则: operator only, every problem next to its input with nothing saved, edits
audited, and no edit reaching what was declared before."""
from datetime import date
from decimal import Decimal

import pytest

from models import AuditEntry, CreditRecord, LearningForm, db
from models.actor import Actor
from models.hours.catalogue import HoursRule, seed_catalogue
from models.hours.form_schema import problems
from models.hours.records import Declaration, declare

from ..conftest import Auth
from ..helpers import make_account, make_person, response_text

FORMS, RULES = "/admin/hours/forms/", "/admin/hours/rules/"


@pytest.fixture
def operator(app, client):
    seed_catalogue()
    db.session.commit()
    Auth(client).login(make_account("客服小周", is_operator=True), user_type="operator")
    return client


def form_data(**over):
    """A new learning form as the page posts it: two fields rows, a blank row, a rate rule."""
    data = {"code": "lecture", "name": "专题讲座", "sort": "20", "active": "y", "categories": ["公需科目", "专业科目"],
            "declarers": ["person", "unit"], "cap_per_record": "16", "cap_per_year": "32", "evidence_required": "y",
            "evidence_hint": "讲座通知", "valid_from": "", "valid_to": "",
            "fields-0-name": "speaker", "fields-0-label": "主讲人", "fields-0-type": "text", "fields-0-required": "y",
            "fields-1-name": "hours", "fields-1-label": "讲座时长", "fields-1-type": "number",
            "fields-1-required": "y", "fields-1-unit": "小时", "fields-1-max": "8",
            "fields-2-name": "", "fields-2-label": "", "fields-2-type": "text",
            "rule_type": "rate", "rule_field": "hours", "rule_rate": "2", "rule_amounts": "",
            "factor_field": "", "factor_values": "", "bonus_field": "", "bonus_values": ""}
    data.update(over)
    return data


def post(client, url, data):
    return Auth(client).post(url, data, follow_redirects=False)


def page(r):
    return r.get_data(as_text=True)


def test_non_operators_get_403_and_the_menu_hides_it(app, client, unit):
    seed_catalogue()
    db.session.commit()
    Auth(client).login(unit.admin)
    for url in (FORMS, FORMS + "new/", RULES, RULES + "new/", f"{FORMS}edit/?id=1"):
        assert client.get(url).status_code == 403, url
    assert client.post(RULES + "new/", data={"year": "2030"}).status_code in (400, 403)
    assert "学习形式管理" not in page(client.get("/admin/"))


def test_operator_lists_the_catalogue(operator):
    r = operator.get(FORMS)
    text = page(r)
    assert r.status_code == 200 and "面授培训" in text and "每天8学时" in text and "启用" in text
    assert "学习形式管理" in page(operator.get("/admin/")) and "平台设置" in text
    assert "专业科目 ≥ 60" in page(operator.get(RULES))


def test_operator_creates_a_form_with_structured_fields_and_rule(operator):
    r = post(operator, FORMS + "new/", form_data())
    assert r.status_code == 302, page(r)
    lf = LearningForm.query.filter_by(code="lecture").one()
    assert lf.fields == [{"name": "speaker", "label": "主讲人", "type": "text", "required": True},
                         {"name": "hours", "label": "讲座时长", "type": "number", "required": True, "unit": "小时",
                          "max": 8}]
    assert lf.rule == {"type": "rate", "field": "hours", "rate": 2}
    assert (lf.cap_per_record, lf.cap_per_year, lf.declarers) == (Decimal(16), Decimal(32), ["person", "unit"])
    assert lf.credit({"hours": 3}) == Decimal("6.0")
    assert AuditEntry.query.filter_by(entity="learning_form", entity_id=str(lf.id), action="create").count() == 1


@pytest.mark.parametrize("over, where, message", [
    ({"fields-1-type": "blob"}, "fields-1-type", "未知的字段类型"),
    ({"rule_field": "minutes"}, "rule_field", "申报字段中没有“minutes”"),
    ({"fields-1-type": "choice"}, "fields-1-choices", "选项字段须至少设置一个选项"),
    ({"cap_per_record": "-5"}, "cap_per_record", "每条上限须大于 0"),
    ({"cap_per_year": "-1"}, "cap_per_year", "每年上限须大于 0"),
    ({"rule_type": "table", "rule_amounts": "国家级=12"}, "rule_field", "须依据一个选项字段"),
    ({"rule_rate": ""}, "rule_rate", "折算标准须大于 0"),
    ({"fields-0-name": "Speaker 1"}, "fields-0-name", "字段名须以小写英文字母开头"),
    ({"fields-1-name": "speaker"}, "fields-1-name", "字段名“speaker”重复"),
    ({"categories": []}, "categories", "请至少选择一个计入科目"),
    ({"valid_from": "2026-05-01", "valid_to": "2026-01-01"}, "valid_to", "结束日期不能早于开始日期"),
    ({"name": "面授培训"}, "name", "已有同名的学习形式"),
    ({"code": "online"}, "code", "已有相同代码"),
    ({"factor_field": "speaker", "factor_values": "张三=1"}, "factor_field", "须依据一个选项字段"),
    ({"cap_per_record": "abc"}, "cap_per_record", ""),
])
def test_a_bad_form_says_why_next_to_the_input_and_saves_nothing(operator, over, where, message):
    before = LearningForm.query.count(), AuditEntry.query.count()
    r = post(operator, FORMS + "new/", form_data(**over))
    text = page(r)
    assert r.status_code == 200 and "记录失败，请检查下方标出的字段" in text
    # the message sits right under the input it is about
    at = text.index(f'id="{where}"') if f'id="{where}"' in text else text.index(f'name="{where}"')
    feedback = text[at:at + 1500]
    assert "field-error" in feedback and message in feedback, feedback
    assert (LearningForm.query.count(), AuditEntry.query.count()) == before


def test_a_level_table_must_cover_the_choices(operator):
    data = form_data(**{"fields-1-type": "choice", "fields-1-choices": "国家级、省级", "fields-1-unit": "",
                        "fields-1-max": "", "rule_type": "table", "rule_field": "hours", "rule_amounts": "国家级=12"})
    text = page(post(operator, FORMS + "new/", data))
    assert "请为每个选项填写学时（缺少：省级）" in text
    text = page(post(operator, FORMS + "new/", {**data, "rule_amounts": "国家级=12，省级是8"}))
    assert "无法识别“省级是8”" in text
    r = post(operator, FORMS + "new/", {**data, "rule_amounts": "国家级=12，省级=8", "bonus_field": "speaker",
                                        "bonus_values": "是=6"})
    assert "须依据一个选项字段" in page(r)
    r = post(operator, FORMS + "new/", {**data, "rule_amounts": "国家级=12，省级=8"})
    assert r.status_code == 302
    assert LearningForm.query.filter_by(code="lecture").one().rule == {
        "type": "table", "field": "hours", "amounts": {"国家级": 12, "省级": 8}}


def test_the_edit_page_shows_the_saved_rows_and_keeps_the_code(operator):
    lf = LearningForm.query.filter_by(code="paper").one()
    text = page(operator.get(f"{FORMS}edit/?id={lf.id}"))
    assert 'value="journal"' in text and 'value="国家级=24，省级=18，市级=12"' in text
    assert 'value="第一作者=1，第二作者=0.5，其他=0.3"' in text and 'value="国家级、省级、市级"' in text
    data = LearningFormFormData.of(lf, code="renamed", cap_per_year="50")
    r = post(operator, f"{FORMS}edit/?id={lf.id}", data)
    assert r.status_code == 302, page(r)
    db.session.refresh(lf)
    assert lf.code == "paper" and lf.cap_per_year == Decimal(50)
    entry = AuditEntry.query.filter_by(entity="learning_form", action="update").one()
    assert "cap_per_year" in str(entry.changes)


class LearningFormFormData:
    @staticmethod
    def of(lf, **over):
        """What the edit page posts back for ``lf`` unchanged, with ``over`` typed in."""
        from forms.hours_catalogue import LearningFormForm

        initial = LearningFormForm.data_of(lf)
        data = {k: ("" if v is None else v) for k, v in initial.items() if k != "fields"}
        data["active"] = "y" if lf.active else ""
        data["evidence_required"] = "y" if lf.evidence_required else ""
        data["valid_from"] = data["valid_to"] = ""
        for i, row in enumerate(initial["fields"]):
            for key, value in row.items():
                if key == "required":
                    if value:
                        data[f"fields-{i}-required"] = "y"
                else:
                    data[f"fields-{i}-{key}"] = "" if value is None else str(value)
        data = {k: v for k, v in data.items() if v not in ("", False)}
        data.update(over)
        return data


def test_an_edit_leaves_existing_records_as_declared(operator, unit):
    lf = LearningForm.query.filter_by(code="conference").one()
    person = make_person(unit.employer)
    d = declare(lf, "专业科目", {"level": "国家级", "meeting": "m", "organizer": "o", "paper": "是"}, [person.id],
                declared_by="unit", actor=Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id),
                org=unit.employer, title="年会", start_date=date(2026, 3, 1), end_date=date(2026, 3, 1))
    db.session.commit()
    rule_before = dict(d.rule)
    data = LearningFormFormData.of(lf, rule_amounts="国家级=6，省级=4，市级=2", bonus_values="是=1",
                                   cap_per_year="10", cap_per_record="8")
    r = post(operator, f"{FORMS}edit/?id={lf.id}", data)
    assert r.status_code == 302, page(r)
    db.session.expire_all()
    assert db.session.get(LearningForm, lf.id).credit({"level": "国家级", "paper": "是"}) == Decimal("7.0")
    record = CreditRecord.query.filter_by(declaration_id=d.id).one()
    assert (record.hours, record.cap_per_year) == (Decimal("18.0"), Decimal("36.0"))
    assert db.session.get(Declaration, d.id).rule == rule_before


def test_deactivating_a_form_takes_it_off_the_declaration_choices(operator):
    lf = LearningForm.query.filter_by(code="survey").one()
    data = LearningFormFormData.of(lf)
    data.pop("active")
    assert post(operator, f"{FORMS}edit/?id={lf.id}", data).status_code == 302
    assert "survey" not in {f.code for f in LearningForm.available()}
    assert "停用" in page(operator.get(FORMS))


def test_double_submission_of_a_new_form_creates_one(operator):
    assert post(operator, FORMS + "new/", form_data()).status_code == 302
    r = post(operator, FORMS + "new/", form_data())
    assert r.status_code == 200 and "已有相同代码的学习形式" in page(r)
    assert LearningForm.query.filter_by(code="lecture").count() == 1


def test_no_delete(operator):
    lf = LearningForm.query.first()
    r = Auth(operator).post(FORMS + "delete/", {"id": str(lf.id)}, form_url=FORMS)
    assert r.status_code in (302, 404) and db.session.get(LearningForm, lf.id) is not None


# -- 学时规则 ---------------------------------------------------------------------------------------------
def rule_data(**over):
    data = {"year": "2030", "total": "90", "minimums-0-category": "公需科目", "minimums-0-minimum": "30",
            "minimums-1-category": "专业科目", "minimums-1-minimum": "42", "minimums-2-category": "个人选修",
            "minimums-2-minimum": "18", "minimums-3-category": "", "minimums-3-minimum": "", "note": "广东式"}
    data.update(over)
    return data


def test_operator_adds_a_year_with_a_third_category(operator):
    r = post(operator, RULES + "new/", rule_data())
    assert r.status_code == 302, page(r)
    rule = HoursRule.query.filter_by(year=2030).one()
    assert rule.total == Decimal(90) and rule.minimums == {"公需科目": 30, "专业科目": 42, "个人选修": 18}
    assert AuditEntry.query.filter_by(entity="hours_rule", entity_id=str(rule.id), action="create").count() == 1
    assert "个人选修 ≥ 18" in page(operator.get(RULES))
    # the new category is offered to learning forms
    assert 'value="个人选修"' in page(operator.get(FORMS + "new/"))


@pytest.mark.parametrize("over, message", [
    ({"total": "60"}, "各科目最低学时之和（90）不能超过总学时（60）"),
    ({"minimums-1-minimum": "-1"}, "不能为负数"),
    ({"minimums-2-category": "专业科目"}, "“专业科目”重复"),
    ({"minimums-2-minimum": ""}, "请填写最低学时"),
    ({"year": "1999"}, "请填写 2000–2100 之间的年份"),
    ({"total": ""}, "请填写总学时"),
    ({"minimums-0-category": "", "minimums-0-minimum": "", "minimums-1-category": "", "minimums-1-minimum": "",
      "minimums-2-category": "", "minimums-2-minimum": ""}, "请至少设置一个计入科目的最低学时"),
])
def test_a_bad_rule_is_refused_with_its_reason(operator, over, message):
    r = post(operator, RULES + "new/", rule_data(**over))
    text = page(r)
    assert r.status_code == 200 and message in text and "记录失败，请检查下方标出的字段" in text
    assert HoursRule.query.filter_by(year=2030).count() == 0


def test_one_rule_per_year_and_edit_keeps_the_year(operator):
    this_year = HoursRule.query.one()
    r = post(operator, RULES + "new/", rule_data(year=str(this_year.year)))
    assert f"{this_year.year}年的学时规则已存在" in page(r)
    r = post(operator, f"{RULES}edit/?id={this_year.id}", rule_data(year="2099", total="100"))
    assert r.status_code == 302, page(r)
    db.session.refresh(this_year)
    assert this_year.year != 2099 and this_year.total == Decimal(100)
    assert AuditEntry.query.filter_by(entity="hours_rule", action="update").count() == 1


def test_model_check_names_every_problem():
    found = problems({"fields": [{"name": "level", "label": "", "type": "choice", "choices": []}],
                      "rule": {"type": "table", "field": "level", "amounts": {"国家级": 1}},
                      "cap_per_record": -1, "categories": [], "declarers": ["robot"]})
    assert set(found) == {"fields.0.label", "fields.0.choices", "rule.amounts", "cap_per_record", "categories",
                          "declarers"}
    assert problems({"fields": [], "rule": {"type": "magic"}})["rule.type"].startswith("未知的计算方式")


def test_both_lists_export_to_excel(operator):
    r = operator.get(FORMS + "export.xlsx")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["Content-Disposition"]
    text = response_text(r)
    assert "计算规则" in text and "每天8学时（按“培训天数”折算）" in text and "长期有效" in text
    text = response_text(operator.get(RULES + "export.xlsx"))
    assert "公需科目 ≥ 30，专业科目 ≥ 60" in text


def test_a_category_no_rule_names_stays_editable_on_its_forms(operator):
    lf = LearningForm.query.filter_by(code="other").one()
    lf.categories = [*lf.categories, "个人选修"]
    db.session.commit()
    assert 'value="个人选修"' in page(operator.get(f"{FORMS}edit/?id={lf.id}"))
    data = LearningFormFormData.of(lf, categories=["专业科目", "个人选修"])
    assert post(operator, f"{FORMS}edit/?id={lf.id}", data).status_code == 302
    db.session.refresh(lf)
    assert lf.categories == ["专业科目", "个人选修"]
