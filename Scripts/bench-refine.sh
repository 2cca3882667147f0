#!/usr/bin/env bash
# 택배연동: refinement of N shipments (default 1000) against the CJ stand-in (Tests/tools/cj_standin.py)
# answering each call after LATENCY_MS (default 20) — routing, plus a waybill number for each routed
# shipment: 2 CJ calls a shipment, 8 at a time. Wall time of `labeld shipments refine`, with the
# hypervisor's steal. Release build; a temp folder; the stand-in stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
LATENCY_MS=${LATENCY_MS:-20}
L=${LABELD:-.build/release/labeld}
tmp=$(mktemp -d ${BENCH_TMP:+-p "$BENCH_TMP"})
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
python3 Tests/tools/cj_standin.py --contract docs/carriers/cj-contract.json --customer 30501859 --business 1158700619 \
  --latency-ms "$LATENCY_MS" > "$tmp/standin.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/standin.log" ] && break; sleep 0.05; done
port=$(head -1 "$tmp/standin.log")
python3 - "$tmp/orders.json" "$N" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
districts = ["종로구", "중구", "용산구", "성동구", "광진구", "마포구", "강남구", "송파구", "서초구", "강서구"]
orders = [{"orderNo": "R-%05d" % i, "carrier": "cj",
           "receiver": {"name": "수령인%d" % i, "phone": "010-1234-%04d" % (i % 10000), "postalCode": "%05d" % (3000 + i % 3000),
                        "address": "서울특별시 %s 테스트로 %d" % (districts[i % len(districts)], i)},
           "lines": [{"productName": "데일리 러닝화 %d" % (i % 40), "quantity": 1}]} for i in range(1, n + 1)]
json.dump(orders, open(out, "w"), ensure_ascii=False)
PY
A=(--db "$tmp/labeld.sqlite")
"$L" settings set unallocatedWaybills mark --role owner "${A[@]}" > /dev/null
"$L" orders import "$tmp/orders.json" "${A[@]}" > /dev/null
"$L" shipments create "${A[@]}" > /dev/null
"$L" settings set carrierConnections "{\"cj\":{\"customerId\":\"30501859\",\"businessNumber\":\"1158700619\",\"baseURL\":\"http://127.0.0.1:$port\"}}" \
  --role owner "${A[@]}" > /dev/null
steal() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
s0=$(steal)
start=$(date +%s.%N)
/usr/bin/time -f "%U user %S sys" -o "$tmp/cpu" "$L" shipments refine "${A[@]}" > "$tmp/out" 2> "$tmp/err" || true
end=$(date +%s.%N)
standin_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f s", ($14 + $15) / hz}' /proc/$pid/stat)
calls=$(curl -s "http://127.0.0.1:$port/_log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"])')
echo "refine $N shipments, CJ stand-in at ${LATENCY_MS} ms a call: $(echo "$start $end" | awk '{printf "%.2f s", $2 - $1}') — $(cat "$tmp/out"); calls $calls; labeld CPU $(cat "$tmp/cpu"), stand-in CPU $standin_cpu; steal $(echo "$s0 $(steal)" | awk '{printf "%.1f%%", 100 * ($3 - $1) / ($4 - $2)}')"
