"""Spreadsheets in and out.

``reading.read_table`` turns an upload into a header and raw rows (``archive`` judges a zip-based workbook
before python-calamine opens it; ``refusals`` holds the refusal of a whole file), and ``cells`` turns raw
cells into clean values or a Chinese message for that cell.
"""
