//! `jail doctor` against conditions each test makes itself (a lowered
//! namespace limit in a throwaway user namespace, an unprivileged caller,
//! /var/empty hidden in a private mount namespace): the line it prints,
//! the launch error for the same cause, and that running the printed fix
//! makes both the doctor and the launch succeed. Every wait is bounded.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

/// `path` as one shell word (the checkout may live under a path with
/// spaces).
fn shell_word(path: &str) -> String {
    format!("'{}'", path.replace('\'', "'\\''"))
}

fn jail() -> String {
    env!("CARGO_BIN_EXE_jail").to_owned()
}

fn minijail0() -> String {
    std::env::var_os("JAIL_TEST_MINIJAIL0")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_minijail0")))
        .display()
        .to_string()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A shell kept running in the conditions a test made (`unshare ...`,
/// `setpriv ...`), fed one command at a time.
struct Shell {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Shell {
    fn new(prefix: &[&str]) -> Shell {
        let mut child = Command::new(prefix[0])
            .args(&prefix[1..])
            .args(["/bin/sh"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the test's shell starts");
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Shell {
            child,
            stdin,
            lines,
        }
    }

    /// Run `cmd` (stderr merged into stdout): its output and exit status.
    fn run(&mut self, cmd: &str) -> (String, i32) {
        writeln!(self.stdin, "{cmd} 2>&1; echo \"__status $?\"").unwrap();
        let mut out = String::new();
        loop {
            let line = self
                .lines
                .recv_timeout(TIMEOUT)
                .unwrap_or_else(|_| panic!("`{cmd}` did not finish in {TIMEOUT:?}; got {out}"));
            if let Some(status) = line.strip_prefix("__status ") {
                return (out, status.trim().parse().unwrap());
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "exit");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The doctor's line for `need`, and the fix it prints on it.
fn line_for<'a>(report: &'a str, need: &str) -> (&'a str, String) {
    let line = report
        .lines()
        .find(|l| {
            l.split_once(": ")
                .is_some_and(|(head, _)| head.ends_with(need))
        })
        .unwrap_or_else(|| panic!("no line for {need:?} in:\n{report}"));
    let fix = line
        .split_once("; fix: ")
        .map(|(_, f)| f.to_owned())
        .unwrap_or_default();
    (line, fix)
}

/// The shell command in a fix "... as root: COMMAND" or "...: COMMAND (why)".
fn command_of(fix: &str) -> String {
    let after = fix.rsplit_once(": ").map_or(fix, |(_, c)| c);
    after
        .split(" (")
        .next()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn a_zero_user_namespace_limit_is_named_and_its_fix_works() {
    // A throwaway user+mount namespace owns its own limits: lowering one
    // there changes nothing outside.
    let mut sh = Shell::new(&["unshare", "-U", "-r", "-m"]);
    let (_, st) = sh.run("echo 0 > /proc/sys/user/max_user_namespaces");
    if st != 0 {
        jail_testkit::skip!("cannot lower the limit in a user namespace here");
    }
    let (report, st) = sh.run(&format!("{} doctor -U", shell_word(&jail())));
    assert_eq!(st, 1, "{report}");
    let (line, fix) = line_for(&report, "user namespace");
    assert!(line.starts_with("missing "), "{line}");
    assert!(line.contains("user.max_user_namespaces is 0"), "{line}");
    let (launch, st) = sh.run(&format!("{} -U -- /bin/true", shell_word(&minijail0())));
    assert_ne!(st, 0);
    assert!(launch.contains("user.max_user_namespaces is 0"), "{launch}");
    assert!(
        launch.contains(&fix) || launch.contains(&command_of(&fix)),
        "{launch}"
    );

    // "as root": with root's search path, which has the sbin directories
    // an ordinary user's PATH may lack (Debian's does).
    let as_root = format!(
        "PATH=/usr/local/sbin:/usr/sbin:/sbin:$PATH {}",
        command_of(&fix)
    );
    let (out, st) = sh.run(&as_root);
    assert_eq!(st, 0, "the printed fix `{fix}` runs: {out}");
    let (report, st) = sh.run(&format!("{} doctor -U", shell_word(&jail())));
    assert_eq!(st, 0, "{report}");
    let (out, st) = sh.run(&format!("{} -U -- /bin/true", shell_word(&minijail0())));
    assert_eq!(st, 0, "after the fix the launch works: {out}");
}

#[test]
fn an_unprivileged_caller_is_told_to_add_a_user_namespace() {
    let prefix: Vec<&str> = if is_root() {
        vec![
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ]
    } else {
        vec!["env"]
    };
    let mut sh = Shell::new(&prefix);
    let (report, st) = sh.run(&format!("{} doctor -v", shell_word(&jail())));
    assert_eq!(st, 1, "{report}");
    let (line, fix) = line_for(&report, "mount namespace");
    assert!(line.starts_with("missing "), "{line}");
    assert!(line.contains("needs CAP_SYS_ADMIN"), "{line}");
    assert_eq!(fix, "run as root or add -U for a user namespace");
    let (launch, st) = sh.run(&format!("{} -v -- /bin/true", shell_word(&minijail0())));
    assert_eq!(st, 253, "{launch}");
    assert!(
        launch.contains("unshare(CLONE_NEWNS)): Operation not permitted")
            && launch.contains("creating a mount namespace needs CAP_SYS_ADMIN; run as root or add -U for a user namespace"),
        "{launch}"
    );

    // The fix: add -U.
    let (report, st) = sh.run(&format!("{} doctor -U -v", shell_word(&jail())));
    if line_for(&report, "user namespace").0.starts_with("ok ") {
        assert_eq!(st, 0, "{report}");
        let (out, st) = sh.run(&format!("{} -U -v -- /bin/true", shell_word(&minijail0())));
        assert_eq!(st, 0, "with -U the launch works: {out}");
    } else {
        // Then the doctor says why, and the launch fails for that reason.
        assert_eq!(st, 1, "{report}");
        jail_testkit::skip_part!(
            "fix half",
            "this host has no unprivileged user namespaces:\n{report}"
        );
    }
}

#[test]
fn a_hidden_var_empty_is_named_and_its_fix_works() {
    if !is_root() {
        jail_testkit::skip!("mounting over /var needs root");
    }
    let mut sh = Shell::new(&["unshare", "-m"]);
    let (out, st) = sh.run("mount --make-rprivate / && mount -t tmpfs doctor-test /var");
    assert_eq!(st, 0, "{out}");
    let profile = "--profile minimalistic-mountns";
    let (report, st) = sh.run(&format!("{} doctor {profile}", shell_word(&jail())));
    assert_eq!(st, 1, "{report}");
    let (line, fix) = line_for(&report, "new root /var/empty");
    assert!(line.starts_with("missing "), "{line}");
    let (launch, st) = sh.run(&format!(
        "{} {profile} -- /bin/true",
        shell_word(&minijail0())
    ));
    assert_ne!(st, 0);
    assert!(
        launch.contains(&command_of(&fix)),
        "the launch error gives the same fix: {launch}"
    );

    // "as root": with root's search path, which has the sbin directories
    // an ordinary user's PATH may lack (Debian's does).
    let as_root = format!(
        "PATH=/usr/local/sbin:/usr/sbin:/sbin:$PATH {}",
        command_of(&fix)
    );
    let (out, st) = sh.run(&as_root);
    assert_eq!(st, 0, "the printed fix `{fix}` runs: {out}");
    let (report, st) = sh.run(&format!("{} doctor {profile}", shell_word(&jail())));
    assert_eq!(st, 0, "{report}");
    let (out, st) = sh.run(&format!(
        "{} {profile} -- /bin/true",
        shell_word(&minijail0())
    ));
    assert_eq!(st, 0, "after the fix the launch works: {out}");
}

#[test]
fn the_whole_host_report_covers_every_need_and_its_status_follows_it() {
    let out = Command::new(jail()).arg("doctor").output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    for need in [
        "user namespace",
        "mount namespace",
        "pid namespace",
        "net namespace",
        "mount namespace (in a user namespace, -U)",
        "mount propagation of /",
        "new root /var/empty",
        "Landlock (ABI 1 or later)",
        "seccomp filter",
        "seccomp action log (SECCOMP_RET_LOG)",
        "seccomp action user-notify (SECCOMP_RET_USER_NOTIF)",
        "seccomp action kill-process (SECCOMP_RET_KILL_PROCESS)",
        "no_new_privs",
        "cgroup v2",
        "newuidmap",
        "newgidmap",
        "preload library",
    ] {
        line_for(&report, need);
    }
    let mut failing = false;
    for line in report.lines() {
        let state = line.split_whitespace().next().unwrap();
        assert!(["ok", "missing", "restricted"].contains(&state), "{line}");
        if state != "ok" {
            assert!(line.contains("; fix: "), "every problem has a fix: {line}");
            failing |= !line.contains("(informational)");
        }
    }
    assert_eq!(out.status.success(), !failing, "{report}");
}

#[test]
fn doctor_refuses_bad_options_like_minijail0() {
    let out = Command::new(jail())
        .args(["doctor", "--no-such-option"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--no-such-option"), "{err}");
}
