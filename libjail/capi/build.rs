//! Gives libminijail.so its soname and writes a pkg-config file for the
//! build tree (target/<profile>/libminijail.pc) from libminijail.pc.in, so
//! `PKG_CONFIG_PATH=target/debug pkg-config --cflags --libs libminijail`
//! works without installing. `install.sh` writes the installed one.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=libminijail.pc.in");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libminijail.so");

    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    // OUT_DIR is target/<profile>/build/<pkg>-<hash>/out.
    let Some(profile_dir) = out.ancestors().nth(3) else {
        return;
    };
    let template = std::fs::read_to_string(manifest.join("libminijail.pc.in"))
        .expect("libminijail.pc.in is part of the crate");
    let libdir = profile_dir.display().to_string();
    let pc = template
        .replace("@PREFIX@", &libdir)
        .replace("@LIBDIR@", &libdir)
        .replace(
            "@INCLUDEDIR@",
            &manifest.join("include").display().to_string(),
        )
        .replace("@VERSION@", env!("CARGO_PKG_VERSION"))
        // In the build tree the library is not on the loader's path.
        .replace("@RPATH@", &format!("-Wl,-rpath,{libdir}"));
    let _ = std::fs::write(profile_dir.join("libminijail.pc"), &pc);
    let _ = std::fs::write(out.join("libminijail.pc"), pc);
}
