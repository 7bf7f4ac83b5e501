//! minijail0: run a program in a sandbox (upstream-compatible flags).

/// minijail0 allocates a few hundred KiB, nearly all before the launch:
/// served from a bump arena without syscalls (see [`jail_cli::arena`]).
#[global_allocator]
static ALLOCATOR: jail_cli::arena::Arena<{ 1 << 20 }> = jail_cli::arena::Arena::new();

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    std::process::exit(jail_cli::run(&args));
}
