//! What a new user namespace allows is decided before fork: an id change
//! to an unmapped id, a capability setting for a program that will hold no
//! capabilities there, or setgroups where the kernel refuses it are
//! refused with one line saying what to do, and no program starts. Where
//! upstream skips setgroups (unprivileged gid map) the jail runs.

use jail::{Jail, LaunchError, Namespace};
use jail_tests::support::*;

fn minijail0() -> std::process::Command {
    std::process::Command::new(target_dir().join("battery-minijail0"))
}

fn userns_available() -> bool {
    std::fs::read_to_string("/proc/sys/user/max_user_namespaces")
        .map(|s| s.trim() != "0")
        .unwrap_or(false)
}

/// Run minijail0 with `args` and a program that leaves a mark; (exit
/// code, stderr, whether the program ran).
fn run_marked(args: &[&str]) -> (Option<i32>, String, bool) {
    let dir = TempDir::new("userns-check");
    // The program may run as another uid (nobody, or unmapped).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let mark = dir.path().join("ran");
    let out = minijail0()
        .args(args)
        .args(["--", "/bin/sh", "-c", &format!("echo > {}", mark.display())])
        .output()
        .expect("run minijail0");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr, mark.exists())
}

#[track_caller]
fn assert_refused(args: &[&str], needles: &[&str]) {
    let (code, stderr, ran) = run_marked(args);
    assert_eq!(code, Some(1), "{args:?}: {stderr}");
    assert!(!ran, "{args:?}: the program must not start");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("warning") && !l.contains("runs with gid"))
        .collect();
    assert_eq!(lines.len(), 1, "{args:?}: one line: {stderr}");
    for needle in needles {
        assert!(
            lines[0].contains(needle),
            "{args:?}: '{needle}' in {stderr}"
        );
    }
    assert!(!stderr.contains("libjailpreload"), "{args:?}: {stderr}");
}

/// The command lines, and the accepted neighbours, for the
/// current user (root, or 65534 in the re-run).
fn check_command_lines() {
    assert_refused(
        &["-U", "-u", "nobody", "-g", "nogroup"],
        &["uid 65534", "not mapped", "-m"],
    );
    assert_refused(&["-U", "-g", "65534"], &["gid 65534", "not mapped", "-M"]);
    assert_refused(&["-U", "-u", "0", "-c", "0"], &["uid 0", "not mapped"]);
    // -m/-M without a value map the selected user (not root) inside: the
    // program starts without capabilities, so -c cannot be applied.
    assert_refused(
        &["-U", "-m", "-M", "-u", "nobody", "-c", "0"],
        &["-c", "without any", "map root"],
    );
    assert_refused(&["-U", "-c", "0"], &["-c", "without any"]);
    // Root inside: -c 0 applies, and -u 0 with an unprivileged gid map
    // leaves the groups alone (setgroups is denied there), as upstream.
    // SAFETY: geteuid and getegid have no preconditions.
    let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let (uid_map, gid_map) = (format!("-m0 {euid} 1"), format!("-M0 {egid} 1"));
    for args in [
        &["-U", &uid_map, &gid_map, "-c", "0"][..],
        &["-U", &uid_map, &gid_map, "-u", "0", "-c", "0"],
        &["-U", &uid_map, &gid_map, "-u", "0", "-g", "0"],
    ] {
        let (code, stderr, ran) = run_marked(args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(ran, "{args:?}: {stderr}");
    }
}

#[test]
fn user_namespace_settings_are_checked_before_fork() {
    if !userns_available() {
        skip!("user namespaces are disabled");
    }
    if in_unprivileged_rerun() {
        check_command_lines();
        return;
    }
    require_root!();
    check_command_lines();
    make_reachable(&target_dir());
    let (ok, out) = rerun_unprivileged("user_namespace_settings_are_checked_before_fork");
    assert!(ok, "unprivileged re-run failed:\n{out}");
}

#[test]
fn the_library_refuses_an_unmapped_uid_before_fork() {
    if !userns_available() {
        skip!("user namespaces are disabled");
    }
    let mut jail = Jail::new();
    jail.namespace(Namespace::User)
        .uid_map("0 0 1")
        .gid_map("0 0 1")
        .change_uid(4242);
    let err = jail.command("/bin/true").spawn().unwrap_err();
    assert!(matches!(err, LaunchError::UserNamespace(_)), "{err}");
    assert!(err.to_string().contains("uid 4242"), "{err}");
}

/// `Jail::check_launch` runs the same checks as a launch, without one.
#[test]
fn check_launch_refuses_what_spawn_would_refuse_and_starts_nothing() {
    let dir = TempDir::new("check-launch");
    let mark = dir.path().join("ran");
    let mut cmd = jail::Command::new("/bin/sh");
    cmd.args(["-c", &format!("echo > {}", mark.display())]);
    let jail = Jail::new();
    jail.check_launch(&cmd).expect("a plain jail plans");
    assert!(!mark.exists(), "check_launch must not start the program");
    let mut bad = Jail::new();
    bad.namespace(Namespace::User)
        .uid_map("0 0 1")
        .gid_map("0 0 1")
        .change_uid(4242);
    let err = bad.check_launch(&cmd).unwrap_err();
    assert!(matches!(err, LaunchError::UserNamespace(_)), "{err}");
    let missing = jail::Command::new("/no/such/program");
    assert!(jail.check_launch(&missing).is_err());
}
