#!/usr/bin/env bash
# Launch benchmarks: builds and installs the release into a scratch prefix
# (scripts/install.sh: a static musl minijail0 when the target is
# available), then prints launch times of the installed and the cargo-built
# minijail0 as ratios against a bare fork+execve measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d /tmp/jail-bench.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
scripts/install.sh "$prefix"
JAIL_BENCH_MINIJAIL0="$prefix/bin/minijail0" cargo bench -p jail-cli --bench launch --quiet
