#!/usr/bin/env bash
# Import of a 100 000-row marketplace-style .xlsx (made by XlsxWriter, shared strings and date
# cells), plain and password-protected (msoffcrypto-tool), beside the same rows as CSV: wall time
# and peak RSS of `labeld orders import` into a fresh database. Release build; a temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-100000}
L=${LABELD:-.build/release/labeld}
PY=.build/pyfixtures/bin/python
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$tmp" "$ROWS" <<'PY'
import sys, datetime, csv, xlsxwriter
tmp, n = sys.argv[1], int(sys.argv[2])
header = ["주문번호", "주문일시", "수령자명", "수령자연락처", "우편번호", "주소", "상품명", "옵션", "수량", "배송메세지", "택배사", "송장번호"]
wb = xlsxwriter.Workbook(tmp + "/orders.xlsx", {"constant_memory": True})
ws = wb.add_worksheet("발주발송관리")
when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
ws.write_row(0, 0, header)
out = open(tmp + "/orders.csv", "w", encoding="utf-8", newline="")
w = csv.writer(out)
w.writerow(header)
start = datetime.datetime(2026, 12, 1, 9, 0, 0)
for i in range(1, n + 1):
    t = start + datetime.timedelta(seconds=7 * i)
    row = ["B%07d" % (i // 2), t, "수령인%d" % i, "010-1234-%04d" % (i % 10000), "%05d" % (1000 + i % 60000),
           "서울특별시 강남구 테헤란로 %d" % i, "데일리 러닝화 %d" % (i % 40), "사이즈:270", 1 + i % 3, "문 앞에 놓아 주세요", "CJ대한통운", ""]
    ws.write_string(i, 0, row[0]); ws.write_datetime(i, 1, t, when)
    for j in range(2, 12):
        v = row[j]
        if isinstance(v, int): ws.write_number(i, j, v)
        elif v: ws.write_string(i, j, v)
    w.writerow([row[0], t.strftime("%Y-%m-%d %H:%M:%S")] + row[2:])
wb.close(); out.close()
PY
.build/pyfixtures/bin/msoffcrypto-tool -e -p bench "$tmp/orders.xlsx" "$tmp/orders-encrypted.xlsx"
steal() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
for f in orders.csv orders.xlsx orders-encrypted.xlsx; do
  rm -rf "$tmp/var"
  s0=$(steal)
  /usr/bin/time -f "%e s, peak RSS %M KB" -o "$tmp/time" "$L" orders import "$tmp/$f" --channel smartstore --password bench \
    --db "$tmp/var/labeld.sqlite" > "$tmp/out" 2>&1 || true
  echo "$f ($(du -h "$tmp/$f" | cut -f1)): $(cat "$tmp/time") — $(head -1 "$tmp/out"); steal $(echo "$s0 $(steal)" | awk '{printf "%.1f%%", 100 * ($3 - $1) / ($4 - $2)}')"
done
