//! A running jailed program: its pid, its pipes, and minijail's wait/kill.

use std::fs::File;

use crate::death::Death;
use crate::status::ExitStatus;

/// The line printed when a jailed program dies of SIGSYS.
pub(crate) fn sigsys_note(who: &str, label: Option<&str>) -> String {
    format!(
        "jail: {who} was killed by SIGSYS: a syscall was blocked by the seccomp policy {}\n",
        label.unwrap_or("(unlabelled)")
    )
}

/// What the launcher knows for explaining the program's death.
#[derive(Debug, Default)]
pub(crate) struct DeathWatch {
    /// The seccomp policy's label.
    pub seccomp_label: Option<String>,
    /// The supervisor of the seccomp filter, when there is one.
    pub supervisor: Option<crate::supervise::Supervisor>,
    /// The pid is a pid namespace's init (which reports signal deaths of
    /// its program itself).
    pub init: bool,
    /// Seccomp strict mode is on.
    pub strict: bool,
    /// `-L`: print the calls the policy would have blocked, as policy lines.
    pub log_summary: bool,
    /// Stage 2 was applied before execve (no-preload mode).
    pub before_exec: bool,
}

/// A jailed program started by [`crate::Jail::spawn`].
#[derive(Debug)]
pub struct JailedProcess {
    pid: libc::pid_t,
    /// Write end of the program's stdin, when piped.
    pub stdin: Option<File>,
    /// Read end of the program's stdout, when piped.
    pub stdout: Option<File>,
    /// Read end of the program's stderr, when piped.
    pub stderr: Option<File>,
    death_watch: DeathWatch,
    status: Option<ExitStatus>,
    death: Option<Death>,
    /// The jail's cgroup and time limit, while it runs.
    watch: Option<Box<crate::cgroup::usage::Watch>>,
    usage: Option<Box<crate::cgroup::Usage>>,
    /// The relay of the program's pty, run by [`JailedProcess::wait`].
    pty: Option<crate::pty::Relay>,
}

impl JailedProcess {
    pub(crate) fn new(
        pid: libc::pid_t,
        stdin: Option<File>,
        stdout: Option<File>,
        stderr: Option<File>,
        death_watch: DeathWatch,
    ) -> JailedProcess {
        JailedProcess {
            pid,
            stdin,
            stdout,
            stderr,
            death_watch,
            status: None,
            death: None,
            watch: None,
            usage: None,
            pty: None,
        }
    }

    pub(crate) fn with_pty(mut self, relay: crate::pty::Relay) -> JailedProcess {
        self.pty = Some(relay);
        self
    }

    /// How the program ended, once [`JailedProcess::wait`] has returned:
    /// for a seccomp kill, the syscall, its arguments, the policy line
    /// that decided and a line that would allow it.
    pub fn death(&self) -> Option<&Death> {
        self.death.as_ref()
    }

    /// What the seccomp supervisor has seen so far: under `-L` the calls
    /// the policy would have blocked, with counts and argument values.
    pub fn seccomp_findings(&self) -> Option<crate::supervise::Findings> {
        self.death_watch.supervisor.as_ref().map(|s| s.findings())
    }

    pub(crate) fn watched(mut self, watch: crate::cgroup::usage::Watch) -> JailedProcess {
        self.watch = Some(Box::new(watch));
        self
    }

    /// How the jail ended and what it used, once waited for (the figures
    /// are the jail's cgroup's when it has one of its own, else rusage's).
    pub fn usage(&self) -> Option<&crate::cgroup::Usage> {
        self.usage.as_deref()
    }

    /// The directories of the jail's own cgroup while it runs.
    pub fn cgroup_dirs(&self) -> Vec<std::path::PathBuf> {
        self.watch
            .as_ref()
            .and_then(|w| w.cgroup())
            .map(|c| c.dirs().map(|d| d.to_owned()).collect())
            .unwrap_or_default()
    }

    /// The pid, as the launcher sees it (the init's, in a new pid namespace).
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// Wait for the program and return how it ended (once it has, the
    /// same status again). [`ExitStatus::minijail_status`] gives it as
    /// minijail reports it. Closes the program's stdin first, as std does.
    /// With a pty ([`crate::Jail::pty`]) this relays the launcher's std
    /// fds to and from the program's terminal until it exits.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(s) = self.status {
            return Ok(s);
        }
        self.stdin = None;
        if let Some(relay) = self.pty.take() {
            relay.run(self.pid)?;
        }
        // Wait without reaping, stop forwarding signals to the pid, then
        // reap: the pid cannot be reused while a forward may still hit it.
        wait_unreaped(self.pid);
        crate::signals::unregister(self.pid);
        let (wstatus, rusage) = reap(self.pid)?;
        let findings = self.death_watch.supervisor.as_ref().map(|s| s.findings());
        if let Some(e) = findings.as_ref().and_then(|f| f.error.as_ref()) {
            crate::log::warn(e);
        }
        if let Some(mut watch) = self.watch.take() {
            self.usage = Some(Box::new(watch.finish(wstatus, &rusage)));
        }
        let death = self.classify_death(wstatus, findings);
        if let Some(line) = death.describe(&format!("jailed process {}", self.pid)) {
            crate::log::warn(&line);
        }
        if self.death_watch.log_summary {
            self.print_log_summary();
        }
        let s = match &death {
            Death::Seccomp { kill: Some(k), .. } => {
                ExitStatus::from_raw(wstatus).explained_seccomp_kill((&k.explanation).into())
            }
            _ => ExitStatus::from_raw(wstatus),
        };
        self.death = Some(death);
        self.status = Some(s);
        Ok(s)
    }

    /// How the program died, from its wait status and what the supervisor
    /// saw. A seccomp kill of another process (a child of the program) is
    /// told here, but the death is the program's own.
    fn classify_death(
        &self,
        wstatus: libc::c_int,
        findings: Option<crate::supervise::Findings>,
    ) -> Death {
        let (kill, other) = match findings.and_then(|f| Some((f.kill?, f.program_pid))) {
            Some((k, Some(program))) if k.tgid != program => (None, Some(k)),
            Some((k, _)) => (Some(k), None),
            None => (None, None),
        };
        if let Some(k) = other {
            let who = format!(
                "process {} (a child of jailed process {})",
                k.tgid, self.pid
            );
            let d = crate::death::Death::Seccomp {
                kill: Some(Box::new(k)),
                policy: self.death_watch.seccomp_label.clone(),
            };
            if let Some(line) = d.describe(&who) {
                crate::log::warn(&line);
            }
        }
        crate::death::classify(
            wstatus,
            kill,
            self.death_watch.seccomp_label.clone(),
            self.death_watch.init,
            self.death_watch.strict,
        )
    }

    /// Wait (at most `timeout`) until no process uses the supervised filter
    /// any more, then return what the supervisor saw.
    pub fn finish_supervision(
        &mut self,
        timeout: std::time::Duration,
    ) -> Option<crate::supervise::Findings> {
        self.death_watch
            .supervisor
            .as_mut()
            .map(|s| s.finish(timeout))
    }

    /// Whether stage 2 was applied before execve (a static program or
    /// `-T static`) rather than by the preload.
    pub fn stage2_before_exec(&self) -> bool {
        self.death_watch.before_exec
    }

    /// `-L`'s summary: what the policy would have blocked, as lines to
    /// append to it. Processes the program left behind may still add to
    /// it; give them a moment to end.
    fn print_log_summary(&mut self) {
        let Some(supervisor) = self.death_watch.supervisor.as_mut() else {
            return;
        };
        let findings = supervisor.finish(std::time::Duration::from_millis(200));
        let Ok(arch) = crate::seccomp::Arch::try_native() else {
            return;
        };
        let calls = findings.calls_by_name(arch);
        let policy = self
            .death_watch
            .seccomp_label
            .as_deref()
            .unwrap_or("(unlabelled)");
        if calls.is_empty() {
            crate::log::warn(&format!(
                "-L: the seccomp policy {policy} blocked no syscall of this run"
            ));
            return;
        }
        crate::log::warn(&format!(
            "-L: the seccomp policy {policy} would have blocked {} syscall{} (allowed and logged instead); lines to append to it:",
            calls.len(),
            if calls.len() == 1 { "" } else { "s" }
        ));
        crate::log::lines(
            crate::log::LOG_WARNING,
            &crate::seccomp::generate::fragment(arch, &calls),
        );
    }

    /// Send `signal` to the program (or its init).
    pub fn signal(&self, signal: i32) -> std::io::Result<()> {
        if self.status.is_some() {
            return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
        }
        // SAFETY: signalling our own, not yet reaped, child.
        if unsafe { libc::kill(self.pid, signal) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Kill the program (or its init) with SIGKILL, without waiting, as
    /// [`std::process::Child::kill`] does; [`JailedProcess::wait`] then
    /// reaps it.
    pub fn kill(&mut self) -> std::io::Result<()> {
        self.signal(libc::SIGKILL)
    }

    /// Wait for the program, collecting what it writes to piped stdout and
    /// stderr, as [`std::process::Child::wait_with_output`] does.
    pub fn wait_with_output(mut self) -> std::io::Result<Output> {
        use std::io::Read;
        self.stdin = None;
        let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
        // Drain stderr on a thread so a program filling one pipe while we
        // read the other cannot deadlock.
        let err_reader = stderr.map(|mut f| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                f.read_to_end(&mut buf).map(|_| buf)
            })
        });
        let mut out = Vec::new();
        if let Some(mut f) = stdout {
            f.read_to_end(&mut out)?;
        }
        let err = match err_reader {
            Some(t) => t.join().expect("stderr reader")?,
            None => Vec::new(),
        };
        Ok(Output {
            status: self.wait()?,
            stdout: out,
            stderr: err,
        })
    }
}

/// What a finished jailed program wrote, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// How it ended.
    pub status: ExitStatus,
    /// Its stdout, when piped.
    pub stdout: Vec<u8>,
    /// Its stderr, when piped.
    pub stderr: Vec<u8>,
}

/// Wait until `pid` (our child) has ended, leaving it unreaped.
fn wait_unreaped(pid: libc::pid_t) {
    loop {
        // SAFETY: an all-zero siginfo is a valid out-buffer for waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid on our own child with WNOWAIT leaves it unreaped.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            break;
        }
    }
}

/// Reap `pid` (our child): its wait status and resource usage.
fn reap(pid: libc::pid_t) -> std::io::Result<(libc::c_int, libc::rusage)> {
    let mut wstatus = 0;
    // SAFETY: an all-zero rusage is a valid out-buffer.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waiting for our own child with valid out-pointers.
        if unsafe { libc::wait4(pid, &mut wstatus, 0, &mut rusage) } >= 0 {
            return Ok((wstatus, rusage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
