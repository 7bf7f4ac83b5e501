//! The escape suite: the `escape` helper, run inside typical jails, tries
//! one way out per test and must fail. Where it means something, the same
//! attempt runs without the restriction under test (the control) and must
//! succeed, so every test here can fail.
//!
//! A "typical" jail: uid/gid 65534, every capability dropped (also from
//! the bounding set), no_new_privs, new pid, mount, net, ipc and uts
//! namespaces, /proc fresh and read-only.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use jail::{Jail, Namespace};
use jail_tests::bpf;
use jail_tests::support::*;

const NOBODY: u32 = 65534;

fn escape() -> String {
    make_reachable(&target_dir());
    target_dir().join("escape").to_string_lossy().into_owned()
}

fn typical() -> Jail {
    let mut jail = Jail::new();
    jail.change_uid(NOBODY)
        .change_gid(NOBODY)
        .use_caps(0)
        .no_new_privs()
        .namespace(Namespace::Pid)
        .namespace(Namespace::Net)
        .namespace(Namespace::Ipc)
        .namespace(Namespace::Uts);
    jail
}

/// uid 65534 and nothing else: the control for privilege tests.
fn nobody_only() -> Jail {
    let mut jail = Jail::new();
    jail.change_uid(NOBODY).change_gid(NOBODY);
    jail
}

fn attempt(jail: &Jail, args: &[&str]) -> Outcome {
    run_program(jail, &escape(), args)
}

#[track_caller]
fn assert_blocked(jail: &Jail, args: &[&str]) -> Outcome {
    let out = attempt(jail, args);
    assert_eq!(out.status, 0, "helper failed: {out:?}");
    assert!(
        out.stdout.contains("blocked:") && !out.stdout.contains("escaped:"),
        "ESCAPE with {args:?}: {out:?}"
    );
    out
}

#[track_caller]
fn assert_escaped(jail: &Jail, args: &[&str]) -> Outcome {
    let out = attempt(jail, args);
    assert!(
        out.stdout.contains("escaped:"),
        "control {args:?} should have worked: {out:?}"
    );
    out
}

/// A root-owned `sleep` on the host, killed on drop.
struct Victim(std::process::Child);

impl Victim {
    fn new() -> Victim {
        Victim(
            std::process::Command::new("sleep")
                .arg("60")
                .spawn()
                .expect("sleep"),
        )
    }

    fn pid(&self) -> String {
        self.0.id().to_string()
    }

    fn alive(&mut self) -> bool {
        self.0.try_wait().expect("try_wait").is_none()
    }
}

impl Drop for Victim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A temp dir others can enter and write.
fn open_dir(tag: &str) -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new(tag);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    make_reachable(dir.path());
    dir
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The effective capabilities of this test process.
fn cap_eff() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0)
}

fn cap_held(cap: u32) -> bool {
    cap_eff() & (1 << cap) != 0
}

fn host_has_all_caps() -> bool {
    let last = jail_enter::apply::last_cap();
    cap_eff() == (1u64 << (last + 1)) - 1
}

// --- pids ---

#[test]
fn cannot_see_host_pids() {
    require_root!();
    let victim = Victim::new();
    assert_blocked(&typical(), &["see-pid", &victim.pid()]);
    assert_escaped(&nobody_only(), &["see-pid", &victim.pid()]);
}

#[test]
fn cannot_signal_a_host_process() {
    require_root!();
    let mut victim = Victim::new();
    assert_blocked(&typical(), &["signal", &victim.pid()]);
    // No pid namespace: the uid change alone stands between them.
    assert_blocked(&nobody_only(), &["signal", &victim.pid()]);
    assert!(victim.alive(), "the host process was killed");
    assert_escaped(&Jail::new(), &["signal", &victim.pid()]);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(!victim.alive(), "the control did not kill the victim");
}

// --- mounts ---

/// A jail (typical, or root with all caps when `privileged`) with `src`
/// bound read-only on `dst`.
fn with_ro_bind(privileged: bool, src: &Path, dst: &Path) -> Jail {
    let mut jail = if privileged {
        let mut j = Jail::new();
        j.namespace(Namespace::Mount);
        j
    } else {
        typical()
    };
    jail.bind(src, dst, false);
    jail
}

#[test]
fn cannot_write_through_a_read_only_bind() {
    require_root!();
    let (src, dst) = (open_dir("ro-src"), open_dir("ro-dst"));
    let target = dst.path().join("f");
    let t = path_str(&target);
    let jail = with_ro_bind(false, src.path(), dst.path());
    assert_blocked(&jail, &["write", t]);
    assert_blocked(&jail, &["remount-rw", path_str(dst.path())]);
    // Root of a new user namespace holds CAP_SYS_ADMIN over its own mount
    // namespace, but the jail's mounts are locked to the outer one.
    assert_blocked(&jail, &["userns", "remount-rw", path_str(dst.path())]);
    assert_blocked(&jail, &["userns", "write", t]);
    assert!(!src.path().join("f").exists());
    // Controls: a writable bind, and root remounting the read-only one.
    let mut rw = typical();
    rw.bind(src.path(), dst.path(), true);
    assert_escaped(&rw, &["write", t]);
    assert!(src.path().join("f").exists());
    let root = with_ro_bind(true, src.path(), dst.path());
    assert_escaped(&root, &["remount-rw", path_str(dst.path())]);
}

#[test]
fn cannot_umount_without_cap_sys_admin() {
    require_root!();
    let (src, dst) = (open_dir("um-src"), open_dir("um-dst"));
    let d = path_str(dst.path());
    let jail = with_ro_bind(false, src.path(), dst.path());
    assert_blocked(&jail, &["umount", d]);
    assert_blocked(&jail, &["userns", "umount", d]);
    assert_escaped(&with_ro_bind(true, src.path(), dst.path()), &["umount", d]);
}

#[test]
fn cannot_mount_without_cap_sys_admin() {
    require_root!();
    let dir = open_dir("mnt");
    let d = path_str(dir.path());
    assert_blocked(&typical(), &["mount-tmpfs", d]);
    let mut root = Jail::new();
    root.namespace(Namespace::Mount);
    assert_escaped(&root, &["mount-tmpfs", d]);
}

#[test]
fn cannot_pivot_root_without_cap_sys_admin() {
    require_root!();
    let dir = open_dir("pivot");
    std::fs::create_dir(dir.path().join("old")).unwrap();
    let d = path_str(dir.path());
    // The directory is bound onto itself so it is a mount point.
    let mut jail = typical();
    jail.bind(dir.path(), dir.path(), true);
    assert_blocked(&jail, &["pivot", d]);
    let mut root = Jail::new();
    root.bind(dir.path(), dir.path(), true);
    assert_escaped(&root, &["pivot", d]);
}

// --- privileges ---

#[test]
fn cannot_regain_capabilities_with_capset() {
    require_root!();
    assert_blocked(&typical(), &["capset-all"]);
    // Root without use_caps keeps its permitted set; where this test runs
    // without some capability, the control lacks it too.
    if host_has_all_caps() {
        assert_escaped(&Jail::new(), &["capset-all"]);
    } else {
        let mut keep = nobody_only();
        keep.use_caps(1 << 7);
        let out = attempt(&keep, &["capset-all"]);
        assert!(out.stdout.contains("blocked:"), "{out:?}");
        eprintln!("control skipped: this test process does not hold every capability");
    }
}

/// A copy of the probe in a directory 65534 can reach, prepared by `f`.
fn probe_copy(tag: &str, f: impl FnOnce(&Path)) -> (TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = open_dir(tag);
    let copy = dir.path().join("probe");
    // Copied by another process, never through a write fd of this one:
    // a launch on another test thread forks this process and its child
    // holds every fd open here until its own execve, so exec'ing a file
    // this process wrote could fail with ETXTBSY under load. Once cp has
    // exited, nothing holds the copy open for writing.
    let copied = std::process::Command::new("cp")
        .arg(probe())
        .arg(&copy)
        .status()
        .expect("cp");
    assert!(copied.success(), "cp {} {}", probe(), copy.display());
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    f(&copy);
    (dir, copy)
}

#[test]
fn file_capability_binary_grants_nothing() {
    require_root!();
    let (_dir, fcap) = probe_copy("fcap", |p| {
        let ok = std::process::Command::new("setcap")
            .arg("cap_sys_admin+ep")
            .arg(p)
            .status()
            .expect("setcap (libcap2-bin)");
        assert!(ok.success());
    });
    let f = path_str(&fcap);
    // Either execve refuses (the file's effective caps exceed what the
    // bounding set lets through) or the program runs without them.
    let out = attempt(&typical(), &["exec", f, "status"]);
    assert!(
        out.stdout
            .contains("blocked: execv: Operation not permitted")
            || out.field("CapEff") == Some("0000000000000000"),
        "{out:?}"
    );
    let out = attempt(&nobody_only(), &["exec", f, "status"]);
    assert_eq!(
        out.field("CapEff"),
        Some("0000000000200000"),
        "control: {out:?}"
    );
}

#[test]
fn setuid_root_binary_grants_nothing() {
    require_root!();
    let (_dir, suid) = probe_copy("suid", |p| {
        use std::os::unix::fs::PermissionsExt;
        std::os::unix::fs::chown(p, Some(0), Some(0)).unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o4755)).unwrap();
    });
    let s = path_str(&suid);
    let out = attempt(&typical(), &["exec", s, "status"]);
    assert_eq!(out.field("euid"), Some("65534"), "{out:?}");
    assert_eq!(out.field("CapEff"), Some("0000000000000000"), "{out:?}");
    let out = attempt(&nobody_only(), &["exec", s, "status"]);
    assert_eq!(out.field("euid"), Some("0"), "control: {out:?}");
}

#[test]
fn cannot_set_uid_back_to_root() {
    require_root!();
    assert_blocked(&typical(), &["setuid0"]);
    // Control: the same uid change keeping CAP_SETUID.
    let mut keep = nobody_only();
    keep.use_caps(1 << 7); // CAP_SETUID
    assert_escaped(&keep, &["setuid0"]);
}

// --- terminal ---

/// A pseudo-terminal: (master, slave).
fn pty() -> (OwnedFd, OwnedFd) {
    // SAFETY: standard pty allocation; ptsname_r writes into a local
    // buffer; every fd returned is owned here.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(master >= 0, "posix_openpt");
        assert_eq!(libc::grantpt(master), 0);
        assert_eq!(libc::unlockpt(master), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
        let slave = libc::open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        assert!(slave >= 0, "open pty slave");
        (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave))
    }
}

/// Run `escape ctty-launch <mode>` with the pty slave on stdin: it makes
/// the pty its controlling terminal, as a login shell's terminal is, then
/// launches `escape tiocsti 0` in a jail that drops root.
fn tiocsti_from_a_terminal_session(mode: &str) -> String {
    let (_master, slave) = pty();
    let out = std::process::Command::new(escape())
        .args(["ctty-launch", mode])
        .stdin(std::process::Stdio::from(slave))
        .output()
        .expect("escape ctty-launch");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn cannot_push_input_into_the_callers_terminal() {
    require_root!();
    let jailed = tiocsti_from_a_terminal_session("setsid");
    assert!(jailed.contains("controlling_tty=false"), "{jailed}");
    assert!(
        jailed.contains("blocked:") && !jailed.contains("escaped:"),
        "{jailed}"
    );
    // Control: without the new session the terminal stays the program's
    // controlling terminal, and TIOCSTI works unless the kernel has
    // disabled it for everyone (dev.tty.legacy_tiocsti = 0).
    let control = tiocsti_from_a_terminal_session("no-setsid");
    assert!(control.contains("controlling_tty=true"), "{control}");
    let legacy = std::fs::read_to_string("/proc/sys/dev/tty/legacy_tiocsti")
        .map(|s| s.trim() != "0")
        .unwrap_or(true);
    if legacy {
        assert!(control.contains("escaped:"), "{control}");
    } else {
        eprintln!("TIOCSTI is disabled by the kernel (legacy_tiocsti=0); the control shows the terminal would be controlling");
    }
}

// --- handoff and fds ---

#[test]
fn cannot_find_the_handoff() {
    require_root!();
    let out = assert_blocked(&typical(), &["handoff"]);
    assert!(out.stdout.contains("no handoff"), "{out:?}");
    // Also when the program stays root and dumpable, so it can read its
    // own exec-time environment block in /proc/self/environ (and on its
    // stack): the preload wipes the variable's bytes, not just the pointer.
    let mut nnp = Jail::new();
    nnp.no_new_privs();
    assert_blocked(&nnp, &["handoff"]);
    let out = attempt(&nnp, &["environ"]);
    assert!(!out.stdout.contains("libjailpreload"), "{out:?}");
    // Control: the detector sees a handoff variable and pipe when present.
    let mut fds = [0; 2];
    // SAFETY: fds is a valid out array; the read end is inheritable.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: we own both ends.
    let (r, _w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let out = std::process::Command::new(escape())
        .arg("handoff")
        .env(jail_enter::HANDOFF_FD_ENV, r.as_raw_fd().to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("escaped:") && text.contains("pipe fd"),
        "{text}"
    );
}

#[test]
fn an_fd_opened_before_launch_is_not_reachable() {
    require_root!();
    let dir = open_dir("fd");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "secret").unwrap();
    let c = std::ffi::CString::new(path_str(&secret)).unwrap();
    // SAFETY: open without O_CLOEXEC, on purpose: the mistake under test.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY) };
    assert!(fd >= 0);
    // SAFETY: we own the fd just opened.
    let _fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let s = path_str(&secret);
    assert_blocked(&typical(), &["find-fd", s]);
    assert_blocked(&Jail::new(), &["find-fd", s]);
    let mut leaky = Jail::new();
    leaky.close_open_fds(false);
    assert_escaped(&leaky, &["find-fd", s]);
}

#[test]
fn cannot_ptrace_the_launcher() {
    require_root!();
    let me = std::process::id().to_string();
    assert_blocked(&typical(), &["ptrace", &me]);
    let mut same_pidns = nobody_only();
    same_pidns.use_caps(0).no_new_privs();
    assert_blocked(&same_pidns, &["ptrace", &me]);
    // Control on a sacrificial root process rather than on this test.
    let victim = Victim::new();
    assert_escaped(&Jail::new(), &["ptrace", &victim.pid()]);
}

// --- network, rlimits, Landlock, seccomp ---

#[test]
fn cannot_reach_the_network_from_a_new_net_namespace() {
    require_root!();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || for _ in listener.incoming() {});
    let out = assert_blocked(&typical(), &["connect", &addr]);
    assert!(out.stdout.contains("refused"), "{out:?}");
    assert_blocked(&typical(), &["connect", "192.0.2.1:80"]);
    assert_escaped(&nobody_only(), &["connect", &addr]);
}

#[test]
fn cannot_raise_an_rlimit_above_the_hard_limit() {
    require_root!();
    let mut jail = typical();
    jail.rlimit(jail::Resource::NoFile, 64, 128);
    assert_blocked(&jail, &["rlimit-raise", "4096"]);
    // Controls: up to the hard limit is allowed; root keeping
    // CAP_SYS_RESOURCE (when this test holds it) may go above.
    assert_escaped(&jail, &["rlimit-raise", "128"]);
    if cap_held(24) {
        let mut root = Jail::new();
        root.rlimit(jail::Resource::NoFile, 64, 128);
        assert_escaped(&root, &["rlimit-raise", "4096"]);
    }
}

#[test]
fn cannot_leave_landlock_rules() {
    require_root!();
    if jail::landlock::kernel_abi().is_err() {
        skip!("the kernel has no Landlock");
    }
    let dir = open_dir("landlock");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "secret").unwrap();
    let s = path_str(&secret);
    let mut jail = typical();
    for p in ["/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/dev"] {
        if Path::new(p).exists() {
            jail.add_fs_rule(Path::new(p), jail::landlock::RX);
        }
    }
    jail.add_fs_rule(target_dir(), jail::landlock::RX);
    let out = assert_blocked(&jail, &["landlock-leave", s]);
    assert!(
        out.stdout.contains("cat:"),
        "the exec'd program was checked: {out:?}"
    );
    assert_escaped(&typical(), &["landlock-leave", s]);
}

#[test]
fn a_second_thread_cannot_call_a_denied_syscall() {
    require_root!();
    let dir = open_dir("tsync");
    let target = dir.path().join("made");
    let t = path_str(&target);
    for tsync in [true, false] {
        let mut jail = typical();
        jail.seccomp_filter(bpf::deny_mkdir(tsync));
        let out = assert_blocked(&jail, &["thread-mkdir", t]);
        assert!(out.stdout.contains("not permitted"), "{out:?}");
    }
    assert!(!target.exists());
    assert_escaped(&typical(), &["thread-mkdir", t]);
}
