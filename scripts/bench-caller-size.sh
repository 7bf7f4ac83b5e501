#!/usr/bin/env bash
# Launch cost against the caller's size: a C caller linked to our
# libminijail.so (libjail/capi/bench/caller_size.c) touches 0, 1 and 4 GB
# of heap and then launches /bin/true in each mode, from 1 thread and from
# 8. Prints, per mode, the time per launch of the 0 GB single-thread run
# and every other figure as a ratio against it (time per launch at 1 and
# 4 GB; launches per second from 8 threads at 0 and 4 GB), all from the
# same run. With UPSTREAM_MINIJAIL naming upstream's build directory
# (libminijail.so, libminijailpreload.so, libminijail.h) its library runs
# the same harness side by side. A benchmark, not a test: run as root
# (user namespaces with maps, cgroups), on an otherwise quiet machine. The
# rows ending in _as_nobody ran as uid 65534.
#
#   scripts/bench-caller-size.sh [SECONDS_PER_FIGURE]   (default 0.5)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-0.5}
sizes=(0 1 4)
threads=8
# Per caller run: a deadlocked run is cut off after this many seconds.
limit=$(python3 -c "print(int(30 + 20 * float('$seconds')))")
work=$(mktemp -d /tmp/jail-bench-caller.XXXXXX)
cgroup=/sys/fs/cgroup/pids/jail-bench-caller.$$
cleanup() {
  rmdir "$cgroup" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if mkdir "$cgroup" 2>/dev/null; then
  export JAIL_BENCH_CGROUP=$cgroup/tasks
else
  echo "no pids cgroup to make at $cgroup: the cgroup modes run without one" >&2
fi
export JAIL_BENCH_DIR=$work

cargo build --release --quiet -p minijail-capi -p jail-preload
target_dir=${CARGO_TARGET_DIR:-$(pwd)/target}
ours=$target_dir/release
cc -O2 -pthread -o "$work/caller_ours" libjail/capi/bench/caller_size.c \
  -Ilibjail/capi/include -L"$ours" -lminijail -Wl,-rpath,"$ours"
impls=(ours)
upstream=${UPSTREAM_MINIJAIL:-}
if [[ -n $upstream ]]; then
  cc -O2 -pthread -o "$work/caller_upstream" libjail/capi/bench/caller_size.c \
    -I"$upstream" -L"$upstream" -lminijail -Wl,-rpath,"$upstream"
  impls+=(upstream)
else
  echo "UPSTREAM_MINIJAIL is not set: skipping upstream's columns (set it to upstream's build directory)" >&2
fi

default_modes=(plain no_new_privs mount_ns_ro_proc pid_ns user_ns_maps cgroup pid_file pipes
  preserved_fds no_preload combined)
# One caller run: IMPL GB TAG [setpriv...] -- MODE...; its lines go to raw,
# each mode's name with TAG appended. Upstream runs one mode per caller, in
# a time limit: its forked children can deadlock from 8 threads (a lock
# another thread held at fork); that mode's figures are then left out.
run_caller() {
  local impl=$1 gb=$2 tag=$3
  shift 3
  local as=()
  while [[ $1 != -- ]]; do as+=("$1"); shift; done
  shift
  local preload=()
  [[ $impl == upstream ]] && preload=(JAIL_BENCH_PRELOAD="$upstream/libminijailpreload.so")
  local groups=("$*")
  [[ $impl == upstream ]] && groups=("$@")
  for group in "${groups[@]}"; do
    # shellcheck disable=SC2086 # a group is a list of mode names
    if ! env "${preload[@]}" timeout "$limit" "${as[@]}" "$work/caller_$impl" "$gb" "$threads" "$seconds" $group \
      >"$work/out"; then
      echo "$impl at $gb GB${tag:+ ($tag)}: '$group' failed or timed out (its missing figures are left out)" >&2
      [[ $impl == ours ]] && exit 1
    fi
    # A deadlocked run's forked children outlive the caller: end them.
    pkill -KILL -f "^$work/caller_$impl " || true
    sed "s/^\([a-z_]*\)/\1$tag/; s/^/$impl $gb /" "$work/out" >>"$work/raw"
  done
}

for impl in "${impls[@]}"; do
  for gb in "${sizes[@]}"; do
    run_caller "$impl" "$gb" "" -- "${default_modes[@]}"
  done
done

# As an ordinary user too: the user namespace modes take another path
# there (see libjail/src/launch/userns_holder.rs). Needs the build to be
# readable by uid 65534.
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
chmod 755 "$work"
for impl in "${impls[@]}"; do
  if ! "${as_nobody[@]}" test -x "$work/caller_$impl" -a -r "$ours/libminijail.so" 2>/dev/null; then
    echo "the build is not readable by uid 65534: skipping the unprivileged rows" >&2
    break
  fi
  modes=(plain user_ns_maps)
  [[ $impl == ours ]] && modes+=(user_ns_no_pid_ns)
  for gb in "${sizes[@]}"; do
    run_caller "$impl" "$gb" _as_nobody "${as_nobody[@]}" -- "${modes[@]}"
  done
done

python3 - "$work/raw" "$threads" "${impls[@]}" <<'PY'
import sys
raw, threads, impls = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rate = {}  # (impl, gb, mode, threads) -> launches per second
modes = []
for line in open(raw):
    impl, gb, mode, t, n, secs = line.split()
    rate[(impl, gb, mode, int(t))] = int(n) / float(secs)
    if mode not in modes:
        modes.append(mode)
cols = []
for impl in impls:
    cols += [f"{impl} 0 GB ms", f"{impl} 1 GB", f"{impl} 4 GB",
             f"{impl} {threads} thr 0 GB", f"{impl} {threads} thr 4 GB"]
print("Per mode: ms per launch at 0 GB from 1 thread; then ratios against it:")
print("time per launch at 1 and 4 GB (1.00 = no growth), and launches per")
print(f"second from {threads} threads at 0 and 4 GB (above 1.00 = scales).")
print()
print("| mode | " + " | ".join(cols) + " |")
print("|---|" + "---|" * len(cols))
for mode in modes:
    cells = []
    for impl in impls:
        base = rate.get((impl, "0", mode, 1))
        if not base:
            cells += ["-"] * 5
            continue
        cells.append(f"{1000 / base:.2f}")
        for gb in ("1", "4"):
            r = rate.get((impl, gb, mode, 1))
            cells.append(f"{base / r:.2f}x" if r else "-")
        for gb in ("0", "4"):
            r = rate.get((impl, gb, mode, threads))
            cells.append(f"{r / base:.2f}x" if r else "-")
    print(f"| {mode} | " + " | ".join(cells) + " |")
PY
