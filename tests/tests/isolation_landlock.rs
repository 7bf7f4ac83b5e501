//! Landlock in stage 2: read-execute, read-only, read-write and advanced
//! read-write rules, the default system paths, ABI selection; a write
//! outside the rules is denied from inside the jailed program.

use std::path::Path;

use jail::Jail;
use jail_tests::iso::*;
use jail_tests::support::*;

fn landlock_available() -> bool {
    jail::landlock::kernel_abi().is_ok()
}

fn base() -> Jail {
    let mut jail = Jail::new();
    jail.no_new_privs().enable_default_fs_restrictions();
    // The shell writes its errors to /dev/null redirections below.
    jail.add_fs_restriction_rw(Path::new("/dev/null"));
    jail
}

#[test]
fn write_outside_the_rules_is_denied() {
    if !landlock_available() {
        skip!("the kernel has no Landlock");
    }
    let allowed = TempDir::new("ll-rw");
    let other = TempDir::new("ll-other");
    std::fs::write(allowed.path().join("f"), "old").unwrap();
    std::fs::write(other.path().join("f"), "old").unwrap();
    let mut jail = base();
    jail.add_fs_restriction_rw(allowed.path());
    let (a, o) = (allowed.path().display(), other.path().display());
    let out = sh_ok(
        &jail,
        &format!(
            "echo new > {a}/f && echo rw-ok; \
             (echo new > {o}/f) 2>/dev/null && echo other-written || echo other-denied; \
             (cat {o}/f) 2>/dev/null || echo other-read-denied; \
             (cat /etc/hostname) 2>/dev/null >/dev/null || echo etc-denied; \
             cat /etc/passwd >/dev/null && echo passwd-ok"
        ),
    );
    assert_eq!(
        out,
        "rw-ok\nother-denied\nother-read-denied\netc-denied\npasswd-ok\n"
    );
    assert_eq!(
        std::fs::read_to_string(other.path().join("f")).unwrap(),
        "old"
    );
    assert_eq!(
        std::fs::read_to_string(allowed.path().join("f")).unwrap(),
        "new\n"
    );
}

#[test]
fn read_only_and_read_execute_rules() {
    if !landlock_available() {
        skip!("the kernel has no Landlock");
    }
    let ro = TempDir::new("ll-ro");
    std::fs::write(ro.path().join("f"), "data").unwrap();
    std::fs::copy("/bin/true", ro.path().join("prog")).unwrap();
    let mut jail = base();
    jail.add_fs_restriction_ro(ro.path());
    let d = ro.path().display();
    let out = sh_ok(
        &jail,
        &format!(
            "cat {d}/f; echo; (echo x > {d}/f) 2>/dev/null || echo write-denied; \
             ({d}/prog) 2>/dev/null && echo ran || echo exec-denied"
        ),
    );
    assert_eq!(out, "data\nwrite-denied\nexec-denied\n");
    let mut jail = base();
    jail.add_fs_restriction_rx(ro.path());
    let out = sh_ok(
        &jail,
        &format!("{d}/prog && echo ran; (echo x > {d}/f) 2>/dev/null || echo write-denied"),
    );
    assert_eq!(out, "ran\nwrite-denied\n");
}

#[test]
fn rw_creates_and_removes_advanced_rw_also_links_and_fifos() {
    if !landlock_available() {
        skip!("the kernel has no Landlock");
    }
    let dir = TempDir::new("ll-adv");
    std::fs::write(dir.path().join("f"), "x").unwrap();
    let d = dir.path().display();
    // Upstream's rw: write, create and remove files and directories; its
    // advanced rw adds symlinks, fifos, sockets, devices and refer.
    let script = format!(
        "(mkdir {d}/sub) 2>/dev/null && echo mkdir-ok || echo mkdir-denied; \
         (echo y > {d}/new) 2>/dev/null && echo create-ok || echo create-denied; \
         (rm {d}/f) 2>/dev/null && echo rm-ok || echo rm-denied; \
         (ln -s new {d}/link) 2>/dev/null && echo symlink-ok || echo symlink-denied; \
         (mkfifo {d}/fifo) 2>/dev/null && echo fifo-ok || echo fifo-denied; \
         rm -rf {d}/sub {d}/new {d}/link {d}/fifo; echo x > {d}/f"
    );
    let mut rw = base();
    rw.add_fs_restriction_rw(dir.path());
    assert_eq!(
        sh_ok(&rw, &script),
        "mkdir-ok\ncreate-ok\nrm-ok\nsymlink-denied\nfifo-denied\n"
    );
    let mut adv = base();
    adv.add_fs_restriction_advanced_rw(dir.path());
    assert_eq!(
        sh_ok(&adv, &script),
        "mkdir-ok\ncreate-ok\nrm-ok\nsymlink-ok\nfifo-ok\n"
    );
}

#[test]
fn a_rule_outside_the_abi_is_skipped_with_a_warning() {
    if !landlock_available() {
        skip!("the kernel has no Landlock");
    }
    // Device ioctls exist from ABI 5; at the default ABI 2 a rule of only
    // that right is skipped (upstream warns and goes on), the rest holds.
    let dir = TempDir::new("ll-skip");
    let mut jail = base();
    jail.add_fs_rule(dir.path(), jail::landlock::ACCESS_FS_IOCTL_DEV);
    let out = sh(
        &jail,
        &format!("ls {} && echo listed || echo denied", dir.path().display()),
    );
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.stdout, "denied\n", "{out:?}");
}

#[test]
fn abi_selection_changes_what_is_handled() {
    if !landlock_available() || jail::landlock::kernel_abi().unwrap() < 2 {
        skip!("needs Landlock ABI 2 or newer");
    }
    // Linking a file into another directory is "refer": ABI 1 always
    // denies it (EXDEV), ABI 2 (the default) allows it under an
    // advanced-rw rule. (ln, not mv: mv falls back to copying on EXDEV.)
    let dir = TempDir::new("ll-abi");
    let d = dir.path().display();
    let script = format!(
        "mkdir -p {d}/a {d}/b && echo x > {d}/a/f && (ln {d}/a/f {d}/b/f) 2>/dev/null && echo moved || echo move-denied; rm -f {d}/b/f"
    );
    let mut v2 = base();
    v2.add_fs_restriction_advanced_rw(dir.path());
    assert_eq!(sh_ok(&v2, &script), "moved\n");
    let mut v1 = base();
    v1.set_landlock_abi(1)
        .add_fs_restriction_advanced_rw(dir.path());
    assert_eq!(sh_ok(&v1, &script), "move-denied\n");
}

#[test]
fn a_missing_rule_path_is_refused_before_fork() {
    if !landlock_available() {
        skip!("the kernel has no Landlock");
    }
    let mut jail = base();
    jail.add_fs_restriction_rw(Path::new("/nonexistent-landlock-path"));
    let err = try_sh(&jail, "echo ran").unwrap_err();
    match &err {
        jail::LaunchError::LandlockPath { path, host, errno } => {
            assert_eq!(path, Path::new("/nonexistent-landlock-path"));
            assert_eq!(host, &None);
            assert_eq!(errno.raw_os_error(), Some(libc::ENOENT));
        }
        other => panic!("expected LandlockPath, got: {other}"),
    }
    // Inside a new root the path is looked up there, and named both ways.
    let root = TempDir::new("landlock-root");
    let mut jail = Jail::new();
    jail.enter_chroot(root.path())
        .add_fs_restriction_ro(Path::new("/etc"));
    let err = try_sh(&jail, "echo ran").unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "/etc (on the host: {}/etc)",
            root.path().display()
        )),
        "{err}"
    );
}

#[test]
fn unprivileged_landlock_with_no_new_privs() {
    if in_unprivileged_rerun() {
        let dir = std::env::temp_dir();
        let mut jail = base();
        jail.add_fs_restriction_ro(&dir);
        let out = sh_ok(
            &jail,
            &format!(
                "(touch {}/ll-unpriv) 2>/dev/null || echo denied",
                dir.display()
            ),
        );
        assert_eq!(out, "denied\n");
        return;
    }
    require_root!();
    if !landlock_available() {
        skip!("the kernel has no Landlock");
    }
    make_reachable(&target_dir());
    let (ok, text) = rerun_unprivileged("unprivileged_landlock_with_no_new_privs");
    assert!(ok, "{text}");
}

/// Handoffs of every size arrive whole: one that fits a pipe as made (the
/// launcher writes it before clone), one that needs the pipe grown, and
/// one over the largest pipe an unprivileged process may make (1 MiB by
/// default; root may grow past it), written after execve while the
/// preload reads: the unprivileged re-run takes that path. Each carries
/// that many Landlock rules, all of which must reach the kernel for the
/// shell to run.
#[test]
fn handoffs_larger_than_a_pipe_arrive_whole() {
    if !landlock_available() {
        skip!("the kernel has no Landlock");
    }
    // 204 bytes naming /usr.
    let long = format!("/usr{}", "/.".repeat(100));
    for rules in [10, 500, 6000] {
        let mut jail = base();
        for _ in 0..rules {
            jail.add_fs_restriction_ro(Path::new(&long));
        }
        let out = sh(&jail, "echo ran");
        assert_eq!(out.status, 0, "{rules} rules: {out:?}");
        assert_eq!(out.stdout, "ran\n", "{rules} rules");
    }
    if in_unprivileged_rerun() {
        return;
    }
    require_root!();
    make_reachable(&target_dir());
    let (ok, text) = rerun_unprivileged("handoffs_larger_than_a_pipe_arrive_whole");
    assert!(ok, "{text}");
}
