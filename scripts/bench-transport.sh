#!/usr/bin/env bash
# make bench-transport: Health/Check load on monitord next to the grpc-go anchor, same run, same
# mutual TLS, server pinned to CPU 0 and the load generator to CPU 1 (../shared/bench).
#   LEVELS="1 16 64" DUR=8s RUNS=1 scripts/bench-transport.sh
# Needs golang-go and golang-google-grpc-dev (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared=${BENCH_KIT:-$root/../shared/bench}
[ -d "$shared" ] || { echo "bench-transport: no load kit at $shared" >&2; exit 1; }
for p in golang-go golang-google-grpc-dev; do
  dpkg -s $p >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq golang-go golang-google-grpc-dev; break; }
done
kit=$(mktemp -d)
trap 'rm -rf "$kit"' EXIT
cp -r "$shared/." "$kit/"
SKIP_CPP=1 "$kit/build.sh" >/dev/null
swift build -c release --product monitord >/dev/null
data=$(mktemp -d)
openssl genpkey -algorithm ed25519 -out "$data/signing-key.pem" 2>/dev/null
for run in $(seq "${RUNS:-1}"); do
  "$kit/compare.sh" -p -l "${LEVELS:-1 16 64}" -d "${DUR:-8s}" go
  "$kit/compare.sh" -p -l "${LEVELS:-1 16 64}" -d "${DUR:-8s}" -n monitord -- "$root/.build/release/monitord" \
    --listen {addr} --data-dir "$data" --tls-cert {certs}/server.crt --tls-key {certs}/server.key \
    --client-ca {certs}/ca.crt --signing-key "$data/signing-key.pem" --metrics-listen off --log-level "${LOG_LEVEL:-info}" | tail -n +3
done
rm -rf "$data"
