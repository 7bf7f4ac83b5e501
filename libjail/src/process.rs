//! A running jailed program: its pid, its pipes, and minijail's wait/kill.

use std::fs::File;

use crate::status::ExitStatus;

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
    status: Option<ExitStatus>,
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
        let s = ExitStatus::from_raw(wstatus);
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
