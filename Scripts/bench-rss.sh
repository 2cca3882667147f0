#!/usr/bin/env bash
# Peak RSS of one 10 000-label ZPL batch (100 x 150 mm waybills, 20 product lines each) rendered by
# `labeld render` from JSON Lines: the memory a whole batch needs. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.build/release/labeld bench data --labels "$N" -o "$tmp/waybills.jsonl"
/usr/bin/python3 - "$tmp" "$N" <<'PY'
import os, resource, subprocess, sys, time
tmp, n = sys.argv[1], sys.argv[2]
t = time.time()
p = subprocess.run([".build/release/labeld", "render", "generic-100x150", "--data", tmp + "/waybills.jsonl",
                    "--format", "zpl", "-o", tmp + "/batch.zpl"], check=True)
wall = time.time() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
size = os.path.getsize(tmp + "/batch.zpl") / 1e6
print(f"10k-label ZPL batch: {n} labels in {wall:.2f} s ({int(n) / wall:.0f} labels/s end to end, JSON parsing included), "
      f"peak RSS {rss:.1f} MB, output {size:.1f} MB")
PY
