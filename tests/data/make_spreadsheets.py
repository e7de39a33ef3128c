"""Regenerate tests/data/spreadsheets/: one staff-like table as each kind of file users upload.

    .venv/bin/python tests/data/make_spreadsheets.py      # needs LibreOffice (apt-get install libreoffice-calc)

The tests read the committed files and never need soffice. Each file holds the same table:
  staff_openpyxl.xlsx    written by openpyxl, with the cached formula values Excel would store added to the XML
                         (openpyxl writes formulas without them)
  staff_libreoffice.xlsx / .xls / .ods   the openpyxl file converted by LibreOffice headless (which recalculates
                         the formulas and stores their values: fine for test data, never for uploads)
  staff_utf8_bom.csv     as Excel's “CSV UTF-8” saves it: BOM, dates as shown (1990/1/1), the General-format
                         ID column in scientific notation
  staff_gbk.csv          the same as Chinese Excel's “CSV（逗号分隔）” saves it: GBK, names 王喆 and 张堃
                         (in GBK but not in GB2312)
Row 1 is the header, row 4 is empty (row numbers must stay as in the file), a second sheet 填写说明 follows.
"""
import csv
import io
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from models.validators import id_check_digit  # noqa: E402

OUT = Path(__file__).resolve().parent / "spreadsheets"
HEADER = ["姓名", "身份证号", "身份证号（数字）", "出生日期", "手机号", "姓名字数", "备注"]


def _id(first17: str) -> str:
    return first17 + id_check_digit(first17)


# (name, ID as text, ID typed into a General cell: Excel kept 15 digits, birth date, phone, note)
PEOPLE = [
    ("王喆", _id("37010219900101123"), 370102199001011000, date(1990, 1, 1), 13800138000, "ＡＢＣ１２３　全角"),
    ("张堃", _id("37020219851231004").lower(), 370202198512310000, date(1985, 12, 31), 13912345678, "  前后 空格  "),
    None,  # an empty row: the next person is on row 5
    ("李四", _id("37030319770615555"), 370303197706150000, date(1977, 6, 15), 15000000001, None),
    ("赵六", _id("37060219991130888"), 370602199911300000, date(1999, 11, 30), 18600000002, "备注"),
]


def write_openpyxl(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "专技人员"
    sheet.append(HEADER)
    for number, person in enumerate(PEOPLE, 2):
        if person is None:
            continue
        name, id_text, id_number, born, phone, note = person
        sheet.cell(number, 1, name)
        sheet.cell(number, 2, id_text).number_format = "@"
        sheet.cell(number, 3, id_number)
        sheet.cell(number, 4, born).number_format = "yyyy-mm-dd"
        sheet.cell(number, 5, phone)
        sheet.cell(number, 6, f"=LEN(A{number})")
        if note is not None:
            sheet.cell(number, 7, note)
    book.create_sheet("填写说明").append(["身份证号一列请设置为文本格式"])
    buffer = io.BytesIO()
    book.save(buffer)
    # Add the cached values Excel stores with each formula, so that reading them is what is under test.
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                def cached(match):
                    row = int(match.group(1))
                    return f'<c r="F{row}"><f>LEN(A{row})</f><v>{len(PEOPLE[row - 2][0])}</v></c>'.encode()
                data = re.sub(rb'<c r="F(\d+)"><f>LEN\(A\d+\)</f><v\s*/?>(?:</v>)?</c>', cached, data)
                assert b"<v>2</v>" in data, "openpyxl changed how it writes formulas"
            dst.writestr(info, data)


def excel_csv_rows():
    """What Excel writes into a CSV: each cell as shown, a General number with 15+ digits as 3.70102E+17."""
    out = [HEADER]
    for number, person in enumerate(PEOPLE, 2):
        if person is None:
            out.append([""] * len(HEADER))
            continue
        name, id_text, id_number, born, phone, note = person
        out.append([name, id_text, f"{id_number:.5E}", f"{born.year}/{born.month}/{born.day}",
                    str(phone), str(len(name)), note or ""])
    return out


def write_csv(path: Path, encoding: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(excel_csv_rows())
    path.write_bytes(buffer.getvalue().encode(encoding))


def convert(source: Path, kind: str, target: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("soffice not found: apt-get install libreoffice-calc")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                        "--convert-to", kind, "--outdir", tmp, str(source)], check=True, capture_output=True)
        shutil.move(Path(tmp) / f"{source.stem}.{kind}", target)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    source = OUT / "staff_openpyxl.xlsx"
    write_openpyxl(source)
    for kind in ("xlsx", "xls", "ods"):
        convert(source, kind, OUT / f"staff_libreoffice.{kind}")
    write_csv(OUT / "staff_utf8_bom.csv", "utf-8-sig")
    write_csv(OUT / "staff_gbk.csv", "gbk")
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>7}  {path.relative_to(OUT.parent)}")


if __name__ == "__main__":
    main()
