#!/usr/bin/env bash
# Build the release and install it under PREFIX (default /usr/local):
#   bin/minijail0, bin/jail, lib/libjailpreload.so, lib/libminijail.{so,a},
#   include/libminijail.h, lib/pkgconfig/libminijail.pc, the man pages
#   minijail0(1) and minijail0(5), and the bash, zsh and fish completions.
#
# minijail0 is linked statically against musl when the Rust target for it
# is installed (this script asks rustup for it): it starts in ~0.3 ms where
# a glibc build spends ~0.45 ms more in start-up CPU probing (cpuid is slow
# under virtualisation). Without the target it installs the glibc build and
# says so on one line (stderr) as it falls back; when the target is there
# but the static build fails, it stops with an error (JAIL_INSTALL_GLIBC=1
# installs the glibc build on purpose). The libraries stay glibc: they are loaded into glibc programs.
# A static minijail0 looks users and groups up in /etc/passwd and
# /etc/group only (no NSS modules); numeric ids work everywhere.
set -euo pipefail
prefix=${1:-/usr/local}
cd "$(dirname "$0")/.."
root=$(pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
musl="$(uname -m)-unknown-linux-musl"

cargo build --release --quiet --workspace
launcher="$target_dir/release/minijail0"
has_musl() { rustup target list --installed 2>/dev/null | grep -qx "$musl"; }
if ! has_musl; then
  timeout 300 rustup target add "$musl" >/dev/null 2>&1 || true
fi
if [ "${JAIL_INSTALL_GLIBC:-}" = 1 ]; then
  kind="dynamic (glibc): JAIL_INSTALL_GLIBC=1 asked for it"
elif has_musl; then
  # The target is there: a failed static build is an error, not a reason
  # to install something else.
  cargo build --release --quiet --target "$musl" -p jail-cli --bin minijail0 || {
    echo "install: building the static (musl) minijail0 failed (see above); nothing was installed." \
      "Fix the build, or set JAIL_INSTALL_GLIBC=1 to install the glibc-linked one" >&2
    exit 1
  }
  launcher="$target_dir/$musl/release/minijail0"
  kind="static (musl)"
else
  kind="dynamic (glibc): the $musl target is not installed and 'rustup target add $musl' failed"
  echo "install: falling back to a glibc-linked minijail0: the $musl target is not installed" \
    "and 'rustup target add $musl' failed (starts ~0.45 ms slower; users and groups via NSS)" >&2
fi

share="$prefix/share"
install -d "$prefix/bin" "$prefix/lib" "$share/man/man1" "$share/man/man5" \
  "$share/bash-completion/completions" "$share/zsh/site-functions" \
  "$share/fish/vendor_completions.d"
install -m 0755 "$launcher" "$prefix/bin/minijail0"
install -m 0755 "$target_dir/release/jail" "$prefix/bin/jail"
install -m 0644 cli/doc/minijail0.1 "$share/man/man1/minijail0.1"
install -m 0644 cli/doc/minijail0.5 "$share/man/man5/minijail0.5"
install -m 0644 cli/completions/minijail0.bash "$share/bash-completion/completions/minijail0"
install -m 0644 cli/completions/_minijail0 "$share/zsh/site-functions/_minijail0"
install -m 0644 cli/completions/minijail0.fish "$share/fish/vendor_completions.d/minijail0.fish"
libjail/capi/install.sh "$prefix" "$target_dir/release" >/dev/null
echo "installed jail into $prefix; minijail0 is $kind"
