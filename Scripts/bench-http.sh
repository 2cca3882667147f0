#!/usr/bin/env bash
# wrk against POST /v1/print: 50 connections, each request a station's scan of a different
# shipment, rendered and written by the file printer. Release build; everything in a temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
# Shipments to scan: more than wrk can send in DURATION (each request must be a new shipment).
# (At 8000 per second of run a faster host ran out at ~8000 req/s: the rest scanned unknown codes,
# answered 422, and the tail measured that, not the server.)
ORDERS=${ORDERS:-$(( ${DURATION%s} * 20000 > 40000 ? ${DURATION%s} * 20000 : 40000 ))}
CONNS=${CONNS:-50}
REPEAT=${REPEAT:-0}   # 1: every request scans the same waybill (idempotent repeats after the first)
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
L=${LABELD:-.build/release/labeld}   # LABELD=path: another build, for side-by-side runs
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
OWNER=$($L tokens create --db "$tmp/labeld.sqlite" --role owner --name bench)
STATION=$($L tokens create --db "$tmp/labeld.sqlite" --role station --name pack-1 --printer pack-1)
LABELD_FILE_PRINTER_DIR="$tmp/labels" LABELD_LOG_LEVEL=warning $L serve --port "$PORT" --db "$tmp/labeld.sqlite" > "$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 200); do grep -q "listening" "$tmp/server.log" 2>/dev/null && break; sleep 0.05; done
# The floor of the HTTP stack on this machine, for comparison: the same wrk against GET /healthz
# of the idle server (a SELECT 1 on the thread pool, a small JSON answer).
echo "floor: wrk -c$CONNS GET /healthz (SELECT 1 on the thread pool): $(wrk -t2 -c"$CONNS" -d5s --latency "http://127.0.0.1:$PORT/healthz" | awk '/ 99%/ {p=$2} /Requests\/sec/ {r=$2} END {print r " req/s, p99 " p}')"
api() { curl -sf -X "$1" "http://127.0.0.1:$PORT$2" -H "Authorization: Bearer $OWNER" -H 'Content-Type: application/json' --data-binary "@$3" > /dev/null; }
echo '{"name":"pack-1","transport":"file:pack-1","language":"zpl"}' > "$tmp/printer.json"; api PUT /v1/printers/pack-1 "$tmp/printer.json"
echo '{"value":"{\"name\":\"리빙플러스\",\"phone\":\"0221358870\",\"address\":\"서울특별시 성동구 성수이로 113\"}"}' > "$tmp/sender.json"; api PUT /v1/settings/sender "$tmp/sender.json"
# The bench's orders have no catalog: their waybills print with the 미할당 marker instead of being held back.
echo '{"value":"mark"}' > "$tmp/unallocated.json"; api PUT /v1/settings/unallocatedWaybills "$tmp/unallocated.json"
python3 - "$tmp" "$ORDERS" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
for chunk in range(0, n, 10000):
    orders = [{"orderNo": "W%07d" % i, "orderedAt": "2026-11-28T09:00:00+09:00", "carrier": "generic", "waybillNo": "7%011d" % i,
               "receiver": {"name": "수령인%d" % i, "phone": "01012345678", "postalCode": "%05d" % (1000 + i % 60000), "address": "서울특별시 강남구 테헤란로 %d" % i},
               "lines": [{"productName": "데일리 러닝화 %d" % (i % 40), "option": "사이즈:270", "quantity": 1 + i % 3},
                         {"productName": "수제 딸기잼 500g", "quantity": 1}, {"productName": "샘플 파우치", "quantity": 1, "gift": True}]}
              for i in range(chunk + 1, min(n, chunk + 10000) + 1)]
    open("%s/orders-%d.json" % (tmp, chunk), "w").write(json.dumps(orders, ensure_ascii=False))
PY
for f in "$tmp"/orders-*.json; do api POST /v1/orders "$f"; done
echo '{}' > "$tmp/empty.json"; api POST /v1/shipments "$tmp/empty.json"
cat > "$tmp/print.lua" <<LUA
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
request = function()
  n = n + 1
  local i = (tid - 1) * ($ORDERS / 2) + n
  if $REPEAT == 1 then i = 1 end
  local body = string.format('{"code":"7%011d"}', i)
  return wrk.format("POST", "/v1/print", {["Authorization"] = "Bearer $STATION", ["Content-Type"] = "application/json"}, body)
end
LUA
# STAGES=1: each answer carries its job's stage timings; `persist` is the time from the request to
# its job being on disk (the intake's part), the rest of the latency is the HTTP side's. Off by
# default: reading every answer costs wrk a third more CPU, taken from the server on these cores.
[ "${STAGES:-0}" = 1 ] && cat >> "$tmp/print.lua" <<'LUA'
local out = nil
response = function(status, headers, body)
  if out == nil then out = io.open(os.getenv("BENCH_TMP") .. "/persist-" .. tid .. ".txt", "w") end
  local p = body:match([["persist":([0-9.e+-]+)]])
  if p then out:write(p, "\n") end
end
LUA
# PERF=FILE: also record a CPU profile of the machine during the run (perf record -g -a: threads the
# server starts during the run are in it too; tell them apart by thread name).
[ -n "${PERF:-}" ] && { perf record -F 499 -g -a -o "$PERF" -- sleep "${DURATION%s}" > /dev/null 2>&1 & }
echo "wrk: POST /v1/print, $CONNS connections, 2 threads, $DURATION ($([ "$REPEAT" = 1 ] && echo 'the same scan repeated' || echo 'each request a new shipment'), file printer)"
cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# Each thread's CPU ticks by name (the named ones are labeld's; NIO-* and the task pool's are the HTTP side).
threads() { for t in /proc/$server/task/*; do echo "$(cat $t/comm 2>/dev/null) $(awk '{print $14 + $15}' $t/stat 2>/dev/null)"; done; }
threads | awk '{print $1, -$2}' > "$tmp/threads.txt"
before=$(cpu)
# CPU time the hypervisor gave to others ("steal"): a shared VM's runs differ by it.
steal() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
steal_before=$(steal)
# wrk's own CPU through bash's `time` (no extra package).
TIMEFORMAT='wrk-cpu %U s user, %S s system'
{ time BENCH_TMP="$tmp" wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$tmp/print.lua" "http://127.0.0.1:$PORT" | tee "$tmp/wrk.txt" | sed -n "1,40p"; } 2> "$tmp/wrk.time"
echo "server CPU during the run: $(( ($(cpu) - before) * 1000 / $(getconf CLK_TCK) )) ms over ${DURATION} ($(grep -o '^Requests/sec: *[0-9.]*' "$tmp/wrk.txt" | awk '{print $2}') requests/s)"
echo "wrk CPU: $(sed -n 's/^wrk-cpu //p' "$tmp/wrk.time")"
echo "steal (CPU the hypervisor gave to other guests) during the run: $(echo "$steal_before $(steal)" | awk '{ if ($4 > $2) printf "%.1f%%", 100 * ($3 - $1) / ($4 - $2); else print "n/a" }')"
[ "${STAGES:-0}" = 1 ] && cat "$tmp"/persist-*.txt | python3 -c '
import sys
v = sorted(float(x) for x in sys.stdin)
if v: print("persist (request to job on disk, from the answers): p50 %.2fms, p90 %.2fms, p99 %.2fms over %d answers" % (v[len(v) // 2], v[int(len(v) * .9)], v[int(len(v) * .99)], len(v)))' || true
threads >> "$tmp/threads.txt"
awk -v hz="$(getconf CLK_TCK)" '{c[$1] += $2} END {printf "server CPU during the run by thread (s):"; for (n in c) if (c[n] > 0) printf " %s %.1f", n, c[n] / hz; print ""}' "$tmp/threads.txt"
echo "labels written during the run: $(ls "$tmp/labels/pack-1" | wc -l)"
[ "${DRAIN:-1}" = 0 ] && exit 0   # DRAIN=0: skip what follows (quick comparisons)
# Jobs acknowledged while the worker threads were behind are printed after wrk stops: how many, how long.
python3 - "$tmp/labeld.sqlite" "$tmp/labels/pack-1" <<'PY'
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1], timeout=30)
waiting = lambda: db.execute("SELECT COUNT(*) FROM printJob WHERE state IN ('queued','rendering','sending')").fetchone()[0]
start, backlog = time.time(), waiting()
while waiting(): time.sleep(0.2)
print("waiting when wrk stopped: %d jobs, all printed %.1f s later; labels written: %d" % (backlog, time.time() - start, len(os.listdir(sys.argv[2]))))
PY
