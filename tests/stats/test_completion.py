"""继教完成情况查询 (F27): the list, the per-unit summary and its chart against SQL written here from the credit
records themselves (not from 学时汇总), scoping, filters, bad arguments, 学习记录, the export and query counts."""
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from admin_views.stats import completion as view_module
from models import AuditEntry, CreditRecord, HoursRule, Job, Person, db
from models.actor import Actor
from models.hours import approval
from models.hours.catalogue import PROFESSIONAL, PUBLIC, seed_catalogue
from models.hours.records import declare
from models.hours.totals import PersonYearHours

from ..helpers import make_admin, make_department, make_org, make_person, make_role
from ..hours.credit_data import form
from ..querycount import count_queries

URL = "/admin/stats/completion/"
OPERATOR = Actor(None, "运维", None, None)
YEAR = 2026


def give(people, hours, category, org, year=YEAR):
    """``org`` declares ``hours`` of 网络培训 for ``people`` in ``year``, approved at once."""
    if not people:
        return
    actor = Actor(None, "单位管理员", org.id, org.id)
    day = date(year, 3, 1)
    d = declare(form("online"), category, {"platform": "平台", "course": "课程", "hours": hours},
                [p.id for p in people], declared_by="unit", actor=actor, org=org, title="网络培训",
                start_date=day, end_date=day)
    ids = [r.id for r in CreditRecord.query.filter_by(declaration_id=d.id)]
    approval.decide_credits(ids, "approved", OPERATOR)
    db.session.commit()


@pytest.fixture
def staff(unit):
    """People of the employer (two departments), its branch and the unrelated unit, with hours that meet 2026's
    rule (90, 公需 30, 专业 60), fall short of one category, or have none; one person 停用 after meeting it."""
    seed_catalogue()
    db.session.add(HoursRule(year=2025, total=90, minimums={PUBLIC: 30, PROFESSIONAL: 60}))
    db.session.commit()
    heart, lab = make_department(unit.employer, "心血管内科"), make_department(unit.employer, "检验科")
    p = {
        "met": make_person(unit.employer, "张达标", department=heart, title_series="卫生技术"),
        "public_short": make_person(unit.employer, "李公需", department=heart, title_series="卫生技术"),
        "prof_short": make_person(unit.employer, "王专业", department=lab),
        "none": make_person(unit.employer, "赵无学时", department=lab),
        "branch_met": make_person(unit.branch, "孙分达标"),
        "branch_none": make_person(unit.branch, "周分无"),
        "gone": make_person(unit.employer, "吴停用"),
        "other_met": make_person(unit.other, "钱外单位"),
    }
    give([p["met"], p["prof_short"], p["branch_met"], p["gone"]], 30, PUBLIC, unit.employer)
    give([p["public_short"]], 24, PUBLIC, unit.employer)
    give([p["met"], p["public_short"], p["branch_met"], p["gone"]], 60, PROFESSIONAL, unit.employer)
    give([p["prof_short"]], 50, PROFESSIONAL, unit.employer)
    give([p["met"]], 90, PROFESSIONAL, unit.employer, year=2025)
    give([p["other_met"]], 30, PUBLIC, unit.other)
    give([p["other_met"]], 60, PROFESSIONAL, unit.other)
    gone = db.session.get(Person, p["gone"].id)
    gone.status = "disabled"
    db.session.commit()
    return p


def expected(org_id, year=YEAR):
    """{person id: (public, professional, total, met)} of the approved people of ``org_id``'s subtree, summed here
    from the approved records (no 学时汇总), met by the year's rule."""
    rule = HoursRule.for_year(year)
    need_total, minimums = Decimal(rule.total), {k: Decimal(str(v)) for k, v in rule.minimums.items()}
    rows = db.session.execute(text(
        "SELECT p.id, "
        " COALESCE(SUM(CASE WHEN r.category = '公需科目' THEN r.approved_hours END), 0), "
        " COALESCE(SUM(CASE WHEN r.category = '专业科目' THEN r.approved_hours END), 0), "
        " COALESCE(SUM(r.approved_hours), 0) "
        "FROM person p JOIN org_closure c ON c.descendant_id = p.org_id AND c.ancestor_id = :org "
        "LEFT JOIN credit_record r ON r.person_id = p.id AND r.year = :year AND r.status = 'approved' "
        "WHERE p.status = 'approved' GROUP BY p.id"), {"org": org_id, "year": year}).all()
    out = {}
    for pid, pub, prof, total in rows:
        pub, prof, total = Decimal(pub), Decimal(prof), Decimal(total)
        got = {PUBLIC: pub, PROFESSIONAL: prof}
        out[pid] = (pub, prof, total, total >= need_total and all(got[k] >= v for k, v in minimums.items()))
    return out


def cells(html, attr):
    """{row key: [cell texts]} of the table rows carrying ``data-<attr>``."""
    out = {}
    for key, row in re.findall(rf'<tr data-{attr}="(\d+)">(.*?)</tr>', html, re.S):
        out[int(key)] = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                         for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return out


def listed(html):
    """{person id: (public, professional, total, met)} as the page shows them."""
    return {pid: (Decimal(c[6]), Decimal(c[7]), Decimal(c[8]), c[9] == "达标") for pid, c in cells(html, "person").items()}


def page(client, **args):
    r = client.get(URL, query_string=args)
    assert r.status_code == 200, r.status_code
    return r.get_data(as_text=True)


def test_the_list_is_every_approved_person_of_the_subtree_with_sql_numbers(auth, client, unit, staff):
    auth.login(unit.admin)
    html = page(client)
    assert listed(html) == expected(unit.employer.id)
    assert set(listed(html)) == {staff[k].id for k in ("met", "public_short", "prof_short", "none", "branch_met",
                                                          "branch_none")}
    assert "钱外单位" not in html and "吴停用" not in html
    rows = cells(html, "person")
    assert rows[staff["public_short"].id][10] == "公需差 6 学时"
    assert rows[staff["prof_short"].id][10] == "专业差 10 学时"
    assert rows[staff["none"].id][10] == "公需差 30 学时，专业差 60 学时"
    assert rows[staff["met"].id][10] == "" and rows[staff["met"].id][1] == staff["met"].masked_id
    assert "共 6 人" in html
    # Last year's rule and hours when the year is picked.
    assert listed(page(client, year=2025)) == expected(unit.employer.id, 2025)


def test_the_summary_rolls_up_children_and_counts_the_units_own_staff(auth, client, unit, staff):
    auth.login(make_admin(unit.city, "市局管理员"), user_type="supervisor")
    html = page(client, org=unit.employer.id)
    units = cells(html, "org")
    want = expected(unit.employer.id)
    own = {pid for pid in want if db.session.get(Person, pid).org_id == unit.employer.id}
    assert units[unit.employer.id][1:3] == [str(len(own)), str(sum(want[p][3] for p in own))]
    branch = expected(unit.branch.id)
    assert units[unit.branch.id][1:] == [str(len(branch)), str(sum(v[3] for v in branch.values())),
                                         f"{sum(v[3] for v in branch.values()) * 100 / len(branch):.1f}%"]
    # The city sees its one child, the employer, rolled up over the branch; the 停用 person counts nowhere.
    city = cells(page(client), "org")
    assert set(city) == {unit.city.id, unit.employer.id}
    assert city[unit.employer.id][1:3] == [str(len(want)), str(sum(v[3] for v in want.values()))]
    assert city[unit.city.id][1:3] == ["0", "0"]
    chart = client.get(URL + "chart.json", query_string={"org": unit.employer.id}).get_json()
    bars = {s["name"]: s["data"] for s in chart["series"]}
    assert chart["xAxis"]["data"] == ["济南示范科技有限公司（本级）", "济南示范科技有限公司历下分公司"]
    assert [d["value"] for d in bars["人数"]] == [len(own), len(branch)]
    assert [d["value"] for d in bars["达标人数"]] == [1, 1]
    assert bars["人数"][1]["url"].endswith(f"org={unit.branch.id}") and f"year={YEAR}" in bars["人数"][1]["url"]


def test_a_summary_row_count_is_the_lists_count_for_that_unit(auth, client, unit, staff):
    auth.login(unit.admin)
    units = cells(page(client), "org")
    for org_id, row in units.items():
        narrowed = listed(page(client, org=org_id))
        if org_id == unit.employer.id:  # the own row counts the unit's own staff only
            narrowed = {k: v for k, v in narrowed.items() if db.session.get(Person, k).org_id == org_id}
        assert [str(len(narrowed)), str(sum(v[3] for v in narrowed.values()))] == row[1:3]
        met_only = listed(page(client, org=org_id, met=1))
        assert all(v[3] for v in met_only.values())


def test_another_units_people_never_appear(auth, client, unit, staff):
    auth.login(unit.admin)
    for args in ({}, {"org": unit.other.id}, {"org": unit.province.id}, {"q": "钱"}):
        html = page(client, **args)
        assert "钱外单位" not in html and "青岛其他" not in html
        chart = client.get(URL + "chart.json", query_string=args).get_data(as_text=True)
        assert "青岛" not in chart and "钱外单位" not in chart
        export = client.get(URL + "export.xlsx", query_string=args)
        names = [row[0] for row in load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(
            min_row=2, values_only=True)]
        assert "钱外单位" not in names and len(names) == (0 if "q" in args else 6)
    assert "所选单位不存在或不在您的管理范围内" in page(client, org=unit.other.id)
    r = client.get(f"{URL}person/{staff['other_met'].id}/")
    assert r.status_code == 404 and "钱外单位" not in r.get_data(as_text=True)


@pytest.mark.parametrize("args, names", [
    ({"met": "1"}, {"张达标", "孙分达标"}),
    ({"met": "0"}, {"李公需", "王专业", "赵无学时", "周分无"}),
    ({"dept": "heart"}, {"张达标", "李公需"}),
    ({"series": "卫生技术"}, {"张达标", "李公需"}),
    ({"q": "孙"}, {"孙分达标"}),
    ({"q": "id:met"}, {"张达标"}),
    ({"met": "0", "q": "王"}, {"王专业"}),
    ({"org": "branch"}, {"孙分达标", "周分无"}),
])
def test_filters(auth, client, unit, staff, args, names):
    auth.login(unit.admin)
    args = dict(args)
    if args.get("dept") == "heart":
        args["dept"] = db.session.scalar(text("SELECT id FROM department WHERE name = '心血管内科'"))
    if args.get("q") == "id:met":
        args["q"] = staff["met"].id_number[:17]
    if args.get("org") == "branch":
        args["org"] = unit.branch.id
    html = page(client, **args)
    shown = {c[0] for c in cells(html, "person").values()}
    assert shown == names
    assert f"共 {len(names)} 人" in html  # from the summary's totals or a count of its own, the same number
    export = client.get(URL + "export.xlsx", query_string=args)
    rows = list(load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == names


@pytest.mark.parametrize("args, message", [
    ({"year": "abc"}, "年度格式不正确"), ({"year": "1800"}, "年度格式不正确"), ({"year": "99999999999999999999"}, "年度格式不正确"),
    ({"met": "x"}, "达标情况只能选择达标或未达标"), ({"series": "不存在的系列"}, "所选职称系列不存在"),
    ({"org": "abc"}, "所选单位不存在"), ({"org": "-5"}, "所选单位不存在"), ({"dept": "99999"}, "所选部门不存在"),
    ({"page": "-3"}, None), ({"page": "abc"}, None), ({"page": "99999999"}, None), ({"q": "%_\\" * 30}, None),
])
def test_bad_arguments_say_so_and_show_the_default(auth, client, unit, staff, args, message):
    auth.login(unit.admin)
    html = page(client, **args)
    if message:
        assert message in html
    for path in ("chart.json", "export.xlsx"):
        assert client.get(URL + path, query_string=args).status_code == 200


def test_a_department_of_another_unit_is_refused(auth, client, unit, staff):
    elsewhere = make_department(unit.other, "外单位部门")
    auth.login(unit.admin)
    html = page(client, dept=elsewhere.id)
    assert "所选部门不存在或不属于所选单位" in html and len(cells(html, "person")) == 6


def test_the_drill_shows_the_years_records_with_their_state(auth, client, unit, staff):
    person = staff["public_short"]
    actor = Actor(None, "单位管理员", unit.employer.id, unit.employer.id)
    d = declare(form("online"), PUBLIC, {"platform": "平台", "course": "待审课程", "hours": 6}, [person.id],
                declared_by="unit", actor=actor, org=unit.employer, title="待审核的网络培训",
                start_date=date(YEAR, 5, 1), end_date=date(YEAR, 5, 1))
    db.session.commit()
    auth.login(unit.admin)
    r = client.get(f"{URL}person/{person.id}/", query_string={"year": YEAR})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    records = cells(html, "record")
    want = CreditRecord.query.filter_by(person_id=person.id, year=YEAR).all()
    assert set(records) == {rec.id for rec in want} and len(want) == 3
    pending = CreditRecord.query.filter_by(declaration_id=d.id).one()
    assert records[pending.id][6] == "待审核" and records[pending.id][4] == "6"
    assert {records[r.id][6] for r in want if r.id != pending.id} == {"已通过"}
    assert {c[1] for c in records.values()} == {"网络培训"}
    assert "未达标" in html and "李公需" in html and "公需差 6 学时" in html
    assert f"/admin/hours/records/details/?id={want[0].id}" in html  # the record's own page, for hours.records
    assert client.get(f"{URL}person/{person.id}/", query_string={"year": 2025}).status_code == 200
    for junk in ("abc", "0", "99999999", staff["other_met"].id):
        assert client.get(f"{URL}person/{junk}/").status_code == 404


def test_export_has_typed_cells_and_is_audited(auth, client, unit, staff):
    auth.login(unit.admin)
    r = client.get(URL + "export.xlsx", query_string={"year": YEAR})
    assert r.status_code == 200 and r.mimetype.endswith("sheet")
    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["姓名", "身份证号", "单位"] and header[-2:] == ["是否达标", "未达标原因"]
    rows = {row[1].value: row for row in ws.iter_rows(min_row=2)}
    met = rows[staff["met"].id_number]
    assert met[1].data_type == "s" and met[1].number_format == "@"
    assert met[6].value == YEAR and met[7].value == 30 and met[8].value == 60 and met[10].value == 90
    assert isinstance(met[10].value, (int, float)) and met[11].value == "是"
    assert rows[staff["public_short"].id_number][12].value == "公需差 6 学时"
    want = expected(unit.employer.id)
    by_number = {db.session.get(Person, pid).id_number: v for pid, v in want.items()}
    assert {k: (Decimal(str(r[7].value)), Decimal(str(r[8].value)), Decimal(str(r[10].value)), r[11].value == "是")
            for k, r in rows.items()} == by_number
    entry = AuditEntry.query.filter_by(action="export", entity="person_year_hours").one()
    assert entry.changes["rows"] == 6


def test_a_large_export_runs_as_a_job(auth, client, unit, staff, monkeypatch):
    monkeypatch.setattr(view_module, "EXPORT_SYNC_ROWS", 2)
    monkeypatch.setattr(view_module, "EXPORT_CHUNK", 4)  # two chunks: the keyset continues after the first
    auth.login(unit.admin)
    r = client.get(URL + "export.xlsx", query_string={"met": "0"})
    job = Job.query.one()
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/jobs/{job.id}")
    status = client.get(f"/admin/jobs/{job.id}.json").get_json()
    assert status["percent"] == 100, status
    ws = load_workbook(io.BytesIO(client.get(status["download"]).data)).worksheets[0]
    assert sorted(r[0] for r in ws.iter_rows(min_row=2, values_only=True)) == sorted(
        ["李公需", "王专业", "赵无学时", "周分无"])
    r = client.get(URL + "export.xlsx")  # six rows, two chunks of four
    job = Job.query.order_by(Job.id.desc()).first()
    ws = load_workbook(io.BytesIO(client.get(client.get(f"/admin/jobs/{job.id}.json").get_json()["download"]).data))
    assert len(list(ws.worksheets[0].iter_rows(min_row=2))) == 6


def test_the_page_runs_as_many_queries_for_many_rows_as_for_few(auth, client, unit, staff):
    auth.login(unit.admin)
    page(client)
    with count_queries() as few:
        page(client)
    more = [make_person(unit.employer, f"新人{i}", department=make_department(unit.employer)) for i in range(12)]
    give(more, 30, PUBLIC, unit.employer)
    for i in range(3):
        make_org(f"济南示范科技有限公司第{i}分公司", parent=unit.employer)
    with count_queries() as many:
        html = page(client)
    assert len(cells(html, "person")) == 18
    assert len(many) == len(few), (len(few), len(many))


def test_permission_is_required(auth, client, unit, staff):
    r = client.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    role = make_role(unit.employer, "只看人员", codes=["stats.staff"])
    auth.login(make_admin(unit.employer, "无权限", is_super=False, role=role))
    for path in ("", "chart.json", "export.xlsx", f"person/{staff['met'].id}/"):
        assert client.get(URL + path).status_code == 403
    assert "继教完成情况查询" not in client.get("/admin/").get_data(as_text=True)


def test_the_operator_sees_the_province_by_its_top_units(auth, client, unit, staff):
    from ..helpers import make_account

    auth.login(make_account("客服小周", is_operator=True), user_type="operator")
    html = page(client)
    units = cells(html, "org")
    assert set(units) == {unit.province.id}
    total = expected(unit.province.id)
    assert units[unit.province.id][1:3] == [str(len(total)), str(sum(v[3] for v in total.values()))]
    assert listed(html) == total
    assert PersonYearHours.query.count() >= 5


def test_the_drill_links_the_proof_files_through_the_attachment_view(app, auth, client, unit, staff, tmp_path):
    from models.hours.attachments import store

    from ..hours.test_attachments import PDF, upload

    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "att")
    person = staff["met"]
    actor = Actor(None, "单位管理员", unit.employer.id, unit.employer.id)
    d = declare(form("face_to_face"), PROFESSIONAL, {"organizer": "省学会", "days": 1}, [person.id],
                declared_by="unit", actor=actor, org=unit.employer, title="新技术培训",
                start_date=date(YEAR, 5, 1), end_date=date(YEAR, 5, 1))
    [att] = store([upload("2026年结业证书.pdf", PDF)], d)
    db.session.commit()
    auth.login(unit.admin)
    html = client.get(f"{URL}person/{person.id}/").get_data(as_text=True)
    link = f"/admin/hours/attachments/{att.id}"
    assert link in html and "2026年结业证书.pdf" in html
    r = client.get(link)
    assert r.status_code == 200 and r.data == PDF
    auth.logout()
    auth.login(unit.other_admin)
    assert client.get(link).status_code == 404


def test_a_unit_with_more_children_than_listed_says_so_and_still_counts_right(auth, client, unit, staff,
                                                                              monkeypatch):
    from functools import partial

    from models.stats import completion_query as cq

    monkeypatch.setattr(view_module.cq, "unit_summary", partial(cq.unit_summary, cap=1))
    make_org("济南示范科技有限公司甲分公司", parent=unit.employer)
    auth.login(unit.admin)
    html = page(client)
    assert set(cells(html, "org")) == {unit.employer.id, unit.branch.id}  # own row + the first child by name
    assert "仅列出前" in html and "<tfoot>" not in html
    assert "共 6 人" in html and len(cells(html, "person")) == 6
