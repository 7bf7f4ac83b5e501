#!/usr/bin/env bash
# README's first example, from any directory: build the release, then run
# `id` as nobody in new pid, mount, ipc, uts and net namespaces, with no
# capabilities, no_new_privs and the seccomp policy examples/policies/id.policy.
# Needs root (the uid change); as an ordinary user, see README's second example.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --workspace
set -x
./target/release/minijail0 -u nobody -g nogroup -c 0 -n -p -l -e --uts=jailed \
  -S examples/policies/id.policy -- /usr/bin/id
