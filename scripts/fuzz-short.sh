#!/bin/sh
# Run every cargo-fuzz target briefly (FUZZ_SECONDS each, default 20):
# the seccomp policy compiler, the handoff decoder as the preload runs it,
# minijail0's argument parser and its config-file parser.
# Skips (exit 0, with a clear line) when cargo-fuzz or a nightly toolchain
# is missing. A crash fails the script; its input is in <crate>/artifacts/.
set -eu
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-short: SKIP: cargo-fuzz is not installed (cargo install cargo-fuzz)"
    exit 0
fi
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz-short: SKIP: no nightly toolchain (rustup toolchain install nightly)"
    exit 0
fi

run() { # crate-dir target [extra libFuzzer flags]
    dir="$1"; target="$2"; shift 2
    mkdir -p "$dir/corpus/$target"
    echo "fuzz-short: $dir $target for ${seconds}s"
    (cd "$dir" && cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$seconds" "$@")
}

# Seeds for the handoff decoder: a few valid frames.
if [ ! -e preload/fuzz/corpus/handoff/.seeded ]; then
    mkdir -p preload/fuzz/corpus/handoff
    printf 'JAILCFG\001\001\000\000\000\000\000\000\000' > preload/fuzz/corpus/handoff/empty-header
    : > preload/fuzz/corpus/handoff/.seeded
fi

[ -d libjail/fuzz/corpus/policy ] || (cd libjail/fuzz && ./seed.sh) || true
run libjail/fuzz policy -max_len=16384
run preload/fuzz handoff -max_len=65536
run cli/fuzz args -max_len=4096
run cli/fuzz config_file -max_len=8192
echo "fuzz-short: all targets ran ${seconds}s without a crash"
