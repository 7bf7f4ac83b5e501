#!/usr/bin/env bash
# Launch benchmarks: builds release binaries and the preload, then prints
# launch times as ratios against a bare fork+execve measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --quiet
cargo bench -p jail-cli --bench launch --quiet
