"""导出 Excel (issue 9 item 8): the one writer, and every list's export over HTTP — typed cells, frozen header,
the list's own rows (scope, filter, search, order), formulas neutralised, Chinese file name, audited, no N+1."""
import csv
import io
import subprocess
import tracemalloc
from datetime import date, datetime
from urllib.parse import quote

import pytest
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from admin_views import export as export_module
from models import AdminMembership, AuditEntry, ChangeRequest, ReviewRecord, audit, db, now
from models.job_queue import make_huey
from models.jobs import Job, JobRun, execute
from models import transfer as tr
from models.spreadsheet.writing import OutColumn, download_name, safe_text, write_xlsx

from .helpers import XLSX, make_department, make_org, make_person, make_role
from .querycount import count_queries

STAFF = "/admin/staff/"
HOSTILE = ["=1+1", "@SUM(A1)", "+1+1", "-1+1", "\t=1", "\r=1", "＝1+1"]


def views(app):
    return app.extensions["admin"][0]._views


def view_at(app, endpoint):
    return next(v for v in views(app) if v.endpoint == endpoint)


def flt(app, endpoint, name):
    """The query-string key of the list filter called ``name``, as the filter dropdown builds it."""
    view = view_at(app, endpoint)
    return next(f"flt0_{key}" for key, (_idx, f) in view._filter_args.items() if str(f.name) == name)


def export(client, url, **query):
    r = client.get(url, query_string=query)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert r.mimetype == XLSX
    return r, load_workbook(io.BytesIO(r.data)).worksheets[0]


def table(ws):
    """Header and data rows as dicts label -> cell."""
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    return header, [dict(zip(header, row)) for row in rows[1:]]


def values(ws, label):
    header, rows = table(ws)
    return [r[label].value for r in rows]


def exports():
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)).all()


# -- the writer ---------------------------------------------------------------------------------------
def test_safe_text_neutralises_formula_starts_only():
    for text in HOSTILE:
        assert safe_text(text) == "'" + text
    for text in ("张三", "1+1", "a=b", "'=1", "", "13800138000"):
        assert safe_text(text) == text
    assert safe_text(None) == "" and safe_text(12) == "12"
    assert safe_text("a\x00b\x07=c") == "ab=c" and safe_text("\x01=1") == "'=1"  # XML-illegal characters dropped
    assert len(safe_text("长" * 40_000)) == 32_767  # Excel's cell limit


def test_written_cells_are_typed_and_the_header_frozen_bold_and_sized():
    buf = io.BytesIO()
    columns = [OutColumn("姓名"), OutColumn("身份证号", "id", 21), OutColumn("学时", "int"), OutColumn("得分", "number"),
               OutColumn("出生日期", "date"), OutColumn("注册时间", "datetime")]
    rows = [["张三", "370102199001011234", 90, 1.5, date(1990, 1, 1), datetime(2026, 11, 28, 9, 30)],
            ["=1+1", "000123", None, "无", None, ""]]
    assert write_xlsx(buf, columns, rows, sheet_title="专技人员信息") == 2
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws.title == "专技人员信息" and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == [c.label for c in columns] and all(c.font.b for c in ws[1])
    assert ws.column_dimensions["B"].width == 21 and ws.column_dimensions["E"].width == 12
    name, code, hours, score, born, registered = ws[2]
    assert (code.value, code.data_type, code.number_format) == ("370102199001011234", "s", "@")
    assert (hours.value, hours.data_type) == (90, "n") and (score.value, score.data_type) == (1.5, "n")
    assert born.is_date and born.value == datetime(1990, 1, 1) and born.number_format == "yyyy-mm-dd"
    assert registered.value == datetime(2026, 11, 28, 9, 30) and registered.number_format == "yyyy-mm-dd hh:mm"
    second = ws[3]
    assert (second[0].value, second[0].data_type) == ("'=1+1", "s")
    assert second[1].value == "000123"  # a code keeps its leading zeros
    assert second[2].value is None and second[3].value == "无"  # text a getter returned stays text
    assert second[5].value is None


def test_progress_every_thousand_rows_and_extra_sheets():
    seen = []
    buf = io.BytesIO()
    written = write_xlsx(buf, [OutColumn("序号", "int")], ([i] for i in range(2500)), progress=seen.append,
                         extra_sheets=[("填写说明", [OutColumn("说明")], [["带 * 的列为必填"]])])
    assert written == 2500 and seen == [1000, 2000]
    book = load_workbook(io.BytesIO(buf.getvalue()))
    assert book.sheetnames == ["Sheet1", "填写说明"] and book["填写说明"]["A2"].value == "带 * 的列为必填"


def test_download_name_is_the_title_and_todays_date_in_the_province():
    assert download_name("专技人员信息") == f"专技人员信息_{now().date().isoformat()}.xlsx"


def _peak(rows):
    tracemalloc.start()
    try:
        write_xlsx(io.BytesIO(), [OutColumn("姓名"), OutColumn("身份证号", "id"), OutColumn("日期", "date")],
                   ([f"姓名{i}", f"3701021990{i:08d}", date(2026, 1, 1)] for i in range(rows)))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows():
    """Rows stream to disk: ten times the rows, about the same peak (the finished zip is in the BytesIO)."""
    small, big = _peak(2_000), _peak(20_000)
    assert big < small * 2, (small, big)


def _libreoffice_csv(path, tmp_path):
    """The first sheet as LibreOffice computes it: it recalculates every formula when it opens a file."""
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "csv",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=120)
    with open(tmp_path / (path.stem + ".csv"), encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_spreadsheet_programs_read_hostile_text_as_text(tmp_path):
    path = tmp_path / "hostile.xlsx"
    write_xlsx(path, [OutColumn("姓名")], [[t] for t in HOSTILE[:4]])
    assert [r[0] for r in _libreoffice_csv(path, tmp_path)[1:]] == ["'" + t for t in HOSTILE[:4]]
    book = CalamineWorkbook.from_path(str(path))  # the reader of our own imports
    assert [r[0] for r in book.get_sheet_by_index(0).to_python()[1:]] == ["'" + t for t in HOSTILE[:4]]
    # The control: the same text written as plain openpyxl values is a formula, and LibreOffice computes it.
    control = tmp_path / "control.xlsx"
    wb = Workbook()
    wb.active.append(["姓名"])
    wb.active.append(["=1+1"])
    wb.save(control)
    assert _libreoffice_csv(control, tmp_path)[1] == ["2"]


# -- the staff query ------------------------------------------------------------------------------------
@pytest.fixture
def people(unit):
    dept = make_department(unit.employer, "研发部")
    return type("People", (), dict(
        zhang=make_person(unit.employer, "张工", department=dept, education="硕士研究生", title_date=date(2020, 7, 1)),
        li=make_person(unit.branch, "李工"),
        formula=make_person(unit.employer, "=1+1"),
        at=make_person(unit.employer, "@SUM(A1)"),
        foreign=make_person(unit.other, "外单位人员"),
        dept=dept))


def test_staff_export_is_the_scoped_list_typed(auth, client, unit, people):
    auth.login(unit.admin)
    r, ws = export(client, STAFF + "export.xlsx")
    header, rows = table(ws)
    assert header[:5] == ["姓名", "身份证号", "性别", "出生日期", "工作单位"] and ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1])
    by_name = {row["姓名"].value: row for row in rows}
    assert set(by_name) == {"张工", "李工", "'=1+1", "'@SUM(A1)"}  # never another unit's row
    zhang = by_name["张工"]
    # The admin's own people: the ID in full, as text that Excel will not turn into 3.70102E+17.
    assert zhang["身份证号"].value == people.zhang.id_number
    assert zhang["身份证号"].data_type == "s" and zhang["身份证号"].number_format == "@"
    assert zhang["出生日期"].is_date and zhang["出生日期"].value.date() == people.zhang.birth_date
    assert zhang["取得职称时间"].value == datetime(2020, 7, 1) and zhang["取得职称时间"].number_format == "yyyy-mm-dd"
    assert zhang["注册时间"].is_date and zhang["注册时间"].number_format == "yyyy-mm-dd hh:mm"
    assert zhang["所在部门"].value == "研发部" and zhang["工作单位"].value == unit.employer.name
    assert by_name["李工"]["所在部门"].value is None and by_name["李工"]["工作单位"].value == unit.branch.name
    assert zhang["状态"].value == "已审核"
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert by_name["'=1+1"]["姓名"].data_type == "s"
    assert ws.column_dimensions["B"].width == 21


def test_the_file_has_a_chinese_name_rfc5987(auth, client, unit, people):
    auth.login(unit.admin)
    r, _ws = export(client, STAFF + "export.xlsx")
    name = f"专技人员信息_{now().date().isoformat()}.xlsx"
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(name)}" in disposition


def test_staff_export_follows_the_lists_filter_search_and_order(app, auth, client, unit, people):
    auth.login(unit.admin)
    assert values(export(client, STAFF + "export.xlsx", search="张")[1], "姓名") == ["张工"]
    education = flt(app, "staff", "学历")
    assert values(export(client, STAFF + "export.xlsx", **{education: "硕士研究生"})[1], "姓名") == ["张工"]
    assert values(export(client, STAFF + "export.xlsx", search="李", **{education: "硕士研究生"})[1], "姓名") == []
    # The list's order, every page: newest first by default, by name when the list is sorted by name.
    for query in ({}, {"sort": "0"}, {"sort": "0", "desc": "1"}):
        page = client.get(STAFF, query_string=query).get_data(as_text=True).replace("\n", "").replace(" ", "")
        names = ["张工", "李工", "=1+1", "@SUM(A1)"]
        listed = sorted(names, key=lambda n: page.index(f">{n}<"))
        exported = [v.lstrip("'") for v in values(export(client, STAFF + "export.xlsx", **query)[1], "姓名")]
        assert exported == listed, query


def test_every_page_is_exported_not_only_the_first(auth, client, unit):
    for i in range(45):
        make_person(unit.employer, f"员工{i:02d}")
    auth.login(unit.admin)
    assert "员工00" not in client.get(STAFF).get_data(as_text=True)  # page 1 shows 20 of them
    exported = values(export(client, STAFF + "export.xlsx", page="1")[1], "姓名")
    assert sorted(exported) == [f"员工{i:02d}" for i in range(45)]


def test_another_units_admin_exports_only_its_own_rows(auth, client, unit, people):
    auth.login(unit.other_admin)
    assert values(export(client, STAFF + "export.xlsx")[1], "姓名") == ["外单位人员"]
    assert values(export(client, STAFF + "export.xlsx", search="张")[1], "姓名") == []


def test_every_export_is_audited_with_its_filter_and_row_count(app, auth, client, unit, people):
    auth.login(unit.admin)
    education = flt(app, "staff", "学历")
    export(client, STAFF + "export.xlsx", search="张", **{education: "硕士研究生"})
    export(client, STAFF + "export.xlsx")
    first, second = exports()
    assert (first.entity, first.entity_id, first.actor_name, first.actor_org_id) == (
        "person", "staff", "王管理", unit.employer.id)
    assert first.changes["rows"] == 1 and first.changes["search"] == "张"
    assert first.changes["filters"] == [["学历", "等于", "硕士研究生"]] and first.changes["title"] == "专技人员信息"
    assert second.changes["rows"] == 4 and second.changes["filters"] == []
    assert first.action_label == "导出"


def test_the_export_button_carries_the_lists_query_string(app, auth, client, unit, people):
    auth.login(unit.admin)
    education = flt(app, "staff", "学历")
    page = client.get(STAFF, query_string={"search": "张", education: "硕士研究生"}).get_data(as_text=True)
    assert f'href="/admin/staff/export.xlsx?search=%E5%BC%A0&amp;{education}=' in page and "导出 Excel" in page
    assert "导出 Excel" not in client.get("/admin/jobs/").get_data(as_text=True)  # a list without export columns
    assert client.get("/admin/jobs/export.xlsx").status_code == 404


def test_staff_export_queries_grow_with_chunks_not_rows(auth, client, unit, monkeypatch):
    monkeypatch.setattr(export_module, "EXPORT_CHUNK", 10)
    dept = make_department(unit.employer, "一部")
    for i in range(3):
        make_person(unit.employer, f"甲{i}", department=dept)
    auth.login(unit.admin)
    with count_queries() as few:
        export(client, STAFF + "export.xlsx")
    for i in range(22):  # 25 rows: three chunks instead of one, each with its units and departments joined
        make_person(unit.branch if i % 2 else unit.employer, f"乙{i}", department=make_department(unit.employer))
    with count_queries() as many:
        export(client, STAFF + "export.xlsx")
    assert len(many) == len(few) + 2


# -- the review queues and their 已审核 tabs ------------------------------------------------------------------
def test_person_registration_queue_exports_pending_staff_in_full(auth, client, unit):
    waiting = make_person(unit.branch, "待审甲", status="pending")
    make_person(unit.employer, "已审乙")
    make_person(unit.other, "外单位丙", status="pending")
    auth.login(unit.admin)
    r, ws = export(client, "/admin/person_registration/export.xlsx")
    _header, rows = table(ws)
    assert [row["姓名"].value for row in rows] == ["待审甲"]
    row = rows[0]
    assert row["身份证号"].value == waiting.id_number and row["身份证号"].number_format == "@"
    assert row["手机号"].value == waiting.account.phone and row["手机号"].data_type == "s"
    assert row["注册时间"].is_date
    assert quote("专技人员注册审核（待审核）") in r.headers["Content-Disposition"]


def test_org_registration_queue_exports_units_registering_under_the_admin(auth, client, unit):
    make_org("待审下级单位", parent=unit.employer, status="pending")
    make_org("外单位下级", parent=unit.other, status="pending")
    auth.login(unit.admin)
    _r, ws = export(client, "/admin/org_registration/export.xlsx")
    _header, rows = table(ws)
    assert [row["单位名称"].value for row in rows] == ["待审下级单位"]
    code = rows[0]["统一社会信用代码"]
    assert code.data_type == "s" and code.number_format == "@" and len(code.value) == 18
    assert rows[0]["上级单位"].value == unit.employer.name and rows[0]["机构类型"].value == "用人单位"


def test_change_queue_exports_each_change_and_the_full_id(auth, client, unit, monkeypatch):
    monkeypatch.setattr(export_module, "EXPORT_CHUNK", 2)  # the names of each chunk are read with the chunk
    old, new = make_department(unit.employer, "研发部"), make_department(unit.employer, "质量部")
    people = [make_person(unit.employer, f"申请人{i}", department=old) for i in range(3)]
    for p in people:
        db.session.add(ChangeRequest(target_type="person", target_id=p.id, org_id=unit.employer.id,
                                     subject_name=p.name, changes={
                                         "department_id": {"before": old.id, "after": new.id},
                                         "major": {"before": None, "after": "=HYPERLINK(\"x\")"}}))
    foreign = make_person(unit.other, "外单位人员")
    db.session.add(ChangeRequest(target_type="person", target_id=foreign.id, org_id=unit.other.id,
                                 subject_name=foreign.name, changes={"major": {"before": "a", "after": "b"}}))
    db.session.commit()
    auth.login(unit.admin)
    _r, ws = export(client, "/admin/person_change/export.xlsx")
    _header, rows = table(ws)
    assert sorted(row["姓名"].value for row in rows) == ["申请人0", "申请人1", "申请人2"]
    by_name = {row["姓名"].value: row for row in rows}
    assert by_name["申请人1"]["身份证号"].value == people[1].id_number
    assert by_name["申请人1"]["修改内容"].value == '所在部门：研发部 → 质量部；所学专业：（空） → =HYPERLINK("x")'
    assert by_name["申请人1"]["申请时间"].is_date and by_name["申请人1"]["审核单位"].value == unit.employer.name


def test_review_records_export_the_decisions_with_person_ids_masked(auth, client, unit):
    person = make_person(unit.employer, "已驳回者", status="rejected")
    db.session.add(ReviewRecord(target_type="person", target_id=person.id, org_id=unit.employer.id,
                                subject_name=person.name, subject_code=person.id_number, decision="rejected",
                                reason="-材料不全", reviewer_name="王管理"))
    db.session.add(ReviewRecord(target_type="person", target_id=person.id, org_id=unit.other.id,
                                subject_name="外单位记录", subject_code=person.id_number, decision="approved",
                                reviewer_name="赵管理"))
    db.session.commit()
    auth.login(unit.admin)
    r, ws = export(client, "/admin/person_registration_done/export.xlsx")
    _header, rows = table(ws)
    assert [row["姓名"].value for row in rows] == ["已驳回者"]
    row = rows[0]
    assert row["身份证号"].value == person.masked_id and row["审核结果"].value == "驳回"
    assert row["驳回原因"].value == "'-材料不全" and row["审核时间"].is_date
    assert quote("专技人员注册审核（已审核）") in r.headers["Content-Disposition"]


# -- the transfer lists --------------------------------------------------------------------------------
@pytest.fixture
def moving(unit):
    unit.out_actor = tr.Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id)
    leaving = make_person(unit.branch, "调出者", department=make_department(unit.branch, "原部"))
    t = tr.start(leaving, unit.other, "工作调动", date(2026, 11, 28), unit.out_actor)
    db.session.commit()
    tr.approve_out(t.id, unit.out_actor)
    db.session.commit()
    stranger = make_person(unit.other, "外单位调转者")
    tr.start(stranger, make_org("外单位调入单位", parent=unit.city), "工作调动", date(2026, 11, 28),
             tr.Actor(unit.other_admin.id, "赵管理", unit.other.id, unit.other.id))
    db.session.commit()
    return type("Moving", (), dict(transfer=t, person=leaving))


def test_transfer_records_export_the_sides_rows_with_ids_masked(auth, client, unit, moving):
    auth.login(unit.admin)
    r, ws = export(client, "/admin/transfer_records_out/export.xlsx")
    _header, rows = table(ws)
    assert [row["姓名"].value for row in rows] == ["调出者"]
    row = rows[0]
    assert row["身份证号"].value == moving.person.masked_id and row["身份证号"].data_type == "s"
    assert row["调转日期"].value == datetime(2026, 11, 28) and row["调转日期"].number_format == "yyyy-mm-dd"
    assert (row["调出单位"].value, row["调入单位"].value, row["原部门"].value) == (
        unit.branch.name, unit.other.name, "原部")
    assert row["状态"].value == tr.STATUSES["pending_in"] and row["完成时间"].value is None
    assert quote("调出记录") in r.headers["Content-Disposition"]
    assert values(export(client, "/admin/transfer_records/export.xlsx")[1], "姓名") == []  # nothing coming in
    # The target unit sees it on its in side once the out unit let the person go; the other transfer is its own.
    auth.login(unit.other_admin)
    assert values(export(client, "/admin/transfer_in_review/export.xlsx")[1], "姓名") == ["调出者"]
    assert values(export(client, "/admin/transfer_out/export.xlsx")[1], "姓名") == ["外单位调转者"]


def test_transfer_export_queries_grow_with_chunks_not_rows(auth, client, unit, monkeypatch):
    monkeypatch.setattr(export_module, "EXPORT_CHUNK", 5)
    actor = tr.Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id)

    def add(n):
        for i in range(n):
            tr.start(make_person(unit.employer, f"调{n}_{i}", department=make_department(unit.employer)),
                     make_org(parent=unit.city), "工作调动", date(2026, 11, 28), actor)
        db.session.commit()

    add(2)
    auth.login(unit.admin)
    with count_queries() as few:
        export(client, "/admin/transfer_out/export.xlsx")
    add(8)
    with count_queries() as many:
        _r, ws = export(client, "/admin/transfer_out/export.xlsx")
    assert len(values(ws, "姓名")) == 10 and len(many) == len(few) + 1


# -- the audit log -------------------------------------------------------------------------------------
def test_audit_log_export_has_the_changes_as_compact_json(app, auth, client, unit):
    auth.login(unit.admin)
    with app.test_request_context():
        from flask import g
        g.actor = {"id": unit.admin.id, "name": "王管理", "org_id": unit.employer.id, "org_name": unit.employer.name,
                   "role": "单位管理员"}
        audit.record("person", 7, "update", {"name": {"before": "张三", "after": "=张四"}}, reason_text="@更正")
        g.actor = dict(g.actor, org_id=unit.other.id, name="赵管理")
        audit.record("person", 8, "update", {"name": {"before": "外", "after": "单位"}})
        db.session.commit()
    _r, ws = export(client, "/admin/audit/export.xlsx", **{flt(app, "audit", "操作"): "update"})
    _header, rows = table(ws)
    assert len(rows) == 1
    row = rows[0]
    assert row["变更内容"].value == '{"name":{"before":"张三","after":"=张四"}}'
    assert row["原因"].value == "'@更正" and row["操作"].value == "修改" and row["对象编号"].data_type == "s"
    assert row["时间"].is_date and row["时间"].number_format == "yyyy-mm-dd hh:mm"


# -- the unit's own lists ---------------------------------------------------------------------------------
def test_departments_and_subordinates_export_their_counts_and_paths(auth, client, unit, people, monkeypatch):
    monkeypatch.setattr(export_module, "EXPORT_CHUNK", 1)  # each chunk reads its own head counts and paths
    make_department(unit.employer, "空部门")
    make_department(unit.other, "外单位部门")
    auth.login(unit.admin)
    _header, rows = table(export(client, "/admin/departments/export.xlsx")[1])
    counts = {row["部门名称"].value: row["人数"] for row in rows}
    assert set(counts) == {"研发部", "空部门"}
    assert (counts["研发部"].value, counts["研发部"].data_type) == (1, "n") and counts["空部门"].value == 0
    _header, rows = table(export(client, "/admin/subordinates/export.xlsx")[1])
    assert [(row["单位名称"].value, row["隶属关系"].value) for row in rows] == [
        (unit.branch.name, f"{unit.employer.name} / {unit.branch.name}")]
    assert rows[0]["统一社会信用代码"].number_format == "@" and rows[0]["状态"].value == "已审核"


# -- every export -----------------------------------------------------------------------------------------
def test_every_list_with_export_columns_exports_its_header(app, auth, client, unit, people):
    auth.login(unit.admin)
    # The operator's own lists (平台设置) are exported in tests/hours/test_catalogue_admin.py.
    exported = [v for v in views(app) if getattr(v, "export_columns", None) and not v.operator_only]
    assert {v.endpoint for v in exported} >= {
        "staff", "person_registration", "org_registration", "person_change", "org_change", "person_registration_done",
        "org_registration_done", "person_change_done", "org_change_done", "transfer_out", "transfer_out_review",
        "transfer_in_review", "transfer_records", "transfer_records_out", "audit", "departments", "roles",
        "subordinates"}
    for view in exported:
        r, ws = export(client, view.url + "/export.xlsx")
        assert [c.value for c in ws[1]] == [c.label for c in view.export_out_columns()], view.endpoint
        assert ws.freeze_panes == "A2" and "filename*=UTF-8''" in r.headers["Content-Disposition"]
        assert "导出 Excel" in client.get(view.url + "/").get_data(as_text=True), view.endpoint
    assert len(exports()) == len(exported)


# -- a large export: a background job with a progress bar ------------------------------------------------
@pytest.fixture
def jobs_folder(app, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    return tmp_path / "jobs"


def test_an_export_over_the_sync_limit_runs_as_a_job_of_the_same_list(app, auth, client, unit, monkeypatch,
                                                                      jobs_folder):
    monkeypatch.setattr(export_module, "EXPORT_SYNC_ROWS", 3)
    monkeypatch.setattr("models.spreadsheet.writing.PROGRESS_EVERY", 2)
    monkeypatch.setattr(export_module, "EXPORT_CHUNK", 2)
    for i in range(6):
        make_person(unit.employer if i % 2 else unit.branch, f"张{i}", education="硕士研究生" if i < 5 else "大学本科")
    make_person(unit.employer, "李工", education="硕士研究生")
    make_person(unit.other, "张外", education="硕士研究生")
    seen = []
    progress = JobRun.progress
    monkeypatch.setattr(JobRun, "progress", lambda self, done, total=None, **kw: (
        seen.append((done, total)), progress(self, done, total, **kw))[1])
    auth.login(unit.admin)
    education = flt(app, "staff", "学历")
    query = {"search": "张", education: "硕士研究生"}
    r = client.get(STAFF + "export.xlsx", query_string=query)
    job = db.session.scalars(select(Job)).one()
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/jobs/{job.id}")
    assert job.kind == "export" and job.title == "导出专技人员信息" and job.status == "done", job.message
    assert (job.done, job.total, job.message) == (5, 5, "已导出 5 条记录")
    assert seen == [(0, 5), (2, 5), (4, 5)]  # every PROGRESS_EVERY rows, with the total from the start
    assert job.result["url"].startswith("/admin/staff/?search=")
    status = client.get(f"/admin/jobs/{job.id}.json").get_json()
    assert status["percent"] == 100 and status["file_name"] == download_name("专技人员信息")
    download = client.get(status["download"])
    assert download.status_code == 200 and quote(download_name("专技人员信息")) in download.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(download.data)).worksheets[0]
    assert sorted(values(ws, "姓名")) == ["张0", "张1", "张2", "张3", "张4"]  # scoped, filtered, searched
    assert ws.freeze_panes == "A2" and ws["B2"].number_format == "@"
    entry = exports()[0]
    assert entry.request_id == job.request_id and entry.actor_name == "王管理" and entry.actor_org_id == unit.employer.id
    assert entry.changes["rows"] == 5 and entry.changes["search"] == "张"
    assert entry.changes["filters"] == [["学历", "等于", "硕士研究生"]]


def test_an_export_job_whose_actor_lost_the_list_fails_with_a_message(app, auth, client, unit, monkeypatch, tmp_path,
                                                                       jobs_folder):
    monkeypatch.setattr(export_module, "EXPORT_SYNC_ROWS", 1)
    app.extensions["huey"] = make_huey(app, store="sqlite", filename=tmp_path / "queue.sqlite3")  # nobody consumes
    make_person(unit.employer, "甲")
    make_person(unit.employer, "乙")
    auth.login(unit.admin)
    assert client.get(STAFF + "export.xlsx").status_code == 302
    job = db.session.scalars(select(Job)).one()
    assert job.status == "queued"
    membership = db.session.scalars(select(AdminMembership).where(AdminMembership.account_id == unit.admin.id)).one()
    membership.is_super, membership.role_id = False, make_role(unit.employer, "无查询权限", codes=["audit.view"]).id
    db.session.commit()
    execute(app, job.id)
    db.session.refresh(job)
    assert job.status == "failed" and job.message == "您已没有该列表的查看权限，导出未执行"
    assert exports() == [] and not list(jobs_folder.glob("*.xlsx"))
