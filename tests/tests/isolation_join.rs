//! Joining existing namespaces by path (user first, as runc's nsexec),
//! and refusing a path that is not a namespace of the kind asked.

use std::path::{Path, PathBuf};

use jail::{Command, Jail, JailedProcess, Namespace, Stdio};
use jail_tests::iso::*;
use jail_tests::support::*;

/// A jailed `sleep` that holds namespaces for others to join.
struct Holder(JailedProcess);

impl Holder {
    fn start(jail: &Jail) -> Holder {
        let mut cmd = Command::new("/bin/sleep");
        cmd.arg("30").stdout(Stdio::Null);
        Holder(jail.spawn(&cmd).expect("holder"))
    }

    /// The namespace file of the holder's program (for a pid namespace,
    /// the holder's pid is its init, which is in it).
    fn ns(&self, kind: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/ns/{kind}", self.0.pid()))
    }

    fn ns_id(&self, kind: &str) -> String {
        std::fs::read_link(self.ns(kind))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.signal(libc::SIGKILL);
        let _ = self.0.wait();
    }
}

#[test]
fn joins_net_uts_ipc_cgroup_and_pid_namespaces() {
    require_root!();
    let host = HostSnapshot::take();
    let mut holding = Jail::new();
    holding
        .namespace(Namespace::Net)
        .namespace(Namespace::Ipc)
        .namespace(Namespace::Cgroup)
        .namespace(Namespace::Pid)
        .set_hostname("holder");
    let holder = Holder::start(&holding);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut jail = Jail::new();
    for (ns, kind) in [
        (Namespace::Net, "net"),
        (Namespace::Uts, "uts"),
        (Namespace::Ipc, "ipc"),
        (Namespace::Cgroup, "cgroup"),
        (Namespace::Pid, "pid"),
    ] {
        jail.join_namespace(ns, holder.ns(kind));
    }
    let out = sh_ok(
        &jail,
        "hostname; for k in net uts ipc cgroup pid; do readlink /proc/self/ns/$k; done",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "holder", "{out}");
    for (i, kind) in ["net", "uts", "ipc", "cgroup", "pid"].iter().enumerate() {
        assert_eq!(lines[i + 1], holder.ns_id(kind), "{kind}: {out}");
    }
    drop(holder);
    host.assert_unchanged();
}

#[test]
fn joins_a_user_namespace_first_then_what_it_owns() {
    require_root!();
    let mut holding = Jail::new();
    holding
        .uid_map("0 0 10")
        .gid_map("0 0 10")
        .namespace(Namespace::Net);
    let holder = Holder::start(&holding);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut jail = Jail::new();
    // Given in the "wrong" order: the user namespace is still joined first.
    jail.join_namespace(Namespace::Net, holder.ns("net"))
        .join_namespace(Namespace::User, holder.ns("user"));
    let out = sh_ok(
        &jail,
        "readlink /proc/self/ns/user /proc/self/ns/net; cat /proc/self/uid_map",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], holder.ns_id("user"));
    assert_eq!(lines[1], holder.ns_id("net"));
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["0", "0", "10"]
    );
}

#[test]
fn joins_a_mount_namespace() {
    require_root!();
    let host = HostSnapshot::take();
    let dir = TempDir::new("joinmnt");
    let mut holding = Jail::new();
    holding.mount(Path::new("holdertmp"), dir.path(), "tmpfs", 0, None);
    let holder = Holder::start(&holding);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut jail = Jail::new();
    jail.join_namespace(Namespace::Mount, holder.ns("mnt"));
    let out = sh_ok(
        &jail,
        "readlink /proc/self/ns/mnt; grep -c holdertmp /proc/self/mountinfo",
    );
    assert_eq!(out, format!("{}\n1\n", holder.ns_id("mnt")));
    drop(holder);
    host.assert_unchanged();
}

#[test]
fn a_path_that_is_not_a_namespace_of_that_kind_is_refused_before_fork() {
    for (ns, path, needle) in [
        (
            Namespace::Net,
            "/proc/self/ns/uts",
            "is not a net namespace",
        ),
        (
            Namespace::User,
            "/proc/self/ns/mnt",
            "is not a user namespace",
        ),
        (Namespace::Pid, "/etc/passwd", "is not a pid namespace"),
        (Namespace::Ipc, "/nonexistent/ns", "No such file"),
    ] {
        let mut jail = Jail::new();
        jail.join_namespace(ns, Path::new(path));
        let e = try_sh(&jail, "true").unwrap_err();
        assert!(!matches!(e, jail::LaunchError::Child { .. }), "{e}");
        let e = e.to_string();
        assert!(e.contains(path) && e.contains(needle), "{e}");
    }
    // New and joined is refused for a kind upstream cannot join (for a
    // net namespace the join wins, as upstream: see cross_face).
    let mut jail = Jail::new();
    jail.namespace(Namespace::Uts)
        .join_namespace(Namespace::Uts, Path::new("/proc/self/ns/uts"));
    let e = try_sh(&jail, "true").unwrap_err().to_string();
    assert!(e.contains("pick one"), "{e}");
}

#[test]
fn joins_a_user_namespace_with_one_the_initial_user_namespace_owns() {
    require_root!();
    // runc's order: the host's uts namespace (owned by the initial user
    // namespace) is joined while root there, then the holder's user
    // namespace (joining it first would leave no right to the host's).
    let mut holding = Jail::new();
    holding.uid_map("0 0 10").gid_map("0 0 10");
    let holder = Holder::start(&holding);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut jail = Jail::new();
    jail.join_namespace(Namespace::User, holder.ns("user"))
        .join_namespace(Namespace::Uts, Path::new("/proc/self/ns/uts"));
    let out = sh_ok(&jail, "readlink /proc/self/ns/user /proc/self/ns/uts");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines, [holder.ns_id("user"), host_ns("uts")], "{out}");
}
