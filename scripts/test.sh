#!/usr/bin/env bash
# Every test, as README.md gives it: build, the workspace's tests (unit,
# end-to-end as root and, via setpriv, as an unprivileged user, the C tests,
# the CLI tests), then the installed-binary checks. Works from any
# directory. Ends with the count of skipped tests and why; exits non-zero
# when any step fails.
#
# JAIL_POLICY_CORPUS may name a folder of real-world policies (its
# crosvm-x86_64/ subfolder); the tests that read it are skipped without it.
set -euo pipefail
cd "$(dirname "$0")/.."

skips=$(mktemp "${TMPDIR:-/tmp}/jail-skips.XXXXXX")
trap 'rm -f "$skips"' EXIT
# World-writable: the unprivileged re-runs append to it too.
chmod 0666 "$skips"
export JAIL_TEST_SKIP_LOG="$skips"

cargo build --workspace
# No module imports one that imports it back.
python3 scripts/check-module-cycles.py
cargo test --workspace
scripts/check-install.sh

n=$(wc -l <"$skips")
if [ "$n" -eq 0 ]; then
  echo "test.sh: no test was skipped"
else
  echo "test.sh: $n tests (or parts of tests) were skipped:"
  sed 's/^SKIP /  /' "$skips" | sort | uniq -c | sort -rn | sed 's/^ *1 /  /'
fi
