//! The cost of the namespaces of `minijail0 -p -v -r -l -e --uts -- /bin/true`
//! against a bare /bin/true (run with --ignored --nocapture to see it).

use std::time::{Duration, Instant};

use jail::{Command, Jail, Namespace, Propagation};
use jail_tests::support::require_root;

fn time(n: u32, mut f: impl FnMut()) -> Duration {
    f();
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

#[test]
#[ignore]
fn namespaced_true_overhead() {
    require_root!();
    let n: u32 = std::env::var("PERF_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let bare = time(n, || {
        assert!(std::process::Command::new("/bin/true")
            .status()
            .unwrap()
            .success());
    });
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid)
        .namespace(Namespace::Mount)
        .remount_mode(Propagation::Slave)
        .remount_proc_readonly()
        .namespace(Namespace::Ipc)
        .namespace(Namespace::Net)
        .namespace(Namespace::Uts);
    let cmd = Command::new("/bin/true");
    // Interleave, so load changes on the machine hit both alike.
    let (mut bare_total, mut jailed_total) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..n {
        let t = Instant::now();
        assert!(std::process::Command::new("/bin/true")
            .status()
            .unwrap()
            .success());
        bare_total += t.elapsed();
        let t = Instant::now();
        assert!(jail.spawn(&cmd).unwrap().wait().unwrap().success());
        jailed_total += t.elapsed();
    }
    let _ = bare;
    let bare = bare_total / n;
    let jailed = jailed_total / n;
    println!(
        "bare {:?}, jailed {:?}, overhead {:?}, ratio {:.2}",
        bare,
        jailed,
        jailed.saturating_sub(bare),
        jailed.as_secs_f64() / bare.as_secs_f64()
    );
}

#[test]
#[ignore]
fn overhead_by_part() {
    require_root!();
    let n = 100;
    let cmd = Command::new("/bin/true");
    type Setup = Box<dyn Fn(&mut Jail)>;
    let cases: Vec<(&str, Setup)> = vec![
        ("nothing", Box::new(|_| {})),
        (
            "mnt",
            Box::new(|j| {
                j.namespace(Namespace::Mount);
            }),
        ),
        (
            "mnt slave",
            Box::new(|j| {
                j.namespace(Namespace::Mount)
                    .remount_mode(Propagation::Slave);
            }),
        ),
        (
            "proc",
            Box::new(|j| {
                j.remount_proc_readonly();
            }),
        ),
        (
            "pid",
            Box::new(|j| {
                j.namespace(Namespace::Pid);
            }),
        ),
        (
            "ipc",
            Box::new(|j| {
                j.namespace(Namespace::Ipc);
            }),
        ),
        (
            "uts",
            Box::new(|j| {
                j.namespace(Namespace::Uts);
            }),
        ),
        (
            "net",
            Box::new(|j| {
                j.namespace(Namespace::Net);
            }),
        ),
    ];
    for (name, f) in cases {
        let mut jail = Jail::new();
        f(&mut jail);
        let (mut spawn, mut wait) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..n {
            let t = Instant::now();
            let mut c = jail.spawn(&cmd).unwrap();
            spawn += t.elapsed();
            let t = Instant::now();
            assert!(c.wait().unwrap().success());
            wait += t.elapsed();
        }
        println!("{name}: spawn {:?} wait {:?}", spawn / n, wait / n);
    }
}
