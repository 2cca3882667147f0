#!/usr/bin/env bash
# Scan→spool and sorted-batch benchmark against a private cupsd (raw queue → TCP sink) on
# loopback, all in a temp folder and stopped by PID. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "nothing on port $1" >&2; exit 1; }

CUPS_PORT=$(free_port)
mkdir -p "$tmp/cups/spool/tmp" "$tmp/cups/cache" "$tmp/cups/state" "$tmp/cups/log"
chgrp lp "$tmp/cups/spool" "$tmp/cups/spool/tmp" "$tmp/cups/cache" "$tmp/cups/state"
chmod 770 "$tmp/cups/spool" "$tmp/cups/spool/tmp" "$tmp/cups/cache" "$tmp/cups/state"
cat > "$tmp/cups/cups-files.conf" <<CONF
ServerRoot $tmp/cups
RequestRoot $tmp/cups/spool
TempDir $tmp/cups/spool/tmp
CacheDir $tmp/cups/cache
StateDir $tmp/cups/state
AccessLog $tmp/cups/log/access_log
ErrorLog $tmp/cups/log/error_log
PageLog $tmp/cups/log/page_log
Printcap $tmp/cups/printcap
ServerBin /usr/lib/cups
DataDir /usr/share/cups
User lp
Group lp
SystemGroup root
CONF
cat > "$tmp/cups/cupsd.conf" <<CONF
Listen 127.0.0.1:$CUPS_PORT
Browsing No
DefaultAuthType None
LogLevel warn
MaxJobs 0
PreserveJobFiles No
PreserveJobHistory No
<Location />
Order allow,deny
Allow 127.0.0.1
</Location>
CONF
echo 'application/vnd.zebra-zpl zpl string(0,"^XA") string(0,"~")' > "$tmp/cups/local.types"
/usr/sbin/cupsd -f -c "$tmp/cups/cupsd.conf" -s "$tmp/cups/cups-files.conf" & pids+=($!)
wait_port "$CUPS_PORT"

SINK_PORT=$(free_port)
python3 Tests/tools/sink.py --dir "$tmp/sink" --port "$SINK_PORT" > /dev/null & pids+=($!)
wait_port "$SINK_PORT"
lpadmin -h "127.0.0.1:$CUPS_PORT" -p zebra -E -v "socket://127.0.0.1:$SINK_PORT" -m raw 2>/dev/null

${LABELD:-.build/release/labeld} bench spool --queue "zebra@127.0.0.1:$CUPS_PORT" --sink "127.0.0.1:$SINK_PORT" "$@"
echo "sink received $(cat "$tmp"/sink/conn-*.bin | wc -c) bytes"
