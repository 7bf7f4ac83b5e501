#!/usr/bin/env bash
# Recording overhead: `jail policy record` against the same run under a
# plain allow-all filter (one BPF instruction, through the same launcher),
# on a syscall-heavy program (N getpid calls, default 1 M) and on
# `ls -lR /usr/share/doc`. Prints mean seconds per case and the ratio to
# the allow-all run of the same rounds; cases run interleaved, ROUNDS
# rounds (default 3). Needs root (or a user namespace) for -n.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
calls=${N:-1000000}
cargo build --release --quiet -p jail-cli -p jail-preload
bin=$(pwd)/target/release
work=$(mktemp -d /tmp/jail-bench-record.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/getpid_loop" scripts/bench/getpid_loop.c
# struct sock_filter { u16 code; u8 jt, jf; u32 k } = RET ALLOW, little-endian.
printf '\x06\x00\x00\x00\x00\x00\xff\x7f' >"$work/allow.bpf"

now() { date +%s.%N; }
time_of() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; }

declare -A total
cases=(getpid-allow getpid-record ls-allow ls-record)
for c in "${cases[@]}"; do total[$c]=0; done
for _ in $(seq "$rounds"); do
  for c in "${cases[@]}"; do
    case $c in
      getpid-*) prog=("$work/getpid_loop" "$calls") ;;
      ls-*) prog=(/bin/ls -lR /usr/share/doc) ;;
    esac
    case $c in
      *-allow) cmd=("$bin/minijail0" -n --seccomp-bpf-binary "$work/allow.bpf" -- "${prog[@]}") ;;
      *-record) cmd=("$bin/jail" policy record -o "$work/p.policy" -n -- "${prog[@]}") ;;
    esac
    t=$(time_of "${cmd[@]}")
    total[$c]=$(echo "${total[$c]} + $t" | bc -l)
  done
done
printf '%-28s %10s %8s\n' case "mean s" ratio
for prog in getpid ls; do
  base=$(echo "${total[$prog-allow]} / $rounds" | bc -l)
  for c in "$prog-allow" "$prog-record"; do
    mean=$(echo "${total[$c]} / $rounds" | bc -l)
    printf '%-28s %10.3f %8.2f\n' "$c" "$mean" "$(echo "$mean / $base" | bc -l)"
  done
done
echo "($rounds rounds, $calls getpid calls; ls -lR /usr/share/doc makes $(grep -c . "$work/p.policy.frequency" 2>/dev/null || echo '?') distinct syscalls)"
