//! minijail0: run a program in a sandbox (upstream-compatible flags).

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    std::process::exit(jail_cli::run(&args));
}
