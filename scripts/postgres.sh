#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests (Debian's `postgresql` package).
#
#   scripts/postgres.sh start DIR PORT   initdb into DIR (once) and start on 127.0.0.1:PORT
#   scripts/postgres.sh stop DIR         stop it (fast shutdown)
#   scripts/postgres.sh with CMD...      start one on a free port in a temporary directory, run
#                                        CMD with MONITORD_TEST_POSTGRES set to its URL, and stop
#                                        it and remove the directory however CMD ends
#   scripts/postgres.sh createdb         create an empty database on the server of
#                                        MONITORD_TEST_POSTGRES and print its URL
#
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user the
# package creates. Trust authentication, loopback only, fsync off: it holds test data only.
# With POSTGRES_DURABLE=1 the server syncs every commit as a production one does (benchmarks
# that report durable writes).
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local dir=$1 port=$2 durability="-c fsync=off -c synchronous_commit=off"
  [ "${POSTGRES_DURABLE:-}" = 1 ] && durability="-c fsync=on -c synchronous_commit=on"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chmod 700 "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  # The server keeps no descriptor of the caller's: a caller reading this script's output to
  # its end would otherwise wait for the server to stop.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $durability -c max_connections=200" \
    start </dev/null >/dev/null 2>&1 || { cat "$dir/server.log" >&2; exit 1; }
}

stop() {
  as_owner "$bin/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "${1:-}" in
  start) start "$2" "$3" ;;
  stop) stop "$2" ;;
  with)
    shift
    dir=$(mktemp -d /tmp/cqmon-pg.XXXXXX)
    chmod 755 "$dir"
    trap 'stop "$dir"; rm -rf "$dir"' EXIT
    port=$(free_port)
    start "$dir" "$port"
    export MONITORD_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
    echo "postgres.sh: a throwaway PostgreSQL on 127.0.0.1:$port ($dir)"
    "$@"
    ;;
  createdb)
    url=${MONITORD_TEST_POSTGRES:?run inside scripts/postgres.sh with}
    name=t_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    psql "$url" -v ON_ERROR_STOP=1 -Atqc "CREATE DATABASE $name" >/dev/null
    echo "${url%/*}/$name"
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR | with CMD... | createdb" >&2; exit 2 ;;
esac
