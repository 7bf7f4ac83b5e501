#!/bin/sh
# Seed the `policy` fuzz target with the real policies. Each seed is one
# selector byte (architecture and options, see selfcheck.rs) followed by a
# policy file; @include and @frequency are served from memory while fuzzing.
# Run from libjail/fuzz; writes corpus/policy/ (ignored by git). The seeds
# come from the folder given, else from $JAIL_POLICY_CORPUS/crosvm-x86_64
# when that names a corpus, else from jail's own test policies.
set -eu
own=../tests/data/policies
corpus=${JAIL_POLICY_CORPUS:+$JAIL_POLICY_CORPUS/crosvm-x86_64}
src="${1:-${corpus:-$own}}"
out=corpus/policy
mkdir -p "$out"
for f in "$src"/*.policy "$src"/*.frequency; do
    base=$(basename "$f")
    for sel in 0 1 2 4; do
        { printf "\\$(printf '%03o' "$sel")"; cat "$f"; } > "$out/$base.$sel"
    done
done
echo "seeded $(ls "$out" | wc -l) inputs into $out"
