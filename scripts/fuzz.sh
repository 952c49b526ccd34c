#!/usr/bin/env bash
# libFuzzer over ProtoCodec's decoder (Fuzz/CodecFuzz), with AddressSanitizer.
#   scripts/fuzz.sh short   a bounded run for `make test` (FUZZ_SECONDS, default 45)
#   scripts/fuzz.sh long    `make fuzz` (FUZZ_SECONDS, default 1800)
# Each input's first byte selects its message type (FuzzTypes). Findings are written to
# .build-fuzz/findings/ and replay with `.build/debug/CodecFuzz FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-short}
case $mode in
  short) seconds=${FUZZ_SECONDS:-45} ;;
  long) seconds=${FUZZ_SECONDS:-1800} ;;
  *) echo "usage: $0 short|long" >&2; exit 2 ;;
esac

scratch=.build-fuzz
swift build -c release --product CodecFuzz --scratch-path "$scratch" \
  --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address \
  -Xswiftc -parse-as-library -Xswiftc -DCODEC_FUZZ
swift build --product CodecInterop

# One corpus per message type (FuzzTypes: every request type of the API, and the codec's
# shape fixtures), seeded with an empty, a filled and any golden encoding of it. The first
# directory collects what the run finds; the others are read.
corpus=$scratch/corpus
findings=$scratch/findings
mkdir -p "$corpus" "$findings"
seeds=$scratch/seeds
rm -rf "$seeds"
"$(swift build --show-bin-path)/CodecInterop" seeds "$seeds"
echo "$(ls "$seeds" | wc -l) message types seeded"

echo "fuzzing ProtoCodec's decoder for ${seconds}s"
"$scratch/release/CodecFuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" "$seeds"/*
