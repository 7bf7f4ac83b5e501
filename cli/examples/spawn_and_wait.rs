//! The launch benchmark's floor for any launcher: spawn argv[1..], wait,
//! exit with its status. No jail. scripts/bench.sh builds it the way it
//! builds minijail0 (static musl when it can) so the two compare.

fn main() {
    let mut args = std::env::args_os().skip(1);
    let program = args
        .next()
        .expect("usage: spawn_and_wait PROGRAM [ARGS...]");
    let status = std::process::Command::new(program)
        .args(args)
        .status()
        .expect("spawn");
    std::process::exit(status.code().unwrap_or(128));
}
