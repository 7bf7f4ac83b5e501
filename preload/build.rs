//! Link the unwinder into the preload statically.
//!
//! std names `libgcc_s` for its unwinder. As a shared dependency it is one
//! more object for the loader to map into every jailed program, and its
//! constructor probes the CPU (cpuid, slow under virtualisation): about
//! 0.15 ms per launch on the reference VM. A linker script of that name,
//! found first on the search path, points the link at the static
//! `libgcc_eh.a` instead; the cdylib's version script keeps those symbols
//! local, so they cannot interpose on the program's own unwinder.

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("static-unwinder");
    std::fs::create_dir_all(&dir).expect("create the linker-script directory");
    std::fs::write(dir.join("libgcc_s.so"), "INPUT(-lgcc_eh)\n")
        .expect("write the libgcc_s linker script");
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rerun-if-changed=build.rs");
}
