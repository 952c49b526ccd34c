#!/usr/bin/env bash
# Moves protoc-c output (a tree of .pb-c.h/.pb-c.c under $1) into a SwiftPM C target $2:
# headers under include/ (keeping their paths, as the generated includes expect), sources under generated/.
set -euo pipefail
src=$1 target=$2
mkdir -p "$target/include" "$target/generated"
(cd "$src" && find . -name '*.pb-c.h') | while read -r h; do
  mkdir -p "$target/include/$(dirname "$h")"; cp "$src/$h" "$target/include/$h"
done
(cd "$src" && find . -name '*.pb-c.c') | while read -r c; do
  mkdir -p "$target/generated/$(dirname "$c")"; cp "$src/$c" "$target/generated/$c"
done
