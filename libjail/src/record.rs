//! Recording a seccomp policy from a run: the program runs in its jail
//! under a filter that hands every syscall to the launcher's supervisor
//! ([`crate::supervise`], `SECCOMP_RET_USER_NOTIF`), which counts it with
//! the arguments policies filter on and lets it run. The filter goes on
//! where a real policy would (after the preload's constructor, or just
//! before execve for static programs), and every thread, child and exec'd
//! program inherits it, so the recording covers exactly what the policy
//! will have to allow.
//!
//! The result is written in minijail's policy language by
//! [`crate::seccomp::generate`], with upstream's `.frequency` file beside
//! it; [`Recording::merge_policy`] folds an earlier policy in (`--append`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::seccomp::generate::{self, Observed};
use crate::seccomp::policy::{Op, Policy};
use crate::seccomp::Arch;
use crate::{Command, Jail, LaunchError, SeccompFilter, SockFilter};

/// Syscalls every policy gets, as upstream's generator adds them: a
/// program may end or be interrupted without having made them in the run.
pub const BASIC_SET: [&str; 4] = ["restart_syscall", "exit", "exit_group", "rt_sigreturn"];

/// What a recorded run saw.
#[derive(Clone, Debug)]
pub struct Recording {
    /// The syscalls, by name.
    pub calls: BTreeMap<String, Observed>,
    /// How the program ended.
    pub status: crate::ExitStatus,
    /// Why the recording may miss calls (the program was killed, or timed
    /// out); None when it ended by itself.
    pub incomplete: Option<String>,
    /// Stage 2 went on before execve (a static program, `-T static`): the
    /// recording starts at execve and covers the dynamic loader, if any.
    pub from_execve: bool,
}

/// The filter that records: it allows everything, and the supervisor is
/// told of every call.
pub fn recording_filter() -> SeccompFilter {
    SeccompFilter {
        program: vec![SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: crate::seccomp::policy::ret::ALLOW,
        }],
        label: "(recording)".into(),
        record: true,
        ..SeccompFilter::default()
    }
}

/// Run `cmd` in `jail` (whose own seccomp filter, if any, is replaced by
/// the recording one) and record its syscalls. After `timeout` the
/// program is killed and the recording marked incomplete.
pub fn record(
    jail: &Jail,
    cmd: &Command,
    timeout: Option<Duration>,
) -> Result<Recording, LaunchError> {
    let mut jail = jail.clone();
    jail.seccomp_filter(recording_filter());
    let mut child = jail.spawn(cmd)?;
    let timed_out = wait_or_kill(&child, timeout);
    let status = child.wait().map_err(|e| {
        LaunchError::os(
            "waiting for the recorded program",
            e.raw_os_error().unwrap_or(0),
        )
    })?;
    let findings = child.finish_supervision(Duration::from_secs(2));
    if findings.as_ref().and_then(|f| f.program_pid).is_none() {
        return Err(LaunchError::NothingRecorded);
    }
    let findings = findings.unwrap_or_default();
    let arch = Arch::try_native().map_err(|_| LaunchError::CannotRecord)?;
    let mut calls = findings.calls_by_name(arch);
    for name in BASIC_SET {
        calls.entry(name.to_owned()).or_insert_with(|| Observed {
            count: 1,
            ..Observed::default()
        });
    }
    let incomplete = match (timed_out, child.death()) {
        (Some(t), _) => Some(format!(
            "the program was killed after the {} s timeout",
            t.as_secs_f64()
        )),
        (None, Some(crate::death::Death::Signaled { signal, .. })) => Some(format!(
            "the program was killed by {}",
            crate::death::signal_name(*signal)
        )),
        _ => None,
    };
    Ok(Recording {
        calls,
        status,
        incomplete,
        from_execve: child.stage2_before_exec(),
    })
}

/// Wait for the program until `timeout`; kill it then. Returns the
/// timeout when it had to kill.
fn wait_or_kill(child: &crate::JailedProcess, timeout: Option<Duration>) -> Option<Duration> {
    let timeout = timeout?;
    let deadline = Instant::now() + timeout;
    // SAFETY: pidfd_open of our own, unreaped child.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.pid(), 0) } as libc::c_int;
    if pidfd < 0 {
        return None;
    }
    let mut exited = false;
    while !exited {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let mut p = libc::pollfd {
            fd: pidfd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one valid pollfd.
        let n = unsafe { libc::poll(&mut p, 1, left.as_millis().min(60_000) as libc::c_int) };
        exited = n > 0;
    }
    // SAFETY: closing the pidfd we opened.
    unsafe { libc::close(pidfd) };
    if exited {
        return None;
    }
    let _ = child.signal(libc::SIGKILL);
    Some(timeout)
}

impl Recording {
    /// Fold in the policy `text` (and its `.frequency` counts) written by an
    /// earlier run: its filters widen to cover both runs.
    pub fn merge_policy(&mut self, policy: &Policy, frequencies: &BTreeMap<String, u64>) {
        for rule in &policy.rules {
            let mut o = Observed {
                count: frequencies.get(&rule.name).copied().unwrap_or(1),
                ..Observed::default()
            };
            for filter in rule.filters.iter().filter(|f| f.action.allows()) {
                match &filter.expr {
                    None => {
                        o.unfiltered.extend(0..6);
                    }
                    Some(dnf) => {
                        for atom in dnf.iter().flatten() {
                            let i = usize::from(atom.arg);
                            match atom.op {
                                Op::Eq | Op::In => {
                                    o.values.entry(i).or_default().insert(atom.value);
                                }
                                _ => {
                                    o.unfiltered.insert(i);
                                }
                            }
                        }
                    }
                }
            }
            self.calls.entry(rule.name.clone()).or_default().merge(&o);
        }
    }

    /// The policy text: a header saying what it covers, then one line per
    /// syscall, most frequent first.
    pub fn policy_text(&self, arch: Arch, what: &str) -> String {
        let what = what.replace('\n', "\\n");
        let mut out = format!("# Recorded by `jail policy record` from: {what}\n");
        if self.from_execve {
            out.push_str(
                "# The jail was applied before execve (a static program, or -T static): this\n# covers the program from execve on, the dynamic loader included.\n",
            );
        } else {
            out.push_str(
                "# Recorded after the preload's constructor, where minijail0 installs the\n# filter: the dynamic loader's calls are not needed.\n",
            );
        }
        if let Some(why) = &self.incomplete {
            out.push_str(&format!(
                "# INCOMPLETE: {why}; calls it would have made later are missing.\n"
            ));
        }
        for (name, o) in generate::by_frequency(&self.calls) {
            out.push_str(&format!("{name}: {}\n", generate::rule_expr(arch, name, o)));
        }
        out
    }

    /// Upstream's `.frequency` file for this recording.
    pub fn frequency_text(&self) -> String {
        generate::frequency_file(&self.calls)
    }
}

/// Read a `.frequency` file (`name: count` lines, `#` comments).
pub fn read_frequencies(path: &Path) -> BTreeMap<String, u64> {
    let text = crate::input_file::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let l = l.split('#').next()?.trim();
            let (name, n) = l.split_once(':')?;
            Some((name.trim().to_owned(), n.trim().parse().ok()?))
        })
        .collect()
}
