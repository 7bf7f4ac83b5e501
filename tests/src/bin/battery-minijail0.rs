//! minijail0 built inside the test crate (the same `jail_cli::run` as
//! cli/src/bin/minijail0.rs), so `cargo test -p jail-tests` has a real
//! minijail0 binary to drive without building another package.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    std::process::exit(jail_cli::run(&args));
}
