//! minijail0: run a program in a sandbox (upstream-compatible flags).

/// See [`jail_cli::arena`]: minijail0's allocations, served without
/// syscalls.
#[global_allocator]
static ALLOCATOR: jail_cli::arena::Arena<{ 1 << 20 }> = jail_cli::arena::Arena::new();

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    std::process::exit(jail_cli::run(&args));
}
