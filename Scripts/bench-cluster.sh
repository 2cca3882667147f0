#!/usr/bin/env bash
# labeld on several nodes: two `labeld serve` nodes on one PostgreSQL against one node on SQLite,
# the same wrk script in the same run (two wrk processes of 25 connections: station pack-1 and
# station pack-2, each scan a new shipment, file printers); allocation of 100 000 order lines on
# both; failover from kill -9 to the first label by the new owner with the default 10 s lease
# (the cluster test, run with LABELD_BENCH_LEASE=10). Release build; a PostgreSQL of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -z "${LABELD_TEST_POSTGRES:-}" ] && exec Scripts/with-postgres.sh "$0" "$@"
L=${LABELD:-.build/release/labeld}
DURATION=${DURATION:-10s}
ORDERS=${ORDERS:-100000}   # more than the two stations scan in DURATION: every scan a new shipment
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP_LOGS:-}" ] && cp "$tmp"/*.log "$KEEP_LOGS"/ 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
steal() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
steal_since() { echo "$1 $(steal)" | awk '{ if ($4 > $2) printf "%.1f%%", 100 * ($3 - $1) / ($4 - $2); else print "n/a" }'; }

echo "== allocation of 100 000 order lines (target on PostgreSQL: < 4 s)"
echo "SQLite:     $($L bench allocate)"
echo "PostgreSQL: $($L bench allocate --db "$LABELD_TEST_POSTGRES?schema=alloc")"

python3 - "$tmp" "$ORDERS" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
for chunk in range(0, n, 10000):
    orders = [{"orderNo": "W%07d" % i, "orderedAt": "2026-11-28T09:00:00+09:00", "carrier": "generic", "waybillNo": "7%011d" % i,
               "receiver": {"name": "수령인%d" % i, "phone": "010%08d" % i, "postalCode": "%05d" % (1000 + i % 60000), "address": "서울특별시 강남구 테헤란로 %d" % i},
               "lines": [{"productName": "데일리 러닝화 %d" % (i % 40), "option": "사이즈:270", "quantity": 1 + i % 3},
                         {"productName": "수제 딸기잼 500g", "quantity": 1}, {"productName": "샘플 파우치", "quantity": 1, "gift": True}]}
              for i in range(chunk + 1, min(n, chunk + 10000) + 1)]
    open("%s/orders-%d.json" % (tmp, chunk), "w").write(json.dumps(orders, ensure_ascii=False))
PY
cat > "$tmp/print.lua" <<'LUA'
local base = tonumber(os.getenv("BASE"))
local token = os.getenv("TOKEN")
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
request = function()
  n = n + 1
  local i = base + (tid - 1) * 25000 + n
  return wrk.format("POST", "/v1/print", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
                    string.format('{"code":"7%011d"}', i))
end
LUA

# A database with the orders, shipments, two file printers and a station token for each.
setup() {
  local db=$1
  $L settings set sender '{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113"}' --role owner --db "$db" > /dev/null
  $L settings set unallocatedWaybills mark --role owner --db "$db" > /dev/null
  for f in "$tmp"/orders-*.json; do $L orders import "$f" --db "$db" > /dev/null; done
  $L shipments create --db "$db" > /dev/null
  for p in pack-1 pack-2; do $L printers add $p --transport "file:$tmp/labels-$p" --language zpl --db "$db" > /dev/null; done
  T1=$($L tokens create --db "$db" --role station --name pack-1 --printer pack-1)
  T2=$($L tokens create --db "$db" --role station --name pack-2 --printer pack-2)
}
start() {   # start NAME DB: sets PORT
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  LABELD_LOG_LEVEL=warning LABELD_FILE_PRINTER_DIR="$tmp/labels" $L serve --port "$PORT" --db "$2" --node "$1" > "$tmp/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do grep -q "listening" "$tmp/$1.log" 2>/dev/null && break; sleep 0.05; done
}
# Two wrk processes at once (25 connections each), one per station; sums and both latency lines.
run() {   # run LABEL PORT1 PORT2
  local s; s=$(steal)
  BASE=0 TOKEN=$T1 wrk -t2 -c25 -d"$DURATION" --latency -s "$tmp/print.lua" "http://127.0.0.1:$2" > "$tmp/wrk1.txt" &
  local w1=$!
  BASE=50000 TOKEN=$T2 wrk -t2 -c25 -d"$DURATION" --latency -s "$tmp/print.lua" "http://127.0.0.1:$3" > "$tmp/wrk2.txt" &
  wait $w1 $!
  python3 - "$1" "$tmp/wrk1.txt" "$tmp/wrk2.txt" "$(steal_since "$s")" <<'PY'
import re, sys
label, steal = sys.argv[1], sys.argv[4]
def ms(v):
    m = re.match(r"([0-9.]+)(us|ms|s)", v); x = float(m.group(1))
    return x / 1000 if m.group(2) == "us" else x * 1000 if m.group(2) == "s" else x
rps, lines, errors = 0.0, [], 0
for f in sys.argv[2:4]:
    t = open(f).read()
    rps += float(re.search(r"Requests/sec:\s*([0-9.]+)", t).group(1))
    p50 = ms(re.search(r"\s50%\s+(\S+)", t).group(1)); p99 = ms(re.search(r"\s99%\s+(\S+)", t).group(1))
    e = re.search(r"Non-2xx or 3xx responses: (\d+)", t); errors += int(e.group(1)) if e else 0
    lines.append("p50 %.1f ms, p99 %.1f ms" % (p50, p99))
print("%s: %.0f scans/s in all; station 1 %s; station 2 %s; non-2xx %d; steal %s" % (label, rps, lines[0], lines[1], errors, steal))
PY
}

echo "== scans: POST /v1/print, 2 stations × 25 connections, $DURATION, each scan a new shipment"
setup "$tmp/one.sqlite"
start solo "$tmp/one.sqlite"
run "1 node on SQLite" "$PORT" "$PORT"
kill "${pids[@]}"; wait 2>/dev/null || true; pids=()

PG="$LABELD_TEST_POSTGRES?schema=bench"
setup "$PG"
start node-a "$PG"; p1=$PORT
start node-b "$PG"; p2=$PORT
sleep 4   # the two nodes share the two printers (one each) after a lease round
$L nodes --db "$PG" | sed 's/^/  /'
run "2 nodes on PostgreSQL" "$p1" "$p2"
kill "${pids[@]}"; wait 2>/dev/null || true; pids=()

echo "== failover with the default lease (10 s): kill -9 of the node holding most printers, 1000-label batch"
if [ -x .build/debug/labeldPackageTests.xctest ]; then
  LABELD_BENCH_LEASE=10 swift test --skip-build --filter "ClusterTests/killNine" 2>&1 | grep -E "failover|passed after|failed after" | grep -v "Suite" || true
else
  echo "(build the tests first: swift build --build-tests)"
fi
