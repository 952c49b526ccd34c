#!/usr/bin/env bash
# make demo: a development server with last year's whole chain, left running.
#
# monitord starts on ./demo-data with a development clock set back to 1 January of last year,
# running fast enough (DEMO_SPEED, 150,000× by default) to cover a year in about four minutes;
# lims-sim enrols and lists DEMO_AGENCIES agencies through the API and files last year's
# activities, a share with planted violations, as the clock passes them. Then it plays the
# bureau's part on that year (lims-sim --bureau-year): findings decided, a draw, inspections,
# the evaluation with config/credit-indicators.yaml, publicity with an objection upheld,
# publication, a direct E. The server keeps running (on the real clock, once it has caught up)
# for monctl and the public website, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DEMO_DATA:-./demo-data}
port=${DEMO_PORT:-8443}
site=${DEMO_SITE:-127.0.0.1:8080}
speed=${DEMO_SPEED:-150000}
agencies=${DEMO_AGENCIES:-5}
bin=${DEMO_BIN:-.build/release}
year=$(( $(date +%Y) - 1 ))
days_ago=$(( ( $(date +%s) - $(date -d "$year-01-01T00:00:00+08:00" +%s) ) / 86400 ))
days_in_year=$(( ( $(date -d "$((year + 1))-01-01" +%s) - $(date -d "$year-01-01" +%s) ) / 86400 - 1 ))
if [ -e "$data" ]; then
  echo "make demo: $data exists; remove it for a new demo (the simulator files into an empty server)" >&2
  exit 1
fi
"$bin/monitord" --listen "127.0.0.1:$port" --data-dir "$data" --tls-cert certs/dev/server.pem \
  --tls-key certs/dev/server-key.pem --client-ca certs/dev/ca.pem --ca-key certs/dev/ca-key.pem \
  --signing-key certs/dev/signing-key.pem --public-listen "$site" --public-plain-http --dev-clock-days-ago "$days_ago" --dev-clock-speed "$speed" --log-level warning &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  "$bin/monctl" health --server "127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.2
done
"$bin/monctl" credit indicators put -f config/credit-indicators.yaml --server "127.0.0.1:$port" >/dev/null
"$bin/lims-sim" --server "127.0.0.1:$port" --agencies "$agencies" --days "$days_in_year" --clock-speed "$speed" \
  --work-dir "$data/lims-sim" --bureau-year "$year"
cat <<TEXT

$year is filed, evaluated, put to publicity and published. The server keeps running (Ctrl-C stops it).
The public website: http://$site/
In another terminal:
  $bin/monctl activities list --limit 10 --server 127.0.0.1:$port
  $bin/monctl findings list --status open --limit 20 --server 127.0.0.1:$port
  $bin/monctl findings list --rule PERSON_IN_TWO_PLACES --server 127.0.0.1:$port
  $bin/monctl audit verify --server 127.0.0.1:$port
TEXT
wait "$server"
