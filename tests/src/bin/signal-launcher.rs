//! The launcher `isolation_signals` sends signals to, in a process of its
//! own so they reach no other test's jail: runs the case named by its one
//! argument, prints the program's pid, exits with the program's status.

use jail::{Command, Jail, Namespace};

fn main() {
    let case = std::env::args()
        .nth(1)
        .expect("usage: signal-launcher CASE");
    let mut jail = Jail::new();
    // What minijail0 does by default; the library leaves it to the caller.
    jail.forward_signals(true);
    let script = "trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.05; done";
    match case.as_str() {
        "forward" => {}
        "forward-pidns" => {
            jail.namespace(Namespace::Pid);
        }
        "no-forward" => {
            jail.forward_signals(false);
        }
        "pdeathsig" => {
            jail.parent_death_signal(libc::SIGKILL);
        }
        "pdeathsig-userns-pidns" => {
            jail.parent_death_signal(libc::SIGKILL)
                .namespace(Namespace::User)
                .namespace(Namespace::Pid);
        }
        other => panic!("unknown case {other}"),
    }
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", script]);
    let mut child = jail.spawn(&cmd).expect("spawn");
    println!("jailed={}", child.pid());
    let status = child.wait().unwrap();
    std::process::exit(status.minijail_status());
}
