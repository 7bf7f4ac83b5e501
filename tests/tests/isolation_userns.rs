//! User namespaces: uid/gid maps written by the launcher while the child
//! waits (several ranges, setgroups deny), the default that maps the
//! caller to root, and a whole namespaced jail run by an unprivileged user.

use std::path::Path;

use jail::{Jail, Namespace};
use jail_tests::iso::*;
use jail_tests::support::*;

#[test]
fn default_maps_the_caller_to_root() {
    let mut jail = Jail::new();
    jail.namespace(Namespace::User);
    // SAFETY: geteuid/getegid have no preconditions.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let out = sh_ok(
        &jail,
        "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g",
    );
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        words,
        [
            "0",
            &uid.to_string(),
            "1",
            "0",
            &gid.to_string(),
            "1",
            "0",
            "0"
        ],
        "{out}"
    );
}

#[test]
fn explicit_maps_with_several_ranges() {
    require_root!();
    let mut jail = Jail::new();
    jail.uid_map("0 100000 10,10 200000 5,1000 1000 1")
        .gid_map("0 300000 20")
        .deny_setgroups();
    let out = sh_ok(
        &jail,
        "cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; cat /proc/self/setgroups; id -u",
    );
    let parts: Vec<Vec<Vec<&str>>> = out
        .split("--\n")
        .map(|p| p.lines().map(|l| l.split_whitespace().collect()).collect())
        .collect();
    assert_eq!(
        parts[0],
        vec![
            vec!["0", "100000", "10"],
            vec!["10", "200000", "5"],
            vec!["1000", "1000", "1"]
        ],
        "{out}"
    );
    assert_eq!(parts[1], vec![vec!["0", "300000", "20"]], "{out}");
    assert_eq!(parts[2], vec![vec!["deny"], vec!["0"]], "{out}");
}

#[test]
fn root_is_not_forced_to_deny_setgroups() {
    require_root!();
    let mut jail = Jail::new();
    jail.uid_map("0 0 1").gid_map("0 0 1");
    assert_eq!(sh_ok(&jail, "cat /proc/self/setgroups").trim(), "allow");
}

#[test]
fn map_without_root_inside_keeps_the_overflow_ids() {
    require_root!();
    // 1000 inside is 1000 outside; the process itself (uid 0 outside) is
    // unmapped, so it shows as the overflow id.
    let mut jail = Jail::new();
    jail.uid_map("1000 1000 1").gid_map("1000 1000 1");
    assert_eq!(sh_ok(&jail, "id -u").trim(), "65534");
}

#[test]
fn bad_maps_are_refused_before_fork() {
    for (map, needle) in [
        ("0 1000", "inside outside count"),
        ("0 x 1", "inside outside count"),
        ("0 1000 0", "count above 0"),
        ("0 1000 10,5 2000 1", "overlap"),
        ("0 1000 1,1 1000 1", "overlap"),
        ("0 4294967295 2", "past the largest id"),
    ] {
        let mut jail = Jail::new();
        jail.uid_map(map);
        let err = try_sh(&jail, "true").unwrap_err().to_string();
        assert!(
            err.contains(needle) && err.contains("uid map"),
            "{map}: {err}"
        );
        let mut jail = Jail::new();
        jail.gid_map(map);
        let err = try_sh(&jail, "true").unwrap_err().to_string();
        assert!(
            err.contains(needle) && err.contains("gid map"),
            "{map}: {err}"
        );
    }
}

/// The unprivileged half: everything a user namespace lets a plain user do.
fn unprivileged_jail_body() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 65534);
    let host = HostSnapshot::take();
    let mut jail = Jail::new();
    jail.namespace(Namespace::User)
        .namespace(Namespace::Pid)
        .namespace(Namespace::Net)
        .namespace(Namespace::Ipc)
        .namespace(Namespace::Cgroup)
        .set_hostname("unpriv")
        .mount_tmp(1 << 20)
        .mount_dev();
    let out = sh_ok(
        &jail,
        "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; hostname; echo $$; \
         ip -o link | wc -l; ip -o link | grep -c UP; \
         grep ' /proc ' /proc/self/mountinfo | tail -1 | cut -d' ' -f6; \
         echo x > /tmp/x && cat /tmp/x; ls /dev | wc -l",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["0", "65534", "1"],
        "{out}"
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["0", "65534", "1"],
        "{out}"
    );
    assert_eq!(
        &lines[2..],
        [
            "deny",
            "0",
            "unpriv",
            "2",
            "1",
            "1",
            "ro,nosuid,nodev,noexec,relatime",
            "x",
            // Upstream's 11 names: 5 nodes, 5 links, shm.
            "11"
        ],
        "{out}"
    );
    for kind in ["user", "pid", "net", "ipc", "uts", "mnt", "cgroup"] {
        let inside = sh_ok(&jail, &format!("readlink /proc/self/ns/{kind}"));
        assert_ne!(inside.trim(), host_ns(kind), "{kind}");
    }
    host.assert_unchanged();

    // A chroot built by binds, and pivot_root, work unprivileged too.
    let root = TempDir::new("unpriv-root");
    make_root(root.path());
    let mut jail = Jail::new();
    jail.namespace(Namespace::User).namespace(Namespace::Pid);
    bind_system(&mut jail, root.path());
    jail.mount_dev().enter_pivot_root(root.path());
    let out = sh_ok(
        &jail,
        "ls / | tr '\\n' ' '; echo; touch /usr/x 2>/dev/null || echo ro",
    );
    assert!(out.contains("usr") && out.ends_with("ro\n"), "{out}");
    host.assert_unchanged();
    drop(root);
    let _ = Path::new("/");
}

#[test]
fn unprivileged_user_gets_a_full_namespaced_jail() {
    if in_unprivileged_rerun() {
        unprivileged_jail_body();
        return;
    }
    require_root!();
    make_reachable(&target_dir());
    let (ok, text) = rerun_unprivileged("unprivileged_user_gets_a_full_namespaced_jail");
    assert!(ok, "{text}");
}

#[test]
fn denied_setgroups_leaves_the_groups_when_ids_change() {
    // As upstream: with setgroups denied in the user namespace, changing
    // the uid and gid does not clear the supplementary groups (the kernel
    // would refuse, and the program die with 253).
    // SAFETY: geteuid/getegid have no preconditions.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let mut jail = Jail::new();
    jail.uid_map(&format!("0 {uid} 1"))
        .gid_map(&format!("0 {gid} 1"))
        .deny_setgroups()
        .change_uid(0)
        .change_gid(0);
    let out = sh_ok(&jail, "cat /proc/self/setgroups; id -u; id -g");
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["deny", "0", "0"],
        "{out}"
    );
}
