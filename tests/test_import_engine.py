"""The import engine on tables built here: headers, every cell check, duplicates, the database phase, both commit
modes, the re-check at write time, the template and the failed-rows file. The kind below imports departments, so the
engine is shown to know nothing of persons."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Department, db
from models.spreadsheet import cells
from models.spreadsheet import imports as im
from models.spreadsheet.reading import Table, read_table

from .helpers import make_department


class Context:
    def __init__(self, org):
        self.org_id = org.id
        self.colours = ["红", "绿", "蓝"]


def _code(value):
    text = cells.text(value)
    if not text.isdigit() or len(text) != 6:
        raise ValueError("编号须为6位数字")
    return text


class DepartmentImport(im.ImportKind):
    name = "test_departments"
    title = "部门"
    columns = (
        im.Column("name", "名称", required=True, max_len=10, unique=True, example="示例部门"),
        im.Column("code", "编号", normalise=_code, number_format="@", unique=True, example="000001"),
        im.Column("colour", "颜色", choices=lambda ctx: ctx.colours, example="红"),
        im.Column("size", "规模", choices=["大", "中", "小"], aliases=("大小",)),
        im.Column("since", "成立日期", normalise=cells.day, number_format="yyyy-mm-dd"),
    )

    def check(self, rows, ctx):
        names = [r.values["name"] for r in rows if "name" in r.values]
        existing = dict(db.session.execute(select(Department.name, Department.id).where(
            Department.org_id == ctx.org_id, Department.name.in_(names))).all())
        for row in rows:
            name = row.values.get("name")
            if name == "禁止":
                row.fail(0, "不允许的名称")
            elif name in existing:
                row.update_of = existing[name]

    def write(self, rows, ctx):
        new = [r for r in rows if r.update_of is None]
        for r in new:
            db.session.add(Department(org_id=ctx.org_id, name=r.values["name"]))
        db.session.flush()
        return im.Written(created=len(new), unchanged=len(rows) - len(new))


KIND = DepartmentImport()
HEADER = ["名称*", "编号", "颜色", "规模", "成立日期"]


def table(rows, header=HEADER):
    return Table(header=list(header), header_row=1, rows=[(i + 2, list(r)) for i, r in enumerate(rows)], sheet="部门")


@pytest.fixture
def ctx(unit):
    return Context(unit.employer)


def errors(preview):
    return list(preview.errors())


# -- headers -------------------------------------------------------------------------------------------------
def test_headers_match_by_name_in_any_order_ignoring_spaces_stars_and_full_width(ctx):
    header = [" 成立日期 ", "颜 色", "＊名称", "编号＊", "大小"]  # full-width star, alias, inner space
    preview = im.validate(KIND, table([[date(2020, 1, 2), "绿", "研发部", "123456", "大"]], header), ctx)
    assert preview.fatal is None and not preview.notices
    row = preview.rows[0]
    assert row.ok and row.values == {"name": "研发部", "code": "123456", "colour": "绿", "size": "大",
                                     "since": date(2020, 1, 2)}


def test_missing_required_columns_is_one_error_naming_them_and_nothing_else_is_checked(ctx):
    preview = im.validate(KIND, table([["x" * 50, "bad"]], ["编号", "颜色"]), ctx)
    assert preview.fatal == im.MISSING_COLUMNS.format(labels="名称")
    assert preview.rows == [] and errors(preview) == []
    with pytest.raises(im.ImportRefused):
        im.commit(KIND, preview, im.VALID_ONLY, ctx)


def test_a_column_given_twice_is_refused(ctx):
    preview = im.validate(KIND, table([["a", "b"]], ["名称", "名称*"]), ctx)
    assert "出现了2次" in preview.fatal and "A、B" in preview.fatal


def test_unknown_columns_are_a_notice_not_a_failure(ctx):
    preview = im.validate(KIND, table([["研发部", "备注"]], ["名称", "备注"]), ctx)
    assert preview.fatal is None and preview.notices == [im.UNKNOWN_COLUMNS.format(labels="备注")]
    assert preview.counts()["valid"] == 1


# -- cells ---------------------------------------------------------------------------------------------------
def test_every_cell_check_reports_row_column_value_and_message(ctx):
    preview = im.validate(KIND, table([
        ["", "123456"],                                  # required
        ["一二三四五六七八九十一", "12345"],                  # too long; normaliser refuses
        ["市场部", "654321", "紫", "巨大", "2020-13-45"],     # choice from context; static choice; bad date
        ["  ", None, None, None, None],                  # blank cells only: not a row at all
        ["后勤部", 112233.0, "蓝", "小", 43831],             # a number cell for a text column; a date serial
    ]), ctx)
    found = errors(preview)
    assert (2, "名称", "", im.REQUIRED) in found
    assert (3, "名称", "一二三四五六七八九十一", im.TOO_LONG.format(limit=10, length=11)) in found
    assert (3, "编号", "12345", "编号须为6位数字") in found
    assert (4, "颜色", "紫", "“紫”不是可选的值，可选：红、绿、蓝") in found
    assert (4, "规模", "巨大", "“巨大”不是可选的值，可选：大、中、小") in found
    assert [e[:3] for e in found if e[0] == 4 and e[1] == "成立日期"] == [(4, "成立日期", "2020-13-45")]
    assert [r.number for r in preview.rows] == [2, 3, 4, 6]
    last = preview.rows[-1]
    assert last.ok and last.values["code"] == "112233" and last.values["since"] == date(2020, 1, 1)
    assert preview.counts() == {"total": 4, "valid": 1, "invalid": 3, "would_update": 0}


def test_a_long_enumeration_does_not_list_every_value(unit):
    ctx = Context(unit.employer)
    ctx.colours = [f"颜色{i:03d}" for i in range(100)]
    preview = im.validate(KIND, table([["研发部", None, "黑"]]), ctx)
    message = errors(preview)[0][3]
    assert "共100项" in message and "颜色050" not in message


def test_a_10000_character_cell_is_refused_and_shown_cut(ctx):
    preview = im.validate(KIND, table([["长" * 10000]]), ctx)
    (number, label, value, message), = errors(preview)
    assert message == im.TOO_LONG.format(limit=10, length=10000) and len(value) == 101


def test_the_example_row_is_ignored_and_its_id_refused_elsewhere(ctx):
    preview = im.validate(KIND, table([["示例部门", "000001", "红", None, None],
                                       ["研发部", "000001", "红"]]), ctx)
    assert preview.notices == [im.EXAMPLE_SKIPPED.format(row=2)] and preview.skipped_example == 2
    assert errors(preview) == [(3, "编号", "000001", im.EXAMPLE_VALUE)]


# -- duplicates, database, would-update ---------------------------------------------------------------------------
def test_duplicates_inside_the_file_report_both_rows_naming_the_other(ctx):
    preview = im.validate(KIND, table([["研发部", "111111"], ["市场部", "222222"], ["研发部 ", "111111"],
                                       ["研发部", "333333"]]), ctx)
    found = errors(preview)
    assert (2, "名称", "研发部", "与第4、5行的名称重复") in found
    assert (4, "名称", "研发部 ", "与第2、5行的名称重复") in found
    assert (4, "编号", "111111", "与第2行的编号重复") in found and (2, "编号", "111111", "与第4行的编号重复") in found
    assert preview.counts()["valid"] == 1


def test_database_checks_and_would_update(ctx, unit):
    make_department(unit.employer, "财务部")
    make_department(unit.other, "研发部")  # another unit's: not ours to update
    preview = im.validate(KIND, table([["财务部"], ["研发部"], ["禁止"]]), ctx)
    assert preview.counts() == {"total": 3, "valid": 2, "invalid": 1, "would_update": 1}
    assert errors(preview) == [(4, "名称", "禁止", "不允许的名称")]


# -- commit ----------------------------------------------------------------------------------------------------
def departments(org):
    return set(db.session.scalars(select(Department.name).where(Department.org_id == org.id)))


def test_valid_only_writes_the_valid_rows(ctx, unit):
    preview = im.validate(KIND, table([["研发部"], ["禁止"], ["市场部", "bad"]]), ctx)
    outcome = im.commit(KIND, preview, im.VALID_ONLY, ctx)
    db.session.commit()
    assert outcome.refused is None and outcome.written.created == 1 and outcome.skipped == 2
    assert departments(unit.employer) == {"研发部"}


def test_all_or_nothing_writes_nothing_when_any_row_fails(ctx, unit):
    preview = im.validate(KIND, table([["研发部"], ["禁止"]]), ctx)
    outcome = im.commit(KIND, preview, im.ALL_OR_NOTHING, ctx)
    assert outcome.refused == im.ALL_OR_NOTHING_REFUSED.format(n=1) and outcome.written.created == 0
    assert departments(unit.employer) == set()
    good = im.validate(KIND, table([["研发部"], ["市场部"]]), ctx)
    assert im.commit(KIND, good, im.ALL_OR_NOTHING, ctx).written.created == 2


def test_nothing_valid_is_said_so(ctx):
    preview = im.validate(KIND, table([["禁止"]]), ctx)
    assert im.commit(KIND, preview, im.VALID_ONLY, ctx).refused == im.NOTHING_TO_IMPORT
    with pytest.raises(im.ImportRefused):
        im.commit(KIND, preview, "whatever", ctx)


def test_commit_checks_the_database_again(ctx, unit):
    preview = im.validate(KIND, table([["研发部"], ["市场部"]]), ctx)
    assert preview.counts()["would_update"] == 0
    make_department(unit.employer, "研发部")  # someone imported it meanwhile
    outcome = im.commit(KIND, preview, im.VALID_ONLY, ctx)
    assert outcome.written.created == 1 and outcome.written.unchanged == 1
    assert preview.counts()["would_update"] == 1


def test_a_database_error_found_at_preview_is_gone_when_the_cause_is(ctx, unit):
    class Blocked(DepartmentImport):
        blocked = {"研发部"}

        def check(self, rows, ctx):
            for row in rows:
                if row.values.get("name") in self.blocked:
                    row.fail(0, "暂时不可导入")

    kind = Blocked()
    preview = im.validate(kind, table([["研发部"]]), ctx)
    assert preview.counts()["invalid"] == 1
    kind.blocked = set()
    assert im.commit(kind, preview, im.ALL_OR_NOTHING, ctx).written.created == 1


def test_progress_is_reported_every_thousand_rows(ctx):
    seen = []
    rows = [[f"部门{i}", "bad" if i % 100 == 0 else None] for i in range(2500)]
    im.validate(KIND, table(rows), ctx, progress=lambda done, failed: seen.append((done, failed)))
    assert seen == [(1000, 10), (2000, 20), (2500, 25)]


# -- workbooks -------------------------------------------------------------------------------------------------
def _open(data):
    return load_workbook(io.BytesIO(data))


def test_template_has_headers_formats_validations_example_and_instructions(ctx):
    ctx.colours = [f"颜色{i:03d}" for i in range(100)]
    wb = _open(im.template(KIND, ctx))
    assert wb.sheetnames == ["部门", "填写说明", "选项"] and wb["选项"].sheet_state == "hidden"
    ws = wb["部门"]
    assert [c.value for c in ws[1]] == ["名称*", "编号", "颜色", "规模", "成立日期"]
    assert ws["A1"].font.color.rgb.endswith("C00000") and not ws["B1"].font.color
    assert [c.value for c in ws[2]][:3] == ["示例部门", "000001", "红"] and ws["A2"].font.i
    assert ws.column_dimensions["B"].number_format == "@"
    assert ws.column_dimensions["E"].number_format == "yyyy-mm-dd"
    rules = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert rules["D2:D100001"] == '"大,中,小"'
    assert rules["C2:C100001"] == "'选项'!$A$2:$A$101"  # from the context, through the hidden sheet
    assert [c.value for c in wb["选项"]["A"]][:3] == ["颜色", "颜色000", "颜色001"]
    text = "\n".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    for column in KIND.columns:
        assert column.label in text
    assert "大、中、小" in text and "共100项" in text and "最多10个字" in text


def test_the_template_uploaded_as_it_is_has_nothing_to_import(ctx):
    preview = im.validate(KIND, read_table("部门.xlsx", im.template(KIND, ctx)), ctx)
    assert preview.rows == [] and preview.skipped_example == 2
    assert im.commit(KIND, preview, im.VALID_ONLY, ctx).refused == im.NOTHING_TO_IMPORT


def test_failed_rows_round_trip(ctx, unit):
    preview = im.validate(KIND, table([["研发部", "111111"], ["=HYPERLINK(\"x\")", "12"], ["市场部", "222222", "紫"],
                                       ["禁止", 333333.0, None, None, 43831]]), ctx)
    assert preview.counts()["invalid"] == 3
    data = im.failed_rows_xlsx(KIND, preview, ctx)
    ws = _open(data)["部门"]
    assert [c.value for c in ws[1]] == HEADER + [im.REASON_LABEL]
    assert ws.column_dimensions["B"].number_format == "@"
    assert {str(dv.sqref) for dv in ws.data_validations.dataValidation} == {"C2:C100001", "D2:D100001"}
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows[0][:2] == ["'=HYPERLINK(\"x\")", "12"] and "编号：编号须为6位数字" in rows[0][5]
    assert rows[1][:3] == ["市场部", "222222", "紫"] and "颜色：" in rows[1][5]
    assert rows[2][:2] == ["禁止", "333333"] and rows[2][4].date() == date(2020, 1, 1)
    assert rows[2][5] == "名称：不允许的名称"

    again = im.validate(KIND, read_table("失败数据.xlsx", data), ctx)
    assert again.notices == [im.UNKNOWN_COLUMNS.format(labels=im.REASON_LABEL)]
    assert [r.number for r in again.invalid_rows] == [2, 3, 4]

    fixed_file = _fixed(data)
    final = im.validate(KIND, read_table("失败数据.xlsx", fixed_file), ctx)
    assert final.counts() == {"total": 3, "valid": 3, "invalid": 0, "would_update": 0}
    im.commit(KIND, final, im.ALL_OR_NOTHING, ctx)
    db.session.commit()
    assert departments(unit.employer) == {"财务部", "市场部", "后勤部"}


def _fixed(data):
    """What a user does with the failed-rows file: correct the cells, keep 错误原因, save."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    ws["A2"], ws["B2"] = "财务部", "444444"
    ws["C3"] = "红"
    ws["A4"] = "后勤部"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_without_the_database_phase_commit_still_runs_it(ctx, unit):
    preview = im.validate(KIND, table([["研发部"], ["禁止"]]), ctx, database=False)
    assert preview.counts()["invalid"] == 0
    outcome = im.commit(KIND, preview, im.VALID_ONLY, ctx)
    assert outcome.written.created == 1 and outcome.skipped == 1
    assert errors(preview) == [(3, "名称", "禁止", "不允许的名称")]
