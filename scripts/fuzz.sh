#!/usr/bin/env bash
# libFuzzer over ProtoCodec's decoder (Fuzz/CodecFuzz), with AddressSanitizer.
#   scripts/fuzz.sh short   a bounded run for `make test` (FUZZ_SECONDS, default 45)
#   scripts/fuzz.sh long    `make fuzz` (FUZZ_SECONDS, default 1800)
# The corpus is seeded from the interop golden vectors (CodecInterop encode), each prefixed
# with the byte that selects its message type in CodecFuzz.swift. Findings are written to
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

corpus=$scratch/corpus
findings=$scratch/findings
mkdir -p "$corpus" "$findings"
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
"$(swift build --show-bin-path)/CodecInterop" encode "$seeds"
seed() { # selector-byte file
  { printf "\\x$(printf %02x "$1")"; cat "$seeds/$2.bin"; } > "$corpus/seed-$2"
}
seed 0 activity
seed 1 tree
seed 1 oneof_empty_label
seed 2 scalars
seed 2 unknown_enum
seed 5 empty

echo "fuzzing ProtoCodec's decoder for ${seconds}s"
"$scratch/release/CodecFuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$findings/" -print_final_stats=1 "$corpus"
