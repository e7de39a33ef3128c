"""专技人员信息 批量导入 over HTTP: template → upload → preview → either choice → failed rows → fix → re-upload;
who may see an upload; double submission; one request id in the audit log; hostile files; the job path."""
import io
import re
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from demo.ids import id_number
from models.title_series import series_names
from models import Account, AuditEntry, Person, audit, db
from models.jobs import Job
from models.spreadsheet import uploads
from models.staff_import import EXAMPLE_ID, OTHER_UNIT
from models.validators import id_check_digit

from .helpers import (PASSWORD, audit_count, csrf_token, make_account, make_admin, make_department, make_person,
                      make_role, sheet_file, zip_bomb)

URL = "/admin/staff/import/"
HEADER = ["姓名*", "身份证号*", "性别", "出生日期", "所在部门", "学历", "所学专业", "职称系列", "职称名称", "职称级别",
          "取得时间", "行政职务", "手机号*", "电子邮箱"]
INITIAL = "Init1234x"
_seq = iter(range(500000, 600000))


def new_id():
    return id_number(next(_seq))


def staff_row(name="王五", id_no=None, department="", phone="13900001111", **kw):
    values = {"姓名*": name, "身份证号*": id_no or new_id(), "所在部门": department, "学历": kw.pop("education", "大学本科"),
              "职称系列": "工程技术", "职称级别": "中级", "手机号*": phone, **kw}
    return [values.get(h, "") for h in HEADER]


def xlsx(rows, header=HEADER, name="人员.xlsx"):
    return sheet_file(header, rows)


def upload(client, data, name="人员.xlsx", follow=False):
    page = client.get(URL)
    return client.post(URL, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                  "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=follow)


def token_of(response_or_url):
    url = response_or_url if isinstance(response_or_url, str) else response_or_url.headers.get("Location", "")
    match = re.search(r"/admin/staff/import/([A-Za-z0-9_-]{22})/", url)
    assert match, (url, getattr(response_or_url, "status_code", None))
    return match.group(1)


def confirm(client, token, mode, password=INITIAL, confirm_password=None):
    page = client.get(f"{URL}{token}/")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "mode": mode}
    if password is not None:
        data.update(password=password, confirm=confirm_password if confirm_password is not None else password)
    return client.post(f"{URL}{token}/import", data=data)


def persons(org):
    return db.session.scalars(select(Person).where(Person.org_id == org.id).order_by(Person.id)).all()


@pytest.fixture(autouse=True)
def own_folder(app, tmp_path):
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")


@pytest.fixture
def admin(auth, unit):
    make_department(unit.employer, "研发部")
    make_department(unit.employer, "办公室（一）")
    make_department(unit.other, "乙部门")
    auth.login(unit.admin)
    return unit


# -- template -------------------------------------------------------------------------------------------------
def test_the_staff_list_links_to_the_import_and_the_template_opens(client, admin):
    assert 'href="/admin/staff/import/"' in client.get("/admin/staff/").get_data(as_text=True)
    page = client.get(URL)
    assert page.status_code == 200 and "下载模板" in page.get_data(as_text=True)
    r = client.get(URL + "template")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["专技人员信息", "填写说明", "选项"]
    ws = wb["专技人员信息"]
    assert [c.value for c in ws[1]] == HEADER
    assert ws.column_dimensions["B"].number_format == "@" and ws["B2"].value == EXAMPLE_ID
    assert ws.column_dimensions["M"].number_format == "@"
    rules = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert rules["C2:C100001"] == '"男,女"'
    assert rules["E2:E100001"] == "'选项'!$A$2:$A$3"  # this unit's departments, not another unit's
    assert [c.value for c in wb["选项"]["A"] if c.value] == ["所在部门", "办公室（一）", "研发部"]
    # 职称系列 come from the rows: the 27 national series, 无 and 其他
    assert rules["H2:H100001"] == "'选项'!$B$2:$B$30"
    assert [c.value for c in wb["选项"]["B"]] == ["职称系列", *series_names()]
    for column in ("F", "H", "J"):
        assert f"{column}2:{column}100001" in rules
    instructions = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    for label in HEADER:
        assert label.rstrip("*") in instructions
    assert "博士研究生" in instructions and "人员调转" in instructions


def test_the_template_as_downloaded_imports_nothing(client, admin):
    r = upload(client, client.get(URL + "template").data, "专技人员信息导入模板.xlsx")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "第2行与模板中的示例行相同，已忽略" in page and 'id="count-total">0<' in page


# -- the whole journey ---------------------------------------------------------------------------------------------
def test_upload_preview_import_valid_rows_then_fix_and_import_the_failed_ones(client, admin):
    rows = [staff_row(f"员工{i}", department="研发部" if i % 2 else "") for i in range(7)]
    rows[1][1] = "370102199001011235"                      # check digit wrong
    rows[3][4] = "不存在的部门"
    rows[5][12] = "12345"                                 # phone
    rows.append([rows[0][0], rows[0][1]] + [""] * 10 + ["13900002222", ""])  # the same ID again
    before = audit_count()
    r = upload(client, xlsx(rows))
    assert r.status_code == 302
    token = token_of(r)
    page = client.get(f"{URL}{token}/").get_data(as_text=True)
    assert 'id="count-valid">3<' in page and 'id="count-invalid">5<' in page and 'id="count-update">0<' in page
    assert "身份证号校验位错误" in page and "本单位没有名为“不存在的部门”的部门" in page
    assert "与第9行的身份证号重复" in page and "与第2行的身份证号重复" in page
    assert re.search(r"<td>7</td><td>手机号</td><td[^>]*>12345</td>", page)
    assert 'value="all_or_nothing" class="btn btn-outline-primary" disabled' in page
    assert audit_count() == before and persons(admin.employer) == []

    # 全部正确才导入 is refused while rows fail, even when posted by hand
    r = confirm(client, token, "all_or_nothing")
    assert persons(admin.employer) == []
    assert "未导入任何数据" in client.get(r.headers["Location"]).get_data(as_text=True)

    r = confirm(client, token, "valid_only")
    assert r.headers["Location"].endswith(f"/{token}/result")
    result = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="count-created">3 行<' in result and 'id="count-skipped">5 行<' in result
    created = persons(admin.employer)
    assert sorted(p.name for p in created) == ["员工2", "员工4", "员工6"]
    assert {p.status for p in created} == {"approved"} and all(p.reviewed_at for p in created)
    assert [p.department.name if p.department else None for p in created] == [None, None, None]
    accounts = db.session.scalars(select(Account).where(Account.id.in_([p.account_id for p in created]))).all()
    assert len({a.password_hash for a in accounts}) == 1 and all(a.must_change_password for a in accounts)
    assert accounts[0].check_password(INITIAL)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert sorted((e.entity, e.action) for e in entries) == [("account", "create")] * 3 + [("person", "create")] * 3
    assert len({e.request_id for e in entries}) == 1
    # built by the database, yet what the ORM's own audit of these rows would have written
    for entry in entries:
        row = db.session.get(Person if entry.entity == "person" else Account, int(entry.entity_id))
        expected = {k: {"after": v} for k, v in audit._snapshot(row).items() if v is not None and k != "id"}
        assert entry.changes == expected, entry.entity
    assert {e.reason for e in entries} == {"批量导入：人员.xlsx"} and {e.actor_org_id for e in entries} == {admin.employer.id}
    audit_link = re.search(r'href="(/admin/audit/\?flt0_\d+=[0-9a-f]{32})"', result).group(1)
    listed = client.get(audit_link.replace("&amp;", "&")).get_data(as_text=True)
    assert listed.count("批量导入：人员.xlsx") == 6

    failed = client.get(f"{URL}{token}/failed")
    assert failed.status_code == 200 and "attachment" in failed.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(failed.data))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADER + ["错误原因"]
    assert [c.value for c in ws["A"]][1:] == ["员工0", "员工1", "员工3", "员工5", "员工0"]  # file rows 2 3 5 7 9
    assert ws["O2"].value == "身份证号：与第9行的身份证号重复" and "身份证号校验位错误" in ws["O3"].value
    # the user fixes the file: the check digit, the department, the phone, and drops one of the duplicates
    ws["B3"] = rows[1][1][:17] + id_check_digit(rows[1][1][:17])
    ws["E4"] = "研发部"
    ws["M5"] = "13900003333"
    ws.delete_rows(6)
    out = io.BytesIO()
    wb.save(out)
    again = upload(client, out.getvalue(), "改正后.xlsx")
    token2 = token_of(again)
    page = client.get(f"{URL}{token2}/").get_data(as_text=True)
    assert "以下列不属于导入模板，已忽略：错误原因" in page
    assert 'id="count-valid">4<' in page and 'id="count-invalid">0<' in page
    r = confirm(client, token2, "all_or_nothing")
    assert 'id="count-created">4 行<' in client.get(r.headers["Location"]).get_data(as_text=True)
    assert len(persons(admin.employer)) == 7


def test_an_existing_person_of_the_unit_is_updated_and_audited_with_before_and_after(client, admin):
    dept = make_department(admin.employer, "财务部")
    person = make_person(admin.employer, "李四", education="大学专科", major="会计")
    row = staff_row("李四", person.id_number, department="财务部", education="硕士研究生", phone="13911112222")
    r = upload(client, xlsx([row]))
    token = token_of(r)
    page = client.get(f"{URL}{token}/").get_data(as_text=True)
    assert 'id="count-update">1<' in page and 'id="count-accounts">0<' in page
    assert 'name="password"' not in page  # no new account: no initial password to set
    before = audit_count()
    r = confirm(client, token, "all_or_nothing", password=None)
    assert 'id="count-updated">1 行<' in client.get(r.headers["Location"]).get_data(as_text=True)
    db.session.refresh(person)
    assert (person.education, person.department_id, person.major) == ("硕士研究生", dept.id, "会计")  # empty: kept
    assert person.account.phone == "13911112222"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.action == "update"))
    assert entry.changes == {"education": {"before": "大学专科", "after": "硕士研究生"},
                             "department_id": {"before": None, "after": dept.id}}
    assert audit_count() == before + 2  # the person and the account's phone


def test_identity_rules_other_unit_admin_account_and_names(client, admin):
    elsewhere = make_person(admin.other, "外单位人")
    admin_account = make_account("管理员甲")
    make_admin(admin.branch, account=admin_account)
    wrong_name = make_account("本名")
    own = make_person(admin.employer, "本单位人")
    rows = [staff_row("外单位人", elsewhere.id_number), staff_row("管理员甲", admin_account.id_number),
            staff_row("别名", wrong_name.id_number), staff_row("改名", own.id_number),
            staff_row("生日错", new_id(), 出生日期="1980-01-01")]
    token = token_of(upload(client, xlsx(rows)))
    page = client.get(f"{URL}{token}/").get_data(as_text=True)
    assert OTHER_UNIT in page
    assert "姓名与该身份证号已有账号的姓名不一致" in page
    assert "姓名与本单位该人员的姓名（本单位人）不一致" in page
    assert "与身份证号不一致（身份证号对应：" in page
    assert 'id="count-valid">1<' in page and 'id="count-accounts">0<' in page
    confirm(client, token, "valid_only", password=None)
    attached = db.session.scalar(select(Person).where(Person.account_id == admin_account.id))
    assert attached.org_id == admin.employer.id and attached.status == "approved"
    db.session.refresh(admin_account)
    assert admin_account.phone != "13900001111"  # an admin's contact is never changed by an import


def test_the_initial_password_is_required_and_policy_checked(client, admin):
    token = token_of(upload(client, xlsx([staff_row()])))
    assert 'name="password"' in client.get(f"{URL}{token}/").get_data(as_text=True)
    for password, again, message in (("", "", "请设置初始密码"), ("short1", "short1", "密码至少8位"),
                                     ("Init1234x", "Init1234y", "两次输入的密码不一致")):
        r = confirm(client, token, "valid_only", password, again)
        assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert persons(admin.employer) == [] and not uploads.find(token, "staff", admin.admin.id, admin.employer.id).claimed
    r = confirm(client, token, "nonsense")
    assert "请选择导入方式" in r.get_data(as_text=True)


def test_a_double_submission_imports_once(client, admin):
    token = token_of(upload(client, xlsx([staff_row(), staff_row("赵六")])))
    first = confirm(client, token, "valid_only")
    entries = audit_count()
    second = confirm(client, token, "valid_only")
    assert first.headers["Location"] == second.headers["Location"]
    assert len(persons(admin.employer)) == 2 and audit_count() == entries
    assert "该文件已导入" in client.get(f"{URL}{token}/").get_data(as_text=True)


def test_the_database_is_checked_again_at_import_time(client, admin):
    rows = [staff_row("甲"), staff_row("乙")]
    token = token_of(upload(client, xlsx(rows)))
    account = make_account("乙", id_number=rows[1][1])
    db.session.add(Person(account_id=account.id, org_id=admin.other.id, name="乙", id_number=rows[1][1], gender="男",
                          birth_date=date(1990, 1, 1), status="approved"))
    db.session.commit()
    r = confirm(client, token, "all_or_nothing")
    assert "未导入任何数据" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert persons(admin.employer) == []
    r = confirm(client, token, "valid_only")
    assert 'id="count-created">1 行<' in client.get(r.headers["Location"]).get_data(as_text=True)


# -- who may see what --------------------------------------------------------------------------------------------
def test_another_admin_cannot_see_or_confirm_an_upload(app, client, auth, admin):
    token = token_of(upload(client, xlsx([staff_row()])))
    auth.logout()
    auth.login(admin.other_admin)
    for url in (f"{URL}{token}/", f"{URL}{token}/failed", f"{URL}{token}/result"):
        assert client.get(url).status_code == 404
    token_page = client.get(URL)
    r = client.post(f"{URL}{token}/import", data={"csrf_token": csrf_token(token_page.get_data(as_text=True)),
                                                  "mode": "valid_only", "password": INITIAL, "confirm": INITIAL})
    assert r.status_code == 404 and persons(admin.employer) == []
    # a colleague of the same unit neither: an upload is its admin's
    colleague = make_admin(admin.employer, "同事", is_super=False,
                           role=make_role(admin.employer, "导入员", ["stats.staff", "stats.staff_import"]))
    auth.logout()
    auth.login(colleague)
    assert client.get(f"{URL}{token}/").status_code == 404


def test_a_role_without_the_import_permission_gets_403(client, auth, unit):
    viewer = make_admin(unit.employer, "只读", is_super=False, role=make_role(unit.employer, "查询", ["stats.staff"]))
    auth.login(viewer)
    assert 'href="/admin/staff/import/"' not in client.get("/admin/staff/").get_data(as_text=True)
    for url in (URL, URL + "template", URL + "x" * 22 + "/"):
        assert client.get(url).status_code == 403


# -- hostile files -----------------------------------------------------------------------------------------------
def _formulas():
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(staff_row("公式", phone='=HYPERLINK("http://x","13900001111")'))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HOSTILE = [
    ("程序.xlsx", b"MZ\x90\x00" + b"\x00" * 500, "可执行程序"),
    ("截断.xlsx", None, "文件已损坏或不完整"),
    ("炸弹.xlsx", None, None),
    ("宏.xlsm", None, "文件含有宏"),
    ("空.xlsx", b"", "文件是空的"),
    ("只有表头.xlsx", None, None),
    ("缺列.xlsx", None, "文件缺少必填列：身份证号、手机号"),
    ("数据.exe", b"MZ", "不支持 .exe 格式的文件"),
]


@pytest.mark.parametrize("name,data,message", HOSTILE)
def test_hostile_files_get_a_chinese_message_and_write_nothing(app, client, admin, name, data, message):
    if name == "截断.xlsx":
        data = xlsx([staff_row()])[:700]
    elif name == "炸弹.xlsx":
        data = zip_bomb()
    elif name == "宏.xlsm":
        data = xlsx([staff_row()])
    elif name == "只有表头.xlsx":
        data = xlsx([])
    elif name == "缺列.xlsx":
        data = xlsx([["张三"]], header=["姓名"])
    before = audit_count()
    r = upload(client, data, name)
    body = r.get_data(as_text=True)
    assert r.status_code == 200, name
    error = re.search(r'<div class="invalid-feedback field-error" role="alert">([^<]+)</div>', body)
    assert error and re.search(r"[\u4e00-\u9fff]", error.group(1)), (name, body[-3000:])
    if message:
        assert message in error.group(1)
    assert audit_count() == before and persons(admin.employer) == []
    assert not any(p.suffix == ".data" for p in uploads.folder().iterdir())


def test_no_file_is_said_next_to_the_field(client, admin):
    page = client.get(URL)
    r = client.post(URL, data={"csrf_token": csrf_token(page.get_data(as_text=True))},
                    content_type="multipart/form-data")
    assert "请选择要上传的文件" in r.get_data(as_text=True)


def test_formulas_are_read_as_their_cached_values_never_run(client, admin):
    token = token_of(upload(client, _formulas()))
    page = client.get(f"{URL}{token}/").get_data(as_text=True)
    # openpyxl stores no cached value: the formula cell reads as empty, and the required phone says so
    assert 'id="count-invalid">1<' in page and "必填项，不能为空" in page


def test_a_10000_character_cell_is_a_row_error(client, admin):
    token = token_of(upload(client, xlsx([staff_row("长" * 10000)])))
    page = client.get(f"{URL}{token}/").get_data(as_text=True)
    assert "不能超过50个字（现为10000个字）" in page and "长" * 101 not in page


def test_too_many_rows_is_refused(client, admin):
    lines = ["姓名,身份证号,手机号"] + [f"人{i},{EXAMPLE_ID},13900001111" for i in range(100_001)]
    r = upload(client, "\n".join(lines).encode(), "很多.csv")
    assert "100,000" in r.get_data(as_text=True) or "100000" in r.get_data(as_text=True)
    assert persons(admin.employer) == []


def test_an_upload_over_the_size_limit_gets_the_413_page(app, client, admin):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        r = upload(client, b"x" * 4096, "大.csv")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    assert r.status_code == 413 and "内容过大" in r.get_data(as_text=True)


def test_csv_in_gbk_as_chinese_excel_saves_it(client, admin):
    text = "姓名,身份证号,手机号,所在部门\n王喆,{},13900001111,研发部\n".format(new_id())
    token = token_of(upload(client, text.encode("gb18030"), "人员.csv"))
    confirm(client, token, "all_or_nothing")
    assert [p.name for p in persons(admin.employer)] == ["王喆"]


# -- background jobs ---------------------------------------------------------------------------------------------
def test_big_files_are_checked_and_imported_as_jobs(app, client, admin):
    app.config["IMPORT_JOB_ROWS"] = 3
    try:
        rows = [staff_row(f"批量{i}") for i in range(5)]
        rows[2][12] = "bad"
        r = upload(client, xlsx(rows), "很长的文件名" * 15 + ".xlsx")
        assert re.match(r".*/admin/jobs/\d+$", r.headers["Location"])
        job_page = client.get(r.headers["Location"]).get_data(as_text=True)
        assert 'data-continue="1"' in job_page
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job.status == "done" and job.errors == 1 and job.total == 5
        preview_url = client.get(r.headers["Location"] + ".json").get_json()["url"]
        token = token_of(preview_url)
        page = client.get(preview_url).get_data(as_text=True)
        assert 'id="count-valid">4<' in page
        r = confirm(client, token, "valid_only")
        assert re.match(r".*/admin/jobs/\d+$", r.headers["Location"])
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job.status == "done" and job.kind == "import_write", job.message
        assert client.get(r.headers["Location"] + ".json").get_json()["url"].endswith(f"/{token}/result")
        assert len(persons(admin.employer)) == 4
        entries = db.session.scalars(select(AuditEntry.request_id).where(AuditEntry.entity == "person")).all()
        assert set(entries) == {job.request_id}
        assert confirm(client, token, "valid_only").headers["Location"].endswith(f"/{token}/result")
        assert len(persons(admin.employer)) == 4
    finally:
        app.config.pop("IMPORT_JOB_ROWS")


def test_a_job_that_fails_writes_nothing_and_gives_the_upload_back(app, client, admin, monkeypatch):
    from models.staff_import import StaffImport

    app.config["IMPORT_JOB_ROWS"] = 1
    try:
        token = token_of(client.get(upload(client, xlsx([staff_row(), staff_row("赵六")])).headers["Location"]
                                    + ".json").get_json()["url"])

        def broken(self, rows, ctx):
            raise RuntimeError("disk full")

        monkeypatch.setattr(StaffImport, "write", broken)
        r = confirm(client, token, "valid_only")
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job.status == "failed" and job.message == "任务执行失败，请重试或联系客服"
        page = client.get(f"{URL}{token}/").get_data(as_text=True)
        assert 'id="confirm-form"' in page and persons(admin.employer) == []
        monkeypatch.undo()
        r = confirm(client, token, "valid_only")
        assert db.session.get(Job, int(r.headers["Location"].rsplit("/", 1)[1])).status == "done"
        assert len(persons(admin.employer)) == 2
    finally:
        app.config.pop("IMPORT_JOB_ROWS")


def test_an_id_registered_between_the_check_and_the_write_rolls_the_whole_import_back(app, client, admin,
                                                                                      monkeypatch):
    from models import staff_import

    rows = [staff_row("甲"), staff_row("乙")]
    token = token_of(upload(client, xlsx(rows)))
    real = staff_import.StaffImport.check

    def check_then_someone_registers(self, rows_, ctx):
        real(self, rows_, ctx)
        if getattr(ctx, "password_hash", None):  # the re-check at import time; then another request commits
            with db.engine.begin() as conn:
                conn.execute(Account.__table__.insert().values(id_number=rows[1][1], name="乙", password_hash="x"))

    monkeypatch.setattr(staff_import.StaffImport, "check", check_then_someone_registers)
    before = audit_count()
    r = confirm(client, token, "valid_only")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "本次未导入任何数据" in page and persons(admin.employer) == [] and audit_count() == before
    assert not uploads.find(token, "staff", admin.admin.id, admin.employer.id).claimed


def test_two_confirmations_at_the_same_moment_import_once(app, client, admin):
    import threading

    from .conftest import Auth
    from .helpers import in_threads

    token = token_of(upload(client, xlsx([staff_row(), staff_row("赵六")])))
    second = app.test_client()
    Auth(second).login(admin.admin)
    clients = [client, second]
    forms = [csrf_token(c.get(f"{URL}{token}/").get_data(as_text=True)) for c in clients]
    start, answers = threading.Barrier(2), []
    before = audit_count()

    def post(c, csrf):
        with app.app_context():
            start.wait()
            answers.append(c.post(f"{URL}{token}/import", data={"csrf_token": csrf, "mode": "valid_only",
                                                                "password": INITIAL, "confirm": INITIAL}).status_code)
            db.session.remove()

    in_threads([lambda c=c, f=f: post(c, f) for c, f in zip(clients, forms)], timeout=60)
    assert answers == [302, 302]
    assert len(persons(admin.employer)) == 2 and audit_count() == before + 4


@pytest.mark.parametrize("name", ["staff_openpyxl.xlsx", "staff_libreoffice.xlsx", "staff_libreoffice.xls",
                                  "staff_libreoffice.ods", "staff_utf8_bom.csv", "staff_gbk.csv"])
def test_files_from_excel_wps_and_libreoffice_import(client, admin, name):
    from pathlib import Path

    data = (Path(__file__).parent / "data" / "spreadsheets" / name).read_bytes()
    token = token_of(upload(client, data, name))
    page = client.get(f"{URL}{token}/").get_data(as_text=True)
    assert 'id="count-valid">4<' in page and 'id="count-invalid">0<' in page, name
    assert "以下列不属于导入模板，已忽略：身份证号（数字）、姓名字数、备注" in page
    confirm(client, token, "all_or_nothing")
    imported = {p.name: p for p in persons(admin.employer)}
    assert sorted(imported) == sorted(["王喆", "张堃", "李四", "赵六"])
    assert imported["张堃"].id_number.endswith("X") and imported["王喆"].birth_date == date(1990, 1, 1)
    assert imported["王喆"].account.phone == "13800138000"


def test_uploads_are_private_and_swept_after_a_day(app, admin):
    import os
    import stat
    import time

    kept = uploads.store("staff", "a.xlsx", b"data", 1, admin.admin.id, admin.employer.id)
    old = uploads.store("staff", "b.xlsx", b"data", 1, admin.admin.id, admin.employer.id)
    old.put_json(".preview.json", {"counts": {}})
    assert stat.S_IMODE(os.stat(kept.data_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(uploads.folder()).st_mode) == 0o700
    long_ago = time.time() - uploads.KEEP_SECONDS - 60
    os.utime(old.data_path, (long_ago, long_ago))
    uploads.sweep()
    assert uploads.find(old.token, "staff", admin.admin.id, admin.employer.id) is None
    assert not any(p.name.startswith(old.token) for p in uploads.folder().iterdir())
    assert uploads.find(kept.token, "staff", admin.admin.id, admin.employer.id) is not None
    assert uploads.find(kept.token, "staff", admin.other_admin.id, admin.employer.id) is None
    assert uploads.find("../../etc/passwd", "staff", admin.admin.id, admin.employer.id) is None


def test_an_update_giving_only_the_series_or_only_the_level_is_checked_against_the_stored_half(client, admin):
    """高等学校教师 has no 员级: a new series kept beside a stored 员级, or a new 员级 beside a stored 高等学校教师,
    would store a pair the series does not have."""
    junior = make_person(admin.employer, "李四", title_series="工程技术", title_level="员级")
    teacher = make_person(admin.employer, "赵六", title_series="高等学校教师", title_level="中级")
    fine = make_person(admin.employer, "钱七", title_series="工程技术", title_level="中级")
    rows = [staff_row("李四", junior.id_number, 职称系列="高等学校教师", 职称级别=""),
            staff_row("赵六", teacher.id_number, 职称系列="", 职称级别="员级"),
            staff_row("钱七", fine.id_number, 职称系列="高等学校教师", 职称级别="")]
    token = token_of(upload(client, xlsx(rows)))
    page = client.get(f"{URL}{token}/").get_data(as_text=True)
    assert "该人员现有职称级别为员级" in page and "该人员现有职称系列为高等学校教师" in page
    assert 'id="count-update">1<' in page  # 钱七's 中级 fits 高等学校教师
    confirm(client, token, "valid_only", password=None)
    for person in (junior, teacher, fine):
        db.session.refresh(person)
    assert (junior.title_series, junior.title_level) == ("工程技术", "员级")
    assert (teacher.title_series, teacher.title_level) == ("高等学校教师", "中级")
    assert (fine.title_series, fine.title_level) == ("高等学校教师", "中级")
