//! Every death explained: a seccomp kill names the syscall, its arguments,
//! the policy line that decided and a line that would allow it, in every
//! launch mode, and the blocked call never runs, whatever the program does
//! to SIGSYS; other signal deaths say which signal and why.

use std::path::{Path, PathBuf};

use jail::death::{Death, SignalCause};
use jail::seccomp::explain::DecidedBy;
use jail::{Command, ExitStatus, Jail, Namespace, PreloadMode, SeccompFilter};
use jail_testkit::require_root;
use jail_tests::support::{make_reachable, TempDir};

/// A program that tampers with SIGSYS as told, then tries a blocked mkdir
/// (or ioctl), in its main thread, a second thread or a child.
const VICTIM: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
static void on_sigsys(int sig) { (void)sig; write(1, "HANDLED\n", 8); }
static void *blocked(void *path) {
    syscall(SYS_mkdir, (char *)path, 0700);
    write(1, "SURVIVED\n", 9);
    return 0;
}
int main(int argc, char **argv) {
    const char *mode = argv[1], *path = argv[2];
    if (!strcmp(mode, "handler")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigsys;
        sigaction(SIGSYS, &sa, 0);
    }
    if (!strcmp(mode, "ignore")) signal(SIGSYS, SIG_IGN);
    if (!strcmp(mode, "block")) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGSYS);
        sigprocmask(SIG_BLOCK, &s, 0);
    }
    if (!strcmp(mode, "thread")) {
        pthread_t t;
        pthread_create(&t, 0, blocked, (void *)path);
        pthread_join(t, 0);
        return 0;
    }
    if (!strcmp(mode, "fork")) {
        if (fork() == 0) { blocked((void *)path); _exit(0); }
        int st;
        wait(&st);
        printf("child=%d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
        return 0;
    }
    if (!strcmp(mode, "ioctl")) { int n; ioctl(1, FIONREAD, &n); write(1, "SURVIVED\n", 9); return 0; }
    if (!strcmp(mode, "segv")) *(volatile int *)0 = 1;
    blocked((void *)path);
    return 0;
}
"#;

const POLICY: &str = "read: 1
write: 1
close: 1
fstat: 1
newfstatat: 1
exit_group: 1
exit: 1
rt_sigaction: 1
rt_sigprocmask: 1
rt_sigreturn: 1
brk: 1
mmap: 1
munmap: 1
mprotect: 1
clone: 1
clone3: 1
futex: 1
set_robust_list: 1
rseq: 1
madvise: 1
getrandom: 1
wait4: 1
execve: 1
arch_prctl: 1
set_tid_address: 1
prlimit64: 1
readlink: 1
readlinkat: 1
uname: 1
ioctl: arg1 == TCGETS
";

struct Victim {
    dir: TempDir,
    dynamic: PathBuf,
    static_: PathBuf,
    policy: PathBuf,
}

fn victim() -> Victim {
    let dir = TempDir::new("deaths");
    let src = dir.path().join("victim.c");
    std::fs::write(&src, VICTIM).unwrap();
    let build = |out: &Path, extra: &[&str]| {
        let ok = std::process::Command::new("cc")
            .args(extra)
            .args(["-O1", "-o"])
            .arg(out)
            .arg(&src)
            .arg("-lpthread")
            .status()
            .expect("cc")
            .success();
        assert!(ok, "building the victim needs cc (and libc.a for -static)");
    };
    let dynamic = dir.path().join("victim");
    let static_ = dir.path().join("victim-static");
    build(&dynamic, &[]);
    build(&static_, &["-static"]);
    let policy = dir.path().join("victim.policy");
    std::fs::write(&policy, POLICY).unwrap();
    make_reachable(dir.path());
    Victim {
        dir,
        dynamic,
        static_,
        policy,
    }
}

fn jail_for(v: &Victim, tsync: bool) -> Jail {
    let filter = SeccompFilter::from_policy_file(&v.policy, false, tsync).expect("policy compiles");
    let mut jail = Jail::new();
    jail.no_new_privs().seccomp_filter(filter);
    jail
}

/// Run the victim in `mode`; returns (status, stdout, the death, whether
/// the blocked mkdir made its directory).
fn run_victim(
    v: &Victim,
    jail: &Jail,
    program: &Path,
    mode: &str,
    preload: PreloadMode,
) -> (ExitStatus, String, Death, bool) {
    let target = v.dir.path().join(format!("made-{mode}"));
    let mut cmd = Command::new(program);
    cmd.args([mode, target.to_str().unwrap()])
        .preload_mode(preload);
    let mut child = jail.spawn(&cmd).expect("spawn");
    let status = child.wait().expect("wait");
    let death = child.death().expect("a death after wait").clone();
    (status, String::new(), death, target.exists())
}

/// The status tells a seccomp kill (253 to minijail), and names the call.
fn assert_seccomp_status(status: ExitStatus, name: &str, what: &str) {
    assert!(status.seccomp_killed(), "{what}: {status:?}");
    assert_eq!(status.minijail_status(), 253, "{what}");
    assert_eq!(status.code(), None, "{what}: killed, not exited");
    assert_eq!(status.jail_failure(), None, "{what}");
    assert_eq!(
        status.seccomp_call().and_then(|c| c.name()),
        Some(name),
        "{what}"
    );
}

fn assert_mkdir_kill(death: &Death, v: &Victim, what: &str) {
    let Death::Seccomp {
        kill: Some(kill), ..
    } = death
    else {
        panic!("{what}: expected an explained seccomp kill, got {death:?}");
    };
    let e = &kill.explanation;
    assert_eq!(e.name, Some("mkdir"), "{what}: {e}");
    assert_eq!(e.arch, Some(jail::seccomp::Arch::native()), "{what}");
    assert!(
        matches!(&e.decided_by, DecidedBy::NotListed { policy: Some(p) } if p == &v.policy),
        "{what}: {e}"
    );
    assert_eq!(e.suggestion.as_deref(), Some("mkdir: 1"), "{what}");
}

#[test]
fn a_seccomp_kill_names_the_call_and_the_blocked_call_never_runs() {
    require_root!();
    let v = victim();
    let jail = jail_for(&v, false);
    // Taking SIGSYS over, ignoring or blocking it, or a second thread,
    // changes nothing: status 253, no directory, the same explanation.
    for mode in ["plain", "handler", "ignore", "block", "thread"] {
        let (status, _, death, made) = run_victim(&v, &jail, &v.dynamic, mode, PreloadMode::Auto);
        assert_seccomp_status(status, "mkdir", mode);
        assert!(!made, "{mode}: the blocked mkdir ran");
        assert_mkdir_kill(&death, &v, mode);
    }
    // With the default signal disposition the program dies of SIGSYS, as
    // from the kernel's own seccomp kill.
    let (status, _, death, _) = run_victim(&v, &jail, &v.dynamic, "plain", PreloadMode::Auto);
    let Death::Seccomp { kill: Some(k), .. } = death else {
        unreachable!()
    };
    assert_eq!(k.signal, libc::SIGSYS);
    assert_eq!(status.signal(), Some(libc::SIGSYS), "{status:?}");
}

#[test]
fn kills_are_explained_in_static_mode_under_a_pid_namespace_and_in_children() {
    require_root!();
    let v = victim();
    let jail = jail_for(&v, false);
    // -T static: the filter goes on before execve; static glibc's start-up
    // calls are then the first to be judged, so allow them and watch mkdir.
    let (status, _, death, made) = run_victim(&v, &jail, &v.static_, "handler", PreloadMode::Never);
    assert_seccomp_status(status, "mkdir", "static");
    assert!(!made, "{death:?}");
    assert_mkdir_kill(&death, &v, "static");
    // Under a pid namespace's init (-p), in preload and static mode.
    let mut pid_jail = jail_for(&v, true);
    pid_jail.namespace(Namespace::Pid);
    for (program, mode) in [
        (&v.dynamic, PreloadMode::Auto),
        (&v.static_, PreloadMode::Never),
    ] {
        let (status, _, death, made) = run_victim(&v, &pid_jail, program, "block", mode);
        assert_seccomp_status(status, "mkdir", &format!("-p {mode:?}: {death:?}"));
        assert!(!made);
        assert_mkdir_kill(&death, &v, "-p");
    }
    // A child process killed while the program lives on: the program's
    // own status, the child died of SIGSYS, and the kill is on record.
    let target = v.dir.path().join("made-fork");
    let mut cmd = Command::new(&v.dynamic);
    cmd.args(["fork", target.to_str().unwrap()])
        .stdout(jail::Stdio::Piped);
    let mut child = jail.spawn(&cmd).expect("spawn");
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(!status.seccomp_killed(), "the program itself lived");
    assert_eq!(out.trim(), format!("child={}", libc::SIGSYS));
    assert!(!target.exists());
    assert_eq!(child.death(), Some(&Death::Exited(0)));
    let findings = child.seccomp_findings().expect("supervised");
    let kill = findings.kill.expect("the child's kill is on record");
    assert_ne!(Some(kill.tgid), findings.program_pid);
    assert_eq!(kill.explanation.name, Some("mkdir"));
}

#[test]
fn an_ioctl_is_decoded_and_the_rule_line_named() {
    require_root!();
    let v = victim();
    let jail = jail_for(&v, false);
    let (status, _, death, _) = run_victim(&v, &jail, &v.dynamic, "ioctl", PreloadMode::Auto);
    assert_seccomp_status(status, "ioctl", "ioctl");
    let Death::Seccomp { kill: Some(k), .. } = &death else {
        panic!("{death:?}")
    };
    let e = &k.explanation;
    assert_eq!(e.call, "ioctl(1, FIONREAD, ...)");
    assert!(
        matches!(&e.decided_by, DecidedBy::NoFilterMatched { rule: Some(o) } if o.line == 30),
        "{e}"
    );
    assert_eq!(
        e.suggestion.as_deref(),
        Some("ioctl: arg1 == TCGETS || arg1 == FIONREAD")
    );
    let line = death.describe("p").unwrap();
    assert!(line.contains("victim.policy:30"), "{line}");
}

#[test]
fn other_signal_deaths_say_which_signal() {
    require_root!();
    let v = victim();
    let jail = jail_for(&v, false);
    let (status, _, death, _) = run_victim(&v, &jail, &v.dynamic, "segv", PreloadMode::Auto);
    assert_eq!(status.signal(), Some(libc::SIGSEGV));
    assert_eq!(status.minijail_status(), 128 + libc::SIGSEGV);
    assert!(!status.seccomp_killed());
    assert!(
        matches!(
            death,
            Death::Signaled {
                signal: libc::SIGSEGV,
                cause: SignalCause::Unknown,
                ..
            }
        ),
        "{death:?}"
    );
    assert_eq!(
        death.describe("p").unwrap(),
        "p was killed by SIGSEGV (signal 11)"
    );
    // Strict mode kills with SIGKILL, and the line says strict mode did.
    let mut strict = Jail::new();
    strict.seccomp_strict();
    let mut cmd = Command::new("/bin/true");
    cmd.preload_mode(PreloadMode::Auto);
    let mut child = strict.spawn(&cmd).expect("spawn");
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert!(!status.seccomp_killed(), "strict mode is not the filter");
    let line = child.death().unwrap().describe("p").unwrap();
    assert!(line.contains("strict mode"), "{line}");
}
