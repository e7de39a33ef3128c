"""The one xlsx writer: every list export, template and failed-rows file goes through :func:`write_xlsx`.

openpyxl's write-only workbook streams each row to a temporary file as it is appended, so memory stays flat
whatever the number of rows (a normal workbook holds every cell: ~244 MB per 100,000 rows).
"""
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..base import CHINA, now

KINDS = ("text", "id", "int", "number", "date", "datetime")
FORMATS = {"id": "@", "int": "0", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
DEFAULT_WIDTHS = {"id": 22, "int": 10, "number": 12, "date": 12, "datetime": 17}
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell; a longer text would make Excel "repair" the file
PROGRESS_EVERY = 1000
# What Excel, WPS and LibreOffice read as the start of a formula, in a cell or in a CSV the file is saved to
# (OWASP "CSV Injection"); the full-width forms too, which Chinese input methods type and Excel accepts.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@dataclass
class OutColumn:
    label: str
    kind: str = "text"      # text | id (text cell, '@') | int | number | date | datetime
    width: int | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def safe_text(value) -> str:
    """``value`` as cell text that no spreadsheet program runs as a formula.

    Text starting with a formula character gets a leading apostrophe, as OWASP advises. The apostrophe is a
    character of the stored text, visible in every program (Excel's own "'" typed in a cell is a style flag
    instead, which a save as CSV loses): the value stays readable, can be told apart from what was typed, and
    is still text when the file is saved as CSV and opened again. An invisible prefix (zero-width space) would
    be dropped by the first tool that trims it and re-arm the formula. Characters XML cannot hold (control
    characters other than tab, LF, CR) are dropped rather than failing the whole file.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text[:MAX_CELL_CHARS]


def download_name(title: str) -> str:
    """The file name users see: the list's Chinese title and today's date in the province."""
    return f"{title}_{now().date().isoformat()}.xlsx"


def _text(value):
    return safe_text(value), "s"


def _number(value):
    if isinstance(value, bool):
        return int(value), "n"
    if isinstance(value, int) or (isinstance(value, (float, Decimal)) and math.isfinite(value)):
        return value, "n"
    return _text(value)  # a getter that returned text keeps it, never a guessed number


def _day(value):
    if isinstance(value, datetime):
        return _naive(value), "d"
    if isinstance(value, date):
        return value, "d"
    return _text(value)


def _naive(value: datetime) -> datetime:
    """Excel has no time zones: an aware time is shown as the province's wall clock, like every page."""
    return value.astimezone(CHINA).replace(tzinfo=None) if value.tzinfo is not None else value


CONVERT = {"text": _text, "id": _text, "int": _number, "number": _number, "date": _day, "datetime": _day}


def _cells_as_given(cells, row_idx):
    """Stands in for openpyxl's ``WriteOnlyWorksheet._values_to_row`` (openpyxl is pinned): the rows appended
    here are cells already typed and styled, and openpyxl's version tries each as a value first — an exception
    per cell, a quarter of the whole write."""
    for cell in cells:
        if cell is not None:
            cell.row = row_idx
            yield cell


def _write_sheet(ws, columns, rows, progress=None) -> int:
    # Widths and the frozen header belong to the sheet's head, written before the first row.
    for index, column in enumerate(columns, 1):
        width = column.width or DEFAULT_WIDTHS.get(column.kind) or _label_width(column.label)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws._values_to_row = _cells_as_given
    bold = Font(bold=True)
    header = []
    for index, column in enumerate(columns, 1):
        cell = WriteOnlyCell(ws, value=safe_text(column.label))
        cell.font, cell.column, cell.data_type = bold, index, "s"
        header.append(cell)
    ws.append(header)
    # One cell per column, reused for every row: a write-only sheet serialises a row as it is appended, and a
    # styled cell built per value would cost a style lookup each time.
    cells = []
    for index, column in enumerate(columns, 1):
        cell = WriteOnlyCell(ws)
        cell.column = index
        if column.kind in FORMATS:
            cell.number_format = FORMATS[column.kind]
        cells.append(cell)
    converters = [CONVERT[c.kind] for c in columns]
    written = 0
    for row in rows:
        out = []
        for cell, convert, value in zip(cells, converters, row):
            if value is None or value == "":
                out.append(None)
                continue
            # The value and its type are set together: text is always a string cell (never a formula, nor an
            # error value such as "#N/A"), ids and codes stay the exact digits they are.
            cell._value, cell.data_type = convert(value)
            out.append(cell)
        ws.append(out)
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(written)
    return written


def _label_width(label: str) -> int:
    """Wide enough for the header: a Chinese character takes two columns of Excel's width unit."""
    return max(10, sum(2 if ord(ch) > 0x2E7F else 1 for ch in label) + 2)


def write_xlsx(target, columns: list[OutColumn], rows: Iterable[Sequence], sheet_title: str = "Sheet1",
               progress: Callable[[int], None] | None = None, extra_sheets=None) -> int:
    """Write ``rows`` (one value per column) to ``target`` (a path or a binary file object); the rows written.

    ``extra_sheets``: (title, columns, rows) of further sheets after the first, e.g. instructions.
    ``progress(n)`` is called every PROGRESS_EVERY rows of the first sheet.
    """
    wb = Workbook(write_only=True)
    written = _write_sheet(wb.create_sheet(_sheet_title(sheet_title)), columns, rows, progress)
    for title, more_columns, more_rows in extra_sheets or ():
        _write_sheet(wb.create_sheet(_sheet_title(title)), more_columns, more_rows)
    wb.save(target)
    return written


def _sheet_title(title: str) -> str:
    """Excel refuses sheet names over 31 characters or with any of []:*?/\\ ."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31]
    return cleaned or "Sheet1"
