//! A running jailed program: its pid, its pipes, and minijail's wait/kill.

use std::fs::File;

use crate::status;

/// The line printed when a jailed program dies of SIGSYS.
pub(crate) fn sigsys_note(who: &str, label: Option<&str>) -> String {
    format!(
        "jail: {who} was killed by SIGSYS: a syscall was blocked by the seccomp policy {}\n",
        label.unwrap_or("(unlabelled)")
    )
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
    seccomp_label: Option<String>,
    status: Option<i32>,
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
        seccomp_label: Option<String>,
    ) -> JailedProcess {
        JailedProcess {
            pid,
            stdin,
            stdout,
            stderr,
            seccomp_label,
            status: None,
            watch: None,
            usage: None,
            pty: None,
        }
    }

    pub(crate) fn with_pty(mut self, relay: crate::pty::Relay) -> JailedProcess {
        self.pty = Some(relay);
        self
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

    /// Wait for the program and return its status as minijail reports it:
    /// the exit code, 128+N for signal N, 253 for a seccomp kill (SIGSYS).
    /// With a pty ([`crate::Jail::pty`]) this relays the launcher's std
    /// fds to and from the program's terminal until it exits.
    pub fn wait(&mut self) -> std::io::Result<i32> {
        if let Some(s) = self.status {
            return Ok(s);
        }
        self.stdin = None;
        if let Some(relay) = self.pty.take() {
            relay.run(self.pid)?;
        }
        // Wait without reaping, stop forwarding signals to the pid, then
        // reap: the pid cannot be reused while a forward may still hit it.
        loop {
            // SAFETY: an all-zero siginfo is a valid out-buffer for waitid.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            // SAFETY: waitid on our own child with WNOWAIT leaves it unreaped.
            let rc = unsafe {
                libc::waitid(
                    libc::P_PID,
                    self.pid as libc::id_t,
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
        crate::launch::signals::unregister(self.pid);
        let mut wstatus = 0;
        // SAFETY: an all-zero rusage is a valid out-buffer.
        let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: waiting for our own child with valid out-pointers.
            if unsafe { libc::wait4(self.pid, &mut wstatus, 0, &mut rusage) } >= 0 {
                break;
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        if libc::WIFSIGNALED(wstatus) && libc::WTERMSIG(wstatus) == libc::SIGSYS {
            let who = format!("jailed process {}", self.pid);
            eprint!("{}", sigsys_note(&who, self.seccomp_label.as_deref()));
        }
        if let Some(mut watch) = self.watch.take() {
            self.usage = Some(Box::new(watch.finish(wstatus, &rusage)));
        }
        let s = status::from_wait_status(wstatus);
        self.status = Some(s);
        Ok(s)
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

    /// SIGTERM the program and wait for it, as `minijail_kill` does.
    pub fn kill(&mut self) -> std::io::Result<i32> {
        self.signal(libc::SIGTERM)?;
        self.wait()
    }
}
