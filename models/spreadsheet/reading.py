"""Uploaded spreadsheets (.xlsx .xls .ods .csv) as a header and raw rows, or a Chinese refusal of the whole file.

Everything a user or an attacker can send is judged here before a parser sees it: the type is taken from the
content (an extension can lie), a zip-based workbook passes ``archive.check`` (bombs, sparse grids, macros)
before python-calamine opens it, an .xls passes ``xls.check`` (its compound file and grids), and macro workbooks
are refused outright. python-calamine reads the cached
values of formulas and never evaluates anything; error cells (#N/A, #DIV/0!) come back empty. It parses a whole
sheet at once; turning its rows into Python objects is lazy, so the row limit stops that early.
"""
import codecs
import csv
import io
import logging
from dataclasses import dataclass

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from . import archive, xls
from .refusals import ACCEPTED, DAMAGED, MACROS, FileRefused

MAX_ROWS = 100_000
MAX_CELL_CHARS = 32_767  # Excel's own limit: a longer cell can only come from a crafted file

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
# What a file that is not a spreadsheet most often turns out to be, named so that the user knows what they sent.
_MAGIC = (
    (b"MZ", "可执行程序"), (b"\x7fELF", "可执行程序"), (b"%PDF", "PDF 文档"), (b"\x89PNG", "图片"),
    (b"\xff\xd8\xff", "图片"), (b"GIF8", "图片"), (b"BM", "图片"), (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"), (b"\x1f\x8b", "gzip 压缩包"), (b"{\\rtf", "RTF 文档"),
)
__all__ = ["MAX_ROWS", "FileRefused", "Table", "read_table"]
log = logging.getLogger(__name__)


@dataclass
class Table:
    header: list[str]
    header_row: int
    rows: list[tuple[int, list]]
    sheet: str


def read_table(filename: str, data: bytes, max_rows: int = MAX_ROWS) -> Table:
    """The first sheet (the first visible one) of an upload: its header row (the first non-empty row) and every
    non-empty row below it, numbered as Excel shows them. Raw cells are str / int / float / bool / date /
    datetime (time and timedelta for time-formatted cells) or None; trailing empty cells are dropped."""
    kind = _kind(filename or "", data)
    if kind == "csv":
        return _table(_csv_rows(data), max_rows, "")
    if kind == "xls":
        xls.check(data)
    else:
        archive.check(data, kind)
    return _workbook_table(data, max_rows)


def _extension(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower().strip()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def _kind(filename: str, data: bytes) -> str:
    """"xlsx" / "xls" / "ods" / "csv" from the extension, confirmed by the content."""
    ext = _extension(filename)
    if ext in ("xlsm", "xltm", "xlam"):
        raise FileRefused(MACROS)
    if ext == "xlsb":
        raise FileRefused("不支持 .xlsb（二进制工作簿）格式，请在 Excel 中另存为“Excel 工作簿（.xlsx）”后再上传。")
    if ext == "et":
        raise FileRefused("不支持 WPS 的 .et 格式，请在 WPS 中另存为“Excel 工作簿（.xlsx）”后再上传。")
    if ext not in ("xlsx", "xltx", "xls", "ods", "csv"):
        raise FileRefused(f"不支持 .{ext} 格式的文件。{ACCEPTED}" if ext else f"无法识别文件类型（文件名没有扩展名）。{ACCEPTED}")
    if not data:
        raise FileRefused("文件是空的（0 字节），请确认选择了正确的文件。")
    head = data[:8]
    if head.startswith(_ZIP):
        found = _zip_kind(data)
    elif head.startswith(_OLE2):
        found = "xls"
        if _utf16_in(data, "EncryptedPackage"):  # a password-protected .xlsx is an OLE2 file, whatever its name
            raise FileRefused(xls.PASSWORD)
    else:
        what = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
        if what:
            raise FileRefused(f"文件内容是{what}，不是表格文件（可能只改了扩展名）。{ACCEPTED}")
        if ext != "csv":
            if data.lstrip()[:1] == b"<":
                raise FileRefused(f"文件内容是网页或 XML，不是真正的 .{ext} 表格（某些系统导出的“Excel”其实是网页）。"
                                  "请用 Excel/WPS 打开后另存为“Excel 工作簿（.xlsx）”再上传。")
            raise FileRefused(f"文件不是有效的 Excel/WPS/LibreOffice 表格（可能已损坏或只改了扩展名）。{ACCEPTED}")
        found = "csv"
    wanted = "xlsx" if ext == "xltx" else ext
    if found != wanted:
        if ext == "csv":
            raise FileRefused(f"文件扩展名是 .csv，但内容是 .{found} 表格。请把扩展名改为 .{found}，或另存为 CSV 后再上传。")
        raise FileRefused(f"文件扩展名是 .{ext}，但内容是 .{found} 格式。请把扩展名改为 .{found}，"
                          "或用 Excel/WPS 打开后另存为“Excel 工作簿（.xlsx）”再上传。")
    return found


def _utf16_in(data: bytes, name: str) -> bool:
    # OLE2 directory entries hold their names in UTF-16LE; the directory of an upload-sized file is small.
    return name.encode("utf-16-le") in data


def _zip_kind(data: bytes) -> str:
    names = {n.lower() for n in archive.open_zip(data).namelist()}
    if "xl/workbook.xml" in names or "[content_types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "mimetype" in names and "content.xml" in names:
        return "ods"
    if "word/document.xml" in names:
        raise FileRefused(f"文件是 Word 文档，不是表格。{ACCEPTED}")
    if "ppt/presentation.xml" in names:
        raise FileRefused(f"文件是 PowerPoint 演示文稿，不是表格。{ACCEPTED}")
    raise FileRefused(f"文件是一个压缩包（zip），不是表格文件。{ACCEPTED}")


def _calamine(call, *args):
    """python-calamine's own errors, and the Rust panics it lets through (a BaseException), as FileRefused."""
    try:
        return call(*args)
    except FileRefused:
        raise
    except BaseException as exc:  # noqa: B036 — pyo3's PanicException derives from BaseException
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        log.info("python-calamine refused an upload: %s: %s", type(exc).__name__, exc)
        if "password" in str(exc).lower():
            raise FileRefused("文件设置了密码，无法读取。请取消密码后另存为 .xlsx 再上传。") from None
        raise FileRefused(DAMAGED) from None


def _first_sheet(book):
    """The first visible worksheet: the sheet the user sees when the file opens (a hidden first sheet often
    holds a template's dropdown lists)."""
    for index, meta in enumerate(book.sheets_metadata):
        if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible:
            return index
    return 0


def _workbook_table(data: bytes, max_rows: int) -> Table:
    book = _calamine(CalamineWorkbook.from_filelike, io.BytesIO(data))
    if not book.sheet_names:
        raise FileRefused("文件中没有工作表。")
    sheet = _calamine(book.get_sheet_by_index, _first_sheet(book))
    if sheet.start is None:  # iter_rows() panics on an empty sheet
        raise FileRefused(f"工作表“{sheet.name}”是空的，没有任何数据。")
    # iter_rows() yields from row 1 (empty lists above the data), so enumerate() gives Excel's row numbers.
    return _calamine(lambda: _table(sheet.iter_rows(), max_rows, sheet.name))


def _csv_text(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's “Unicode 文本”
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRefused("无法识别 CSV 文件的编码，请另存为“CSV UTF-8（逗号分隔）”后再上传。") from None
    if b"\x00" in data[:4096]:
        raise FileRefused(f"文件内容不是文本，不是有效的 CSV 文件。{ACCEPTED}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # what Chinese Excel and WPS save as “CSV（逗号分隔）”; GB18030 covers names like 王喆 that GB2312 lacks
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRefused("无法识别 CSV 文件的编码，请另存为“CSV UTF-8（逗号分隔）”后再上传。") from None


def _csv_rows(data: bytes):
    text = _csv_text(data).replace("\x00", "")
    sample = text[:65536]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = max(",\t;", key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield row
    except csv.Error:
        raise FileRefused(f"CSV 文件第 {reader.line_num} 行附近格式有误（如引号不成对或单元格过长），"
                          "请用 Excel/WPS 打开检查后重新保存。") from None


def _header_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _table(lines, max_rows: int, sheet: str) -> Table:
    header, header_row, rows = None, 0, []
    for number, row in enumerate(lines, 1):
        # Trailing blanks (also cells holding only spaces) go, so that a row of blanks counts as empty.
        while row and (row[-1] == "" or row[-1].__class__ is str and row[-1].isspace()):
            row.pop()
        if not row:
            continue
        # One pass, cheapest test first: most cells are text, and this runs for every cell of 100,000 rows.
        cells = [c if c.__class__ is not str else (c[:MAX_CELL_CHARS] if len(c) > MAX_CELL_CHARS else c) if c
                 else None for c in row]
        if header is None:
            header, header_row = [_header_text(c) for c in cells], number
            continue
        if len(rows) == max_rows:
            raise FileRefused(f"每个文件最多 {max_rows:,} 行数据，请拆分后分批导入。")
        rows.append((number, cells))
    if header is None:
        raise FileRefused("文件中没有任何数据（所有行都是空的）。")
    if not rows:
        raise FileRefused(f"文件只有表头（第 {header_row} 行），没有数据行。请在表头下方填写数据后再上传。")
    return Table(header=header, header_row=header_row, rows=rows, sheet=sheet)
