#!/usr/bin/env bash
# A throwaway PostgreSQL from Debian's binaries, for trying quire's postgres store and for tests.
# No system service: initdb + pg_ctl in a directory of your choice, on loopback only.
#
#   scripts/dev-postgres.sh start DIR [PORT]   prints the connection URL (postgres://…/postgres)
#   scripts/dev-postgres.sh stop DIR           stops the server; then `rm -rf DIR` removes everything
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user and DIR is
# handed to it. Authentication is `trust` on 127.0.0.1 only: a development database, never a real one.
set -euo pipefail

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

bin="${QUIRE_PG_BIN:-}"
if [ -z "$bin" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/pg_ctl" ] && bin="$candidate"
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "dev-postgres: no PostgreSQL binaries found (apt-get install postgresql, or set QUIRE_PG_BIN)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

cmd="${1:-}"
dir="${2:-}"
case "$cmd" in
  -h|--help|help) usage 0 ;;
  start|stop) [ -n "$dir" ] || usage ;;
  *) usage ;;
esac

case "$cmd" in
  start)
    port="${3:-$(free_port)}"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # fsync off: a throwaway server trades crash safety for speed; the socket lives in DIR, not /run.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
esac
