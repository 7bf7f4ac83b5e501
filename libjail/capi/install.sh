#!/bin/sh
# Install libminijail (shared and static), its header, the preload library
# and a pkg-config file under PREFIX (default /usr/local).
#   cargo build --release -p minijail-capi -p jail-preload
#   sudo libjail/capi/install.sh [PREFIX] [TARGET_DIR]
set -eu
prefix=${1:-/usr/local}
here=$(cd "$(dirname "$0")" && pwd)
target=${2:-${CARGO_TARGET_DIR:-$here/../../target}/release}
libdir=$prefix/lib
includedir=$prefix/include
install -d "$libdir" "$includedir" "$libdir/pkgconfig"
install -m 0755 "$target/libminijail.so" "$libdir/libminijail.so"
install -m 0644 "$target/libminijail.a" "$libdir/libminijail.a"
install -m 0755 "$target/libjailpreload.so" "$libdir/libjailpreload.so"
install -m 0644 "$here/include/libminijail.h" "$includedir/libminijail.h"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/../../Cargo.toml" | head -n 1)
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" \
    -e "s|@INCLUDEDIR@|$includedir|" -e "s|@VERSION@|$version|" \
    -e "s|@RPATH@||" \
    "$here/libminijail.pc.in" > "$libdir/pkgconfig/libminijail.pc"
echo "installed libminijail into $prefix"
