#!/usr/bin/env bash
# Runs a command with a PostgreSQL of its own: `initdb` into a temp folder, `pg_ctl` on a free
# loopback port, LABELD_TEST_POSTGRES set to its URL; stopped by its PID and removed afterwards,
# whatever the command's outcome. As root, the server runs as the `postgres` user (initdb refuses
# root). Debian's `postgresql` package (installed by `make test`) provides the binaries.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "with-postgres: PostgreSQL's initdb not found (apt install postgresql)" >&2; exit 2; }
dir=$(mktemp -d /tmp/labeld-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as=("$(command -v runuser)" -u postgres --); fi
cleanup() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    pid=$(head -1 "$dir/data/postmaster.pid")
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
"${as[@]}" "$bin/initdb" -D "$dir/data" -U labeld --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 2; }
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 2; }
"${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U labeld labeld_test
export LABELD_TEST_POSTGRES="postgres://labeld@127.0.0.1:$port/labeld_test"
export LABELD_TEST_PG_BIN="$bin"
# For tests that restart the server: its data folder, and how to run its tools (as postgres when root).
export LABELD_TEST_PG_DATA="$dir/data"
export LABELD_TEST_PG_AS="${as[*]:-}"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (pid $(head -1 "$dir/data/postmaster.pid"))"
"$@"
