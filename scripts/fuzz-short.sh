#!/bin/sh
# Run every cargo-fuzz target briefly (FUZZ_SECONDS each, default 20):
# the seccomp policy compiler, the handoff decoder as the preload runs it,
# minijail0's argument parser, its config-file parser, and a whole launch
# plan from minijail0's arguments (without forking).
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

# Seeds for the handoff decoder: frames of the current wire format,
# written again each run so they follow the format.
cargo run -q -p jail-enter --example handoff_seeds -- preload/fuzz/corpus/handoff
rm -f preload/fuzz/corpus/handoff/empty-header preload/fuzz/corpus/handoff/.seeded

# Seeds for minijail0's arguments (NUL-separated), shared by args and plan.
for target in args plan; do
    d=cli/fuzz/corpus/$target
    mkdir -p "$d"
    printf -- '-u\0nobody\0-g\0nogroup\0-n\0-c\0\060\0--\0/bin/true' >"$d/seed-ids"
    printf -- '-p\0-v\0-C\0/\0-b\0/tmp,/tmp,1\0-k\0tmpfs,/tmp,tmpfs,MS_NOSUID,size=1M\0--\0/bin/sh' >"$d/seed-mounts"
    printf -- '-U\0-m0 0 1\0-M0 0 1\0-R\0RLIMIT_NOFILE,64,64\0-T\0static\0--\0/bin/true' >"$d/seed-userns"
    printf -- '--profile=minimalistic-mountns\0-e\0-l\0-N\0--\0/bin/echo\0hi' >"$d/seed-profile"
done

[ -d libjail/fuzz/corpus/policy ] || (cd libjail/fuzz && ./seed.sh) || true
run libjail/fuzz policy -max_len=16384
run preload/fuzz handoff -max_len=65536
run cli/fuzz args -max_len=4096
run cli/fuzz config_file -max_len=8192
run cli/fuzz plan -max_len=4096
echo "fuzz-short: all targets ran ${seconds}s without a crash"
