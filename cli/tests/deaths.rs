//! minijail0 explains every death on stderr: a seccomp kill with the call,
//! the deciding policy line (the same one `jail policy check` names) and a
//! line to add; signal deaths with the signal and who sent it.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{bin, run, run_as_nobody, text};
use jail_testkit::{require_root, TempDir};

/// Write `name` with `body` into `dir`; its path.
fn file(dir: &TempDir, name: &str, body: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, body).unwrap();
    p.to_string_lossy().into_owned()
}

/// id's policy without getuid.
fn id_policy_without_getuid() -> String {
    let full = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/policies/id.policy"
    ))
    .unwrap();
    full.lines()
        .filter(|l| !l.starts_with("getuid:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_seccomp_kill_and_policy_check_name_the_same_rule() {
    require_root!();
    let s = TempDir::new("kill");
    let policy = file(&s, "id.policy", &id_policy_without_getuid());
    let o = run("minijail0", &["-n", "-S", &policy, "--", "/usr/bin/id"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(253), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("was killed by the seccomp policy"))
        .unwrap_or_else(|| panic!("no kill line: {err}"));
    assert!(
        line.contains("getuid(...) (syscall 102 on x86_64)") || !cfg!(target_arch = "x86_64"),
        "{line}"
    );
    assert!(line.ends_with("to allow it, add `getuid: 1`"), "{line}");
    let check = run("jail", &["policy", "check", &policy, "getuid"]);
    let check_out = text(&check.stdout);
    let decided = check_out
        .lines()
        .find_map(|l| l.trim().strip_prefix("decided by: "))
        .unwrap_or_else(|| panic!("{check_out}"));
    assert!(
        line.contains(&format!(": {decided};")),
        "{line} vs {decided}"
    );
    assert!(check_out.contains("add: getuid: 1"), "{check_out}");
    // The same under a pid namespace (the init in between) and in
    // no-preload mode, where the filter goes on before execve.
    let full = std::fs::read_to_string(&policy).unwrap();
    let static_policy = file(&s, "static.policy", &format!("{full}execve: 1\n"));
    for args in [
        vec!["-n", "-p", "-S", &policy, "--", "/usr/bin/id"],
        vec![
            "-n",
            "-T",
            "static",
            "-S",
            &static_policy,
            "--",
            "/usr/bin/id",
        ],
    ] {
        let o = run("minijail0", &args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(253), "{args:?}: {err}");
        assert!(
            err.contains("was killed by the seccomp policy"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn an_unprivileged_launcher_explains_kills_or_still_kills() {
    require_root!();
    let s = TempDir::new("nobody");
    let policy = file(&s, "id.policy", &id_policy_without_getuid());
    let full = std::fs::read_to_string(&policy).unwrap();
    let static_policy = file(
        &s,
        "static.policy",
        &format!("{full}execve: 1\naccess: 1\n"),
    );
    use std::os::unix::fs::PermissionsExt;
    for (p, mode) in [
        (s.path(), 0o755),
        (policy.as_ref(), 0o644),
        (static_policy.as_ref(), 0o644),
    ] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    // Preload mode: the program has exec'd, so the launcher may take its
    // listener and explain the kill.
    let o = run_as_nobody("minijail0", &["-n", "-S", &policy, "--", "/usr/bin/id"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(253), "{err}");
    assert!(err.contains("add `getuid: 1`"), "{err}");
    // -T static from minijail0, undumpable so no program of the same uid
    // can reach it: before execve the child has its memory, so the
    // listener cannot be taken without CAP_SYS_PTRACE. The kill stays a
    // kill, told without the call.
    let o = run_as_nobody(
        "minijail0",
        &[
            "-n",
            "-T",
            "static",
            "-S",
            &static_policy,
            "--",
            "/usr/bin/id",
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(253), "{err}");
    assert!(
        err.contains("killed by SIGSYS: a syscall was blocked by the seccomp policy"),
        "{err}"
    );
    assert!(
        o.stdout.is_empty(),
        "id ran past the kill: {}",
        text(&o.stdout)
    );
}

#[test]
fn signal_deaths_name_the_signal_and_the_sender() {
    require_root!();
    for pidns in [false, true] {
        let mut args = vec!["--", "/bin/sh", "-c", "kill -SEGV $$"];
        if pidns {
            args.insert(0, "-p");
        }
        let o = run("minijail0", &args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(128 + 11), "{err}");
        assert!(
            err.contains("killed by SIGSEGV (signal 11)"),
            "-p {pidns}: {err}"
        );
    }
    let o = run("minijail0", &["-s", "--", "/bin/true"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(128 + 9), "{err}");
    assert!(
        err.contains("SIGKILL (signal 9): seccomp strict mode (-s)"),
        "{err}"
    );
}

/// Start minijail0 on `sleep 30`, wait until `ready` finds its child,
/// then send `signal` to `target(launcher pid, child pid)`.
fn kill_while_sleeping(args: &[&str], signal: i32, target: fn(u32, u32) -> u32) -> Output {
    let child = Command::new(bin("minijail0"))
        .args(args)
        .args(["--", "/bin/sleep", "30"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let launcher = child.id();
    // A bound for a stuck launch only, never reached on a working one.
    let deadline = Instant::now() + Duration::from_secs(120);
    let jailed = loop {
        let children =
            std::fs::read_to_string(format!("/proc/{launcher}/task/{launcher}/children"))
                .unwrap_or_default();
        if let Some(pid) = children
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
        {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            if exe.ends_with("sleep") || args.contains(&"-p") {
                break pid;
            }
        }
        assert!(Instant::now() < deadline, "the jailed sleep did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Wait until sleep is past the preload and sleeping (its jail
    // acknowledged), so the signal meets the program, not its start-up.
    let sleeper = if args.contains(&"-p") {
        loop {
            let c = std::fs::read_to_string(format!("/proc/{jailed}/task/{jailed}/children"))
                .unwrap_or_default();
            if let Some(pid) = c
                .split_whitespace()
                .next()
                .and_then(|p| p.parse::<u32>().ok())
            {
                break pid;
            }
            assert!(Instant::now() < deadline, "the jailed sleep did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    } else {
        jailed
    };
    loop {
        let call = std::fs::read_to_string(format!("/proc/{sleeper}/syscall")).unwrap_or_default();
        let nr = call.split_whitespace().next().unwrap_or("");
        if nr == libc::SYS_clock_nanosleep.to_string() || nr == libc::SYS_nanosleep.to_string() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the jailed sleep did not go to sleep"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: signalling a process this test started.
    unsafe { libc::kill(target(launcher, jailed) as i32, signal) };
    child.wait_with_output().unwrap()
}

#[test]
fn forwarded_signals_and_init_teardown_say_so() {
    require_root!();
    let o = kill_while_sleeping(&[], libc::SIGTERM, |launcher, _| launcher);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(128 + 15), "{err}");
    assert!(
        err.contains("killed by SIGTERM (signal 15), which the launcher received and forwarded"),
        "{err}"
    );
    // Under -p the launcher forwards to init, which forwards to the
    // program and says so (the launcher only sees init exit 128+N).
    let o = kill_while_sleeping(&["-p"], libc::SIGTERM, |launcher, _| launcher);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(128 + 15), "{err}");
    assert!(
        err.contains(
            "the jailed program was killed by SIGTERM (signal 15), which the pid namespace's init received and forwarded"
        ),
        "{err}"
    );
    let o = kill_while_sleeping(&["-p"], libc::SIGKILL, |_, init| init);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(128 + 9), "{err}");
    assert!(err.contains("the pid namespace's init was killed"), "{err}");
}

#[test]
fn log_mode_summary_is_a_policy_fragment_that_makes_the_run_pass() {
    require_root!();
    let s = TempDir::new("summary");
    let tiny = "read: 1\nwrite: 1\nexit_group: 1\n";
    let policy = file(&s, "tiny.policy", tiny);
    let ls = ["--", "/bin/ls", "-la", "/usr/share"];
    let logged = run(
        "minijail0",
        &[&["-n", "-L", "-S", &policy][..], &ls].concat(),
    );
    let err = text(&logged.stderr);
    assert_eq!(logged.status.code(), Some(0), "{err}");
    assert!(err.contains("would have blocked"), "{err}");
    // The fragment is every line after the summary's header, the last
    // thing printed.
    let fragment: String = err
        .lines()
        .skip_while(|l| !l.ends_with("lines to append to it:"))
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        fragment.contains("\nopenat: arg2 in O_RDONLY|"),
        "{fragment}"
    );
    assert!(
        fragment.contains("\nmmap: arg2 in ~PROT_EXEC\n"),
        "{fragment}"
    );
    // Without -L, the tiny policy kills; with the fragment appended, ls
    // runs and prints the same.
    let killed = run("minijail0", &[&["-n", "-S", &policy][..], &ls].concat());
    assert_eq!(killed.status.code(), Some(253));
    let grown = file(&s, "grown.policy", &format!("{tiny}{fragment}"));
    let passed = run("minijail0", &[&["-n", "-S", &grown][..], &ls].concat());
    assert_eq!(passed.status.code(), Some(0), "{}", text(&passed.stderr));
    assert_eq!(text(&passed.stdout), text(&logged.stdout));
}
