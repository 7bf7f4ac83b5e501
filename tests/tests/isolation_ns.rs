//! New namespaces, seen from inside the jailed program: every
//! /proc/self/ns link differs from the host's, hostname, loopback only,
//! pid 1 is the jail's init and ps sees only the jail.

use jail::{Jail, Namespace};
use jail_tests::iso::*;
use jail_tests::support::{require_root, skip};

fn ns_inside(jail: &Jail, kind: &str) -> String {
    sh_ok(jail, &format!("readlink /proc/self/ns/{kind}"))
        .trim()
        .to_owned()
}

#[test]
fn each_new_namespace_differs_from_the_host() {
    require_root!();
    let host = HostSnapshot::take();
    for (ns, kind) in [
        (Namespace::Mount, "mnt"),
        (Namespace::Ipc, "ipc"),
        (Namespace::Uts, "uts"),
        (Namespace::Net, "net"),
        (Namespace::Cgroup, "cgroup"),
        (Namespace::Pid, "pid"),
        (Namespace::User, "user"),
        (Namespace::Time, "time"),
    ] {
        let mut jail = Jail::new();
        jail.namespace(ns);
        let inside = ns_inside(&jail, kind);
        assert!(inside.starts_with(&format!("{kind}:[")), "{kind}: {inside}");
        assert_ne!(inside, host_ns(kind), "{kind} namespace is the host's");
        // Nothing else was unshared.
        for other in ["mnt", "ipc", "uts", "net", "cgroup", "user"] {
            if other != kind && !(kind == "pid" && other == "mnt") {
                assert_eq!(
                    ns_inside(&jail, other),
                    host_ns(other),
                    "{kind} jail changed {other}"
                );
            }
        }
    }
    host.assert_unchanged();
}

#[test]
fn no_namespace_requested_means_host_namespaces() {
    let jail = Jail::new();
    for kind in ["mnt", "pid", "ipc", "uts", "net", "cgroup", "user"] {
        assert_eq!(ns_inside(&jail, kind), host_ns(kind), "{kind}");
    }
}

#[test]
fn hostname_is_set_in_a_new_uts_namespace() {
    require_root!();
    let before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let mut jail = Jail::new();
    jail.set_hostname("jailed-host");
    let out = sh_ok(&jail, "cat /proc/sys/kernel/hostname; uname -n");
    assert_eq!(out, "jailed-host\njailed-host\n");
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
        before
    );
}

#[test]
fn new_net_namespace_has_only_loopback_and_it_is_up() {
    require_root!();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Net);
    let out = sh_ok(
        &jail,
        "ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags",
    );
    let lines: Vec<&str> = out.lines().collect();
    // sysfs shows the host's view unless remounted: use ip instead when so.
    let ip = sh_ok(&jail, "ip -o link show");
    let links: Vec<&str> = ip.lines().collect();
    assert_eq!(links.len(), 1, "only lo: {ip}");
    assert!(links[0].contains(": lo:"), "{ip}");
    assert!(links[0].contains("UP"), "lo is up: {ip}");
    let _ = lines;
    // Loopback actually works.
    let ping = sh_ok(&jail, "ip -o addr show dev lo");
    assert!(ping.contains("127.0.0.1"), "{ping}");
}

#[test]
fn ipc_namespace_hides_host_ipc_objects() {
    require_root!();
    // Make a SysV shared memory segment on the host; the jail must not see it.
    // SAFETY: shmget/shmctl with valid arguments; the segment is removed below.
    let id = unsafe { libc::shmget(libc::IPC_PRIVATE, 4096, libc::IPC_CREAT | 0o600) };
    assert!(id >= 0);
    let mut jail = Jail::new();
    jail.namespace(Namespace::Ipc);
    let inside = sh_ok(&jail, "cat /proc/sysvipc/shm");
    let host_view = sh_ok(&Jail::new(), "cat /proc/sysvipc/shm");
    // SAFETY: removing the segment made above.
    unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
    let has = |text: &str| {
        text.lines()
            .skip(1)
            .any(|l| l.split_whitespace().nth(1) == Some(&id.to_string()))
    };
    assert!(has(&host_view), "host sees its segment: {host_view}");
    assert!(!has(&inside), "jail sees the host's segment: {inside}");
}

#[test]
fn cgroup_namespace_roots_the_cgroup_view() {
    require_root!();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Cgroup);
    let out = sh_ok(&jail, "cat /proc/self/cgroup");
    for line in out.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        assert_eq!(path, "/", "cgroup paths are rooted inside: {out}");
    }
}

#[test]
fn pid_namespace_init_is_pid_1_and_ps_sees_only_the_jail() {
    require_root!();
    let host = HostSnapshot::take();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid).remount_proc_readonly();
    let out = sh_ok(
        &jail,
        "echo self=$$; echo ppid=$PPID; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '; echo; ps -e -o pid=,comm=",
    );
    let mut lines = out.lines();
    // The shell is pid 2, its parent (the init) is pid 1.
    assert_eq!(lines.next(), Some("self=2"), "{out}");
    assert_eq!(lines.next(), Some("ppid=1"), "{out}");
    let pids: Vec<u32> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    // init, sh, and the pipeline's children: all small numbers.
    assert!(pids.contains(&1) && pids.contains(&2), "{out}");
    assert!(
        pids.iter().all(|&p| p < 20),
        "only the jail's processes: {out}"
    );
    let ps: Vec<&str> = lines.collect();
    assert!(ps.len() <= 4, "ps sees only the jail: {ps:?}");
    assert!(ps.iter().any(|l| l.trim().starts_with("1 ")), "{ps:?}");
    host.assert_unchanged();
}

#[test]
fn run_as_init_makes_the_program_pid_1() {
    require_root!();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid)
        .run_as_init()
        .remount_proc_readonly();
    assert_eq!(sh_ok(&jail, "echo $$").trim(), "1");
}

#[test]
fn pid_namespace_init_exits_with_the_program_status() {
    require_root!();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid);
    assert_eq!(sh(&jail, "exit 7").status, 7);
    assert_eq!(sh(&jail, "kill -TERM $$").status, 128 + libc::SIGTERM);
}

#[test]
fn pid_namespace_init_forwards_signals_sent_from_inside() {
    require_root!();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid);
    // The kernel spares a namespace's init the signals it does not take;
    // ours takes them all (blocked, then waited for) and passes them on.
    let out = sh(
        &jail,
        "trap 'exit 9' TERM; kill -TERM 1; i=0; while [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; exit 1",
    );
    assert_eq!(out.status, 9);
}

#[test]
fn pid_namespace_init_reaps_orphans() {
    require_root!();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid).remount_proc_readonly();
    // A grandchild orphaned by its parent is reparented to the init and
    // reaped: no zombie is left in the namespace.
    let out = sh_ok(
        &jail,
        "sh -c 'sleep 0.2 & exit 0'; sleep 0.5; grep -l '^State:.*Z' /proc/[0-9]*/status | wc -l",
    );
    assert_eq!(out.trim(), "0", "zombies left: {out}");
}

/// The id of the session keyring, read with keyctl(KEYCTL_GET_KEYRING_ID)
/// through python's ctypes (no keyutils needed).
const SESSION_KEYRING_ID: &str = "python3 -c 'import ctypes,os; n={\"x86_64\":250,\"aarch64\":219}[os.uname().machine]; print(ctypes.CDLL(None).syscall(n, 0, -3, 1))'";

#[test]
fn new_session_keyring_is_joined() {
    if std::process::Command::new("python3")
        .arg("-c")
        .arg("1")
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        skip!("python3 is not installed (it reads the keyring id)");
    }
    // The launcher's own session keyring (or the user's fallback).
    // SAFETY: keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) only reads.
    let launcher = unsafe { libc::syscall(libc::SYS_keyctl, 0, -3i64, 0) };
    let mut jail = Jail::new();
    jail.new_session_keyring();
    // Two processes of the jail see one session keyring: it exists and is
    // inherited, rather than created on demand per process.
    let inside = sh_ok(
        &jail,
        &format!("{SESSION_KEYRING_ID}; {SESSION_KEYRING_ID}"),
    );
    let ids: Vec<i64> = inside.lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{inside}");
    assert!(
        ids[0] > 0 && ids[0] == ids[1],
        "one session keyring: {inside}"
    );
    assert_ne!(ids[0], launcher, "not the launcher's keyring");
}
