"""参训人员批量导入 (F21 岗位培训, F23): the template, the JSON check (who passes, each refusal by row and column),
the failed-rows file and who may fetch it, hostile files, the job path, and who may use it at all."""
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import AuditEntry, db
from models.hours import participants as kind
from models.hours.records import MAX_APPLICANTS
from models.jobs import Job
from models.spreadsheet.cells import ID_AS_NUMBER, ID_AS_NUMBER_15
from models.spreadsheet.imports import DUPLICATE, KINDS, ImportRefused, validate
from models.spreadsheet.reading import read_table
from models.staff_import import EXAMPLE_ID
from models.validators import mask_id_number

from ..helpers import csrf_token, make_admin, make_org, make_person, make_role, zip_bomb
from ..querycount import count_queries

URL = "/admin/hours/participants"
HEADER = ["姓名*", "身份证号*", "所在部门"]


def xlsx(rows, header=HEADER, text_ids=True):
    """A file as Excel saves it; ``text_ids=False`` leaves the ID column General, so numbers stay numbers."""
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    if text_ids:
        for cell in ws["B"]:
            cell.number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def check(client, data, name="名单.xlsx", token=None):
    if token is None:
        token = csrf_token(client.get("/admin/").get_data(as_text=True))
    return client.post(f"{URL}/check", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.fixture(autouse=True)
def own_folder(app, tmp_path):
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")


@pytest.fixture
def staff(unit):
    """Approved staff of the unit and of its branch, a pending one, and someone of an unrelated unit."""
    unit.zhang = make_person(unit.employer, "张伟")
    unit.li = make_person(unit.employer, "李娜")
    unit.wang = make_person(unit.branch, "王芳")  # a subunit's: inside the subtree
    unit.pending = make_person(unit.employer, "赵待审", status="pending")
    unit.stranger = make_person(unit.other, "钱外单位")
    return unit


@pytest.fixture
def admin(auth, staff):
    auth.login(staff.admin)
    return staff


def row(person, name=None, department=""):
    return [name or person.name, person.id_number, department]


# -- template -----------------------------------------------------------------------------------------------
def test_the_template_has_the_text_id_column_and_the_instructions(client, admin):
    r = client.get(f"{URL}/template")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["参训人员名单", "填写说明"]
    ws = wb["参训人员名单"]
    assert [c.value for c in ws[1]] == HEADER
    assert ws.column_dimensions["B"].number_format == "@" and ws["B2"].value == EXAMPLE_ID
    instructions = " ".join(str(c.value) for r in wb["填写说明"].iter_rows() for c in r if c.value)
    assert "5,000" in instructions and "100,000" not in instructions and "已审核" in instructions


def test_the_template_as_downloaded_adds_nobody(client, admin):
    r = check(client, client.get(f"{URL}/template").data)
    assert r.status_code == 200
    data = r.get_json()
    assert data["people"] == [] and data["errors"] == [] and data["total"] == 0
    assert any("示例行" in n for n in data["notices"])


# -- the check ----------------------------------------------------------------------------------------------
def test_a_good_file_gives_the_people_in_its_order_and_writes_nothing(client, admin):
    before = audit_count()
    r = check(client, xlsx([row(admin.wang, department="历下分公司"), row(admin.zhang), row(admin.li)]))
    assert r.status_code == 200, r.get_data(as_text=True)
    data = r.get_json()
    assert data["people"] == [{"id": p.id, "name": p.name, "masked_id": mask_id_number(p.id_number)}
                              for p in (admin.wang, admin.zhang, admin.li)]
    assert data["errors"] == [] and data["failed_url"] is None and data["total"] == 3
    assert admin.zhang.id_number not in r.get_data(as_text=True)  # masked only
    assert audit_count() == before


def test_id_numbers_saved_as_numbers_by_excel_are_refused_by_row(client, admin):
    # 18 digits typed into a General cell: Excel keeps a number of 15 significant digits.
    excel = int(admin.zhang.id_number[:15] + "000")
    r = check(client, xlsx([[admin.zhang.name, excel, ""], row(admin.li), [admin.wang.name, 3701021990, ""]],
                           text_ids=False))
    data = r.get_json()
    assert [p["id"] for p in data["people"]] == [admin.li.id]
    assert data["errors"] == [
        {"row": 2, "column": "身份证号", "value": str(excel), "message": ID_AS_NUMBER_15},
        {"row": 4, "column": "身份证号", "value": "3701021990", "message": ID_AS_NUMBER}]


def test_a_person_of_another_unit_is_not_one_of_ours_and_nothing_of_them_is_shown(client, admin):
    nobody = "11010519491231002X"
    r = check(client, xlsx([row(admin.stranger), ["无此人", nobody, ""], row(admin.zhang)]))
    data = r.get_json()
    assert [p["id"] for p in data["people"]] == [admin.zhang.id]
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [
        (2, "身份证号", kind.NOT_OURS), (3, "身份证号", kind.NOT_OURS)]
    body = r.get_data(as_text=True)
    assert "青岛其他制造" not in body and admin.stranger.org.name not in body


def test_the_superior_may_take_its_subordinate_units_staff(client, auth, staff):
    auth.login(make_admin(staff.city, "市管理"), user_type="supervisor")
    data = check(client, xlsx([row(staff.zhang), row(staff.wang), row(staff.stranger)])).get_json()
    assert [p["id"] for p in data["people"]] == [staff.zhang.id, staff.wang.id]  # 青岛 is not under 济南
    assert [e["row"] for e in data["errors"]] == [4]


def test_a_name_that_is_not_the_registered_one_names_the_registered_one(client, admin):
    data = check(client, xlsx([row(admin.zhang, name="张卫")])).get_json()
    assert data["people"] == []
    assert data["errors"] == [{"row": 2, "column": "姓名", "value": "张卫",
                               "message": kind.NAME_MISMATCH.format(name="张伟")}]


def test_the_other_units_registered_name_is_never_revealed(client, admin):
    data = check(client, xlsx([row(admin.stranger, name="猜测")])).get_json()
    assert data["errors"][0]["message"] == kind.NOT_OURS and "钱外单位" not in str(data)


def test_duplicate_rows_name_each_other_and_neither_is_added(client, admin):
    data = check(client, xlsx([row(admin.zhang), row(admin.li), row(admin.zhang)])).get_json()
    assert [p["id"] for p in data["people"]] == [admin.li.id]
    assert [(e["row"], e["message"]) for e in data["errors"]] == [
        (2, DUPLICATE.format(rows="4", label="身份证号")), (4, DUPLICATE.format(rows="2", label="身份证号"))]


def test_a_pending_person_is_not_an_approved_one(client, admin):
    data = check(client, xlsx([row(admin.pending)])).get_json()
    assert data["people"] == []
    assert data["errors"][0]["column"] == "身份证号" and "待审核" in data["errors"][0]["message"]


def test_missing_cells_and_bad_check_digits_are_said_per_cell(client, admin):
    bad = admin.zhang.id_number[:17] + ("0" if admin.zhang.id_number[17] != "0" else "1")
    data = check(client, xlsx([["", admin.li.id_number, ""], ["某人", bad, ""]])).get_json()
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(2, "姓名"), (3, "身份证号")]
    assert data["errors"][0]["message"] == "必填项，不能为空" and "校验位" in data["errors"][1]["message"]


def test_the_database_is_asked_once_however_long_the_file(app, client, admin):
    people = [make_person(admin.employer, f"员工{i}") for i in range(40)]
    ctx = kind.ParticipantsContext(admin.employer.id)

    def statements(rows):
        table = read_table("名单.xlsx", xlsx([row(p) for p in rows]))
        with count_queries() as seen:
            preview = validate(KINDS["hours_participants"], table, ctx)
        assert len(preview.valid_rows) == len(rows)
        return len(seen)

    assert statements(people[:2]) == statements(people) == 1


def test_the_kind_writes_nothing(admin):
    with pytest.raises(ImportRefused, match="不单独导入"):
        KINDS["hours_participants"].write([], kind.ParticipantsContext(admin.employer.id))


# -- the failed rows ----------------------------------------------------------------------------------------
def test_the_failed_rows_download_opens_with_the_reasons_and_ids_as_text(client, admin):
    data = check(client, xlsx([row(admin.zhang, name="张卫"), row(admin.li), row(admin.stranger)])).get_json()
    assert re.fullmatch(rf"{URL}/[A-Za-z0-9_-]{{22}}/failed", data["failed_url"])
    r = client.get(data["failed_url"])
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data))["参训人员名单"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == HEADER + ["错误原因"]
    assert rows[1][:2] == ["张卫", admin.zhang.id_number] and "张伟" in rows[1][3]
    assert rows[2][:2] == ["钱外单位", admin.stranger.id_number] and kind.NOT_OURS in rows[2][3]
    assert len(rows) == 3 and ws["B2"].number_format == "@"


def test_another_admin_cannot_fetch_your_failed_rows(client, auth, admin):
    url = check(client, xlsx([row(admin.stranger)])).get_json()["failed_url"]
    colleague = make_admin(admin.employer, "同事管理", is_super=False,  # the same unit, another account
                           role=make_role(admin.employer, "申报", ["hours.declare"]))
    auth.logout()
    auth.login(colleague)
    assert client.get(url).status_code == 404
    assert client.get(url.rsplit("/", 1)[0] + "/").status_code == 404
    auth.logout()
    auth.login(admin.other_admin)
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login(admin.admin)
    assert client.get(url).status_code == 200


def test_the_failed_rows_are_only_for_the_unit_the_admin_acted_for(client, auth, admin):
    url = check(client, xlsx([row(admin.stranger)])).get_json()["failed_url"]
    make_admin(admin.branch, account=admin.admin)  # the same account is also the branch's admin
    page = client.get("/choose-org")
    client.post("/choose-org", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                     "org_id": admin.branch.id})
    assert client.get(url).status_code == 404
    page = client.get("/choose-org")
    client.post("/choose-org", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                     "org_id": admin.employer.id})
    assert client.get(url).status_code == 200


# -- whole files refused ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,message", [
    ("证明.pdf", "不支持 .pdf 格式的文件"),
    ("改名的PDF.xlsx", "PDF 文档"),
    ("炸弹.xlsx", None),
    ("宏.xlsm", "文件含有宏"),
    ("只有表头.xlsx", "没有数据行"),
    ("缺列.xlsx", "文件缺少必填列：身份证号"),
    ("太长.csv", "每个文件最多 5,000 行数据"),
])
def test_a_refused_file_comes_back_as_one_chinese_message(client, admin, name, message):
    data = {"证明.pdf": b"%PDF-1.4 x", "改名的PDF.xlsx": b"%PDF-1.4 x", "炸弹.xlsx": None,
            "宏.xlsm": xlsx([row(admin.zhang)]), "只有表头.xlsx": xlsx([]),
            "缺列.xlsx": xlsx([["张伟"]], header=["姓名"]),
            "太长.csv": "\n".join(["姓名,身份证号"] + [f"人{i},{EXAMPLE_ID}" for i in range(MAX_APPLICANTS + 1)])
            .encode()}[name]
    if name == "炸弹.xlsx":
        data = zip_bomb()
    before = audit_count()
    r = check(client, data, name)
    assert r.status_code == 400, name
    answer = r.get_json()
    assert answer["people"] == [] and re.search(r"[\u4e00-\u9fff]", answer["message"]), answer
    if message:
        assert message in answer["message"], answer["message"]
    assert audit_count() == before


def test_no_file_or_no_csrf_token(client, admin):
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    r = client.post(f"{URL}/check", data={"csrf_token": token}, content_type="multipart/form-data")
    assert r.status_code == 400 and r.get_json()["message"] == "请选择要上传的文件"
    r = client.post(f"{URL}/check", data={"file": (io.BytesIO(xlsx([row(admin.zhang)])), "名单.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True)


def test_a_check_is_a_post(client, admin):
    assert client.get(f"{URL}/check", follow_redirects=True).status_code == 404  # no upload named "check"
    assert client.get(f"{URL}/").status_code == 302  # the import lives on the declaration page


# -- long files: the engine's job ---------------------------------------------------------------------------
def test_a_long_file_is_checked_as_a_job_and_its_result_is_the_same_json(app, client, admin):
    app.config["IMPORT_JOB_ROWS"] = 2
    try:
        r = check(client, xlsx([row(admin.zhang), row(admin.li), row(admin.stranger)]))
        assert r.status_code == 202
        answer = r.get_json()
        status = client.get(answer["job"]).get_json()
        assert status["status"] == "done", status  # the tests' queue runs jobs at once
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job.kind == "import_preview" and job.total == 3 and job.errors == 1
        data = client.get(status["url"]).get_json()
        assert [p["id"] for p in data["people"]] == [admin.zhang.id, admin.li.id]
        assert data["errors"][0]["row"] == 4 and client.get(data["failed_url"]).status_code == 200
    finally:
        app.config.pop("IMPORT_JOB_ROWS")


# -- who may ------------------------------------------------------------------------------------------------
def test_without_hours_declare_or_hours_plan_it_is_403(client, auth, staff):
    viewer = make_admin(staff.employer, "只读", is_super=False,
                        role=make_role(staff.employer, "查询", ["stats.staff", "hours.records"]))
    auth.login(viewer)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    for url in (f"{URL}/", f"{URL}/template", f"{URL}/{'x' * 22}/", f"{URL}/{'x' * 22}/failed"):
        assert client.get(url).status_code == 403, url
    assert check(client, xlsx([row(staff.zhang)]), token=token).status_code == 403


def test_the_plan_right_alone_opens_it(client, auth, staff):
    planner = make_admin(staff.employer, "计划", is_super=False,
                         role=make_role(staff.employer, "计划", ["hours.plan"]))
    auth.login(planner)
    data = check(client, xlsx([row(staff.zhang)])).get_json()
    assert [p["id"] for p in data["people"]] == [staff.zhang.id]


def test_a_training_base_admin_is_refused(client, auth, staff):
    base = make_org("济南继续教育基地", kind="base", parent=staff.city)
    auth.login(make_admin(base, "基地管理"), user_type="base")
    assert client.get(f"{URL}/template").status_code == 403


# -- on the declaration page --------------------------------------------------------------------------------
def test_the_declaration_page_carries_the_import_for_post_training_only(client, auth, admin):
    html = client.get("/admin/hours/declare/").get_data(as_text=True)
    section = re.search(r'<div id="participants-import"[^>]*>', html).group(0)
    assert 'data-only-form="post_training"' in section and "d-none" in section  # shown by hours_form.js
    assert f'data-check-url="{URL}/check"' in section and f'href="{URL}/template"' in html
    assert re.search(r'<script src="/static/hours_participants\.js" nonce="[^"]+" defer>', html)
    assert "<script>" not in html and "onclick" not in html


def test_a_training_base_declares_by_typed_pairs_without_the_import(client, auth, staff):
    base = make_org("济南继续教育基地二", kind="base", parent=staff.city)
    role = make_role(base, "申报", ["hours.declare"])
    auth.login(make_admin(base, "基地申报", is_super=False, role=role), user_type="base")
    html = client.get("/admin/hours/declare/").get_data(as_text=True)
    assert "学时申报" in html and "participants-import" not in html
