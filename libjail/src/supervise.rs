//! The launcher's side of a supervised seccomp filter: a thread that takes
//! the filter's user-notify listener from the jailed program and answers
//! every notification. A call the policy kills is explained (through
//! [`crate::seccomp::explain::explain`], the function `jail policy check`
//! uses) and the process is killed; a call it logs (`-L`), or any call when
//! recording, is counted and let run.
//!
//! Why the design is sound, and how the listener gets here without the
//! program ever holding it, is told in `jail_enter::supervise`.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use jail_enter::supervise::Notify;
use jail_enter::SockFilter;

use crate::seccomp::explain::{self, Explanation};
use crate::seccomp::generate::Observed;
use crate::seccomp::{Action, Policy, SeccompData};
use crate::sys;

// The request's type is the C library's (unsigned long in glibc, int in
// musl); the kernel reads the low 32 bits either way.
const NOTIF_RECV: libc::Ioctl = 0xc050_2100_u32 as libc::Ioctl;
const NOTIF_SEND: libc::Ioctl = 0xc018_2101_u32 as libc::Ioctl;
const NOTIF_ID_VALID: libc::Ioctl = 0x4008_2102_u32 as libc::Ioctl;
const FLAG_CONTINUE: u32 = 1;

#[repr(C)]
#[derive(Default)]
struct Notif {
    id: u64,
    pid: u32,
    flags: u32,
    nr: i32,
    arch: u32,
    instruction_pointer: u64,
    args: [u64; 6],
}

#[repr(C)]
struct NotifResp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

/// A process the supervisor killed for a blocked syscall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeccompKill {
    /// The thread that made the call (as the launcher sees pids).
    pub tid: libc::pid_t,
    /// Its process.
    pub tgid: libc::pid_t,
    /// The call, the rule that decided, and a line that would allow it.
    pub explanation: Explanation,
    /// The signal the process was killed with: SIGSYS, as the kernel's own
    /// seccomp kill, or SIGKILL when the program had taken over SIGSYS.
    pub signal: i32,
}

/// How many distinct values of one argument are kept.
pub const MAX_VALUES: usize = 256;

fn observe(o: &mut Observed, name: Option<&str>, args: &[u64; 6]) {
    o.count += 1;
    for (i, _) in name.map(explain::arg_kinds).unwrap_or(&[]) {
        let set = o.values.entry(*i).or_default();
        if set.len() < MAX_VALUES {
            set.insert(args[*i]);
        } else {
            o.unfiltered.insert(*i);
        }
    }
}

/// The supervisor's findings so far.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    /// The first blocked call, whose process was killed.
    pub kill: Option<SeccompKill>,
    /// Calls let run: the logged ones under `-L`, every one when
    /// recording. Keyed by (AUDIT_ARCH, syscall number).
    pub calls: BTreeMap<(u32, i32), Observed>,
    /// The jailed program's process (as the launcher sees pids): the one
    /// that handed over the listener.
    pub program_pid: Option<libc::pid_t>,
    /// Why supervision failed, if it did (the program was killed then).
    pub error: Option<String>,
    /// The listener reported that no process uses the filter any more.
    pub finished: bool,
}

/// A running supervisor; the thread ends when the last process using the
/// filter is gone.
#[derive(Debug)]
pub struct Supervisor {
    findings: Arc<Mutex<Findings>>,
    thread: Option<JoinHandle<()>>,
}

struct Job {
    notify: Notify,
    policy: Option<Arc<Policy>>,
    program: Vec<crate::seccomp::sock_filter>,
    findings: Arc<Mutex<Findings>>,
}

impl Findings {
    /// The calls let run, by syscall name, for `arch` (others dropped).
    pub fn calls_by_name(&self, arch: crate::seccomp::Arch) -> BTreeMap<String, Observed> {
        self.calls
            .iter()
            .filter(|((audit, _), _)| *audit == arch.audit_arch())
            .map(|((_, nr), o)| {
                let name = crate::seccomp::syscall_name(arch, (*nr).into())
                    .map_or_else(|| format!("{nr}"), str::to_owned);
                (name, o.clone())
            })
            .collect()
    }
}

impl Supervisor {
    /// Start supervising through `socket`, the launcher's end of the
    /// report socket. `program` is the filter as compiled (kills not yet
    /// turned into notifications), `policy` its source when known.
    pub fn start(
        socket: OwnedFd,
        notify: Notify,
        policy: Option<Arc<Policy>>,
        program: &[SockFilter],
    ) -> std::io::Result<Supervisor> {
        let findings = Arc::new(Mutex::new(Findings::default()));
        let job = Job {
            notify,
            policy,
            program: program
                .iter()
                .map(|i| crate::seccomp::sock_filter {
                    code: i.code,
                    jt: i.jt,
                    jf: i.jf,
                    k: i.k,
                })
                .collect(),
            findings: findings.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("jail-seccomp".into())
            .spawn(move || job.run(socket))?;
        Ok(Supervisor {
            findings,
            thread: Some(thread),
        })
    }

    /// A copy of the findings so far.
    pub fn findings(&self) -> Findings {
        self.findings.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Wait until no process uses the filter any more (or `timeout`
    /// passes), then return the findings.
    pub fn finish(&mut self, timeout: Duration) -> Findings {
        let deadline = std::time::Instant::now() + timeout;
        while self.thread.as_ref().is_some_and(|t| !t.is_finished())
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        if self.thread.as_ref().is_some_and(|t| t.is_finished()) {
            let _ = self.thread.take().map(JoinHandle::join);
        }
        self.findings()
    }
}

fn poll_one(fd: libc::c_int, timeout_ms: libc::c_int) -> libc::c_short {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one valid pollfd.
    match unsafe { libc::poll(&mut p, 1, timeout_ms) } {
        n if n > 0 => p.revents,
        _ => 0,
    }
}

/// The pidfd and listener number the program sends before its filter
/// goes on; None at end of file (it never got that far).
fn receive(socket: &OwnedFd) -> Option<(OwnedFd, libc::c_int)> {
    let mut number = [0u8; 4];
    let mut iov = libc::iovec {
        iov_base: number.as_mut_ptr().cast(),
        iov_len: number.len(),
    };
    let mut control = [0u64; 8];
    // SAFETY: an all-zero msghdr is valid; its pointers are set below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    let n = loop {
        // SAFETY: msg points at live buffers of the sizes given.
        let n = unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n >= 0 || sys::errno() != libc::EINTR {
            break n;
        }
    };
    // SAFETY: the kernel filled msg_control; CMSG_FIRSTHDR checks its length.
    let cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    if cmsg.is_null() {
        return None;
    }
    // SAFETY: a control message the kernel wrote, inside `control`.
    let fd = unsafe {
        ((*cmsg).cmsg_type == libc::SCM_RIGHTS)
            .then(|| std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>()))
    }?;
    // SAFETY: SCM_RIGHTS gave us this fd; we own it now.
    let pidfd = unsafe { OwnedFd::from_raw_fd(fd) };
    (n == 4).then(|| (pidfd, i32::from_ne_bytes(number)))
}

/// Whether `fd` is a seccomp listener: only a listener answers
/// NOTIF_ID_VALID for a made-up id with ENOENT.
fn is_listener(fd: libc::c_int) -> bool {
    let id: u64 = 0;
    // SAFETY: the ioctl reads one u64 from a live local.
    let rc = unsafe { libc::ioctl(fd, NOTIF_ID_VALID, &id) };
    rc < 0 && sys::errno() == libc::ENOENT
}

/// Take the listener, number `number`, out of the process of `pidfd`
/// once its filter is on. Ok(None): it never will be (the process ended
/// first). Until then the number is free, or still holds the pidfd the
/// process sent (closed just after sending): both mean "not yet".
fn take_listener(pidfd: &OwnedFd, number: libc::c_int) -> Result<Option<OwnedFd>, String> {
    let mut pause = Duration::from_micros(20);
    loop {
        // SAFETY: pidfd_getfd with a pidfd we own; no flags.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), number, 0) };
        let errno = sys::errno();
        if fd >= 0 {
            // SAFETY: pidfd_getfd returned a new fd of ours.
            let fd = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
            if is_listener(fd.as_raw_fd()) {
                return Ok(Some(fd));
            }
        } else if errno != libc::EBADF {
            return Err(format!(
                "cannot take the seccomp listener from the jailed program (pidfd_getfd: {}); it was killed",
                std::io::Error::from_raw_os_error(errno)
            ));
        }
        if poll_one(pidfd.as_raw_fd(), 0) & libc::POLLIN != 0 {
            return Ok(None);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

impl Job {
    fn run(self, socket: OwnedFd) {
        let Some((pidfd, number)) = receive(&socket) else {
            self.update(|f| f.finished = true);
            return;
        };
        drop(socket);
        let listener = match take_listener(&pidfd, number) {
            Ok(Some(l)) => l,
            Ok(None) => return self.update(|f| f.finished = true),
            Err(e) => {
                // SAFETY: signalling the process of a pidfd we own.
                unsafe {
                    libc::syscall(
                        libc::SYS_pidfd_send_signal,
                        pidfd.as_raw_fd(),
                        libc::SIGKILL,
                        0,
                        0,
                    )
                };
                return self.update(|f| {
                    f.error = Some(e);
                    f.finished = true;
                });
            }
        };
        drop(pidfd);
        self.serve(&listener, number);
        self.update(|f| f.finished = true);
    }

    fn update(&self, change: impl FnOnce(&mut Findings)) {
        if let Ok(mut f) = self.findings.lock() {
            change(&mut f);
        }
    }

    /// Answer notifications until no process uses the filter.
    fn serve(&self, listener: &OwnedFd, number: libc::c_int) {
        let mut rendezvous = true;
        loop {
            let revents = poll_one(listener.as_raw_fd(), -1);
            if revents & libc::POLLIN == 0 {
                if revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                    return;
                }
                continue;
            }
            let mut n = Notif::default();
            // SAFETY: RECV fills a zeroed struct seccomp_notif of this layout.
            if unsafe { libc::ioctl(listener.as_raw_fd(), NOTIF_RECV, &mut n) } < 0 {
                continue; // ENOENT: the caller died or was interrupted.
            }
            let data = SeccompData {
                nr: n.nr,
                arch: n.arch,
                instruction_pointer: n.instruction_pointer,
                args: n.args,
            };
            let close_listener = Some(data.nr as i64)
                == crate::seccomp::tables::syscall_number(
                    explain::arch_of_audit(data.arch).unwrap_or(crate::seccomp::Arch::X86_64),
                    "close",
                )
                && data.args[0] as i32 == number;
            if std::mem::take(&mut rendezvous) && close_listener {
                self.update(|f| f.program_pid = Some(n.pid as libc::pid_t));
                respond(listener, n.id, Ok(()));
                continue;
            }
            self.decide(listener, &n, &data);
        }
    }

    fn decide(&self, listener: &OwnedFd, n: &Notif, data: &SeccompData) {
        let action = match crate::seccomp::interp::run(&self.program, data) {
            Ok(v) => Action::from_ret(v.ret).unwrap_or(Action::KillProcess),
            Err(_) => Action::KillProcess,
        };
        let record = self.notify == Notify::Everything
            || (action == Action::Log && self.notify == Notify::KillsAndLogs);
        if record {
            let name = explain::arch_of_audit(data.arch)
                .and_then(|a| crate::seccomp::syscall_name(a, data.nr.into()));
            self.update(|f| {
                observe(
                    f.calls.entry((data.arch, data.nr)).or_default(),
                    name,
                    &data.args,
                )
            });
        }
        match action {
            _ if self.notify == Notify::Everything => respond(listener, n.id, Ok(())),
            Action::Allow | Action::Log => respond(listener, n.id, Ok(())),
            Action::Errno(e) => respond(listener, n.id, Err(i32::from(e))),
            _ => self.kill(listener, n, data),
        }
    }

    /// Explain a blocked call and kill its process. The call never runs:
    /// it is failed, after the signal is queued.
    fn kill(&self, listener: &OwnedFd, n: &Notif, data: &SeccompData) {
        let explanation = match &self.policy {
            Some(p) => explain::explain(p, data),
            None => explain::describe(data),
        };
        let tid = n.pid as libc::pid_t;
        let tgid = thread_group(tid).unwrap_or(tid);
        let signal = if sigsys_is_default(tid) {
            libc::SIGSYS
        } else {
            libc::SIGKILL
        };
        self.update(|f| {
            f.kill.get_or_insert(SeccompKill {
                tid,
                tgid,
                explanation,
                signal,
            });
        });
        // SAFETY: pidfd_open on a pid the kernel just named; no flags.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, tgid, 0) };
        // SAFETY: tgkill to the thread that is waiting in its blocked call.
        unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, signal) };
        // A call waiting killable (WAIT_KILLABLE_RECV) wakes for SIGKILL
        // only, not for SIGSYS, which must be taken on the way back to
        // user space: fail the call (it never runs), and the queued SIGSYS
        // ends the process before any of its code runs again.
        respond(listener, n.id, Err(libc::ENOSYS));
        if pidfd >= 0 {
            // SAFETY: pidfd_open gave us this fd.
            let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as libc::c_int) };
            if signal == libc::SIGKILL || poll_one(pidfd.as_raw_fd(), 1000) & libc::POLLIN != 0 {
                return;
            }
        }
        // SIGSYS did not end it (a handler was installed meanwhile).
        // SAFETY: kill with a valid signal.
        unsafe { libc::kill(tgid, libc::SIGKILL) };
    }
}

fn respond(listener: &OwnedFd, id: u64, result: Result<(), i32>) {
    let resp = NotifResp {
        id,
        val: 0,
        error: result.err().map_or(0, |e| -e),
        flags: if result.is_ok() { FLAG_CONTINUE } else { 0 },
    };
    // SAFETY: SEND reads a struct seccomp_notif_resp of this layout.
    unsafe { libc::ioctl(listener.as_raw_fd(), NOTIF_SEND, &resp) };
}

fn proc_status(tid: libc::pid_t) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{tid}/status")).ok()
}

fn status_field(status: &str, key: &str) -> Option<u64> {
    let v = status.lines().find_map(|l| l.strip_prefix(key))?.trim();
    u64::from_str_radix(v, 16).ok()
}

fn thread_group(tid: libc::pid_t) -> Option<libc::pid_t> {
    let s = proc_status(tid)?;
    s.lines()
        .find_map(|l| l.strip_prefix("Tgid:"))?
        .trim()
        .parse()
        .ok()
}

/// Whether SIGSYS would kill `tid` now: not blocked, ignored or caught.
fn sigsys_is_default(tid: libc::pid_t) -> bool {
    let Some(s) = proc_status(tid) else {
        return false;
    };
    let bit = 1u64 << (libc::SIGSYS - 1);
    ["SigBlk:", "SigIgn:", "SigCgt:"]
        .iter()
        .all(|k| status_field(&s, k).is_some_and(|v| v & bit == 0))
}
