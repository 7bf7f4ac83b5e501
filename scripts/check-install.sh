#!/usr/bin/env bash
# Install the release into a scratch prefix (scripts/install.sh: a static
# musl minijail0 when the target is available) and run minijail0's
# end-to-end tests against the installed binary, then README's example.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d /tmp/jail-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
scripts/install.sh "$prefix"
# Everything install.sh promises is there.
for f in bin/minijail0 bin/jail lib/libjailpreload.so lib/libminijail.so lib/libminijail.a \
  include/libminijail.h lib/pkgconfig/libminijail.pc share/man/man1/minijail0.1 \
  share/man/man5/minijail0.5 share/bash-completion/completions/minijail0 \
  share/zsh/site-functions/_minijail0 share/fish/vendor_completions.d/minijail0.fish; do
  [ -s "$prefix/$f" ] || { echo "check-install: $prefix/$f was not installed" >&2; exit 1; }
done
# The unprivileged half of the tests runs the binary as another user.
chmod 0755 "$prefix"
JAIL_TEST_MINIJAIL0="$prefix/bin/minijail0" cargo test --quiet -p jail-cli --test e2e
if [ "$(id -u)" = 0 ]; then
  out=$("$prefix/bin/minijail0" -u nobody -g nogroup -c 0 -n -p -l -e --uts=jailed \
    -S examples/policies/id.policy -- /usr/bin/id)
  want="uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"
else
  # An ordinary user gets the namespaces through a user namespace of its
  # own, where it is root (README's unprivileged example).
  out=$("$prefix/bin/minijail0" -U -m -M -c 0 -n -p -l -e --uts=jailed \
    -S examples/policies/id.policy -- /usr/bin/id)
  want="uid=0(root) gid=0(root) groups=0(root)"
fi
[ "$out" = "$want" ] ||
  { echo "installed minijail0 printed: $out (expected: $want)" >&2; exit 1; }
# No silent fallback: with the musl target present but its build failing,
# install.sh stops with one clear line and installs nothing (shims stand
# in for rustup and for cargo's --target build; the rest is the real build).
shim=$(mktemp -d /tmp/jail-install-shim.XXXXXX)
trap 'rm -rf "$prefix" "$shim"' EXIT
real_cargo=$(command -v cargo)
printf '#!/bin/sh\n[ "$1 $2" = "target list" ] && echo "%s"\nexit 0\n' \
  "$(uname -m)-unknown-linux-musl" >"$shim/rustup"
printf '#!/bin/sh\ncase "$*" in *--target*) exit 101;; esac\nexec "%s" "$@"\n' "$real_cargo" >"$shim/cargo"
chmod +x "$shim/rustup" "$shim/cargo"
if out=$(PATH="$shim:$PATH" scripts/install.sh "$shim/prefix" 2>&1); then
  echo "check-install: install.sh succeeded although the static build failed" >&2; exit 1
fi
case "$out" in
  *"building the static (musl) minijail0 failed"*"JAIL_INSTALL_GLIBC=1"*) ;;
  *) echo "check-install: install.sh's failure does not say why: $out" >&2; exit 1 ;;
esac
[ ! -e "$shim/prefix" ] || { echo "check-install: a failed install.sh installed files" >&2; exit 1; }
echo "check-install: the installed minijail0 passes"
