"""运维工作台 · 批量修正 over HTTP: the list's own export edited in openpyxl and uploaded back; the preview's changed /
unchanged / unknown / invalid rows; apply with a reason as one request; a row changed since the preview skipped;
double submission; 撤回 of the whole fix (one row changed again since: skipped); units by USCC; 客服 and unit
admins refused; 10,000 rows in a constant number of queries."""
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import AuditEntry, Organization, Person, db
from models.spreadsheet import uploads

from ..conftest import Auth
from ..helpers import csrf_token, id_number, make_account, make_department, make_org, make_person, sheet_file
from ..querycount import count_queries

PERSON_URL = "/admin/workbench/bulk/person/"
UNIT_URL = "/admin/workbench/bulk/unit/"
REASON_MISSING = "请填写原因（将记入审计日志）"


@pytest.fixture(autouse=True)
def own_folder(app, tmp_path):
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")


@pytest.fixture
def desk(client):
    auth = Auth(client)
    auth.login(make_account("运维小周", is_operator=True, operator_role="ops"), user_type="operator")
    return auth


def export(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.data))


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def column(ws, label) -> int:
    return next(c.column for c in ws[1] if c.value == label)


def row_of(ws, key_label, key):
    at = column(ws, key_label)
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, at).value == key)


def edit(ws, key_label, key, label, value):
    ws.cell(row_of(ws, key_label, key), column(ws, label)).value = value


def upload(client, url, data, name="修正.xlsx"):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                  "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def token_of(response, url=PERSON_URL):
    match = re.search(re.escape(url) + r"([A-Za-z0-9_-]{22})/", response.headers.get("Location", ""))
    assert match, (response.status_code, response.headers.get("Location"))
    return match.group(1)


def apply(client, url, token, reason="核对职称证书后批量更正"):
    page = client.get(f"{url}{token}/")
    return client.post(f"{url}{token}/import", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                     "reason": reason})


def fresh(person):
    return db.session.scalar(select(Person).where(Person.id == person.id).execution_options(populate_existing=True))


@pytest.fixture
def staff(unit):
    dept = make_department(unit.employer, "研发部")
    people = [make_person(unit.employer, f"员工{i}", department=dept, title_series="工程技术", title_level="中级",
                          title_name="工程师", major="机械") for i in range(5)]
    return people


def staff_export(client, unit):
    return export(client, f"/admin/staff/export.xlsx?flt0_0={unit.employer.id}".replace("flt0_0", _org_filter()))


def _org_filter():
    """The 所属单位（含下属单位） filter's argument of 专技人员信息查询 (the last one of its list)."""
    from admin_views.staff import StaffQueryView

    return f"flt0_{len(StaffQueryView.column_filters) - 1}"


def test_preview_shows_changed_unchanged_unknown_and_invalid_rows_and_writes_nothing(desk, client, unit, staff):
    wb = staff_export(client, unit)
    ws = wb.active
    assert ws.max_row == 6  # the five of the unit: the export as the list shows it
    edit(ws, "身份证号", staff[0].id_number, "职称级别", "副高级")
    edit(ws, "身份证号", staff[0].id_number, "职称名称", "高级工程师")
    edit(ws, "身份证号", staff[1].id_number, "所学专业", None)  # emptied: the field is cleared
    edit(ws, "身份证号", staff[2].id_number, "学历", "小学")  # not a choice
    edit(ws, "身份证号", staff[3].id_number, "身份证号", id_number(987654))  # nobody's
    edit(ws, "身份证号", staff[4].id_number, "工作单位", "别的单位")  # read-only: ignored
    r = upload(client, PERSON_URL, save(wb))
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="count-changed">2<', page) and re.search(r'id="count-unchanged">1<', page)
    assert re.search(r'id="count-unknown">1<', page) and re.search(r'id="count-invalid">1<', page)
    assert "平台上没有该身份证号的人员" in page and "“小学”不是可选的值" in page
    assert "以下列不能通过批量修正修改，已忽略：" in page and "工作单位" in page
    table = page[page.index('id="change-table"'):page.index("</table>", page.index('id="change-table"'))]
    assert "职称级别" in table and "中级" in table and "副高级" in table and "高级工程师" in table
    assert "所学专业" in table and "机械" in table and "（空）" in table
    assert staff[2].id_number not in table and staff[4].id_number not in table  # only changed rows are listed
    assert fresh(staff[0]).title_level == "中级"  # a preview changes nothing
    failed = client.get(f"{PERSON_URL}{token_of(r)}/failed")
    assert failed.status_code == 200
    reasons = [c.value for c in load_workbook(io.BytesIO(failed.data)).active[3] if c.value]  # 2 failed rows + header
    assert any("平台上没有该身份证号的人员" in str(v) or "不是可选的值" in str(v) for v in reasons)


def test_apply_needs_a_reason_writes_only_changed_fields_as_one_audited_request(desk, client, unit, staff):
    wb = staff_export(client, unit)
    ws = wb.active
    for person in staff[:3]:
        edit(ws, "身份证号", person.id_number, "职称级别", "副高级")
    token = token_of(upload(client, PERSON_URL, save(wb)))
    refused = apply(client, PERSON_URL, token, reason="  ")
    assert refused.status_code == 400
    assert re.search(r'class="invalid-feedback field-error">' + re.escape(REASON_MISSING), refused.get_data(as_text=True))
    assert fresh(staff[0]).title_level == "中级"
    before = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    done = apply(client, PERSON_URL, token)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"{token}/result")
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="count-updated">3 行', result) and re.search(r'id="count-unchanged">2 行', result)
    assert [fresh(p).title_level for p in staff] == ["副高级"] * 3 + ["中级"] * 2
    assert fresh(staff[0]).title_name == "工程师" and fresh(staff[0]).major == "机械"  # untouched fields stay
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > before, AuditEntry.entity == "person")).all()
    assert len(entries) == 3 and len({e.request_id for e in entries}) == 1
    assert all(e.changes == {"title_level": {"before": "中级", "after": "副高级"}} for e in entries)
    assert all(e.reason == "批量修正：核对职称证书后批量更正" and e.action == "update" for e in entries)
    assert "在审计日志中查看" in result and entries[0].request_id in result
    # the same preview submitted again applies nothing twice
    again = apply(client, PERSON_URL, token)
    assert again.status_code == 302
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.id > before, AuditEntry.entity == "person")
                             .order_by(AuditEntry.id.desc()).limit(1)) == max(e.id for e in entries)


def test_a_row_changed_after_the_preview_is_skipped_and_reported_never_overwritten(desk, client, unit, staff):
    wb = staff_export(client, unit)
    ws = wb.active
    edit(ws, "身份证号", staff[0].id_number, "职称级别", "副高级")
    edit(ws, "身份证号", staff[1].id_number, "职称级别", "副高级")
    token = token_of(upload(client, PERSON_URL, save(wb)))
    changed = db.session.get(Person, staff[1].id)
    changed.title_level = "初级"  # someone else's fix meanwhile
    db.session.commit()
    result = client.get(apply(client, PERSON_URL, token).headers["Location"]).get_data(as_text=True)
    assert fresh(staff[0]).title_level == "副高级" and fresh(staff[1]).title_level == "初级"
    assert re.search(r'id="count-stale">1 行', result)
    assert "预览后该人员已被修改（职称级别），本次跳过，未覆盖" in result and staff[1].id_number in result


def test_the_pair_series_level_is_checked_as_the_single_fix_does(desk, client, unit, staff):
    wb = staff_export(client, unit)
    ws = wb.active
    edit(ws, "身份证号", staff[0].id_number, "职称系列", "不存在的系列")
    edit(ws, "身份证号", staff[1].id_number, "取得职称时间", "2099-01-01")
    edit(ws, "身份证号", staff[2].id_number, "职称系列", "无")  # 无 has no levels: 中级 kept beside it is refused
    page = client.get(upload(client, PERSON_URL, save(wb)).headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="count-invalid">3<', page)
    assert "“不存在的系列”不是可选的值" in page and "取得时间不能晚于今天" in page and "所选职称系列没有该级别" in page
    assert 'id="apply"' not in page  # nothing to change: no button


def test_revert_of_a_bulk_fix_skips_a_row_changed_again_since(desk, client, unit, staff):
    wb = staff_export(client, unit)
    ws = wb.active
    for person in staff[:3]:
        edit(ws, "身份证号", person.id_number, "职称级别", "副高级")
    token = token_of(upload(client, PERSON_URL, save(wb)))
    apply(client, PERSON_URL, token)
    request_id = db.session.scalar(select(AuditEntry.request_id).where(AuditEntry.entity == "person",
                                                                       AuditEntry.action == "update"))
    later = db.session.get(Person, staff[2].id)
    later.title_level = "正高级"  # fixed again afterwards, by a request of its own
    db.session.commit()
    preview = client.get(f"/admin/audit/revert/{request_id}").get_data(as_text=True)
    assert "此后已被再次修改，跳过" in preview
    r = desk.post(f"/admin/audit/revert/{request_id}", {"reason": "批量修正有误，撤回"})
    assert r.status_code in (200, 302)
    assert [fresh(p).title_level for p in staff[:3]] == ["中级", "中级", "正高级"]
    reverts = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "revert",
                                                          AuditEntry.entity == "person")).all()
    assert len(reverts) == 2 and len({e.request_id for e in reverts}) == 1


def test_units_are_matched_by_uscc_and_fixed(desk, client, unit):
    wb = export(client, "/admin/subordinates/export.xlsx?search=" + "济南示范")
    ws = wb.active
    edit(ws, "统一社会信用代码", unit.employer.uscc, "单位地址", "济南市历下区经十路1号")
    edit(ws, "统一社会信用代码", unit.branch.uscc, "联系人", None)  # a unit must keep a contact
    edit(ws, "统一社会信用代码", unit.branch.uscc, "所属地区", "火星")
    r = upload(client, UNIT_URL, save(wb))
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="count-changed">1<', page) and re.search(r'id="count-invalid">1<', page)
    assert "不能清空" in page and "“火星”不是可选的值" in page
    done = apply(client, UNIT_URL, token_of(r, UNIT_URL), reason="按营业执照更正地址")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, unit.employer.id).address == "济南市历下区经十路1号"
    assert db.session.get(Organization, unit.branch.id).contact_name == "联系人"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "organization",
                                                       AuditEntry.action == "update"))
    assert entry.entity_id == str(unit.employer.id) and entry.reason == "批量修正：按营业执照更正地址"


def test_service_desk_sees_the_page_but_cannot_upload_or_apply(client, auth, unit, staff):
    ops = Auth(client)
    ops.login(make_account("运维甲", is_operator=True, operator_role="ops"), user_type="operator")
    token = token_of(upload(client, PERSON_URL, sheet_file(["身份证号", "职称级别"], [[staff[0].id_number, "副高级"]])))
    ops.logout()
    service = make_account("客服乙", is_operator=True, operator_role="service")
    auth.login(service, user_type="operator")
    page = client.get(PERSON_URL).get_data(as_text=True)
    assert "客服（只读）" in page and 'id="upload-form"' not in page
    r = client.post(PERSON_URL, data={"csrf_token": csrf_token(page),
                                      "file": (io.BytesIO(b"x"), "a.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 403
    assert client.get(f"{PERSON_URL}{token}/").status_code == 404  # another operator's upload is nobody else's
    assert client.post(f"{PERSON_URL}{token}/import", data={"csrf_token": csrf_token(page), "reason": "x"}
                       ).status_code == 403
    assert fresh(staff[0]).title_level == "中级"


def test_a_unit_admin_gets_403_on_every_bulk_fix_page(client, auth, unit):
    auth.login(unit.admin)
    for url in (PERSON_URL, UNIT_URL, PERSON_URL + "template", UNIT_URL + "A" * 22 + "/"):
        assert client.get(url).status_code == 403, url


def test_ten_thousand_rows_in_a_constant_number_of_queries(app, desk, client, unit):

    app.config["IMPORT_JOB_ROWS"] = 20000  # in the request: the queries are counted there
    org = make_org("大单位", parent=unit.city)
    rows = []
    for n in (100, 10_000):
        add = _many(org, n, start=len(rows))
        rows += add
        data = sheet_file(["身份证号", "职称级别"], [[i, "副高级"] for i in add])
        with count_queries() as preview_queries:
            token = token_of(upload(client, PERSON_URL, data))
        with count_queries() as apply_queries:
            assert apply(client, PERSON_URL, token).status_code == 302
        if n == 100:
            small = (len(preview_queries), len(apply_queries))
    assert (len(preview_queries), len(apply_queries)) == small
    assert db.session.scalar(select(db.func.count()).select_from(Person).where(
        Person.org_id == org.id, Person.title_level == "副高级")) == len(rows)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "person", AuditEntry.action == "update")) == len(rows)


def _many(org, n, start):
    """n persons of ``org`` written set-based (make_person one by one would take minutes)."""
    from sqlalchemy import insert

    from models import Account
    from models.validators import birth_date_of, gender_of

    numbers = [id_number(700000 + start + i) for i in range(n)]
    db.session.execute(insert(Account.__table__), [
        {"id_number": x, "name": f"人员{i}", "password_hash": "x", "is_operator": False, "disabled": False,
         "must_change_password": False, "session_version": 1, "failed_logins": 0} for i, x in enumerate(numbers)])
    ids = dict(db.session.execute(select(Account.id_number, Account.id).where(Account.id_number.in_(numbers))).all())
    db.session.execute(insert(Person.__table__), [
        {"account_id": ids[x], "org_id": org.id, "name": f"人员{i}", "id_number": x, "gender": gender_of(x),
         "birth_date": birth_date_of(x), "status": "approved", "title_series": "工程技术", "title_level": "中级"}
        for i, x in enumerate(numbers)])
    db.session.commit()
    return numbers


def test_a_file_above_the_job_threshold_is_checked_and_applied_as_background_jobs(app, desk, client, unit, staff):
    app.config["IMPORT_JOB_ROWS"] = 2  # the five rows go through the job runner (run at once in the tests)
    wb = staff_export(client, unit)
    for person in staff:
        edit(wb.active, "身份证号", person.id_number, "所学专业", "护理学")
    r = upload(client, PERSON_URL, save(wb))
    assert "/admin/jobs/" in r.headers["Location"]
    job_page = client.get(r.headers["Location"]).get_data(as_text=True)
    token = re.search(re.escape(PERSON_URL) + r"([A-Za-z0-9_-]{22})/", job_page).group(1)
    assert re.search(r'id="count-changed">5<', client.get(f"{PERSON_URL}{token}/").get_data(as_text=True))
    done = apply(client, PERSON_URL, token)
    assert "/admin/jobs/" in done.headers["Location"]
    assert {fresh(p).major for p in staff} == {"护理学"}
    assert len({e.request_id for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "person", AuditEntry.action == "update"))}) == 1
    assert "已修改 5 行" in client.get(f"{PERSON_URL}{token}/result").get_data(as_text=True)
