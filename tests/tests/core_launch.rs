//! The launch family: checks before fork, statuses, fds, stdio, environment,
//! sessions, fork mode, static programs, and launching under load.

use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use jail::{Command, Jail, LaunchError, PreloadMode, Stdio};
use jail_tests::bpf;
use jail_tests::support::*;

#[test]
fn missing_and_non_executable_programs_are_refused_before_fork() {
    let jail = Jail::new();
    let err = jail.command("/nonexistent/program").spawn().unwrap_err();
    assert!(err.to_string().contains("/nonexistent/program"), "{err}");
    assert_eq!(err.exit_status(), 127);
    let err = jail.command("no-such-program-in-path").spawn().unwrap_err();
    assert!(err.to_string().contains("PATH"), "{err}");
    let err = jail.command("/etc/passwd").spawn().unwrap_err();
    assert!(err.to_string().contains("not an executable"), "{err}");
    assert_eq!(err.exit_status(), 126);
}

#[test]
fn unknown_users_and_groups_are_refused() {
    require_root!();
    let mut jail = Jail::new();
    let err = jail.change_user("no-such-user-here").unwrap_err();
    assert!(
        err.to_string()
            .contains("user 'no-such-user-here' does not exist"),
        "{err}"
    );
    let err = jail.change_group("no-such-group-here").unwrap_err();
    assert!(
        err.to_string()
            .contains("group 'no-such-group-here' does not exist"),
        "{err}"
    );
    jail.change_user("nobody").unwrap();
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.field("uid"), Some("65534"), "{out:?}");
}

#[test]
fn privileged_binaries_are_refused_in_preload_mode() {
    require_root!();
    let dir = TempDir::new("setuid");
    let setuid = dir.path().join("true-setuid");
    std::fs::copy("/bin/true", &setuid).unwrap();
    std::fs::set_permissions(&setuid, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let mut jail = Jail::new();
    jail.change_uid(65534).change_gid(65534);
    let err = jail.command(&setuid).spawn().unwrap_err();
    assert!(matches!(err, LaunchError::PrivilegedProgram(_)), "{err}");
    assert!(err.to_string().contains("LD_PRELOAD"), "{err}");

    // A file capability has the same effect on the loader.
    let filecap = dir.path().join("true-filecap");
    std::fs::copy("/bin/true", &filecap).unwrap();
    // vfs_cap_data v2: magic|effective, then permitted/inheritable words.
    let mut data = Vec::new();
    data.extend(0x0200_0001u32.to_le_bytes());
    data.extend((1u32 << 10).to_le_bytes());
    data.extend([0u8; 12]);
    let path = std::ffi::CString::new(filecap.to_str().unwrap()).unwrap();
    // SAFETY: valid path, name and buffer.
    let rc = unsafe {
        libc::setxattr(
            path.as_ptr(),
            c"security.capability".as_ptr(),
            data.as_ptr().cast(),
            data.len(),
            0,
        )
    };
    assert_eq!(rc, 0, "setxattr: {}", std::io::Error::last_os_error());
    let err = jail.command(&filecap).spawn().unwrap_err();
    assert!(matches!(err, LaunchError::PrivilegedProgram(_)), "{err}");
}

/// Build a static C program that prints its uid and effective caps.
fn build_static_probe(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("static_probe.c");
    std::fs::write(
        &src,
        r#"#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    printf("uid=%d\n", (int)getuid());
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "NoNewPrivs:", 11)) {
            char *v = strchr(line, ':') + 1;
            while (*v == '\t' || *v == ' ') v++;
            line[strchr(line, ':') - line] = 0;
            printf("%s=%s", line, v);
        }
    return 0;
}
"#,
    )
    .unwrap();
    let bin = dir.join("static_probe");
    let status = std::process::Command::new("cc")
        .args(["-static", "-O1", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("cc");
    assert!(
        status.success(),
        "building a static program needs cc and libc.a"
    );
    bin
}

#[test]
fn static_programs_run_in_no_preload_mode() {
    require_root!();
    let dir = TempDir::new("static");
    let bin = build_static_probe(dir.path());
    let bin = bin.to_str().unwrap();
    let mut jail = Jail::new();
    jail.change_uid(65534).change_gid(65534).no_new_privs();
    let out = run_program(&jail, bin, &[]);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.field("uid"), Some("65534"), "{out:?}");
    assert_eq!(out.field("NoNewPrivs"), Some("1"), "{out:?}");

    // Forcing preload mode on it is refused rather than silently unjailed.
    let mut cmd = Command::new(bin);
    cmd.preload_mode(PreloadMode::Always);
    let err = jail.spawn(&cmd).unwrap_err();
    assert!(matches!(err, LaunchError::PreloadUnreachable(_)), "{err}");

    // Caps for a non-root uid across execve need ambient caps.
    let mut caps = Jail::new();
    caps.change_uid(65534).change_gid(65534).use_caps(1 << 10);
    let err = caps.command(bin).spawn().unwrap_err();
    assert!(matches!(err, LaunchError::CapsNeedAmbient(65534)), "{err}");
    caps.set_ambient_caps();
    let out = run_program(&caps, bin, &[]);
    assert_eq!(out.field("CapEff"), Some("0000000000000400"), "{out:?}");
}

#[test]
fn exit_statuses_follow_minijail() {
    let jail = Jail::new();
    assert_eq!(run_probe(&jail, &["exit", "7"]).status, 7);
    assert_eq!(run_probe(&jail, &["kill-self", "9"]).status, 128 + 9);
    assert_eq!(run_probe(&jail, &["kill-self", "15"]).status, 128 + 15);

    // A seccomp kill is 253.
    let kill_getpid = bpf::on_syscalls(&[libc::SYS_getpid], bpf::RET_KILL_PROCESS, "kill-getpid");
    let mut jail = Jail::new();
    jail.no_new_privs().seccomp_filter(kill_getpid);
    let out = run_probe(&jail, &["getpid-raw"]);
    assert_eq!(out.status, 253, "{out:?}");
}

#[test]
fn command_status_tells_exit_253_from_a_seccomp_kill() {
    let jail = Jail::new();
    let exited = jail
        .command(probe())
        .args(["exit", "253"])
        .status()
        .unwrap();
    assert_eq!((exited.code(), exited.signal()), (Some(253), None));
    assert!(!exited.seccomp_killed());
    let signalled = jail
        .command(probe())
        .args(["kill-self", "15"])
        .status()
        .unwrap();
    assert_eq!(
        (signalled.code(), signalled.signal()),
        (None, Some(libc::SIGTERM))
    );

    let kill_getpid = bpf::on_syscalls(&[libc::SYS_getpid], bpf::RET_KILL_PROCESS, "kill-getpid");
    let mut jail = Jail::new();
    jail.no_new_privs().seccomp_filter(kill_getpid);
    let killed = jail.command(probe()).arg("getpid-raw").status().unwrap();
    assert!(killed.seccomp_killed(), "{killed}");
    assert_eq!(killed.code(), None);
    // The C ABI and minijail0 still see both as 253.
    assert_eq!(killed.minijail_status(), exited.minijail_status());
}

#[test]
fn command_output_collects_stdout_and_stderr() {
    let mut jail = Jail::new();
    jail.no_new_privs();
    let out = jail
        .command("/bin/sh")
        .args(["-c", "echo out; echo err >&2; exit 3"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"out\n");
    assert_eq!(out.stderr, b"err\n");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn kill_sends_sigkill_and_wait_reports_the_signal() {
    let jail = Jail::new();
    let mut child = jail.run(probe(), ["sleep", "30"]).unwrap();
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        (status.code(), status.signal()),
        (None, Some(libc::SIGKILL))
    );
    assert_eq!(status.minijail_status(), 128 + libc::SIGKILL);
}

#[test]
fn preserved_fds_are_remapped_and_others_closed() {
    let file = std::fs::File::open("/etc/hostname").unwrap();
    let leaked = std::fs::File::open("/etc/passwd").unwrap();
    // SAFETY: clearing close-on-exec so only the jail's closing protects us.
    unsafe { libc::fcntl(leaked.as_raw_fd(), libc::F_SETFD, 0) };
    let mut jail = Jail::new();
    jail.preserve_fd(file.as_raw_fd(), 9);
    let out = run_probe(&jail, &["fd-open", "9"]);
    assert_eq!(out.stdout.trim(), "open", "{out:?}");
    let out = run_probe(&jail, &["fd-open", &leaked.as_raw_fd().to_string()]);
    assert_eq!(out.stdout.trim(), "closed", "{out:?}");
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.field("fds"), Some("0,1,2,9"), "{out:?}");
    // Remapping onto a number the caller already uses for something else.
    let mut swap = Jail::new();
    swap.preserve_fd(file.as_raw_fd(), leaked.as_raw_fd());
    let out = run_probe(&swap, &["fd-open", &leaked.as_raw_fd().to_string()]);
    assert_eq!(out.stdout.trim(), "open", "{out:?}");
}

#[test]
fn default_and_new_give_the_same_jail() {
    // A derived Default would keep the caller's inherited fds open in the
    // program; both constructors must close them and reset the same state.
    let leaked = std::fs::File::open("/etc/passwd").unwrap();
    // SAFETY: clearing close-on-exec so only the jail's closing protects us.
    unsafe { libc::fcntl(leaked.as_raw_fd(), libc::F_SETFD, 0) };
    let from_new = run_probe(&Jail::new(), &["status"]);
    let from_default = run_probe(&Jail::default(), &["status"]);
    assert_eq!(from_new.field("fds"), Some("0,1,2"), "{from_new:?}");
    for field in [
        "fds",
        "uid",
        "gid",
        "groups",
        "CapEff",
        "CapBnd",
        "NoNewPrivs",
        "Seccomp",
        "SigBlk",
        "SigIgn",
        "securebits",
        "sid",
    ] {
        assert_eq!(
            from_default.field(field),
            from_new.field(field),
            "{field}: {from_default:?}"
        );
    }
}

#[test]
fn stdin_pipe_and_environment() {
    let jail = Jail::new();
    let mut cmd = Command::new(probe());
    cmd.arg("echo-stdin")
        .stdin(Stdio::Piped)
        .stdout(Stdio::Piped);
    let mut child = jail.spawn(&cmd).unwrap();
    use std::io::{Read, Write};
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hello jail\n")
        .unwrap();
    let mut s = String::new();
    child.stdout.take().unwrap().read_to_string(&mut s).unwrap();
    assert_eq!(s, "hello jail\n");
    assert!(child.wait().unwrap().success());

    let mut cmd = Command::new(probe());
    cmd.arg("env").env_clear().env("ONLY", "this");
    let out = run(&jail, &mut cmd).unwrap();
    assert_eq!(out.stdout, "ONLY=this\n");

    let out = {
        let mut cmd = Command::new(probe());
        cmd.arg("env").env_exactly(["A=1", "B=2"]);
        run(&jail, &mut cmd).unwrap()
    };
    assert_eq!(out.stdout, "A=1\nB=2\n");
}

#[test]
fn new_session_when_a_std_fd_is_a_terminal() {
    let mut master = 0;
    let mut slave = 0;
    // SAFETY: valid out-pointers; null name/termios/winsize are allowed.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0);
    let mut jail = Jail::new();
    jail.preserve_fd(slave, 0);
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.field("sid"), out.field("pid"), "own session: {out:?}");
    jail.new_session(false);
    let out = run_probe(&jail, &["status"]);
    assert_ne!(out.field("sid"), out.field("pid"), "{out:?}");
    // SAFETY: closing the fds openpty gave us.
    unsafe {
        libc::close(master);
        libc::close(slave);
    }
}

#[test]
fn fork_returns_in_a_jailed_child() {
    require_root!();
    let mut jail = Jail::new();
    jail.change_uid(65534).change_gid(65534).no_new_privs();
    // SAFETY: the child only makes syscalls before _exit.
    match unsafe { jail.fork() }.unwrap() {
        None => {
            // SAFETY: plain syscalls, then _exit.
            unsafe {
                let nnp = libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
                let code = if libc::getuid() == 65534 && nnp == 1 {
                    42
                } else {
                    1
                };
                libc::_exit(code);
            }
        }
        Some(mut child) => assert_eq!(child.wait().unwrap().code(), Some(42)),
    }
}

#[test]
fn signal_mask_and_ignored_signals_are_reset() {
    // Block SIGUSR1 in this thread and ignore SIGUSR2 process-wide; the
    // child inherits both through fork and execve unless the jail resets them.
    // SAFETY: local sigset manipulation and a disposition change that no
    // other test relies on.
    let old_usr2 = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGUSR1);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        libc::signal(libc::SIGUSR2, libc::SIG_IGN)
    };
    let jail = Jail::new();
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.field("SigBlk"), Some("0000000000000000"), "{out:?}");
    let ignored = u64::from_str_radix(out.field("SigIgn").unwrap(), 16).unwrap();
    assert_eq!(ignored & (1 << (libc::SIGUSR2 - 1)), 0, "{out:?}");

    let mut keep = Jail::new();
    keep.reset_signal_mask(false).reset_signal_handlers(false);
    let out = run_probe(&keep, &["status"]);
    let blocked = u64::from_str_radix(out.field("SigBlk").unwrap(), 16).unwrap();
    assert_ne!(blocked & (1 << (libc::SIGUSR1 - 1)), 0, "control: {out:?}");
    // SAFETY: restoring what we changed.
    unsafe {
        libc::signal(libc::SIGUSR2, old_usr2);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGUSR1);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

#[test]
fn seccomp_strict_mode_kills_on_the_first_other_syscall() {
    let mut jail = Jail::new();
    jail.seccomp_strict();
    // The probe's first syscall after the constructor is not read/write/
    // exit/sigreturn, so the kernel kills it with SIGKILL.
    let out = run_probe(&jail, &["exit", "0"]);
    assert_eq!(out.status, 128 + libc::SIGKILL, "{out:?}");
}

/// ld.so splits LD_PRELOAD at spaces and colons: a preload library whose
/// path holds one would be skipped with a warning and the program would run
/// unjailed. It is handed over as an fd instead, and the jail applies.
#[test]
fn a_preload_path_with_a_space_or_colon_still_applies_the_jail() {
    let dir = TempDir::new("preload path");
    for name in ["with space", "with:colon"] {
        let sub = dir.join(name);
        std::fs::create_dir_all(&sub).unwrap();
        make_reachable(&sub);
        let library = sub.join("lib jail preload.so");
        std::fs::copy(preload_library(), &library).unwrap();
        let mut jail = Jail::new();
        jail.set_preload_path(&library).no_new_privs();
        let out = run_probe(&jail, &["status"]);
        assert_eq!(out.status, 0, "{name}: {out:?}");
        assert!(
            !out.stderr.contains("cannot be preloaded"),
            "{name}: {out:?}"
        );
        // Stage 2 ran (no_new_privs is its), and left no trace: no
        // LD_PRELOAD entry, no handoff variable, no extra fd.
        assert_eq!(out.field("NoNewPrivs"), Some("1"), "{name}: {out:?}");
        assert_eq!(out.field("LD_PRELOAD"), Some(""), "{name}: {out:?}");
        assert_eq!(out.field("handoff_var"), Some("false"), "{name}: {out:?}");
        assert_eq!(out.field("fds"), Some("0,1,2"), "{name}: {out:?}");
    }
}

#[test]
fn a_pipe_asked_for_wins_over_a_preserved_fd_onto_the_same_number() {
    // As upstream: preserved fds are moved first, the std pipes last.
    let null = std::fs::File::open("/dev/null").unwrap();
    let mut jail = Jail::new();
    jail.preserve_fd(null.as_raw_fd(), 1);
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "echo to-the-pipe"]);
    let out = run(&jail, &mut cmd).expect("launch");
    assert_eq!(
        (out.status, out.stdout.as_str()),
        (0, "to-the-pipe\n"),
        "{}",
        out.stderr
    );
}
