#!/usr/bin/env bash
# Launch benchmarks: builds and installs the release into a scratch prefix
# (scripts/install.sh: a static musl minijail0 when the target is
# available), then prints launch times of the installed and the cargo-built
# minijail0 as ratios against a bare fork+execve measured in the same run.
# Floors run in the same rounds: a launcher that only spawns and waits
# (cli/examples/spawn_and_wait.rs, built like the installed minijail0), the
# installed minijail0 with a preload that only reads the handoff
# (scripts/bench/minimal_preload.c), and a static C program doing only the
# namespaced case's kernel work (scripts/bench/ns_floor.c).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d /tmp/jail-bench.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
scripts/install.sh "$prefix"
target_dir=${CARGO_TARGET_DIR:-$(pwd)/target}
musl="$(uname -m)-unknown-linux-musl"
if cargo build --release --quiet --target "$musl" -p jail-cli --example spawn_and_wait 2>/dev/null; then
  floor="$target_dir/$musl/release/examples/spawn_and_wait"
else
  cargo build --release --quiet -p jail-cli --example spawn_and_wait
  floor="$target_dir/release/examples/spawn_and_wait"
fi
cc -O2 -shared -fPIC -o "$prefix/lib/minimal_preload.so" scripts/bench/minimal_preload.c
cc -O2 -static -o "$prefix/bin/ns_floor" scripts/bench/ns_floor.c
JAIL_BENCH_MINIJAIL0="$prefix/bin/minijail0" \
  JAIL_BENCH_NS_FLOOR="$prefix/bin/ns_floor" \
  JAIL_BENCH_FLOOR="$floor" \
  JAIL_BENCH_MINIMAL_PRELOAD="$prefix/lib/minimal_preload.so" \
  cargo bench -p jail-cli --bench launch --quiet
