#!/bin/sh
# Seed the `policy` fuzz target with the real policies. Each seed is one
# selector byte (architecture and options, see selfcheck.rs) followed by a
# policy file; @include and @frequency are served from memory while fuzzing.
# Run from libjail/fuzz; writes corpus/policy/ (ignored by git).
set -eu
src="${1:-../../../shared/policies/crosvm-x86_64}"
out=corpus/policy
mkdir -p "$out"
for f in "$src"/*.policy "$src"/*.frequency; do
    base=$(basename "$f")
    for sel in 0 1 2 4; do
        { printf "\\$(printf '%03o' "$sel")"; cat "$f"; } > "$out/$base.$sel"
    done
done
echo "seeded $(ls "$out" | wc -l) inputs into $out"
