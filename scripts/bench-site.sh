#!/usr/bin/env bash
# make bench-site: the public website under wrk, next to static files of the same sizes served
# by the same server in the same run. monitord (release, plain HTTP, no rate limit) is pinned to
# CPU 0 and wrk to CPU 1.
#   AGENCIES=10000 DURATION=10 CONNECTIONS=100 scripts/bench-site.sh
# The pages: the home page (one URL), an agency page (a random one of all agencies per request)
# and a search by name (a random agency's name number: every name is read, one matches). Pages
# are rendered once per snapshot and kept: each page kind is measured first on pages never
# asked for before (every request a new one, so each is rendered), then, once every URL has
# been asked for, on random ones.
set -euo pipefail
cd "$(dirname "$0")/.."
agencies=${AGENCIES:-10000}
duration=${DURATION:-10}
connections=${CONNECTIONS:-100}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
swift build -c release --product monitord >/dev/null
swift build -c release --product SiteBenchmark >/dev/null
[ -f certs/dev/ca.pem ] || make --no-print-directory certs >/dev/null
.build/release/SiteBenchmark --data-dir "$work/data" --signing-key certs/dev/signing-key.pem --agencies "$agencies"
mkdir -p "$work/static"

start() {
  taskset -c 0 .build/release/monitord --listen 127.0.0.1:0 --data-dir "$work/data" --tls-cert certs/dev/server.pem \
    --tls-key certs/dev/server-key.pem --client-ca certs/dev/ca.pem --signing-key certs/dev/signing-key.pem \
    --metrics-listen off --log-level warning --public-listen 127.0.0.1:0 --public-plain-http --public-rate 0 \
    --public-static-dir "$work/static" >"$work/out" 2>"$work/err" &
  server=$!
  for _ in $(seq 1 100); do
    site=$(sed -n 's|^monitord public site on \(http://[^/]*\)/$|\1|p' "$work/out")
    [ -n "$site" ] && return
    sleep 0.1
  done
  echo "bench-site: monitord did not start:" >&2; cat "$work/err" >&2; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

# One run to learn each page's size (the snapshot is read within a second of the start), then
# the static files of those sizes, and the measured run.
start
sleep 2
first=$(head -1 "$work/data/codes.txt")
number=$(( agencies > 1000 ? agencies - 1 : 0 ))
size() { curl -fsS "$site$1" | wc -c; }
home=$(size /)
agency=$(size "/agency/$first")
search=$(size "/agencies?q=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "有限公司$number")")
stop
for page in home agency search; do
  head -c "${!page}" /dev/zero | tr '\0' 'x' >"$work/static/$page.html"
done
start
sleep 2

python3 - "$work/data/codes.txt" "$agencies" >"$work/pages.lua" <<'PY'
import sys
codes = open(sys.argv[1]).read().split()
print("local codes = {" + ",".join('"%s"' % c for c in codes) + "}")
print("local lowest, highest = %d, %d" % (min(1000, len(codes) - 1), len(codes) - 1))
print("""
local kind, sequential = os.getenv("PAGE"), os.getenv("ORDER") == "sequential"
local count = 0
request = function()
  count = count + 1
  if kind == "agency" then
    local index = sequential and (count - 1) % #codes + 1 or math.random(#codes)
    return wrk.format(nil, "/agency/" .. codes[index])
  else
    -- 有限公司N, percent-encoded
    local number = sequential and lowest + (count - 1) % (highest - lowest + 1) or math.random(lowest, highest)
    return wrk.format(nil, "/agencies?q=%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8" .. number)
  end
end""")
PY

measure() { # name path-or-script [sequential [seconds]]
  local out
  if [ "$2" = script ]; then
    out=$(PAGE=${1%%-*} ORDER=${3:-random} taskset -c 1 wrk -t1 -c"$connections" -d"${4:-$duration}s" --latency -s "$work/pages.lua" "$site")
  else
    out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --latency "$site$2")
  fi
  echo "$out" >"$work/wrk-$1"
  if grep -q "Non-2xx" <<<"$out"; then echo "bench-site: $1 answered errors:" >&2; echo "$out" >&2; exit 1; fi
}
taskset -c 1 wrk -t1 -c"$connections" -d2s "$site/" >/dev/null
measure home /
measure static-home /static/home.html
measure agency-first script sequential 3
measure agency-warming script sequential 8
measure agency script
measure static-agency /static/agency.html
measure search-first script sequential 3
measure search-warming script sequential 8
measure search script
measure static-search /static/search.html
stop

python3 - "$work" "$agencies" "$connections" "$home" "$agency" "$search" <<'PY'
import re, sys
work, agencies, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sizes = dict(zip(["home", "agency", "search"], map(int, sys.argv[4:7])))
def parse(name):
    text = open(f"{work}/wrk-{name}").read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return rate, p99
print(f"\n{agencies} agencies, {connections} connections, server on one CPU, wrk on another")
print(f"{'page':<8} {'bytes':>6} {'req/s':>8} {'p99 ms':>7} | {'static req/s':>12} {'p99 ms':>7} | {'page/static':>11}")
met = True
for page in ["home", "agency", "search"]:
    rate, p99 = parse(page)
    static, static_p99 = parse("static-" + page)
    ratio = rate / static
    met = met and ratio >= 0.5 and p99 < 20
    print(f"{page:<8} {sizes[page]:>6} {rate:>8.0f} {p99:>7.2f} | {static:>12.0f} {static_p99:>7.2f} | {ratio:>11.2f}")
print("\nfirst visits (each request a page not yet rendered):")
for page in ["agency", "search"]:
    rate, p99 = parse(page + "-first")
    print(f"{page:<8} {sizes[page]:>6} {rate:>8.0f} {p99:>7.2f}")
print("\neach page at least half the static rate, p99 under 20 ms:", "met" if met else "NOT met")
PY
