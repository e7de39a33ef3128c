"""批量导入 (F29): the one import engine. An import kind declares its columns, its database checks and its write;
the engine does everything else the same way for every kind.

- ``template(kind, ctx)``: the xlsx users fill in, generated from the very columns that validate the upload.
- ``validate(kind, table, ctx)``: a dry run over every row and column; nothing is written. Headers are matched by
  name (order free; spaces, ``*`` and full-width forms ignored), every cell goes through its column's normaliser,
  enumeration and length, duplicates inside the file name each other's row, then the kind checks the database
  for the whole file at once (set-based, never a query per row).
- ``commit(kind, preview, mode, ctx)``: checks the database again (someone may have imported meanwhile) and hands
  the rows that pass to the kind's set-based write. ``valid_only`` writes them; ``all_or_nothing`` writes nothing
  unless every row passes. Nothing here commits: the caller's one transaction holds the rows and their audit.
- ``failed_rows_xlsx(kind, preview, ctx)``: the rows that failed, in the template's layout plus 错误原因, as typed,
  ready to fix and upload again (错误原因 is then an unknown column: a notice, nothing more).
"""
import io
from decimal import Decimal
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from . import cells
from .reading import MAX_ROWS, Table
from .writing import safe_text

VALID_ONLY, ALL_OR_NOTHING = "valid_only", "all_or_nothing"
MODES = {VALID_ONLY: "仅导入正确的行", ALL_OR_NOTHING: "全部正确才导入"}
CELL, DATABASE = "cell", "database"  # the phase that found an error: commit runs the database phase again
PROGRESS_EVERY = 1000
REASON_LABEL = "错误原因"
OPTIONS_SHEET = "选项"
INSTRUCTIONS_SHEET = "填写说明"
INLINE_LIST_MAX = 200  # an inline list validation may hold 255 characters; longer lists go to the 选项 sheet

REQUIRED = "必填项，不能为空"
TOO_LONG = "不能超过{limit}个字（现为{length}个字）"
NOT_A_CHOICE = "“{value}”不是可选的值，可选：{allowed}"
NOT_A_CHOICE_LONG = "“{value}”不是可选的值，请从下拉列表中选择（共{n}项，见模板的“选项”工作表）"
DUPLICATE = "与第{rows}行的{label}重复"
EXAMPLE_VALUE = "仍是模板示例行中的值，请填写真实数据"
MISSING_COLUMNS = "文件缺少必填列：{labels}。请使用“下载模板”得到的文件填写，第一行须为表头"
REPEATED_HEADER = "表头中“{label}”出现了{n}次（第{columns}列），请只保留一列"
UNKNOWN_COLUMNS = "以下列不属于导入模板，已忽略：{labels}"
EXAMPLE_SKIPPED = "第{row}行与模板中的示例行相同，已忽略"
ALL_OR_NOTHING_REFUSED = "有{n}行存在错误，按“全部正确才导入”的选择，未导入任何数据"
NOTHING_TO_IMPORT = "没有可以导入的正确行"


KINDS: dict = {}  # name -> ImportKind: what the pages and the job runner look kinds up by


def register(kind: "ImportKind") -> "ImportKind":
    KINDS[kind.name] = kind
    return kind


class ImportRefused(ValueError):
    """The file as a whole cannot be imported (str(e) is the Chinese message)."""


@dataclass(frozen=True)
class Column:
    """One column of an import kind: how the template shows it and how its cells are checked.

    ``normalise`` takes the raw cell and returns the clean value or raises ValueError(中文); the default is
    ``cells.text``. ``choices`` is a list, or a callable of the kind's context (this unit's departments).
    ``number_format`` is the template's format of the whole column: ``"@"`` (text) for ID-like columns, so Excel
    never turns 18 digits into a float, ``"yyyy-mm-dd"`` for dates. ``unique``: a value may appear once per file.
    """

    key: str
    label: str
    required: bool = False
    normalise: Callable[[Any], Any] | None = None
    choices: Sequence[str] | Callable[[Any], Sequence[str]] | None = None
    max_len: int | None = None
    example: Any = None  # the template's example row; a callable of the context for unit data
    note: str = ""
    number_format: str | None = None
    unique: bool = False
    aliases: tuple = ()
    width: int = 14
    choice_message: str | None = None  # refusal of a value outside ``choices``; {value} is replaced

    @property
    def header(self) -> str:
        return self.label + ("*" if self.required else "")

    def example_value(self, ctx):
        return self.example(ctx) if callable(self.example) else self.example

    def allowed(self, ctx) -> list[str] | None:
        if self.choices is None:
            return None
        return list(self.choices(ctx) if callable(self.choices) else self.choices)


class ImportKind:
    """What one import declares; subclasses set the attributes and implement ``write`` (and ``check``)."""

    name = ""            # registry key and URL part, e.g. "staff"
    title = ""           # Chinese: the sheet's and the download's name, e.g. 专技人员信息
    columns: tuple = ()
    notes: tuple = ()    # extra lines for the 填写说明 sheet
    max_rows = MAX_ROWS  # data rows per file: a kind whose rows feed one form may take fewer

    def context(self, org, **options):
        """The object ``choices``, ``check`` and ``write`` receive: whatever the kind needs to know once."""
        return options

    def header_found(self, keys: set, ctx) -> list[str]:
        """The keys of the columns the file holds, before any row is read; returns notices for the preview.
        A kind that fixes existing records needs it: a column left out of the file must mean "keep", not "empty"."""
        return []

    def result(self, written: "Written") -> dict:
        """Kind-specific outcome of the write the result page shows (kept as JSON)."""
        return {}

    def check(self, rows: list["Row"], ctx) -> None:
        """Database and cross-row checks over all rows at once: ``row.fail(self.index(key), message)``, and
        ``row.update_of`` for a row that would update an existing record.

        Called with every row; a value that failed its cell check is absent from ``row.values``."""

    def write(self, rows: list["Row"], ctx) -> "Written":
        """Set-based, inside the caller's transaction; every written row audited."""
        raise NotImplementedError

    def summary(self, preview: "Preview") -> dict:
        """Kind-specific counts the preview page shows (kept as JSON), e.g. how many accounts would be new."""
        return {}

    def needs_password(self, summary: dict) -> bool:
        """Whether confirming asks for an initial password (the import creates login accounts)."""
        return False

    def index(self, key) -> int:
        """The position of column ``key``: what ``row.fail`` takes."""
        return next(i for i, c in enumerate(self.columns) if c.key == key)


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class Row:
    """One data row of the file: its number there, its cells as typed, its clean values and its errors."""

    __slots__ = ("number", "raw", "values", "errors", "update_of", "extra")

    def __init__(self, number: int, raw: list):
        self.number, self.raw = number, raw  # raw: one cell per column of the kind, in the kind's order
        self.values: dict = {}
        self.errors: list = []  # (column index or -1, message, phase)
        self.update_of = None   # the existing record this row would update (set by the kind's check)
        self.extra: dict = {}   # what the kind's check found for its write (e.g. the account id)

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, index: int, message: str, phase: str = DATABASE):
        self.errors.append((index, message, phase))
        return self


@dataclass
class Preview:
    """The outcome of a dry run. ``fatal``: nothing could be checked (e.g. missing required columns)."""

    kind: ImportKind
    rows: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    fatal: str | None = None
    skipped_example: int | None = None

    @property
    def valid_rows(self) -> list[Row]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]

    def counts(self) -> dict:
        valid = self.valid_rows
        return {"total": len(self.rows), "valid": len(valid), "invalid": len(self.rows) - len(valid),
                "would_update": sum(1 for r in valid if r.update_of is not None)}

    def errors(self):
        """(row number as in the file, column label, value as typed, message), by row then column."""
        columns = self.kind.columns
        for row in self.rows:
            for index, message, _ in sorted(row.errors, key=lambda e: e[0]):
                if index < 0:
                    yield row.number, "", "", message
                else:
                    yield row.number, columns[index].label, shown(row.raw[index]), message

    def error_count(self) -> int:
        return sum(len(r.errors) for r in self.rows)

    def reasons(self, row: Row) -> str:
        columns = self.kind.columns
        return "；".join(f"{columns[i].label}：{m}" if i >= 0 else m for i, m, _ in sorted(row.errors,
                                                                                       key=lambda e: e[0]))


@dataclass
class Outcome:
    """What ``commit`` did. ``refused``: why nothing was written (all_or_nothing with errors, nothing valid)."""

    mode: str
    written: Written = field(default_factory=Written)
    skipped: int = 0
    refused: str | None = None


# -- header --------------------------------------------------------------------------------------------------
def header_key(text) -> str:
    """A header cell as compared: full-width folded, spaces and the required mark gone."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*\u200b\ufeff")


def match_header(kind: ImportKind, header: list) -> tuple[dict, list[str], str | None]:
    """(column index in the file by key, unknown header labels, fatal message or None)."""
    names = {}
    for column in kind.columns:
        for name in (column.label, *column.aliases):
            names[header_key(name)] = column.key
    found, unknown = defaultdict(list), []
    for index, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            continue
        if key in names:
            found[names[key]].append(index)
        else:
            label = str(cell).strip()
            unknown.append(label if len(label) <= 30 else label[:30] + "…")
    repeated = [(c, found[c.key]) for c in kind.columns if len(found.get(c.key, ())) > 1]
    if repeated:
        column, at = repeated[0]
        letters = "、".join(get_column_letter(i + 1) for i in at)
        return {}, unknown, REPEATED_HEADER.format(label=column.label, n=len(at), columns=letters)
    missing = [c.label for c in kind.columns if c.required and c.key not in found]
    if missing:
        return {}, unknown, MISSING_COLUMNS.format(labels="、".join(missing))
    return {key: at[0] for key, at in found.items()}, unknown, None


# -- validate ------------------------------------------------------------------------------------------------
def as_text(value) -> str:
    """A raw cell as the user typed it: 13800138000.0 read from a number cell is 13800138000, a date its day."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        # Past 15 digits a float's exact value is not what Excel shows: 371302196402090000 is stored as
        # 371302196402089984. Show Excel's 15 significant digits, as the user saw the cell.
        return str(int(Decimal("%.15g" % value))) if abs(value) >= 1e15 else str(int(value))
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def shown(value) -> str:
    """A raw cell for the error table: as typed, a 10,000-character cell cut short."""
    text = as_text(value)
    return text if len(text) <= 100 else text[:100] + "…"


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _checker(column: Column, ctx) -> Callable[[Any], tuple]:
    """The check of one column's cells, prepared once per file: ``check(raw)`` → (clean value, None) or
    (None, message); an empty cell gives (None, None), or the required message. A closure, not a method: it
    runs for every cell of the file (1.4 million for 100,000 staff rows)."""
    normalise = column.normalise or cells.text
    plain_text = normalise is cells.text
    allowed = column.allowed(ctx)
    allowed_set = frozenset(allowed) if allowed is not None else None
    if allowed is None:
        refusal = None
    elif column.choice_message:
        refusal = column.choice_message
    elif sum(len(a) + 1 for a in allowed) <= 60:
        refusal = NOT_A_CHOICE.replace("{allowed}", "、".join(allowed))
    else:
        refusal = NOT_A_CHOICE_LONG.replace("{n}", str(len(allowed)))
    empty = (None, REQUIRED if column.required else None)
    limit = column.max_len

    def check(raw):
        if raw is None or raw == "":
            return empty
        if allowed_set is not None and plain_text and raw in allowed_set:
            return raw, None  # picked from the drop-down: already clean
        try:
            value = normalise(raw)
        except ValueError as e:
            return None, str(e)
        if value is None or value == "":
            return empty
        if allowed_set is not None and value not in allowed_set:
            return None, refusal.replace("{value}", shown(value))
        if limit and isinstance(value, str) and len(value) > limit:
            return None, TOO_LONG.format(limit=limit, length=len(value))
        return value, None

    return check


def _example_texts(kind: ImportKind, ctx) -> list | None:
    """The template's example row as typed, to recognise a row left as it was."""
    examples = [c.example_value(ctx) for c in kind.columns]
    if all(e is None for e in examples):
        return None
    return [as_text(e).strip() for e in examples]


def validate(kind: ImportKind, table: Table, ctx, progress: Callable[[int, int], None] | None = None,
             database: bool = True) -> Preview:
    """The dry run: every row and column of ``table`` checked, the database included; nothing written.
    ``progress(rows done, rows with errors so far)`` every PROGRESS_EVERY rows and at the end. ``database=False``
    leaves the kind's check out, for a :func:`commit` that follows at once (it runs the check itself)."""
    preview = Preview(kind)
    at, unknown, preview.fatal = match_header(kind, table.header)
    if unknown:
        listed = "、".join(unknown[:20]) + (f" 等 {len(unknown)} 列" if len(unknown) > 20 else "")
        preview.notices.append(UNKNOWN_COLUMNS.format(labels=listed))
    if preview.fatal:
        return preview
    preview.notices.extend(kind.header_found(set(at), ctx))
    columns = kind.columns
    checkers = [_checker(c, ctx) for c in columns]
    example = _example_texts(kind, ctx)
    # The example row is told by one column first (its first with an example), then compared in full.
    probe = next((i for i, e in enumerate(example or ()) if e), None)
    positions = [at.get(c.key) for c in columns]
    plan = [(index, column.key, checker) for index, (column, checker) in enumerate(zip(columns, checkers))]
    failed = 0  # rows with errors so far (the cell checks'): the job page shows them as the file is read
    for done, (number, line) in enumerate(table.rows, 1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, failed)
        width = len(line)
        raw = [line[p] if p is not None and p < width else None for p in positions]
        if all(_empty(v) for v in raw):  # only ignored columns were filled (e.g. 错误原因 alone)
            continue
        if probe is not None and as_text(raw[probe]).strip() == example[probe] \
                and [as_text(v).strip() for v in raw] == example:
            preview.skipped_example = number
            preview.notices.append(EXAMPLE_SKIPPED.format(row=number))
            continue
        row = Row(number, raw)
        values, errors = row.values, row.errors
        for index, key, checker in plan:
            value, message = checker(raw[index])
            if message:
                errors.append((index, message, CELL))
            else:
                values[key] = value
        failed += bool(errors)
        preview.rows.append(row)
    _duplicates(kind, preview.rows, checkers, ctx)
    if database:
        kind.check(preview.rows, ctx)
    if progress:
        progress(len(table.rows), len(preview.invalid_rows))
    return preview


def _duplicates(kind: ImportKind, rows: list[Row], checkers, ctx):
    """A ``unique`` value twice in the file: every row holding it is refused, naming the others. The example's
    value (an ID copied from the example row into a real one) is no one's."""
    for index, column in enumerate(kind.columns):
        if not column.unique:
            continue
        sample = checkers[index](column.example_value(ctx))[0]
        holders = defaultdict(list)
        for row in rows:
            value = row.values.get(column.key)
            if value is not None:
                holders[value].append(row)
        for value, same in holders.items():
            if sample is not None and value == sample:
                for row in same:
                    row.fail(index, EXAMPLE_VALUE, CELL)
            if len(same) < 2:
                continue
            named = same[:6]  # a value repeated 100,000 times names a few rows, not the whole file each time
            for row in same:
                others = [str(r.number) for r in named if r is not row][:5]
                text = "、".join(others) + ("等" if len(same) > 6 else "")
                row.fail(index, DUPLICATE.format(rows=text, label=column.label), CELL)


# -- commit --------------------------------------------------------------------------------------------------
def recheck(kind: ImportKind, preview: Preview, ctx):
    """The database phase again, on what the database holds now."""
    for row in preview.rows:
        row.errors = [e for e in row.errors if e[2] != DATABASE]
        row.update_of = None
        row.extra = {}
    kind.check(preview.rows, ctx)


def commit(kind: ImportKind, preview: Preview, mode: str, ctx) -> Outcome:
    """Write what the chosen ``mode`` allows, after checking the database again. The caller commits."""
    if mode not in MODES:
        raise ImportRefused("请选择导入方式")
    if preview.fatal:
        raise ImportRefused(preview.fatal)
    recheck(kind, preview, ctx)
    valid = preview.valid_rows
    outcome = Outcome(mode, skipped=len(preview.rows) - len(valid))
    if mode == ALL_OR_NOTHING and outcome.skipped:
        outcome.refused = ALL_OR_NOTHING_REFUSED.format(n=outcome.skipped)
        return outcome
    if not valid:
        outcome.refused = NOTHING_TO_IMPORT
        return outcome
    outcome.written = kind.write(valid, ctx)
    return outcome


# -- workbooks -----------------------------------------------------------------------------------------------
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FONT = Font(italic=True, color="808080")
EXAMPLE_FILL = PatternFill("solid", fgColor="F2F2F2")
REASON_FONT = Font(color="C00000")
WRAP = Alignment(wrap_text=True, vertical="top")


def _cell(ws, value, number_format=None, font=None, fill=None):
    cell = WriteOnlyCell(ws, value)
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    return cell


def _as_typed(value, column: Column):
    """A raw cell written back as the user typed it: text columns as text, numbers and dates as such."""
    if value is None:
        return None
    if column.number_format == "@" or isinstance(value, str):
        return safe_text(as_text(value))
    return value


def _data_sheet(wb, kind: ImportKind, ctx, reasons: bool):
    """The first sheet (the one uploads are read from): formats, widths and drop-downs on whole columns."""
    ws = wb.create_sheet(kind.title[:31])
    options = None
    last = MAX_ROWS + 1
    for index, column in enumerate(kind.columns):
        letter = get_column_letter(index + 1)
        dim = ws.column_dimensions[letter]
        dim.width = column.width
        if column.number_format:
            dim.number_format = column.number_format
    if reasons:
        ws.column_dimensions[get_column_letter(len(kind.columns) + 1)].width = 60
    ws.freeze_panes = "A2"
    lists = []
    for index, column in enumerate(kind.columns):
        allowed = column.allowed(ctx)
        if not allowed:
            continue
        letter = get_column_letter(index + 1)
        inline = ",".join(allowed)
        if not callable(column.choices) and len(inline) <= INLINE_LIST_MAX and "," not in "".join(allowed):
            formula = f'"{inline}"'
        else:
            if options is None:
                options = []
            col = get_column_letter(len(options) + 1)
            options.append([column.label, *allowed])
            formula = f"{quote_sheetname(OPTIONS_SHEET)}!${col}$2:${col}${len(allowed) + 1}"
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle="输入值无效", error=f"请从下拉列表中选择{column.label}")
        dv.add(f"{letter}2:{letter}{last}")
        lists.append(dv)
    for dv in lists:
        ws.data_validations.append(dv)
    header = [_cell(ws, c.header, font=REQUIRED_FONT if c.required else HEADER_FONT, fill=HEADER_FILL)
              for c in kind.columns]
    if reasons:
        header.append(_cell(ws, REASON_LABEL, font=REQUIRED_FONT, fill=HEADER_FILL))
    ws.append(header)
    return ws, options


def _instructions(wb, kind: ImportKind, ctx, options):
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    for letter, width in zip("ABCD", (16, 10, 40, 60)):
        ws.column_dimensions[letter].width = width
    ws.append([_cell(ws, f"{kind.title}导入模板填写说明", font=Font(bold=True, size=13))])
    general = [
        f"1. 请在第一个工作表“{kind.title[:31]}”中填写，第一行是表头，请勿修改或删除；列的顺序可以调整。",
        "2. 带 * 的列为必填项；其余列可以留空。",
        "3. 第二行是示例（灰色斜体），导入时会被忽略，可以删除或直接覆盖。",
        "4. 有下拉列表的列请从列表中选择；身份证号等列已设为文本格式，请勿改为数字格式"
        "（否则 Excel 会把 18 位数字的末三位变成 000）。",
        f"5. 每个文件最多 {kind.max_rows:,} 行数据；文件类型：.xlsx、.xls、.ods 或 .csv（不接受含宏的 .xlsm）。",
        "6. 上传后系统先检查全部数据并显示预览，确认后才会导入；出错的行可以导出，改正后再次上传。",
    ] + [f"{i}. {note}" for i, note in enumerate(kind.notes, 7)]
    for line in general:
        ws.append([line])
    ws.append([])
    ws.append([_cell(ws, t, font=HEADER_FONT, fill=HEADER_FILL) for t in ("列名", "是否必填", "格式要求", "可选值")])
    for column in kind.columns:
        allowed = column.allowed(ctx)
        if allowed is None:
            values = ""
        elif not allowed:
            values = "（暂无可选值，请留空）"
        else:
            values = "、".join(allowed) if len(allowed) <= 30 else f"共{len(allowed)}项，见下拉列表"
        fmt = column.note or ("文本" if column.number_format == "@" else "")
        if column.max_len:
            fmt = (fmt + "；" if fmt else "") + f"最多{column.max_len}个字"
        ws.append([column.label, "是" if column.required else "否", _cell(ws, fmt, font=None),
                   _cell(ws, values)])
    if options:
        sheet = wb.create_sheet(OPTIONS_SHEET)
        sheet.sheet_state = "hidden"
        for i in range(max(len(o) for o in options)):
            sheet.append([o[i] if i < len(o) else None for o in options])


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template(kind: ImportKind, ctx) -> bytes:
    """The xlsx to fill in: headers (* required), text/date formats, drop-downs, an example row, 填写说明."""
    wb = Workbook(write_only=True)
    ws, options = _data_sheet(wb, kind, ctx, reasons=False)
    examples = [c.example_value(ctx) for c in kind.columns]
    if any(e is not None for e in examples):
        ws.append([_cell(ws, e, c.number_format, EXAMPLE_FONT, EXAMPLE_FILL) for e, c in zip(examples, kind.columns)])
    _instructions(wb, kind, ctx, options)
    return _save(wb)


def failed_rows_xlsx(kind: ImportKind, preview: Preview, ctx) -> bytes:
    """The rows that failed, in the template's layout, as typed, with 错误原因 last: fix and upload again."""
    wb = Workbook(write_only=True)
    ws, options = _data_sheet(wb, kind, ctx, reasons=True)
    for row in preview.invalid_rows:
        ws.append([_cell(ws, _as_typed(v, c), c.number_format) for v, c in zip(row.raw, kind.columns)]
                  + [_cell(ws, preview.reasons(row), font=REASON_FONT)])
    _instructions(wb, kind, ctx, options)
    return _save(wb)
