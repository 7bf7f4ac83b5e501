//! Signals: the launcher forwards what it receives (but SIGCHLD) to the
//! jailed program unless told not to; the pid namespace's init forwards
//! too; the launcher dying takes the jail down when asked.
//!
//! Each case runs in a separate launcher process (the `signal-launcher`
//! binary), so the signals sent to it reach no other test's jail.

use std::io::{BufRead, BufReader};
use std::process::Stdio as PStdio;

use jail_tests::iso::process_exists;
use jail_tests::support::*;

struct Launcher {
    child: std::process::Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    jailed: libc::pid_t,
}

fn start(case: &str) -> Launcher {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_signal-launcher"))
        .arg(case)
        .stdout(PStdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut jailed = 0;
    let mut ready = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some((_, p)) = line.split_once("jailed=") {
            jailed = p.trim().parse().unwrap();
        }
        ready |= line.ends_with("ready");
        if ready && jailed > 0 {
            break;
        }
    }
    let launcher = Launcher {
        child,
        lines,
        jailed,
    };
    assert!(jailed > 0 && ready, "the launcher started the jail");
    launcher
}

impl Drop for Launcher {
    fn drop(&mut self) {
        // On a failed assertion, leave nothing running.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.jailed > 0 && process_exists(self.jailed) {
            // SAFETY: the jailed program this test started.
            unsafe { libc::kill(self.jailed, libc::SIGKILL) };
        }
    }
}

impl Launcher {
    fn signal(&self, sig: libc::c_int) {
        // SAFETY: signalling our own child process.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as libc::pid_t, sig) },
            0
        );
    }

    /// Wait for the launcher only (the jailed program may hold the pipe).
    fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }

    fn finish(&mut self) -> (std::process::ExitStatus, Vec<String>) {
        let rest: Vec<String> = self.lines.by_ref().map_while(Result::ok).collect();
        (self.child.wait().unwrap(), rest)
    }
}

#[test]
fn launcher_forwards_signals_to_the_program() {
    for case in ["forward", "forward-pidns"] {
        if case == "forward-pidns" && !is_root() {
            skip_part!(case, "a pid namespace needs root");
            continue;
        }
        let mut l = start(case);
        l.signal(libc::SIGTERM);
        let (status, rest) = l.finish();
        l.jailed = 0;
        assert!(rest.contains(&"got TERM".to_string()), "{case}: {rest:?}");
        assert_eq!(
            status.code(),
            Some(3),
            "{case}: the launcher exits with the program's status"
        );
    }
}

#[test]
fn launcher_does_not_forward_when_told_not_to() {
    use std::os::unix::process::ExitStatusExt;
    let mut l = start("no-forward");
    l.signal(libc::SIGTERM);
    let status = l.wait();
    assert_eq!(
        status.signal(),
        Some(libc::SIGTERM),
        "the launcher itself died"
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(process_exists(l.jailed), "the program was not told");
    // The program was not told (the drop kills it).
}

fn gone_or_zombie(pid: libc::pid_t) -> bool {
    for _ in 0..100 {
        let state = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        if !process_exists(pid) || state.contains("State:\tZ") || state.is_empty() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}

#[test]
fn launcher_death_takes_the_jail_down_when_asked() {
    let mut cases = vec!["pdeathsig"];
    if is_root() {
        cases.push("pdeathsig-userns-pidns");
    } else {
        skip_part!("pdeathsig-userns-pidns", "needs root");
    }
    for case in cases {
        let mut l = start(case);
        let jailed = l.jailed;
        l.signal(libc::SIGKILL);
        let _ = l.wait();
        assert!(
            gone_or_zombie(jailed),
            "{case}: jailed {jailed} outlived its launcher"
        );
    }
}
