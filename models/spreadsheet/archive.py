"""The zip inside an .xlsx or .ods, judged before python-calamine opens it.

Two kinds of file are small on the wire and huge in memory. A zip bomb: a few MB that inflate to gigabytes, and
a zip directory can understate what a member really inflates to. And a sparse sheet: python-calamine keeps a
sheet as one dense grid from its first to its last non-empty cell, so two cells at A1 and XFD1048576 in a 5 KB
file ask for 17 billion cells (32 bytes each). So every member is inflated here once, under a cap on what it
really produces, and each sheet's XML is checked for the grid it would make.
"""
import re
import struct
import zipfile
import zlib

from .refusals import DAMAGED, MACROS, FileRefused

MAX_UNPACKED = 256 * 1024 * 1024  # all members together, as really inflated
MAX_MEMBERS = 500                 # a real workbook has a few dozen parts
MAX_RATIO = 200                   # for members over BIG_MEMBER; real sheet XML compresses about 10–40×
BIG_MEMBER = 8 * 1024 * 1024
MAX_CELLS = 16_000_000            # the dense grid python-calamine would build: 500 MB
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

TOO_BIG = ("文件解压后过大（超过 {mb} MB）或压缩比异常，不像正常的表格文件，不予读取。"
           "如确为大量数据，请拆分为多个文件后分批导入。")
TOO_SPARSE = ("工作表“{sheet}”的数据区域过大：有内容的单元格一直分布到第 {rows:,} 行、第 {cols:,} 列，"
              "不像正常的表格。请删除远离数据的多余单元格（或只把数据区域复制到新工作簿）后再上传。")


def open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(_Bytes(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileRefused(DAMAGED) from None


class _Bytes:
    """A read-only file over bytes without the copy io.BytesIO makes of a large upload."""

    def __init__(self, data: bytes):
        self.data, self.pos = memoryview(data), 0

    def seek(self, offset, whence=0):
        self.pos = offset if whence == 0 else self.pos + offset if whence == 1 else len(self.data) + offset
        return self.pos

    def tell(self):
        return self.pos

    def read(self, n=-1):
        end = len(self.data) if n is None or n < 0 else self.pos + n
        chunk = bytes(self.data[self.pos:end])
        self.pos += len(chunk)
        return chunk

    def seekable(self):
        return True


def check(data: bytes, kind: str) -> None:
    """Refuse a zip-based workbook (``kind`` "xlsx" or "ods") that is a bomb, has macros, is encrypted or would
    make a grid too large; otherwise return and let python-calamine read it."""
    archive = open_zip(data)
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise FileRefused(f"文件内部结构异常（含有 {len(members)} 个部件），不像正常的表格文件，不予读取。")
    declared = 0
    for member in members:
        name = member.filename.lower()
        if name.endswith("vbaproject.bin") or name.startswith(("basic/", "scripts/")):
            raise FileRefused(MACROS)
        if member.flag_bits & 0x1:
            raise FileRefused("文件设置了密码，无法读取。请取消密码后另存为 .xlsx 再上传。")
        declared += member.file_size
        big = member.file_size > BIG_MEMBER
        if declared > MAX_UNPACKED or big and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise FileRefused(TOO_BIG.format(mb=MAX_UNPACKED >> 20))
    for member in members:
        if member.is_dir():
            continue
        body = inflate(data, member)
        if kind == "xlsx":
            if member.filename == "[Content_Types].xml" and b"macroEnabled" in body:
                raise FileRefused(MACROS)
            if b"sheetData" in body:
                extent = _xlsx_grid(body)
                if extent:
                    _refuse_grid(_sheet_names(archive).get(member.filename, member.filename), *extent)
        elif member.filename == "content.xml":
            _check_ods_grid(body)
        elif member.filename == "mimetype" and body.strip() != _ODS_MIME:
            raise FileRefused("文件是 OpenDocument 文档，但不是电子表格（.ods）。请上传 .xlsx、.xls、.ods 或 .csv 格式的表格文件。")


def inflate(data: bytes, member: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its directory entry declares: a member that would inflate beyond
    that is refused instead of read to the end."""
    start = member.header_offset
    header = data[start:start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise FileRefused(DAMAGED)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start += 30 + name_len + extra_len
    raw = memoryview(data)[start:start + member.compress_size]
    if len(raw) < member.compress_size:
        raise FileRefused(DAMAGED)
    if member.compress_type == zipfile.ZIP_STORED:
        body = bytes(raw)
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            body = inflater.decompress(raw, member.file_size + 1)
        except zlib.error:
            raise FileRefused(DAMAGED) from None
        if len(body) > member.file_size:
            raise FileRefused(TOO_BIG.format(mb=MAX_UNPACKED >> 20))
        if not inflater.eof:
            raise FileRefused(DAMAGED)
    else:  # python-calamine reads deflate only; Excel, WPS and LibreOffice write nothing else
        raise FileRefused(DAMAGED)
    if len(body) != member.file_size:
        raise FileRefused(DAMAGED)
    return body


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Member name → sheet name, for the message; best effort (a part we cannot name keeps its path)."""
    try:
        book = archive.read("xl/workbook.xml") if archive.getinfo("xl/workbook.xml").file_size < 1 << 22 else b""
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return {}
    targets = dict((i, t) for t, i in re.findall(rb'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels))
    targets.update((i, t) for i, t in re.findall(rb'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    names = {}
    for name, rid in re.findall(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"', book):
        target = targets.get(rid, b"").decode("utf-8", "replace").lstrip("/")
        names[target if target.startswith("xl/") else "xl/" + target] = name.decode("utf-8", "replace")
    return names


def _refuse_grid(sheet: str, rows: int, cols: int):
    raise FileRefused(TOO_SPARSE.format(sheet=sheet, rows=rows, cols=cols))


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _up_to(limit: str, alphabet: str) -> str:
    """A regex for the names (digit strings without leading zero, or column letters) that sort at or below
    ``limit`` when shorter names come first: the names of rows 1..n or of columns A..limit."""
    first, low = (alphabet[0], alphabet[1]) if alphabet == "0123456789" else ("A", "A")
    any_ = f"[{alphabet[0]}-{alphabet[-1]}]"
    parts = [f"{f'[{low}-{alphabet[-1]}]'}{any_}{{0,{len(limit) - 2}}}"] if len(limit) > 1 else []
    for i, ch in enumerate(limit):
        rest = len(limit) - i - 1
        lowest = low if i == 0 else first
        if ch > lowest:
            below = chr(ord(ch) - 1)
            parts.append(re.escape(limit[:i]) + f"[{lowest}-{below}]" + (f"{any_}{{{rest}}}" if rest else ""))
    parts.append(re.escape(limit))
    return "(?:" + "|".join(parts) + ")"


def _xlsx_grid(xml: bytes) -> tuple[int, int] | None:
    """The (last row, last column) of a grid too large for MAX_CELLS, or None. Fast path: when every cell element carries its plain reference first (as Excel, WPS, LibreOffice and
    openpyxl write them), one regex pass proves that no cell lies outside rows 1..n × the columns that fit in
    MAX_CELLS, n being the last row's number. python-calamine places such a cell by its reference alone, so the
    rows' own attributes do not matter. Anything else takes the exact, slower path."""
    last = xml.rfind(b'<row r="')
    number = re.match(rb"[1-9]\d{0,6}", xml[last + 8:last + 16]) if last >= 0 else None
    if number:
        rows = int(number.group())
        cols = min(16384, MAX_CELLS // rows)
        row_names = _up_to(str(rows), "0123456789").encode()
        col_names = _up_to(_column_letters(cols), "ABCDEFGHIJKLMNOPQRSTUVWXYZ").encode()
        # Plain: the reference first, then only the attributes those writers use. python-calamine takes the
        # last of repeated attributes, so a second r="..." must not pass as plain.
        odd_cell = re.compile(rb'<c(?! r="' + col_names + row_names
                              + rb'"(?: (?:s|t|cm|vm|ph)="[^"]*")*/?>)[\s>]')
        # quick-xml matches local names, so <x:c> is a cell too
        if b":c" not in xml and not odd_cell.search(xml):
            return None
    return _exact_xlsx_grid(xml)


_TAG = re.compile(rb'''<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>''')
_CELL_REF = re.compile(rb'''(?:^|\s)r\s*=\s*["']([A-Z]{1,3})(\d{1,7})["']''')
_ROW_REF = re.compile(rb'''(?:^|\s)r\s*=\s*["'](\d{1,7})["']''')


def _exact_xlsx_grid(xml: bytes) -> tuple[int, int] | None:
    """Where a cell goes as python-calamine places it (its own reference, else next to the one before) for
    every cell element; slower, for files that other writers made."""
    row = col = 0
    top = left = 1 << 30
    bottom = right = -1
    for closing, tag, attrs, empty in _TAG.findall(xml):
        if empty:
            continue  # calamine skips self-closing <c/> and <row/>
        if tag == b"row":
            if closing:
                row, col = row + 1, 0
            else:
                refs = _ROW_REF.findall(attrs)
                if refs:
                    row = int(refs[-1]) - 1
            continue
        if closing:
            continue
        refs = _CELL_REF.findall(attrs)
        if refs:
            letters, number = refs[-1]  # calamine keeps the last of repeated attributes
            col = 0
            for ch in letters:
                col = col * 26 + ch - 64
            col, at_row = col - 1, int(number) - 1
        else:
            at_row = row
        top, bottom, left, right = min(top, at_row), max(bottom, at_row), min(left, col), max(right, col)
        col += 1
    if bottom >= 0 and (bottom - top + 1) * (right - left + 1) > MAX_CELLS:
        return bottom + 1, right + 1
    return None


_ODS_TABLE = re.compile(rb'<table:table(?=[\s>])([^>]*)>')
_ODS_CELL = re.compile(rb'<table:(?:covered-)?table-cell(?=[\s/>])([^>]*?)/?>')
_ODS_VALUE = (b"office:value", b"office:string-value", b"office:date-value", b"office:time-value",
              b"office:boolean-value", b"table:formula")
_REPEAT_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_REPEAT_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ROW_OPEN, _ROW_CLOSE = b"<table:table-row", b"</table:table-row>"


def _check_ods_grid(xml: bytes) -> None:
    """python-calamine repeats a row or cell as often as ``number-rows/columns-repeated`` says. LibreOffice
    writes huge repeats for the empty rest of every row and sheet, which calamine drops; repeats of cells with
    a value, or a value far to the right, are what grow the grid."""
    starts = list(_ODS_TABLE.finditer(xml))
    for i, table in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(xml)
        name = _ODS_NAME.search(table.group(1))
        sheet = name.group(1).decode("utf-8", "replace") if name else ""
        height = pending = width = 0
        for attrs, body in _ods_rows(xml, table.end(), end):
            repeat = _REPEAT_ROWS.search(attrs)
            repeat = min(int(repeat.group(1)), 1 << 20) if repeat else 1
            row_width = _ods_row_width(body)
            if not row_width:
                pending += repeat if height else 0  # empty rows count once a row with a value follows
                continue
            height += pending + repeat
            pending = 0
            width = max(width, row_width)
            if height * width > MAX_CELLS:
                _refuse_grid(sheet, height, width)


def _ods_rows(xml: bytes, start: int, end: int):
    """(attributes, content) of each table-row between start and end; bytes.find, not a regex, for speed."""
    at = xml.find(_ROW_OPEN, start, end)
    while at >= 0:
        after = at + len(_ROW_OPEN)
        close = xml.find(b">", after, end)
        if close < 0:
            return
        if xml[after:after + 1] not in (b" ", b"\t", b"\n", b"\r", b">", b"/"):  # table-row-group and the like
            at = xml.find(_ROW_OPEN, close, end)
            continue
        if xml[close - 1:close] == b"/":
            yield xml[after:close - 1], b""
            at = xml.find(_ROW_OPEN, close, end)
            continue
        finish = xml.find(_ROW_CLOSE, close, end)
        if finish < 0:
            finish = end
        yield xml[after:close], xml[close + 1:finish]
        at = xml.find(_ROW_OPEN, finish, end)


def _ods_row_width(body: bytes) -> int:
    """1 + the column of the row's last cell with a value (0: an empty row). Any "value" counts, text too:
    at worst a cell is taken for non-empty that calamine would drop."""
    last = max(body.rfind(b"value"), body.rfind(b"table:formula"))
    if last < 0:
        return 0
    tag_start = body.rfind(b"<", 0, last)
    tag_end = body.find(b">", last)
    if body.find(b"repeated", 0, tag_end) < 0:
        return (body.count(b"<table:table-cell", 0, tag_start)
                + body.count(b"<table:covered-table-cell", 0, tag_start) + 1)
    width = column = 0
    for attrs in _ODS_CELL.findall(body):
        repeat = _REPEAT_COLS.search(attrs)
        repeat = min(int(repeat.group(1)), 16384) if repeat else 1
        column += repeat
        if any(marker in attrs for marker in _ODS_VALUE):
            width = column
    return width
