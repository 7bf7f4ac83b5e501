//! Bad input: each is a clear error before fork (no child is made), naming
//! the input and what to do.

use std::path::Path;

use jail::{Jail, LaunchError, Namespace};
use jail_tests::iso::*;
use jail_tests::support::*;

/// Launch and expect an error found before fork; returns its message.
fn refused(jail: &Jail) -> String {
    let e = try_sh(jail, "echo ran").expect_err("the jail must be refused");
    assert!(
        !matches!(e, LaunchError::Child { .. } | LaunchError::ChildDied(_)),
        "found after fork: {e}"
    );
    assert_eq!(e.exit_status(), 1);
    e.to_string()
}

#[test]
fn bind_source_missing() {
    let dir = TempDir::new("err-src");
    let mut jail = Jail::new();
    jail.bind(Path::new("/no/such/source"), dir.path(), false);
    let e = refused(&jail);
    assert!(
        e.contains("/no/such/source") && e.contains("does not exist"),
        "{e}"
    );
}

#[test]
fn destination_missing_is_created_inside_the_root_never_through_a_symlink() {
    require_root!();
    let root = TempDir::new("err-dest");
    make_root(root.path());
    // A symlink planted in the root that points out of it, to the host's /.
    std::os::unix::fs::symlink("/", root.path().join("escape")).unwrap();
    let host_target = Path::new("/jail-test-must-not-exist");
    assert!(!host_target.exists());
    let mut jail = Jail::new();
    bind_system(&mut jail, root.path());
    jail.enter_chroot(root.path())
        .bind(Path::new("/etc"), Path::new("/not-there/etc"), false)
        .bind(
            Path::new("/etc"),
            Path::new("/escape/jail-test-must-not-exist"),
            false,
        );
    let out = sh_ok(
        &jail,
        "test -f /not-there/etc/passwd && echo made; test -f /jail-test-must-not-exist/passwd && echo inside",
    );
    assert_eq!(out, "made\ninside\n");
    // Created in the root (as upstream, they stay), nothing on the host.
    assert!(root.path().join("not-there/etc").is_dir());
    assert!(root.path().join("jail-test-must-not-exist").is_dir());
    assert!(!host_target.exists());
    // A destination under a file cannot be made: refused before fork.
    let mut jail = Jail::new();
    jail.bind(Path::new("/etc"), Path::new("/etc/passwd/sub"), false);
    let e = refused(&jail);
    assert!(
        e.contains("/etc/passwd/sub") && e.contains("Not a directory"),
        "{e}"
    );
    // And the fixed mount points.
    let bare = TempDir::new("err-bare");
    make_root(bare.path());
    std::fs::remove_dir(bare.path().join("tmp")).unwrap();
    let mut jail = Jail::new();
    bind_system(&mut jail, bare.path());
    jail.enter_pivot_root(bare.path()).mount_tmp(1 << 20);
    let e = refused(&jail);
    assert!(e.contains("/tmp"), "{e}");
}

#[test]
fn relative_destination() {
    let mut jail = Jail::new();
    jail.bind(Path::new("/etc"), Path::new("relative/dir"), false);
    let e = refused(&jail);
    assert!(e.contains("relative/dir") && e.contains("absolute"), "{e}");
}

#[test]
fn chroot_with_pivot_root() {
    let mut jail = Jail::new();
    jail.enter_chroot(Path::new("/"))
        .enter_pivot_root(Path::new("/"));
    let e = refused(&jail);
    assert!(
        e.contains("chroot") && e.contains("pivot_root") && e.contains("pick one"),
        "{e}"
    );
}

#[test]
fn hostname_too_long() {
    let mut jail = Jail::new();
    jail.set_hostname(&"h".repeat(65));
    let e = refused(&jail);
    assert!(e.contains("hostname") && e.contains("64"), "{e}");
}

#[test]
fn root_that_is_not_a_directory() {
    let mut jail = Jail::new();
    jail.enter_chroot(Path::new("/etc/passwd"));
    let e = refused(&jail);
    assert!(e.contains("/etc/passwd"), "{e}");
}

#[test]
fn contradicting_namespaces() {
    let mut jail = Jail::new();
    jail.run_as_init()
        .join_namespace(Namespace::Pid, Path::new("/proc/self/ns/pid"));
    let e = refused(&jail);
    assert!(e.contains("pid"), "{e}");
    let mut jail = Jail::new();
    jail.namespace(Namespace::Time).run_as_init();
    let e = refused(&jail);
    assert!(e.contains("time namespace"), "{e}");
}

#[test]
fn failures_after_fork_name_the_step_and_the_mount() {
    require_root!();
    // A filesystem type the kernel does not know: only the mount call can
    // tell, so it fails in the child, before the program runs.
    let dir = TempDir::new("err-fstype");
    let mut jail = Jail::new();
    jail.mount(Path::new("none"), dir.path(), "nosuchfs", 0, None);
    let e = try_sh(&jail, "echo ran").unwrap_err();
    assert!(matches!(e, LaunchError::Child { .. }), "{e}");
    assert_eq!(e.exit_status(), 251, "minijail's mount failure status");
    let msg = e.to_string();
    assert!(
        msg.contains("none on") && msg.contains(&dir.path().display().to_string()),
        "{msg}"
    );
}
