//! A new root (chroot, pivot_root, the profile) never costs the jail: in
//! preload mode the program is exec'd from the caller's filesystem and
//! stage 2 enters the root first, as upstream minijail does, so the root
//! need not hold the program, its libraries or the preload. Where the
//! loader could still miss the preload (a joined mount namespace, a path
//! that is not the preload), the program never runs as if jailed.

use std::path::Path;
use std::time::{Duration, Instant};

use jail::{Command, Jail, LaunchError, Namespace};
use jail_tests::iso::*;
use jail_tests::support::*;

/// Run as nobody, no capabilities, no_new_privs, in a mount namespace.
fn nobody() -> Jail {
    let mut jail = Jail::new();
    jail.change_uid(65534)
        .change_gid(65534)
        .use_caps(0)
        .no_new_privs()
        .namespace(Namespace::Mount);
    jail
}

const REPORT: &str = "id -u; id -g; grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; env | grep -c JAIL_HANDOFF; pwd";

/// A shell in a root that holds the system's directories (binds) but not
/// the preload library: the loader would have skipped it inside the root.
fn jailed_in_root_without_the_preload(pivot: bool) {
    let host = HostSnapshot::take();
    let root = TempDir::new(if pivot {
        "pivot-nopreload"
    } else {
        "chroot-nopreload"
    });
    make_root(root.path());
    let mut jail = nobody();
    bind_system(&mut jail, root.path());
    jail.remount_proc_readonly();
    if pivot {
        jail.enter_pivot_root(root.path());
    } else {
        jail.enter_chroot(root.path());
    }
    assert!(
        !root
            .path()
            .join(preload_library().strip_prefix("/").unwrap())
            .exists(),
        "the root must not hold the preload"
    );
    let out = sh(&jail, REPORT);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "65534\n65534\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nNoNewPrivs:\t1\n0\n/\n",
        "{out:?}"
    );
    assert!(!out.stderr.contains("cannot be preloaded"), "{out:?}");
    host.assert_unchanged();
}

#[test]
fn chroot_into_a_root_without_the_preload_applies_the_whole_jail() {
    require_root!();
    jailed_in_root_without_the_preload(false);
}

#[test]
fn pivot_root_into_a_root_without_the_preload_applies_the_whole_jail() {
    require_root!();
    jailed_in_root_without_the_preload(true);
}

#[test]
fn an_empty_root_is_enough_for_a_dynamic_program() {
    require_root!();
    for pivot in [false, true] {
        let root = TempDir::new("empty-root");
        std::fs::create_dir(root.path().join("proc")).unwrap();
        let mut jail = nobody();
        jail.remount_proc_readonly();
        if pivot {
            jail.enter_pivot_root(root.path());
        } else {
            jail.enter_chroot(root.path());
        }
        let out = run_probe(&jail, &["status"]);
        assert_eq!(out.status, 0, "{out:?}");
        assert_eq!(out.field("uid"), Some("65534"), "{out:?}");
        assert_eq!(out.field("CapEff"), Some("0000000000000000"), "{out:?}");
        assert_eq!(out.field("NoNewPrivs"), Some("1"), "{out:?}");
        assert_eq!(out.field("handoff_var"), Some("false"), "{out:?}");
        assert_eq!(out.field("fds"), Some("0,1,2"), "{out:?}");
        let out = run_probe(&jail, &["ls", "/"]);
        assert_eq!(out.stdout, "proc\n", "only the root's own content: {out:?}");
    }
}

/// A process holding a private mount namespace in which the build's
/// target directory (the preload, the probe) is covered by an empty tmpfs.
struct NamespaceWithoutThePreload(std::process::Child);

impl NamespaceWithoutThePreload {
    fn start() -> NamespaceWithoutThePreload {
        let target = target_dir();
        let mut child = std::process::Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c"])
            .arg(format!(
                "mount -t tmpfs none '{}' && echo ready && exec sleep 60",
                target.display()
            ))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("unshare");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line, "ready\n");
        NamespaceWithoutThePreload(child)
    }

    fn path(&self) -> std::path::PathBuf {
        format!("/proc/{}/ns/mnt", self.0.id()).into()
    }
}

impl Drop for NamespaceWithoutThePreload {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_joined_mount_namespace_without_the_preload_runs_nothing() {
    require_root!();
    let host = HostSnapshot::take();
    let ns = NamespaceWithoutThePreload::start();
    let mut jail = Jail::new();
    jail.change_uid(65534)
        .change_gid(65534)
        .join_namespace(Namespace::Mount, ns.path());
    let err = try_sh(&jail, "echo ran").unwrap_err();
    let text = err.to_string();
    assert_eq!(err.exit_status(), 252, "{text}");
    assert!(
        text.contains("opening the preload library") && text.contains("libjailpreload.so"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
    host.assert_unchanged();
}

#[test]
fn a_path_that_is_not_a_library_runs_nothing() {
    let mut jail = Jail::new();
    jail.no_new_privs()
        .set_preload_path(Path::new("/etc/passwd"));
    let err = try_sh(&jail, "echo ran").unwrap_err();
    assert_eq!(err.exit_status(), 252, "{err}");
    assert!(err.to_string().contains("/etc/passwd"), "{err}");
}

/// A library the loader loads but that is not the preload: nothing
/// acknowledges the jail.
fn not_the_preload() -> Jail {
    let libc = [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib64/libc.so.6",
        "/usr/lib/libc.so.6",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
    .expect("a libc.so.6");
    let mut jail = Jail::new();
    jail.no_new_privs().set_preload_path(Path::new(libc));
    jail
}

#[test]
fn a_program_started_without_the_acknowledgement_is_reported_as_fail_open() {
    let jail = not_the_preload();
    let mut cmd = Command::new("/bin/true");
    cmd.wait_until_jailed(true);
    match jail.spawn(&cmd) {
        Err(LaunchError::FailOpen { preload, status }) => {
            assert!(preload.ends_with("libc.so.6"), "{preload:?}");
            assert_eq!(status, 0);
        }
        other => panic!("expected a fail-open error, got {other:?}"),
    }
}

#[test]
fn a_program_that_closes_the_channel_unjailed_is_killed() {
    let jail = not_the_preload();
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; sleep 30"])
        .wait_until_jailed(true);
    let started = Instant::now();
    let err = jail.spawn(&cmd).unwrap_err();
    assert!(
        matches!(err, LaunchError::FailOpen { status: 137, .. }),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "killed, not waited for"
    );
}

#[test]
fn waiting_until_jailed_returns_with_the_jail_in_force_and_no_extra_fd() {
    let mut jail = Jail::new();
    jail.no_new_privs();
    let mut cmd = Command::new(probe());
    cmd.arg("status").wait_until_jailed(true);
    let out = run(&jail, &mut cmd).expect("launch");
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.field("NoNewPrivs"), Some("1"), "{out:?}");
    assert_eq!(out.field("fds"), Some("0,1,2"), "{out:?}");
}
