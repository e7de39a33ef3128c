"""Reading an upload: models.spreadsheet.read_table against python-calamine reading the same file bare.

    .venv/bin/python -m bench.spreadsheet_read [--rows 100000] [--repeat 5] [FILE.xlsx]

Without FILE it writes a staff-like xlsx of --rows rows (15 columns: text, IDs as text, dates, phones) with
openpyxl, once, into a temporary folder. Times, best and median of --repeat runs:

  * calamine:   CalamineWorkbook.from_filelike + get_sheet_by_index(0) + list(iter_rows())
  * read_table: the same plus what the app adds: type sniffing, the zip checks (every member inflated under
                a cap, the sheet's grid checked), the row loop (empty rows skipped, blanks → None, row numbers)

and prints the ratio. The zip checks alone are timed too (``archive.check``).
"""
import argparse
import io
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from models.spreadsheet import archive
from models.spreadsheet.reading import read_table

HEADER = ["姓名*", "身份证号*", "性别", "出生日期", "手机号", "电子邮箱", "部门", "职称系列", "级别", "学历",
          "毕业院校", "专业", "参加工作时间", "备注", "状态"]


def write_staff(path: Path, rows: int) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("专技人员")
    sheet.append(HEADER)
    for i in range(rows):
        born = date(1970, 1, 1) + timedelta(days=i % 9000)
        sheet.append([f"张{i}", f"37010219900101{i % 10000:04d}", "男女"[i % 2], born, f"138{i:08d}",
                      f"u{i}@example.com", "办公室", "工程技术", "中级", "本科", "山东大学", "计算机",
                      date(2012, 7, 1), "", "在职"])
    book.save(path)


def timed(call, repeat):
    """Best and median wall time, and the best CPU time of this process (steadier on a shared machine)."""
    runs, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(runs), statistics.median(runs), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.file) if args.file else Path(tmp) / "staff.xlsx"
        if not args.file:
            write_staff(path, args.rows)
        data = path.read_bytes()

        def bare():
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return list(book.get_sheet_by_index(0).iter_rows())

        rows = len(read_table(path.name, data, max_rows=10**7).rows)
        print(f"{path.name}: {len(data) / 1e6:.1f} MB, {rows:,} data rows")
        results = {
            "calamine": timed(bare, args.repeat),
            "read_table": timed(lambda: read_table(path.name, data, max_rows=10**7), args.repeat),
            "archive.check": timed(lambda: archive.check(data, "xlsx"), args.repeat),
        }
    for name, (best, median, cpu) in results.items():
        print(f"  {name:<14} best {best:6.2f} s   median {median:6.2f} s   cpu {cpu:6.2f} s")
    ours, bare_ = results["read_table"], results["calamine"]
    print(f"  ratio read_table / calamine: best {ours[0] / bare_[0]:.2f}×, median {ours[1] / bare_[1]:.2f}×, "
          f"cpu {ours[2] / bare_[2]:.2f}×")


if __name__ == "__main__":
    main()
