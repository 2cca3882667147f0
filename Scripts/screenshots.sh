#!/usr/bin/env bash
# The README's pictures of the two browser pages, at 1400×1000 in headless Chromium:
# docs/images/designer.png (the CJ waybill on the designer's canvas, an element selected, its
# inspector and the barcode verification) and docs/images/station.png (a packing station after a
# scan). Run by `make screenshots`, not by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${LABELD_BIN:-$ROOT/.build/release/labeld}
WORK=$(mktemp -d /tmp/labeld-shots.XXXXXX)
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
cp -r templates "$WORK/templates"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LABELD_HOME=$ROOT LABELD_TEMPLATES=$WORK/templates LABELD_FILE_PRINTER_DIR=$WORK/labels \
  "$BIN" serve --port "$PORT" --db "$WORK/var/labeld.sqlite" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do grep -q "labeld listening" "$WORK/server.log" 2>/dev/null && break; sleep 0.1; done
BASE=http://127.0.0.1:$PORT
OWNER=$(cat "$WORK/var/owner-token")
api() { curl -sf -X "$1" "$BASE$2" -H "Authorization: Bearer $OWNER" -H 'Content-Type: application/json' ${3:+-d "$3"} > /dev/null; }
api PUT /v1/printers/pack-1 '{"name":"pack-1","transport":"file:pack-1","language":"zpl","stations":["pack-1"]}'
api PUT /v1/settings/sender '{"value":"{\"name\":\"리빙플러스\",\"phone\":\"0221358870\",\"address\":\"서울특별시 성동구 성수이로 113\"}"}'
api PUT /v1/settings/unallocatedWaybills '{"value":"mark"}'
ORDERS=$(python3 - <<'PY'
import json
names = ["김민지", "이서준", "박지우"]
orders = [{"orderNo": "A%06d" % i, "orderedAt": "2026-12-07T09:%02d:00+09:00" % i, "carrier": "generic", "waybillNo": "6%011d" % i,
           "receiver": {"name": names[i - 1], "phone": "01012345678", "postalCode": "03195", "address": "서울특별시 종로구 종로 %d, 101동 202호" % i},
           "lines": [{"productName": "유기농 현미 4kg", "option": "2024년 햅쌀", "quantity": 2}, {"productName": "스테인리스 텀블러 500ml", "option": "블랙", "quantity": 1}]}
          for i in (1, 2, 3)]
print(json.dumps(orders, ensure_ascii=False))
PY
)
api POST /v1/orders "$ORDERS"
api POST /v1/shipments
STATION=$("$BIN" tokens create --db "$WORK/var/labeld.sqlite" --role station --name pack-1 --printer pack-1)
OPERATOR=$("$BIN" tokens create --db "$WORK/var/labeld.sqlite" --role operator --name designer)
mkdir -p docs/images "$WORK/downloads"
python3 Tests/tools/designer_edit_test.py "$BASE" "$OPERATOR" "$WORK/downloads" "$ROOT/docs/images/designer.png" > "$WORK/designer.json"
STATION_SCREENSHOT=$ROOT/docs/images/station.png python3 Tests/tools/station_test.py "$BASE" "$STATION" "$OPERATOR" > "$WORK/station.json"
for f in designer station; do
  python3 -c "import json,sys; d=json.load(open('$WORK/$f.json')); sys.exit('$f: ' + d['error'][:300] if d.get('error') else 0)"
done
# The designer's preview latency over the edits it made (request to image on screen), release build.
python3 - "$WORK/designer.json" <<'PY'
import json, sys
t = sorted(json.load(open(sys.argv[1])).get("previewTimes") or [0])
steal = open("/proc/stat").readline().split()[8]
print(f"designer preview after an edit: {len(t)} previews, median {t[len(t) // 2]:.0f} ms, p95 {t[min(len(t) - 1, int(len(t) * 0.95))]:.0f} ms (CJ waybill, 203 dpi; hypervisor steal so far {steal} ticks)")
PY
echo "wrote docs/images/designer.png and docs/images/station.png"
