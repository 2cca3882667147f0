#!/usr/bin/env python3
"""Reads a workbook labeld wrote with openpyxl (an independent reader) and prints it as JSON:
{"sheets": [names], "rows": [[cell, …], …] of the first sheet (dates as text), "types": [[openpyxl data type, …], …]}.

usage: read_workbook.py FILE.xlsx
"""
import sys, json
from openpyxl import load_workbook

wb = load_workbook(sys.argv[1])
ws = wb.worksheets[0]
rows = [[c.value for c in r] for r in ws.iter_rows()]
types = [[c.data_type for c in r] for r in ws.iter_rows()]
print(json.dumps({"sheets": wb.sheetnames, "rows": rows, "types": types, "bold": [c.font.b for c in ws[1]] if ws.max_row else []}, ensure_ascii=False, default=str))
