#!/usr/bin/env python3
"""Turn the peers' orders CSV (data/orders_N.csv) into JSON Lines for `labeld render`.

usage: csv_to_jsonl.py ORDERS.csv OUT.jsonl
Every column becomes a string field of the same name; nothing else changes.
"""
import csv
import json
import sys

with open(sys.argv[1], encoding="utf-8", newline="") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for row in csv.DictReader(f):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
