#!/usr/bin/env bash
# make demo: a development server with a year of simulated activities, left running.
#
# monitord starts on ./demo-data with a development clock 400 days back, running fast enough
# (DEMO_SPEED, 150,000× by default) to cover a year in about four minutes; lims-sim enrols and
# lists DEMO_AGENCIES agencies through the API and files a year of their activities, a share
# with planted violations, as the clock passes them. Then the server keeps running (on the
# real clock, once it has caught up) for monctl, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DEMO_DATA:-./demo-data}
port=${DEMO_PORT:-8443}
site=${DEMO_SITE:-127.0.0.1:8080}
speed=${DEMO_SPEED:-150000}
agencies=${DEMO_AGENCIES:-5}
bin=.build/release
if [ -e "$data" ]; then
  echo "make demo: $data exists; remove it for a new demo (the simulator files into an empty server)" >&2
  exit 1
fi
"$bin/monitord" --listen "127.0.0.1:$port" --data-dir "$data" --tls-cert certs/dev/server.pem \
  --tls-key certs/dev/server-key.pem --client-ca certs/dev/ca.pem --ca-key certs/dev/ca-key.pem \
  --signing-key certs/dev/signing-key.pem --public-listen "$site" --public-plain-http --dev-clock-days-ago 400 --dev-clock-speed "$speed" --log-level warning &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  "$bin/monctl" health --server "127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.2
done
"$bin/lims-sim" --server "127.0.0.1:$port" --agencies "$agencies" --days 365 --clock-speed "$speed" --work-dir "$data/lims-sim"
cat <<TEXT

A year of activities is filed. The server keeps running (Ctrl-C stops it).
The public website: http://$site/
In another terminal:
  $bin/monctl activities list --limit 10 --server 127.0.0.1:$port
  $bin/monctl findings list --status open --limit 20 --server 127.0.0.1:$port
  $bin/monctl findings list --rule PERSON_IN_TWO_PLACES --server 127.0.0.1:$port
  $bin/monctl audit verify --server 127.0.0.1:$port
TEXT
wait "$server"
