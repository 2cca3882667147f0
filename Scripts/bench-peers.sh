#!/usr/bin/env bash
# labeld side by side with its peers (../shared/bench/peers): the same 100 x 150 mm Korean waybill
# from the same 1000 records, as one PDF — labeld vs ReportLab and vs gLabels, paired runs.
# Installs the peers' Debian packages when missing. Release build of labeld.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-1000}
RUNS=${RUNS:-5}
PEERS_SRC=${PEERS_SRC:-$ROOT/../shared/bench/peers}
need=""
for p in glabels zint python3-reportlab fonts-nanum zbar-tools poppler-utils; do dpkg -s $p >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$PEERS_SRC" "$work/peers" && chmod -R u+w "$work/peers"
cd "$work/peers"
/usr/bin/python3 data/make_orders.py "$N" "data/orders_$N.csv"
/usr/bin/python3 "$ROOT/bench/csv_to_jsonl.py" "data/orders_$N.csv" "$work/orders.jsonl"
LABELD="$ROOT/.build/release/labeld render $ROOT/bench/peer-waybill.yaml --data $work/orders.jsonl --format pdf -o $work/labeld.pdf"
$LABELD
echo "== labeld's PDF checked by the peers' verifier:"
/usr/bin/python3 verify/verify_pdf.py "$work/labeld.pdf" "data/orders_$N.csv"
for peer in reportlab glabels; do
  echo "== labeld vs $peer, $N labels, $RUNS paired runs"
  RUNS=$RUNS NS=$N bash bench.sh vs "$LABELD" "$peer" "$N" | grep -vE '^\s*$' | tail -n 12
done
