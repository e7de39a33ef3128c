"""read_table: every kind of file users upload reads to the same rows, and every hostile file is refused in
Chinese before a parser can be hurt by it."""
import io
import struct
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook, PasswordError

from models.spreadsheet import archive, cells, xls
from models.spreadsheet.reading import MAX_CELL_CHARS, FileRefused, read_table

DATA = Path(__file__).parent / "data" / "spreadsheets"
STAFF = ["staff_openpyxl.xlsx", "staff_libreoffice.xlsx", "staff_libreoffice.xls", "staff_libreoffice.ods",
         "staff_utf8_bom.csv", "staff_gbk.csv"]
HEADER = ["姓名", "身份证号", "身份证号（数字）", "出生日期", "手机号", "姓名字数", "备注"]


def read(name, max_rows=None):
    kwargs = {"max_rows": max_rows} if max_rows else {}
    return read_table(name, (DATA / name).read_bytes(), **kwargs)


def xlsx(rows, *, prepare=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if prepare:
        prepare(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, change=None, add=(), compression=zipfile.ZIP_DEFLATED) -> bytes:
    """The same zip with members changed (name → bytes → bytes) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(info.filename, body) if change else body)
        for name, body in add:
            dst.writestr(name, body)
    return out.getvalue()


def sheet_xml(data: bytes, old: bytes, new: bytes) -> bytes:
    def change(name, body):
        return body.replace(old, new) if name == "xl/worksheets/sheet1.xml" else body
    return rezip(data, change)


def refused(name, data, **kwargs) -> str:
    with pytest.raises(FileRefused) as caught:
        read_table(name, data, **kwargs)
    message = str(caught.value)
    assert sum("\u4e00" <= c <= "\u9fff" for c in message) >= 8  # a sentence in Chinese, not an exception text
    return message


# ---- every kind of file reads to the same rows -------------------------------------------------------------

@pytest.mark.parametrize("name", STAFF)
def test_each_kind_of_file_reads_the_same_header_and_row_numbers(name):
    table = read(name)
    assert table.header == HEADER and table.header_row == 1
    assert [number for number, _ in table.rows] == [2, 3, 5, 6]  # row 4 is empty; numbers stay as in the file
    assert table.sheet == ("" if name.endswith(".csv") else "专技人员")  # the first sheet, not 填写说明


@pytest.mark.parametrize("name", STAFF)
def test_each_kind_of_file_normalises_to_the_same_values(name):
    values = []
    for _, row in read(name).rows:
        row = row + [None] * (len(HEADER) - len(row))
        with pytest.raises(ValueError, match="15 位"):  # the ID typed into a General cell, in every kind of file
            cells.id_number(row[2])
        values.append((cells.text(row[0]), cells.id_number(row[1]), cells.day(row[3]), cells.phone(row[4]),
                       cells.text(row[5]), cells.text(row[6])))
    assert values == [
        ("王喆", "370102199001011231", date(1990, 1, 1), "13800138000", "2", "ABC123 全角"),
        ("张堃", "37020219851231004X", date(1985, 12, 31), "13912345678", "2", "前后 空格"),
        ("李四", "370303197706155559", date(1977, 6, 15), "15000000001", "2", ""),
        ("赵六", "370602199911308883", date(1999, 11, 30), "18600000002", "2", "备注"),
    ]


@pytest.mark.parametrize("name", [n for n in STAFF if not n.endswith(".csv")])
def test_workbooks_give_typed_raw_cells_and_trim_trailing_blanks(name):
    rows = dict(read(name).rows)
    first = rows[2]
    assert first[0] == "王喆" and first[1] == "370102199001011231"
    assert isinstance(first[2], float) and first[2] == 370102199001011000.0
    assert first[3] == date(1990, 1, 1) and type(first[3]) is date
    assert first[4] == 13800138000
    assert first[5] == 2        # the formula's cached value
    assert first[6] == "ＡＢＣ１２３\u3000全角"  # raw: normalising is cells' job
    assert len(rows[5]) == 6    # 李四 has no 备注: the trailing empty cell is gone


@pytest.mark.parametrize("name", ["staff_utf8_bom.csv", "staff_gbk.csv"])
def test_csv_cells_are_text_and_empty_cells_none(name):
    rows = dict(read(name).rows)
    assert rows[2] == ["王喆", "370102199001011231", "3.70102E+17", "1990/1/1", "13800138000", "2",
                       "ＡＢＣ１２３\u3000全角"]
    assert rows[5][-1] == "2" and len(rows[5]) == 6


def test_gbk_csv_with_names_outside_gb2312():
    data = (DATA / "staff_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")  # 喆 and 堃 are GBK-only: a GB2312 reader would fail
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert [row[0] for _, row in read("staff_gbk.csv").rows][:2] == ["王喆", "张堃"]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiter_is_sniffed(delimiter):
    text = delimiter.join(["姓名", "身份证号", "备注"]) + "\r\n" + delimiter.join(["王喆", "370102199001011231", "a b"])
    table = read_table("名单.csv", text.encode("utf-8"))
    assert table.header == ["姓名", "身份证号", "备注"] and table.rows == [(2, ["王喆", "370102199001011231", "a b"])]


def test_csv_quoted_cells_keep_their_commas_and_line_breaks_and_row_numbers_count_records():
    text = '姓名,备注\n王喆,"北京,海淀"\n\n张堃,"两\n行"\n李四,x\n'
    table = read_table("a.csv", text.encode("utf-8"))
    assert table.rows == [(2, ["王喆", "北京,海淀"]), (4, ["张堃", "两\n行"]), (5, ["李四", "x"])]


def test_csv_without_bom_and_utf16_as_excel_unicode_text():
    assert read_table("a.csv", "姓名,部门\n王喆,办公室\n".encode("utf-8")).rows == [(2, ["王喆", "办公室"])]
    utf16 = "姓名\t部门\r\n王喆\t办公室\r\n".encode("utf-16")  # with its BOM, tab-separated
    assert read_table("a.csv", utf16).rows == [(2, ["王喆", "办公室"])]


def test_csv_empty_cells_are_none_and_blank_rows_skipped():
    table = read_table("a.csv", b"a,b,c\n1,,3\n,,\n  ,\n4\n")
    assert table.rows == [(2, ["1", None, "3"]), (5, ["4"])]


def test_header_is_the_first_non_empty_row_below_a_gap():
    def prepare(book):
        sheet = book.active
        sheet["C4"], sheet["D4"] = "姓名", 2024
        sheet["C6"], sheet["D6"] = "王喆", 1
    table = read_table("a.xlsx", xlsx([], prepare=prepare))
    assert table.header_row == 4 and table.header == ["姓名", "2024"]
    assert table.rows == [(6, ["王喆", 1.0])]  # columns start at the first used one


def test_first_visible_sheet_is_read_when_the_first_one_is_hidden():
    def prepare(book):
        book.active.title, book.active.sheet_state = "下拉选项", "hidden"
        visible = book.create_sheet("名单")
        visible.append(["姓名"])
        visible.append(["王喆"])
        book.active = 1
    table = read_table("a.xlsx", xlsx([["男"], ["女"]], prepare=prepare))
    assert table.sheet == "名单" and table.rows == [(2, ["王喆"])]


def test_formulas_give_the_cached_value_and_are_never_evaluated():
    data = xlsx([["合计"], ["=1+1"]])
    doctored = sheet_xml(data, b"<f>1+1</f><v />", b"<f>1+1</f><v>5</v>")
    assert doctored != data
    assert read_table("a.xlsx", doctored).rows == [(2, [5.0])]  # what the file says, not 2


def test_formula_without_cached_value_and_error_cells_read_as_empty():
    def prepare(book):
        book.active["B2"] = "#DIV/0!"  # openpyxl writes an error cell (t="e")
    table = read_table("a.xlsx", xlsx([["合计", "错误", "姓名"], ["=1+1", None, "王喆"]], prepare=prepare))
    assert table.rows == [(2, [None, None, "王喆"])]


def test_ten_thousand_character_cells_are_read_whole_and_longer_ones_capped():
    long = "长" * 10_000
    assert read_table("a.xlsx", xlsx([["备注"], [long]])).rows == [(2, [long])]
    assert read_table("a.csv", f"备注\n{long}\n".encode()).rows == [(2, [long])]
    huge = "x" * 40_000
    assert read_table("a.xlsx", xlsx([["备注"], [huge]])).rows == [(2, ["x" * MAX_CELL_CHARS])]
    assert read_table("a.csv", f"备注\n{huge}\n".encode()).rows == [(2, ["x" * MAX_CELL_CHARS])]


def test_csv_field_beyond_the_csv_modules_limit_is_refused_with_a_message():
    message = refused("a.csv", ("备注\n" + "x" * 200_000 + "\n").encode())
    assert "第 2 行" in message and "过长" in message


def test_csv_with_an_unterminated_quote_reads_to_the_end():
    # the rest of the file lands in the cell of the open quote, where the preview shows it: nothing is dropped
    table = read_table("a.csv", '姓名,备注\n王喆,"未闭合\n张堃,x\n'.encode())
    assert table.rows == [(2, ["王喆", "未闭合\n张堃,x\n"])]


# ---- hostile and broken files ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, says", [
    ("名单.xlsx", b"MZ\x90\x00\x03" + b"\x00" * 500, "可执行程序"),
    ("名单.xls", b"MZ\x90\x00\x03" + b"\x00" * 500, "可执行程序"),
    ("名单.csv", b"MZ\x90\x00\x03" + b"\x00" * 500, "可执行程序"),
    ("名单.xlsx", b"%PDF-1.7\n" + b"0" * 500, "PDF"),
    ("名单.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 500, "图片"),
    ("名单.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
    ("名单.xlsx", b"just some text", "不是有效的"),
])
def test_renamed_files_are_refused_by_their_content(name, data, says):
    assert says in refused(name, data)


@pytest.mark.parametrize("name, says", [
    ("名单.xlsm", "宏"), ("名单.XLSM", "宏"), ("名单.xltm", "宏"), ("名单.xlsb", ".xlsb"), ("名单.et", "WPS"),
    ("名单.txt", ".txt"), ("名单.doc", ".doc"), ("名单", "扩展名"), ("", "扩展名"),
])
def test_extensions_that_are_refused(name, says):
    assert says in refused(name, (DATA / "staff_openpyxl.xlsx").read_bytes())


@pytest.mark.parametrize("source, name, says", [
    ("staff_openpyxl.xlsx", "名单.xls", "内容是 .xlsx"),
    ("staff_libreoffice.xls", "名单.xlsx", "内容是 .xls"),
    ("staff_libreoffice.ods", "名单.xlsx", "内容是 .ods"),
    ("staff_openpyxl.xlsx", "名单.ods", "内容是 .xlsx"),
    ("staff_openpyxl.xlsx", "名单.csv", "内容是 .xlsx"),
])
def test_extension_and_content_that_disagree(source, name, says):
    assert says in refused(name, (DATA / source).read_bytes())


@pytest.mark.parametrize("name", ["a.xlsx", "a.xls", "a.ods", "a.csv"])
def test_empty_file(name):
    assert "空的" in refused(name, b"")


def test_blank_csv_and_empty_sheet():
    assert "没有任何数据" in refused("a.csv", b"\r\n ,, \r\n\r\n")
    assert "空的" in refused("a.xlsx", xlsx([]))


@pytest.mark.parametrize("name, data", [
    ("a.xlsx", None), ("a.csv", "姓名,身份证号\r\n".encode("utf-8-sig")),
    ("a.csv", "姓名,身份证号\r\n,\r\n\r\n".encode("utf-8-sig")),
])
def test_only_a_header(name, data):
    data = data if data is not None else xlsx([["姓名", "身份证号"], [], [None, "  "]])
    assert "只有表头" in refused(name, data)


@pytest.mark.parametrize("name", STAFF)
def test_more_rows_than_allowed(name):
    assert read(name, max_rows=4).rows  # exactly the limit is fine
    message = refused(name, (DATA / name).read_bytes(), max_rows=3)
    assert "最多 3 行" in message and "拆分" in message


def test_the_row_limit_message_shows_the_real_limit():
    rows = [["n"]] + [[i] for i in range(12)]
    assert "每个文件最多 10 行数据，请拆分后分批导入" in refused("a.xlsx", xlsx(rows), max_rows=10)
    assert read_table("a.xlsx", xlsx(rows), max_rows=12).rows[-1] == (13, [11.0])


def test_truncated_xlsx():
    data = (DATA / "staff_openpyxl.xlsx").read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        assert "损坏或不完整" in refused("a.xlsx", data[:cut])


def test_corrupt_member_data_with_an_intact_directory():
    data = bytearray(xlsx([["姓名"], ["王喆"]] * 50))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 5:start + 40] = b"\xff" * 35
    assert "损坏" in refused("a.xlsx", bytes(data))


def test_truncated_xls_and_ods():
    for name in ("staff_libreoffice.xls", "staff_libreoffice.ods"):
        data = (DATA / name).read_bytes()
        assert "损坏或不完整" in refused(name, data[: len(data) // 2])


def test_zip_that_is_not_a_spreadsheet():
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert "Word" in refused("a.xlsx", docx.getvalue())
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("readme.txt", "hello")
    assert "压缩包" in refused("a.xlsx", plain.getvalue())


@pytest.mark.parametrize("member", ["xl/vbaProject.bin", "xl/VBAProject.bin"])
def test_xlsx_with_a_vba_project_is_refused_even_when_named_xlsx(member):
    data = rezip((DATA / "staff_openpyxl.xlsx").read_bytes(), add=[(member, b"\xd0\xcf\x11\xe0" + b"\x00" * 100)])
    assert "宏" in refused("a.xlsx", data)


def test_macro_enabled_content_type_is_refused():
    def change(name, body):
        if name == "[Content_Types].xml":
            return body.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
        return body
    data = rezip((DATA / "staff_openpyxl.xlsx").read_bytes(), change)
    assert "宏" in refused("a.xlsx", data)


def test_ods_with_basic_macros_is_refused():
    data = rezip((DATA / "staff_libreoffice.ods").read_bytes(), add=[("Basic/Standard/Module1.xml", b"<x/>")])
    assert "宏" in refused("a.ods", data)


def test_zip_bomb_is_refused_from_its_directory_before_inflating():
    # A sheet of 40 MB of repeated rows compresses to a few dozen KB: python-calamine would inflate it all.
    row = b'<row><c t="inlineStr"><is><t>bomb</t></is></c></row>'
    bomb = sheet_xml(xlsx([["姓名"], ["x"]]), b"</sheetData>", row * (40_000_000 // len(row)) + b"</sheetData>")
    assert len(bomb) < 400_000
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 200 * info.compress_size
    assert "压缩比异常" in refused("a.xlsx", bomb)


def test_total_unpacked_size_is_capped(monkeypatch):
    monkeypatch.setattr(archive, "MAX_UNPACKED", 1_000_000)
    rows = [["姓名", "备注"]] + [[f"人{i}", "说明" * 20] for i in range(12_000)]
    data = xlsx(rows)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 1_000_000
    assert "解压后过大" in refused("a.xlsx", data)


def test_member_that_inflates_beyond_its_declared_size_is_refused():
    """A zip directory can understate a member's size; what is inflated is capped at what it declares."""
    data = bytearray(xlsx([["姓名"]] + [[f"人{i}"] for i in range(2000)]))
    name = b"xl/worksheets/sheet1.xml"
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode())
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # the local header's uncompressed size
    central = data.find(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 1000)  # and the central directory's
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode()).file_size == 1000
    assert "解压后过大" in refused("a.xlsx", bytes(data))


def test_too_many_members():
    data = rezip(xlsx([["姓名"], ["王喆"]]), add=[(f"xl/media/junk{i}.bin", b"x") for i in range(archive.MAX_MEMBERS)])
    assert "部件" in refused("a.xlsx", data)


def test_encrypted_zip_member_is_refused():
    data = bytearray(xlsx([["姓名"], ["王喆"]]))
    position = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, position + 8, struct.unpack_from("<H", data, position + 8)[0] | 1)
    assert "密码" in refused("a.xlsx", bytes(data))


# ---- sparse grids: small files that python-calamine would turn into a huge dense grid ------------------------

def far_cell(ref):
    def prepare(book):
        book.active[ref] = "远"
    return xlsx([["姓名"], ["王喆"]], prepare=prepare)


def test_two_cells_at_opposite_corners_are_refused_before_calamine_builds_the_grid():
    data = far_cell("XFD1048576")
    assert len(data) < 10_000
    message = refused("a.xlsx", data)
    assert "工作表“Sheet”" in message and "数据区域过大" in message and "1,048,576" in message


def test_a_stray_cell_far_below_a_narrow_table_is_still_read():
    table = read_table("a.xlsx", far_cell("C30000"))
    assert table.rows == [(2, ["王喆"]), (30000, [None, None, "远"])]


@pytest.mark.parametrize("old, new", [
    (b'<c r="A2"', b'<c r="A2" r="XFD900000"'),                # calamine keeps the last of repeated attributes
    (b'<c r="A2"', b'<c r="A2" foo=">" r="XFD900000"'),         # a > inside an attribute value
    (b'<c r="A2"', b"<c r='XFD900000'"),                       # single quotes
    (b'<c r="A2"', b'<c\nr="XFD900000"'),
    (b'<c r="A2" t="inlineStr"><is><t>\xe7\x8e\x8b\xe5\x96\x86</t></is></c>',  # a prefixed element
     b'<x:c r="XFD900000" t="inlineStr"><is><t>\xe7\x8e\x8b\xe5\x96\x86</t></is></x:c>'),
])
def test_far_cells_written_in_unusual_ways_are_found_too(old, new):
    data = sheet_xml(xlsx([["姓名"], ["王喆"]]), old, new)
    assert b"XFD900000" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert "数据区域过大" in refused("a.xlsx", data)


def test_cells_without_references_are_placed_as_calamine_places_them():
    data = xlsx([["姓名", "部门"], ["王喆", "办公室"]])
    plain = sheet_xml(sheet_xml(data, b' r="A2"', b""), b' r="B2"', b"")
    assert read_table("a.xlsx", plain).rows == [(2, ["王喆", "办公室"])]


def ods(rows_xml: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body>'
        f'<office:spreadsheet><table:table table:name="名单">{rows_xml}</table:table></office:spreadsheet>'
        '</office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    return out.getvalue()


def text_cell(value, repeat=1):
    attr = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{attr}><text:p>{value}</text:p></table:table-cell>'


def test_ods_written_by_hand_reads():
    rows = ("<table:table-row>" + text_cell("姓名") + "</table:table-row>"
            "<table:table-row>" + text_cell("王喆") + '<table:table-cell table:number-columns-repeated="1000"/>'
            "</table:table-row>"
            '<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
            'table:number-columns-repeated="1024"/></table:table-row>')
    assert read_table("a.ods", ods(rows)).rows == [(2, ["王喆"])]


@pytest.mark.parametrize("rows", [
    # one value repeated across every column of a million repeated rows: 300 bytes, 17 billion cells
    '<table:table-row table:number-rows-repeated="1048575">' + text_cell("x", 16384) + "</table:table-row>",
    # a value far to the right, after a run of empty cells, on many rows
    '<table:table-row table:number-rows-repeated="5000"><table:table-cell table:number-columns-repeated="16000"/>'
    + text_cell("x") + "</table:table-row>",
])
def test_ods_repeats_that_would_grow_a_huge_grid_are_refused(rows):
    header = "<table:table-row>" + text_cell("姓名") + "</table:table-row>"
    assert "数据区域过大" in refused("a.ods", ods(header + rows))


# ---- .xls: the compound file and its BIFF records, as python-calamine would follow them ---------------------

XLS = (DATA / "staff_libreoffice.xls").read_bytes()


def xls_offset(data: bytes, position: int, stream="Workbook") -> int:
    """Where byte ``position`` of a stream lies in the file (following its mini or regular chain)."""
    compound = xls._Compound(data)
    _, start, size, _ = next(e for e in compound.entries if e[0] == stream)

    def walk(sector, fat, unit, offset):
        for _ in range(offset // unit):
            sector = fat[sector]
        return sector, offset % unit

    if size < 4096:
        mini, rest = walk(start, compound.minifat, 64, position)
        root = compound.entries[0][1]
        sector, rest = walk(root, compound.fat, compound.size, mini * 64 + rest)
    else:
        sector, rest = walk(start, compound.fat, compound.size, position)
    return (sector + 1) * compound.size + rest


def records(stream: bytes, kinds):
    """Stream offsets of the records of ``kinds`` in the first sheet's substream."""
    sheet_start = xls._sheets(stream)[0][1]
    return [(kind, at) for kind, at, _ in xls._records(stream, sheet_start) if kind in kinds]


def patched(data: bytes, changes) -> bytes:
    out = bytearray(data)
    for position, fmt, value in changes:
        struct.pack_into(fmt, out, position, value)
    return bytes(out)


def test_xls_stream_is_read_the_way_calamine_reads_it():
    stream = xls._workbook_stream(XLS)
    assert stream[:2] == b"\x09\x08"  # BOF
    assert [name for name, _ in xls._sheets(stream)] == ["专技人员", "填写说明"]


def test_xls_cell_far_away_is_refused_and_a_moderate_one_read():
    stream = xls._workbook_stream(XLS)
    _, at = records(stream, {0x00FD})[0]  # the first LabelSst cell: 姓名 at A1
    row_at, col_at = xls_offset(XLS, at), xls_offset(XLS, at + 2)
    far = patched(XLS, [(row_at, "<H", 65535), (col_at, "<H", 65535)])
    assert "数据区域过大" in refused("a.xls", far)
    moderate = patched(XLS, [(row_at, "<H", 29999), (col_at, "<H", 3)])
    table = read_table("a.xls", moderate)
    assert table.rows[-1] == (30000, [None, None, None, "姓名"])


def test_xls_dimensions_that_would_reserve_terabytes_are_refused():
    stream = xls._workbook_stream(XLS)
    _, at = records(stream, {0x0200})[0]
    assert struct.unpack_from("<H", stream, at - 2)[0] == 14  # BIFF8: u32 rows
    assert "数据区域过大" in refused("a.xls", patched(XLS, [(xls_offset(XLS, at + 4), "<I", 0xFFFFFFF0)]))


def test_xls_with_a_looping_directory_chain_is_refused_before_calamine_loops_on_it():
    compound = xls._Compound(XLS)
    directory = struct.unpack_from("<I", XLS, 48)[0]
    fat_sector = struct.unpack_from("<I", XLS, 76)[0]  # the first FAT sector holds the directory's entry
    assert directory < compound.size // 4
    looping = patched(XLS, [((fat_sector + 1) * compound.size + 4 * directory, "<I", directory)])
    assert "损坏" in refused("a.xls", looping)


def test_xls_with_a_looping_stream_chain_is_refused():
    compound = xls._Compound(XLS)
    _, start, size, _ = next(e for e in compound.entries if e[0] == "Workbook")
    assert size < 4096  # in the mini stream: its chain is in the mini FAT
    minifat_sector = struct.unpack_from("<I", XLS, 60)[0]
    looping = patched(XLS, [((minifat_sector + 1) * compound.size + 4 * start, "<I", start)])
    assert "损坏" in refused("a.xls", looping)


def test_encrypted_xls_is_refused_as_calamine_would(tmp_path):
    stream = xls._workbook_stream(XLS)
    codepage = next(at for kind, at, _ in xls._records(stream, 0) if kind == 0x0042)
    encrypted = patched(XLS, [(xls_offset(XLS, codepage - 4), "<H", 0x002F)])  # the record becomes FilePass
    (tmp_path / "a.xls").write_bytes(encrypted)
    with pytest.raises(PasswordError):  # from a file-like object python-calamine only says "Cannot detect"
        CalamineWorkbook.from_path(str(tmp_path / "a.xls"))
    assert "密码" in refused("a.xls", encrypted)


def test_xls_with_a_vba_project_is_refused():
    compound = xls._Compound(XLS)
    directory = struct.unpack_from("<I", XLS, 48)[0]
    index = next(i for i, e in enumerate(compound.entries) if e[0] == "\x01Ole")
    entry = (directory + 1) * compound.size + 128 * index
    name = "_VBA_PROJECT_CUR".encode("utf-16-le") + b"\x00\x00"
    data = bytearray(XLS)
    data[entry:entry + len(name)] = name
    struct.pack_into("<H", data, entry + 64, len(name))
    assert "宏" in refused("a.xls", bytes(data))


@pytest.mark.parametrize("offset, value", [
    (44, 0xFFFFFFFF),  # number of FAT sectors: calamine reserves a vector of that many
    (64, 0xFFFF),      # with the mini FAT start's upper half, what calamine reads as the DIFAT length
])
def test_xls_header_counts_calamine_would_reserve_memory_for_are_checked(offset, value):
    data = patched(XLS, [(offset, "<I", value)])
    if offset == 64:
        data = patched(data, [(62, "<H", 0xFFFF)])
    assert "损坏" in refused("a.xls", data)
