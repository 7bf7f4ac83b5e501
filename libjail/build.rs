//! Builds `jail-init` (libjail/init/jail_init.c), the pid namespace's init
//! that the launcher's child execs from a memfd, and leaves it in OUT_DIR
//! for `include_bytes!`. It is a static program without a C library, so
//! the same C compiler that links every Rust binary builds it.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let source = "init/jail_init.c";
    println!("cargo:rerun-if-changed={source}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CC");
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("jail-init");
    let cc = [
        format!("CC_{}", target.replace('-', "_")),
        "TARGET_CC".to_owned(),
        "CC".to_owned(),
    ]
    .iter()
    .find_map(|var| std::env::var(var).ok())
    .unwrap_or_else(|| "cc".to_owned());
    let status = Command::new(&cc)
        .args([
            "-static",
            "-nostdlib",
            "-ffreestanding",
            "-fno-builtin",
            "-fno-stack-protector",
            "-fno-asynchronous-unwind-tables",
            "-fno-unwind-tables",
            "-fno-pie",
            "-no-pie",
            "-Os",
            "-Wall",
            "-Werror",
            "-Wl,--build-id=none",
            "-Wl,-z,noexecstack",
            "-Wl,-n",
            "-s",
            "-o",
        ])
        .arg(&out)
        .arg(source)
        .status()
        .unwrap_or_else(|e| panic!("running the C compiler `{cc}` for {source}: {e}"));
    assert!(
        status.success(),
        "`{cc}` could not build {source} (the pid namespace's init): {status}"
    );
}
