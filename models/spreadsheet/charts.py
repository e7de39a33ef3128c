"""Small statistics tables as xlsx with native Excel charts (openpyxl BarChart / PieChart) the user can edit.

A normal (not write-only) workbook: these tables have tens of rows, and the charts refer to their cells.
"""
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .writing import safe_text

SHARE_FORMAT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass
class CrossTable:
    """Counts of ``row_labels`` × ``column_labels`` (``cells[r][c]``), written with row and column totals and
    shares; ``bar_title`` charts the rows stacked by column, ``pie_title`` the rows' totals."""

    title: str
    notes: Sequence[str]
    corner: str
    row_labels: Sequence[str]
    column_labels: Sequence[str]
    cells: Sequence[Sequence[int]]
    bar_title: str
    pie_title: str
    total_label: str = "合计"
    share_label: str = "占比"


def write_cross_table(target, table: CrossTable, sheet_title: str):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    ws["A1"] = safe_text(table.title)
    ws["A1"].font = Font(bold=True, size=14)
    for i, note in enumerate(table.notes, 2):
        ws.cell(i, 1, safe_text(note))
    head = len(table.notes) + 3
    n_rows, n_cols = len(table.row_labels), len(table.column_labels)
    total_col, share_col = n_cols + 2, n_cols + 3
    header = [table.corner, *table.column_labels, table.total_label, table.share_label]
    for c, label in enumerate(header, 1):
        cell = ws.cell(head, c, safe_text(label))
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center")
    row_totals = [sum(r) for r in table.cells]
    column_totals = [sum(r[c] for r in table.cells) for c in range(n_cols)]
    grand = sum(row_totals)
    for r, (label, counts) in enumerate(zip(table.row_labels, table.cells), head + 1):
        ws.cell(r, 1, safe_text(label)).border = BOX
        for c, n in enumerate(counts, 2):
            ws.cell(r, c, n).border = BOX
        ws.cell(r, total_col, row_totals[r - head - 1]).border = BOX
        _share(ws.cell(r, share_col), row_totals[r - head - 1], grand)
    totals = head + n_rows + 1
    ws.cell(totals, 1, table.total_label)
    for c, n in enumerate([*column_totals, grand], 2):
        ws.cell(totals, c, n)
    _share(ws.cell(totals, share_col), grand, grand)
    shares = totals + 1
    ws.cell(shares, 1, table.share_label)
    for c, n in enumerate(column_totals, 2):
        _share(ws.cell(shares, c), n, grand)
    for row in (totals, shares):
        for c in range(1, share_col + 1):
            ws.cell(row, c).font, ws.cell(row, c).border = Font(bold=True), BOX
    ws.column_dimensions["A"].width = max(14, *(2 * len(s) + 2 for s in table.row_labels)) if n_rows else 14
    for c in range(2, share_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = 10
    ws.freeze_panes = ws.cell(head + 1, 2)
    # Printed, the table and its charts fit one landscape page wide.
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    if n_rows:
        _charts(ws, table, head, n_rows, n_cols, total_col, anchor_col=share_col + 2)
    wb.save(target)


def _share(cell, n, whole):
    cell.value = n / whole if whole else 0
    cell.number_format = SHARE_FORMAT


def _text_categories(chart, labels):
    """openpyxl refers to categories as numbers (numRef); names are text, and LibreOffice and WPS show numRef
    text categories as 1, 2, 3 or skip them."""
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(labels)))


def _charts(ws, table, head, n_rows, n_cols, total_col, anchor_col):
    labels = Reference(ws, min_col=1, min_row=head + 1, max_row=head + n_rows)
    bar = BarChart()
    bar.type, bar.grouping, bar.overlap = "bar", "stacked", 100  # horizontal: long series names stay readable
    bar.title = table.bar_title
    bar.y_axis.title = "人数"
    bar.add_data(Reference(ws, min_col=2, max_col=n_cols + 1, min_row=head, max_row=head + n_rows),
                 titles_from_data=True)
    _text_categories(bar, labels)
    bar.x_axis.scaling.orientation = "maxMin"  # the first row on top, as in the table
    bar.y_axis.crosses = "max"  # ... and the counts' axis stays at the bottom
    bar.x_axis.delete = bar.y_axis.delete = False  # openpyxl 3.1 hides both axes by default
    bar.legend.position = "b"
    bar.height, bar.width = max(9, 0.9 * n_rows + 4), 18
    anchor = get_column_letter(anchor_col)
    ws.add_chart(bar, f"{anchor}{head}")
    pie = PieChart()
    pie.title = table.pie_title
    pie.add_data(Reference(ws, min_col=total_col, min_row=head, max_row=head + n_rows), titles_from_data=True)
    _text_categories(pie, labels)
    pie.dataLabels = DataLabelList(showCatName=True, showPercent=True, showVal=False, showSerName=False,
                                   showLegendKey=False)
    pie.height, pie.width = 10, 18
    ws.add_chart(pie, f"{anchor}{head + int(bar.height * 2) + 2}")
