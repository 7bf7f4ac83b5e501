//! A seccomp filter the launcher supervises: blocked syscalls go to the
//! launcher through a user-notify listener (`SECCOMP_RET_USER_NOTIF`)
//! instead of killing at once, so it can say which call it was and then
//! kill the process itself; `-L` and policy recording let the calls go on.
//!
//! Why this is sound. A thread that makes a blocked call is suspended in
//! the kernel until the launcher answers; no code of the program runs in
//! it again, and the launcher never lets a blocked call proceed: it kills
//! the process (SIGSYS when the program's SIGSYS disposition is the
//! default, so it dies exactly as from `SECCOMP_RET_KILL`; SIGKILL
//! otherwise or when SIGSYS does not end it). Nothing in the program can
//! change that: handlers, masks and exec do not reach a thread waiting in
//! the kernel, and every thread, child and exec'd program inherits the
//! filter and so the listener. The program never holds the listener: its
//! fd exists in the program only between seccomp(2) and the `close` the
//! launcher's answer lets through, both in this constructor, before any
//! code of the program runs. The one weaker case is a launcher that is
//! gone (killed): the kernel then fails blocked calls with ENOSYS. They
//! still never run.
//!
//! Handing the listener over without a call the policy might block:
//! before the filter goes on, the process sends the launcher, over the
//! report socket, a pidfd of itself and the number the listener will get
//! (the lowest number free once that pidfd and the socket are closed
//! again: the kernel hands out the lowest). The filter is prefixed with
//! one rule of its own, `close(listener)` goes to the listener; while the
//! process waits there, the launcher takes the listener with
//! pidfd_getfd(2) and lets that close run.

use std::cell::Cell;

pub use crate::config::Notify;
use crate::config::SockFilter;
use crate::error::{EnterError, Step};
use crate::fd::{close_fd, errno};

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;

const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_KILL_THREAD: u32 = 0;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;
const RET_LOG: u32 = 0x7ffc_0000;
const RET_ACTION_FULL: u32 = 0xffff_0000;

const FLAG_NEW_LISTENER: u32 = 1 << 3;
const FLAG_TSYNC_ESRCH: u32 = 1 << 4;
/// Linux 5.19: once the launcher has taken a notification, only a fatal
/// signal interrupts the waiting call. Without it a signal (a child's
/// SIGCHLD) arriving while the launcher answers fails the call with EINTR
/// when its handler lacks SA_RESTART: fork in a shell, under recording.
const FLAG_WAIT_KILLABLE_RECV: u32 = 1 << 5;

#[cfg(target_arch = "x86_64")]
const NATIVE: Option<(u32, u32)> = Some((0xc000_003e, 3));
#[cfg(target_arch = "aarch64")]
const NATIVE: Option<(u32, u32)> = Some((0xc000_00b7, 57));
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const NATIVE: Option<(u32, u32)> = None;

/// Instructions of the prefix; the main program follows.
const PREFIX_LEN: usize = 9;
/// Where the listener's fd number goes, once known.
const LISTENER_SLOT: usize = 7;

fn stmt(code: u16, k: u32) -> SockFilter {
    SockFilter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jeq(k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter {
        code: BPF_JEQ_K,
        jt,
        jf,
        k,
    }
}

/// The program to install: the prefix, then `program` with the notified
/// returns turned into `SECCOMP_RET_USER_NOTIF`. None where it cannot be
/// supervised (another architecture, or a program that already notifies).
pub fn supervised_program(program: &[SockFilter], notify: Notify) -> Option<Vec<SockFilter>> {
    let (audit_arch, nr_close) = NATIVE?;
    let returns = |code: u16, k: u32| code == BPF_RET_K && k & RET_ACTION_FULL == RET_USER_NOTIF;
    if program.iter().any(|i| returns(i.code, i.k)) {
        return None;
    }
    let skip = |at: usize| (PREFIX_LEN - at - 1) as u8;
    let mut out = vec![
        stmt(BPF_LD_W_ABS, 4),
        jeq(audit_arch, 0, skip(1)),
        stmt(BPF_LD_W_ABS, 0),
        jeq(nr_close, 0, skip(3)),
        stmt(BPF_LD_W_ABS, 20),
        jeq(0, 0, skip(5)),
        stmt(BPF_LD_W_ABS, 16),
        jeq(u32::MAX, 0, skip(7)),
        stmt(BPF_RET_K, RET_USER_NOTIF),
    ];
    debug_assert_eq!(out.len(), PREFIX_LEN);
    if notify == Notify::Everything {
        out.push(stmt(BPF_RET_K, RET_USER_NOTIF));
        return Some(out);
    }
    out.extend(program.iter().map(|i| {
        let kills = matches!(i.k, RET_KILL_PROCESS | RET_KILL_THREAD);
        let logs = notify == Notify::KillsAndLogs && i.k == RET_LOG;
        if i.code == BPF_RET_K && (kills || logs) {
            stmt(BPF_RET_K, RET_USER_NOTIF)
        } else {
            *i
        }
    }));
    (out.len() <= 4096).then_some(out)
}

/// A supervised filter ready to install: the listener's slot is written
/// at install time, without allocating.
#[derive(Clone, Debug)]
pub struct Supervised {
    program: Vec<Cell<SockFilter>>,
    report_fd: i32,
}

impl Supervised {
    /// `program` from [`supervised_program`]; `report_fd` is the report
    /// socket's number in this process.
    pub fn new(program: Vec<SockFilter>, report_fd: i32) -> Supervised {
        Supervised {
            program: program.into_iter().map(Cell::new).collect(),
            report_fd,
        }
    }

    fn seccomp(&self, flags: u32) -> libc::c_long {
        #[repr(C)]
        struct Fprog {
            len: u16,
            filter: *const Cell<SockFilter>,
        }
        let prog = Fprog {
            len: self.program.len() as u16,
            filter: self.program.as_ptr(),
        };
        // SAFETY: Cell<SockFilter> has SockFilter's layout; the kernel
        // copies the program during the call.
        unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags,
                &prog as *const Fprog,
            )
        }
    }

    /// Hand the launcher what it needs, install, and wait at the
    /// rendezvous (see the module doc). The launcher supervises only when
    /// it runs under no filter itself, so no outer filter has a listener.
    pub fn install(&self, flags: u32) -> Result<(), EnterError> {
        let fail = |errno| EnterError::new(Step::SeccompInstall, errno, None);
        let pidfd = pidfd_self().map_err(fail)?;
        // Every number below the pidfd's is taken (it got the lowest).
        let listener_fd = pidfd.min(self.report_fd);
        let sent = send_fd(self.report_fd, pidfd, listener_fd);
        close_fd(pidfd);
        close_fd(self.report_fd);
        sent.map_err(fail)?;
        let mut listener_flags = flags | FLAG_NEW_LISTENER;
        if flags & libc::SECCOMP_FILTER_FLAG_TSYNC as u32 != 0 {
            listener_flags |= FLAG_TSYNC_ESRCH;
        }
        let slot = &self.program[LISTENER_SLOT];
        slot.set(SockFilter {
            k: listener_fd as u32,
            ..slot.get()
        });
        let mut rc = self.seccomp(listener_flags | FLAG_WAIT_KILLABLE_RECV);
        if rc < 0 && errno() == libc::EINVAL {
            rc = self.seccomp(listener_flags); // Before 5.19.
        }
        if rc < 0 {
            return Err(EnterError::last(Step::SeccompInstall, None));
        }
        let listener = rc as i32;
        // The rendezvous: the launcher takes the listener, then lets this run.
        close_fd(listener);
        if listener != listener_fd {
            return Err(fail(libc::EBADFD));
        }
        Ok(())
    }
}

fn pidfd_self() -> Result<i32, i32> {
    // SAFETY: pidfd_open of our own pid with no flags.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) };
    if fd < 0 {
        return Err(errno());
    }
    Ok(fd as i32)
}

/// Send `fd` and the number `listener` over the unix socket `socket`,
/// with stack buffers only.
fn send_fd(socket: i32, fd: i32, listener: i32) -> Result<(), i32> {
    #[repr(C)]
    union Control {
        buf: [u8; 64],
        _align: libc::cmsghdr,
    }
    let number = listener.to_ne_bytes();
    let mut iov = libc::iovec {
        iov_base: number.as_ptr() as *mut libc::c_void,
        iov_len: number.len(),
    };
    let mut control = Control { buf: [0; 64] };
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<i32>() as u32) } as usize;
    // SAFETY: an all-zero msghdr is valid; its pointers are filled below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: the union is 64 bytes, more than CMSG_SPACE(4).
    msg.msg_control = unsafe { control.buf.as_mut_ptr() }.cast();
    msg.msg_controllen = space as _;
    // SAFETY: msg_control points at `space` writable bytes; CMSG_FIRSTHDR
    // and CMSG_DATA stay inside them.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<i32>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<i32>(), fd);
    }
    loop {
        // SAFETY: msg and everything it points to are live.
        let n = unsafe { libc::sendmsg(socket, &msg, libc::MSG_NOSIGNAL) };
        if n >= 0 {
            return Ok(());
        }
        let e = errno();
        if e != libc::EINTR {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kills_become_notifications_and_the_prefix_leads() {
        let program = [
            stmt(BPF_RET_K, RET_KILL_PROCESS),
            stmt(BPF_RET_K, RET_LOG),
            stmt(BPF_RET_K, 0x7fff_0000),
        ];
        let Some(out) = supervised_program(&program, Notify::Kills) else {
            jail_testkit::skip!("no supervision on this architecture");
        };
        assert_eq!(out.len(), PREFIX_LEN + 3);
        assert_eq!(out[PREFIX_LEN].k, RET_USER_NOTIF);
        assert_eq!(out[PREFIX_LEN + 1].k, RET_LOG);
        assert_eq!(out[LISTENER_SLOT].k, u32::MAX);
        assert_eq!(out[LISTENER_SLOT + 1].k, RET_USER_NOTIF);
        let logs = supervised_program(&program, Notify::KillsAndLogs).unwrap();
        assert_eq!(logs[PREFIX_LEN + 1].k, RET_USER_NOTIF);
        let notifying = [stmt(BPF_RET_K, RET_USER_NOTIF)];
        assert!(supervised_program(&notifying, Notify::Kills).is_none());
    }
}
