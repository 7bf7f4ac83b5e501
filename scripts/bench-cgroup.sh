#!/usr/bin/env bash
# Launch overhead of a fresh cgroup with three limits: the release
# minijail0 runs /bin/true with --mem-limit, --pids-limit and --cpu-limit
# and without them, in the same interleaved rounds (so drift in the
# machine's speed hits both alike), plus a bare /bin/true. Prints the mean
# per launch and the ratios. Needs root (or a delegated cgroup).
#
#   scripts/bench-cgroup.sh [ROUNDS]     # default 200
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
warmup=10
cargo build --release --quiet -p jail-cli -p jail-preload
mj="${CARGO_TARGET_DIR:-$(pwd)/target}/release/minijail0"
limits=(--mem-limit 256M --pids-limit 256 --cpu-limit 1)
# A failing case must fail the run, not time an error.
"$mj" "${limits[@]}" -- /bin/true

declare -A total=([bare]=0 [plain]=0 [cgroup]=0)
run_case() {
  local name=$1; shift
  local t0=${EPOCHREALTIME/./}
  "$@"
  local t1=${EPOCHREALTIME/./}
  if (( round >= warmup )); then total[$name]=$(( total[$name] + t1 - t0 )); fi
}
for (( round = 0; round < warmup + rounds; round++ )); do
  run_case bare /bin/true
  run_case plain "$mj" -- /bin/true
  run_case cgroup "$mj" "${limits[@]}" -- /bin/true
done
mean() { awk -v t="${total[$1]}" -v n="$rounds" 'BEGIN { printf "%.3f", t / n / 1000 }'; }
bare=$(mean bare) plain=$(mean plain) cg=$(mean cgroup)
printf '%-62s %9s %14s %14s\n' case "mean ms" "ratio to bare" "ratio to plain"
row() { awk -v m="$2" -v b="$bare" -v p="$plain" -v name="$1" \
  'BEGIN { printf "%-62s %9.3f %14.2f %14.2f\n", name, m, m / b, m / p }'; }
row "bare /bin/true" "$bare"
row "minijail0 -- /bin/true" "$plain"
row "minijail0 ${limits[*]} -- /bin/true" "$cg"
awk -v c="$cg" -v p="$plain" 'BEGIN { printf "a fresh cgroup with three limits adds %.3f ms per launch (%d rounds)\n", c - p, '"$rounds"' }'
