//! A minimal launcher over the `jail` API for the fault tests: the
//! settings minijail0 has no flag for (parent-death signal, cgroups).
//!
//! `battery-launcher [--pdeathsig] [--pidns] [--nnp] [--uid N] [--pid-file P]
//! [--cgroup P] -- program args...` (`--uid N` sets the gid to N too) prints `launched pid=N`, waits, and
//! prints `status=N`; a launch error is printed as `battery-launcher: <error>`
//! on stderr with the error's exit status.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut jail = jail::Jail::new();
    let mut i = 0;
    while i < args.len() && args[i] != "--" {
        match args[i].as_str() {
            "--pdeathsig" => {
                jail.parent_death_signal(libc::SIGKILL);
            }
            "--pidns" => {
                jail.namespace(jail::Namespace::Pid);
            }
            "--nnp" => {
                jail.no_new_privs();
            }
            "--uid" => {
                i += 1;
                let id: u32 = args[i].parse().expect("--uid takes a number");
                jail.change_uid(id).change_gid(id);
            }
            "--pid-file" => {
                i += 1;
                jail.write_pid_file(std::path::Path::new(&args[i]));
            }
            "--cgroup" => {
                i += 1;
                jail.add_to_cgroup(std::path::Path::new(&args[i]));
            }
            other => {
                eprintln!("battery-launcher: unknown option {other}");
                std::process::exit(2);
            }
        }
        i += 1;
    }
    let program = &args[i + 1..];
    let mut cmd = jail::Command::new(&program[0]);
    cmd.args(&program[1..]);
    let mut child = match jail.spawn(&cmd) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("battery-launcher: {e}");
            std::process::exit(e.exit_status());
        }
    };
    println!("launched pid={}", child.pid());
    std::io::stdout().flush().ok();
    let status = child.wait().expect("wait");
    println!("status={status}");
}
