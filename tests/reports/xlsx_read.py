#!/usr/bin/python3
"""xlsx_read.py — a workbook as a third-party reader sees it (python3-openpyxl), as JSON.

Prints {"sheets": [{"title": T, "rows": [[cell, ...], ...]}]} where each cell is null (empty)
or {"v": value, "t": "n"|"s"|"b", "f": number_format}; row i of the list is row i+1 of the
sheet. The reports tests compare this with the tables the report was built from.
Usage: xlsx_read.py FILE.xlsx
"""
import json
import sys

import openpyxl

wb = openpyxl.load_workbook(sys.argv[1])  # values as stored, no formula evaluation
out = []
for ws in wb.worksheets:
    rows = []
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        cells = []
        for c in row:
            if c.value is None:
                cells.append(None)
            else:
                cells.append({"v": c.value, "t": c.data_type, "f": c.number_format})
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(cells)
    out.append({"title": ws.title, "rows": rows})
json.dump({"sheets": out}, sys.stdout, ensure_ascii=False)
