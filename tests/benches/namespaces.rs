//! What each namespace and mount setting adds to a Rust-API launch of
//! /bin/true, as a ratio against a bare fork+execve of it measured in the
//! same rounds (interleaved, so load on the machine hits both alike).
//!
//! `cargo bench -p jail-tests --bench namespaces [-- ROUNDS]`, as root.

use std::time::{Duration, Instant};

use jail::{Command, Jail, Namespace, Propagation};

type Setup = fn(&mut Jail);

fn cases() -> Vec<(&'static str, Setup)> {
    vec![
        ("no setting", |_| {}),
        ("mount ns", |j| {
            j.namespace(Namespace::Mount);
        }),
        ("mount ns, slave", |j| {
            j.namespace(Namespace::Mount)
                .remount_mode(Propagation::Slave);
        }),
        ("read-only /proc", |j| {
            j.remount_proc_readonly();
        }),
        ("pid ns", |j| {
            j.namespace(Namespace::Pid);
        }),
        ("ipc ns", |j| {
            j.namespace(Namespace::Ipc);
        }),
        ("uts ns", |j| {
            j.namespace(Namespace::Uts);
        }),
        ("net ns", |j| {
            j.namespace(Namespace::Net);
        }),
        ("-p -v -r -l -e --uts", |j| {
            j.namespace(Namespace::Pid)
                .namespace(Namespace::Mount)
                .remount_mode(Propagation::Slave)
                .remount_proc_readonly()
                .namespace(Namespace::Ipc)
                .namespace(Namespace::Net)
                .namespace(Namespace::Uts);
        }),
    ]
}

fn bare_true() -> Duration {
    let t = Instant::now();
    let ok = std::process::Command::new("/bin/true")
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "bare /bin/true failed");
    t.elapsed()
}

fn jailed_true(jail: &Jail, cmd: &Command) -> Duration {
    let t = Instant::now();
    let mut child = jail.spawn(cmd).expect("launching the jailed /bin/true");
    let status = child.wait().expect("waiting for the jailed /bin/true");
    assert!(status.success(), "jailed /bin/true: {status:?}");
    t.elapsed()
}

fn main() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIP namespaces bench: needs root (namespaces without a user namespace)");
        return;
    }
    let rounds: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let cmd = Command::new("/bin/true");
    println!("{rounds} rounds; ratio = jailed launch / bare fork+execve, same rounds");
    for (name, setup) in cases() {
        let mut jail = Jail::new();
        setup(&mut jail);
        jailed_true(&jail, &cmd);
        let (mut bare, mut jailed) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..rounds {
            bare += bare_true();
            jailed += jailed_true(&jail, &cmd);
        }
        println!(
            "{name:<24} {:>6.2}x  ({:?} against {:?})",
            jailed.as_secs_f64() / bare.as_secs_f64(),
            jailed / rounds,
            bare / rounds
        );
    }
}
