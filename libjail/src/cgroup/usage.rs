//! The end of a jail: waiting with the wall-clock limit, emptying and
//! removing its cgroup, and the report of how it ended and what it used.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use super::group::KillSwitch;
use super::{ByteSize, JailCgroup, Settings};
use crate::status;

/// How a jail ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The program exited with this code (in a new pid namespace, its init
    /// reports a signal death of the program as 128+N).
    Exited(i32),
    /// Killed by this signal (not one of the causes below).
    Signaled(i32),
    /// Killed by its seccomp filter (SIGSYS).
    Seccomp,
    /// Killed by the kernel's OOM killer at the cgroup's memory limit.
    OomKilled,
    /// Failed (non-zero status) after forks failed at the pids limit.
    PidsLimit,
    /// Ran past its wall-clock limit and was killed with every process of it.
    TimeLimit,
}

impl Ending {
    /// The short name used in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Ending::Exited(_) => "exit",
            Ending::Signaled(_) => "signal",
            Ending::Seccomp => "seccomp",
            Ending::OomKilled => "oom_kill",
            Ending::PidsLimit => "pids_limit",
            Ending::TimeLimit => "time_limit",
        }
    }
}

/// What a jail used, and how it ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    /// How the jail ended: exited, killed, or stopped by which limit.
    pub ended: Ending,
    /// The status minijail reports (exit code, 128+N, 253).
    pub status: i32,
    /// From the start of the program to the end of its last process.
    pub wall_time: Duration,
    /// CPU time in user mode of all the jail's processes (the cgroup's
    /// figure, else the waited-for processes' rusage).
    pub user_cpu: Duration,
    /// CPU time in the kernel on their behalf, from the same source.
    pub system_cpu: Duration,
    /// Peak memory in bytes: the cgroup's peak where the kernel keeps one,
    /// else the largest resident set of a waited-for process (rusage).
    pub peak_memory: u64,
    /// Where `peak_memory` came from: "cgroup" or "rusage".
    pub peak_memory_source: &'static str,
    /// The most processes (tasks) alive at once, where the pids controller
    /// counts it (pids.peak). The kernel keeps no per-cgroup fork count.
    pub peak_processes: Option<u64>,
    /// Processes the OOM killer killed in the jail.
    pub oom_kills: u64,
    /// Forks refused at the pids limit.
    pub pids_limit_hits: u64,
    /// The wall-clock limit the jail ran under ([`crate::Jail::time_limit`]).
    pub time_limit: Option<Duration>,
    /// The jail's cgroup (removed by now), if it had one.
    pub cgroup: Option<PathBuf>,
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn opt<T: fmt::Display>(v: Option<T>) -> String {
    v.map_or("null".to_owned(), |v| v.to_string())
}

impl Usage {
    /// One JSON object (what `--usage-json` writes), with a newline.
    pub fn to_json(&self) -> String {
        let (code, signal) = match self.ended {
            Ending::Exited(c) => (Some(c), None),
            Ending::Signaled(s) => (None, Some(s)),
            Ending::Seccomp => (None, Some(libc::SIGSYS)),
            Ending::OomKilled | Ending::TimeLimit => (None, Some(libc::SIGKILL)),
            Ending::PidsLimit => (Some(self.status), None),
        };
        let fields = [
            ("ended", json_str(self.ended.name())),
            ("status", self.status.to_string()),
            ("exit_code", opt(code)),
            ("signal", opt(signal)),
            (
                "wall_time_s",
                format!("{:.6}", self.wall_time.as_secs_f64()),
            ),
            ("user_cpu_s", format!("{:.6}", self.user_cpu.as_secs_f64())),
            (
                "system_cpu_s",
                format!("{:.6}", self.system_cpu.as_secs_f64()),
            ),
            ("peak_memory_bytes", self.peak_memory.to_string()),
            ("peak_memory_source", json_str(self.peak_memory_source)),
            ("peak_processes", opt(self.peak_processes)),
            ("oom_kills", self.oom_kills.to_string()),
            ("pids_limit_hits", self.pids_limit_hits.to_string()),
            (
                "time_limit_s",
                opt(self.time_limit.map(|t| t.as_secs_f64())),
            ),
            (
                "cgroup",
                self.cgroup
                    .as_ref()
                    .map_or("null".to_owned(), |p| json_str(&p.to_string_lossy())),
            ),
        ];
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}:{v}", json_str(k)))
            .collect();
        format!("{{{}}}\n", body.join(","))
    }
}

/// The human report `--usage` prints.
impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.ended {
            Ending::Exited(c) => format!("exited with status {c}"),
            Ending::Signaled(s) => format!("killed by signal {s}"),
            Ending::Seccomp => "killed by its seccomp policy (SIGSYS)".to_owned(),
            Ending::OomKilled => "killed by the OOM killer at its memory limit".to_owned(),
            Ending::PidsLimit => format!(
                "failed (status {}) after forks were refused at its pids limit",
                self.status
            ),
            Ending::TimeLimit => format!(
                "killed at its time limit of {}s",
                self.time_limit.unwrap_or_default().as_secs_f64()
            ),
        };
        writeln!(f, "jail usage: {how}; status {}", self.status)?;
        writeln!(
            f,
            "jail usage: wall {:.3}s, user {:.3}s, system {:.3}s",
            self.wall_time.as_secs_f64(),
            self.user_cpu.as_secs_f64(),
            self.system_cpu.as_secs_f64()
        )?;
        writeln!(
            f,
            "jail usage: peak memory {} bytes ({}), peak processes {}, OOM kills {}, forks refused at the pids limit {}",
            self.peak_memory,
            self.peak_memory_source,
            self.peak_processes
                .map_or("unknown".to_owned(), |n| n.to_string()),
            self.oom_kills,
            self.pids_limit_hits
        )
    }
}

/// What the launcher keeps for a running jail.
#[derive(Debug)]
pub struct Watch {
    cgroup: Option<JailCgroup>,
    time_limit: Option<Duration>,
    memory_limit: Option<ByteSize>,
    pids_limit: Option<u64>,
    started: Instant,
    watchdog: Option<Watchdog>,
}

/// A thread that kills the whole jail at its time limit, whether or not
/// anyone is in `wait` then (a caller may be reading the program's output
/// first). It holds a pidfd, so a reaped and reused pid is never hit.
#[derive(Debug)]
struct Watchdog {
    cancel: mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
    fired: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(pid: libc::pid_t, deadline: Instant, switch: Option<KillSwitch>) -> Watchdog {
        // SAFETY: pidfd_open takes a pid and flags; the thread owns the fd.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as libc::c_int;
        let (cancel, cancelled) = mpsc::channel::<()>();
        let fired = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&fired);
        let kill = move || {
            flag.store(true, Ordering::SeqCst);
            if pidfd >= 0 {
                // SAFETY: signalling the process the pidfd refers to.
                unsafe { libc::syscall(libc::SYS_pidfd_send_signal, pidfd, libc::SIGKILL, 0, 0) };
            }
            if let Some(switch) = &switch {
                switch.fire();
            }
        };
        let thread = std::thread::Builder::new()
            .name("jail-time-limit".into())
            .spawn(move || {
                match cancelled.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(()) => {}
                    Err(mpsc::RecvTimeoutError::Timeout) => kill(),
                    // The handle was dropped unwaited: the limit still holds.
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                        kill();
                    }
                }
                crate::sys::close(pidfd);
            })
            .ok();
        Watchdog {
            cancel,
            thread,
            fired,
        }
    }

    /// Stop the thread; whether it killed the jail.
    fn stop(mut self) -> bool {
        let _ = self.cancel.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.fired.load(Ordering::SeqCst)
    }
}

impl Watch {
    /// Start watching program `pid`, which has just been started.
    pub(crate) fn new(pid: libc::pid_t, cgroup: Option<JailCgroup>, settings: &Settings) -> Watch {
        let started = Instant::now();
        let watchdog = settings.time_limit.map(|limit| {
            let switch = cgroup.as_ref().map(JailCgroup::kill_switch);
            Watchdog::start(pid, started + limit, switch)
        });
        Watch {
            cgroup: cgroup.map(|mut c| {
                c.disarm();
                c
            }),
            time_limit: settings.time_limit,
            memory_limit: settings.limits.memory_max,
            pids_limit: settings.limits.pids_max,
            started,
            watchdog,
        }
    }

    /// The jail's cgroup while it runs.
    pub fn cgroup(&self) -> Option<&JailCgroup> {
        self.cgroup.as_ref()
    }

    /// After the program was reaped with `wstatus` and `rusage`: read the
    /// cgroup, empty and remove it, say why it ended when a limit did it.
    pub(crate) fn finish(&mut self, wstatus: libc::c_int, rusage: &libc::rusage) -> Usage {
        let wall_time = self.started.elapsed();
        let timed_out = self.watchdog.take().is_some_and(Watchdog::stop);
        let stats = self
            .cgroup
            .as_ref()
            .map(JailCgroup::stats)
            .unwrap_or_default();
        let cgroup = self.cgroup.as_ref().map(|c| c.path().to_owned());
        if let Some(cg) = self.cgroup.take() {
            // The jail ends with its program: what it left running goes too.
            cg.finish();
        }
        let status = status::from_wait_status(wstatus);
        let oom_kills = stats.oom_kills.unwrap_or(0);
        let pids_limit_hits = stats.pids_limit_hits.unwrap_or(0);
        let signal = libc::WIFSIGNALED(wstatus).then(|| libc::WTERMSIG(wstatus));
        let killed = status == status::SIGNAL_BASE + libc::SIGKILL;
        let ended = if timed_out && killed {
            Ending::TimeLimit
        } else if signal == Some(libc::SIGSYS) {
            Ending::Seccomp
        } else if killed && oom_kills > 0 {
            Ending::OomKilled
        } else if status != 0 && pids_limit_hits > 0 {
            Ending::PidsLimit
        } else if let Some(sig) = signal {
            Ending::Signaled(sig)
        } else {
            Ending::Exited(status)
        };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        let (peak_memory, peak_memory_source) = match stats.peak_memory {
            Some(p) => (p, "cgroup"),
            None => (rusage.ru_maxrss as u64 * 1024, "rusage"),
        };
        let usage = Usage {
            ended,
            status,
            wall_time,
            user_cpu: stats.user_cpu.unwrap_or_else(|| tv(rusage.ru_utime)),
            system_cpu: stats.system_cpu.unwrap_or_else(|| tv(rusage.ru_stime)),
            peak_memory,
            peak_memory_source,
            peak_processes: stats.peak_processes,
            oom_kills,
            pids_limit_hits,
            time_limit: self.time_limit,
            cgroup,
        };
        if let Some(line) = self.explain(&usage) {
            eprintln!("jail: {line}");
        }
        usage
    }

    /// The one line for an end a limit caused.
    fn explain(&self, usage: &Usage) -> Option<String> {
        match usage.ended {
            Ending::TimeLimit => Some(format!(
                "the jailed program ran past its time limit of {}s and was killed, with every process of the jail (status {})",
                self.time_limit.unwrap_or_default().as_secs_f64(),
                usage.status
            )),
            Ending::OomKilled => Some(format!(
                "the jailed program was killed by the kernel's OOM killer: the jail reached its memory limit{} (status {})",
                self.memory_limit.map(|m| format!(" of {m}")).unwrap_or_default(),
                usage.status
            )),
            Ending::PidsLimit => Some(format!(
                "the jail reached its limit of {} processes (forks refused: {}; status {})",
                opt(self.pids_limit),
                usage.pids_limit_hits,
                usage.status
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_report_is_one_flat_object() {
        let u = Usage {
            ended: Ending::OomKilled,
            status: 137,
            wall_time: Duration::from_millis(1500),
            user_cpu: Duration::from_millis(20),
            system_cpu: Duration::from_millis(30),
            peak_memory: 64 << 20,
            peak_memory_source: "cgroup",
            peak_processes: Some(2),
            oom_kills: 1,
            pids_limit_hits: 0,
            time_limit: None,
            cgroup: Some("/sys/fs/cgroup/a\"b".into()),
        };
        let j = u.to_json();
        assert!(j.starts_with("{\"ended\":\"oom_kill\",\"status\":137,\"exit_code\":null,\"signal\":9,\"wall_time_s\":1.500000,"), "{j}");
        assert!(j.contains("\"peak_memory_bytes\":67108864,"), "{j}");
        assert!(j.contains("\"time_limit_s\":null,"), "{j}");
        assert!(
            j.ends_with("\"cgroup\":\"/sys/fs/cgroup/a\\\"b\"}\n"),
            "{j}"
        );
        assert!(u.to_string().contains("killed by the OOM killer"));
    }
}
