#!/usr/bin/env bash
# make bench-transport: the gRPC transport's cost per call, monitord next to the grpc-go anchor
# in the same run, same mutual TLS, server pinned to CPU 0 and the load generator to CPU 1
# (../shared/bench).
#
#   LEVELS="1 16 64" DUR=8s LOG_LEVEL=warning scripts/bench-transport.sh
#
# 1. Health/Check on grpc-go, on monitord's own transport (lean) and on grpc-swift's
#    (nio, the reference): qps per level, monitord/grpc-go as a ratio, server CPU per call.
# 2. FileActivity on SQLite, lean and nio: lims-sim lists an agency and files a day of its
#    activities; the load generator then sends one of them again and again as that agency
#    (the server decodes and checks the request, finds its request_id and answers with the
#    stored reply and receipt).
# CPU per call is the server's CPU time over the level (warm-up included) divided by the calls
# that rate would make: srv_cpu% / 100 / qps.
# Needs golang-go and golang-google-grpc-dev (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared=${BENCH_KIT:-$root/../shared/bench}
levels=${LEVELS:-1 16 64}
dur=${DUR:-8s}
log_level=${LOG_LEVEL:-warning}
[ -d "$shared" ] || { echo "bench-transport: no load kit at $shared" >&2; exit 1; }
for p in golang-go golang-google-grpc-dev; do
  dpkg -s $p >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq golang-go golang-google-grpc-dev; break; }
done
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
kit=$work/kit
mkdir -p "$kit" && cp -r "$shared/." "$kit/"
SKIP_CPP=1 "$kit/build.sh" >/dev/null
swift build -c release --product monitord >/dev/null
swift build -c release --product lims-sim >/dev/null
bin=$root/.build/release
openssl genpkey -algorithm ed25519 -out "$work/signing-key.pem" 2>/dev/null

# monitord KIND DATA: the command line compare.sh starts, on its certificates ({certs}).
monitord() {
  local kind=$1 data=$2
  echo "$bin/monitord" --listen {addr} --data-dir "$data" --transport "$kind" --signing-key "$work/signing-key.pem" \
    --metrics-listen off --log-level "$log_level" --tls-cert {certs}/server.crt --tls-key {certs}/server.key --client-ca {certs}/ca.crt
}

echo "== Health/Check (log level $log_level)"
rows=$work/health.rows
"$kit/compare.sh" -p -l "$levels" -d "$dur" go | tee "$rows"
for kind in lean nio; do
  mkdir -p "$work/health-$kind"
  # shellcheck disable=SC2046
  "$kit/compare.sh" -p -l "$levels" -d "$dur" -n "$kind" -- $(monitord "$kind" "$work/health-$kind") | tail -n +3 | tee -a "$rows"
done

echo
echo "== FileActivity on SQLite, the same request again as its agency"
data=$work/filing
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The development clock starts thirty days back and runs fast: lims-sim's day of activities is
# in the server's past within seconds.
"$bin/monitord" --listen "127.0.0.1:$port" --data-dir "$data" --tls-cert certs/dev/server.pem --tls-key certs/dev/server-key.pem \
  --client-ca certs/dev/ca.pem --ca-key certs/dev/ca-key.pem --signing-key "$work/signing-key.pem" --metrics-listen off \
  --log-level warning --dev-clock-days-ago 30 --dev-clock-speed 20000 >"$work/filing.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do "$bin/monctl" health --server "127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.2; done
"$bin/lims-sim" --server "127.0.0.1:$port" --agencies 1 --days 1 --per-day 4 --violations 0 --clock-speed 20000 \
  --work-dir "$work/lims-sim" --write-request "$work/request.bin" >"$work/lims-sim.log" 2>&1 ||
  { echo "bench-transport: lims-sim failed:" >&2; cat "$work/lims-sim.log" >&2; exit 1; }
kill "$server"; wait "$server" 2>/dev/null || true; server=
keys=$work/agency-certs
mkdir -p "$keys"
cp certs/dev/ca.pem "$keys/ca.crt"; cp certs/dev/server.pem "$keys/server.crt"; cp certs/dev/server-key.pem "$keys/server.key"
cp "$work/request.bin.pem" "$keys/client.crt"; cp "$work/request.bin-key.pem" "$keys/client.key"
filing_rows=$work/filing.rows
: >"$filing_rows"
for kind in lean nio; do
  # shellcheck disable=SC2046
  LOADGEN_ARGS="-method /cqmon.v1.FilingService/FileActivity -payload $work/request.bin" \
    "$kit/compare.sh" -p -k "$keys" -l "$levels" -d "$dur" -n "$kind" -- $(monitord "$kind" "$data") |
    tail -n +$([ -s "$filing_rows" ] && echo 3 || echo 1) |
    tee -a "$filing_rows"
done

# Columns of compare.sh's rows: server pin c qps p50 p90 p99 errors calls srv_cpu% lg_cpu% vmhwm_kib
summary() {
  awk -v base="$2" -v others="$3" '
    $3 ~ /^[0-9]+$/ {
      qps[$1, $3] = $4; us[$1, $3] = $4 > 0 ? $10 / 100 / $4 * 1e6 : 0; mib[$1, $3] = $12 / 1024; errors[$1, $3] = $8
      if (!seen[$3]++) order[n++] = $3
    }
    END {
      split(others, name, " ")
      printf "%-5s %10s %9s", "c", base " qps", base " µs"
      for (i = 1; i in name; i++) printf " %10s %8s %9s %8s", name[i] " qps", "/" base, name[i] " µs", "MiB"
      printf "\n"
      for (k = 0; k < n; k++) {
        c = order[k]
        printf "%-5s %10d %9.1f", c, qps[base, c], us[base, c]
        for (i = 1; i in name; i++) {
          ratio = qps[base, c] > 0 ? qps[name[i], c] / qps[base, c] * 100 : 0
          printf " %10d %7.1f%% %9.1f %8.0f", qps[name[i], c], ratio, us[name[i], c], mib[name[i], c]
          if (errors[name[i], c] > 0) printf " (%d errors)", errors[name[i], c]
        }
        printf "\n"
      }
    }' "$1"
}
echo
echo "== Summary: Health/Check, monitord against grpc-go in the same run"
summary "$rows" go-grpc "lean nio"
echo
echo "== Summary: FileActivity, monitord's transport against grpc-swift's"
summary "$filing_rows" nio "lean"
