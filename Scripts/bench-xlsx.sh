#!/usr/bin/env bash
# Import of 100 000 order lines: a 쿠팡 DeliveryList (40 columns, made by openpyxl in write-only
# mode: inline strings; the coupang preset keeps each whole row for the dispatch file), a
# labeld-headers workbook (XlsxWriter: shared strings, date cells), both also password-protected
# (msoffcrypto-tool), beside the same rows as CSV: wall time and peak RSS of `labeld orders import`
# into a fresh database. Release build; a temp folder.
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

from openpyxl import Workbook
header = ["번호", "묶음배송번호", "주문번호", "택배사", "운송장번호", "분리배송 Y/N", "분리배송 출고예정일", "주문시 출고예정일", "출고일(발송일)", "주문일",
          "등록상품명", "등록옵션명", "노출상품명(옵션명)", "노출상품ID", "옵션ID", "최초등록등록상품명/옵션명", "업체상품코드", "바코드", "결제액", "배송비구분",
          "배송비", "도서산간 추가배송비", "구매수(수량)", "옵션판매가(판매단가)", "구매자", "구매자전화번호", "수취인이름", "수취인전화번호", "우편번호",
          "수취인 주소", "배송메세지", "상품별 추가메시지", "주문자 추가메시지", "배송완료일", "구매확정일자", "개인통관번호(PCCC)", "통관용수취인전화번호",
          "기타", "결제위치", "배송유형"]
wb = Workbook(write_only=True)
ws = wb.create_sheet("Delivery")
ws.append(header)
out = open(tmp + "/coupang.csv", "w", encoding="utf-8", newline="")
w = csv.writer(out)
w.writerow(header)
for i in range(1, n + 1):
    t = (start + datetime.timedelta(seconds=7 * i)).strftime("%Y-%m-%d %H:%M:%S")
    row = [i, "31%010d" % (i // 2), "21%010d" % i, None, None, "분리배송가능", None, "2026-12-04", None, t, "데일리 러닝화 %d" % (i % 40),
           "사이즈:270", "데일리 러닝화 %d, 사이즈:270" % (i % 40), "77%08d" % (i % 40), "88%08d" % (i % 400), "데일리 러닝화 사이즈:270",
           "SHOE-%d" % (i % 40), None, 39000, "무료", 0, 0, 1 + i % 3, 39000, "구매자%d" % i, "0504-1234-%04d" % (i % 10000),
           "수령인%d" % i, "0504-5678-%04d" % (i % 10000), "%05d" % (1000 + i % 60000), "서울특별시 강남구 테헤란로 %d" % i,
           "문 앞에 놓아 주세요", None, None, None, None, None, None, None, "APP", "일반배송"]
    ws.append(row)
    w.writerow(["" if v is None else v for v in row])
wb.save(tmp + "/coupang.xlsx"); out.close()
PY
.build/pyfixtures/bin/msoffcrypto-tool -e -p bench "$tmp/orders.xlsx" "$tmp/orders-encrypted.xlsx"
.build/pyfixtures/bin/msoffcrypto-tool -e -p bench "$tmp/coupang.xlsx" "$tmp/coupang-encrypted.xlsx"
steal() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
for f in coupang.csv coupang.xlsx coupang-encrypted.xlsx orders.csv orders.xlsx orders-encrypted.xlsx; do
  rm -rf "$tmp/var"
  s0=$(steal)
  /usr/bin/time -f "%e s, peak RSS %M KB" -o "$tmp/time" "$L" orders import "$tmp/$f" --password bench \
    --db "$tmp/var/labeld.sqlite" > "$tmp/out" 2>&1 || true
  echo "$f ($(du -h "$tmp/$f" | cut -f1)): $(cat "$tmp/time") — $(head -1 "$tmp/out"); steal $(echo "$s0 $(steal)" | awk '{printf "%.1f%%", 100 * ($3 - $1) / ($4 - $2)}')"
done
