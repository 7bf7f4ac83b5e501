//! A jailed program on its own pseudo-terminal, relayed by the launcher
//! (`--pty`, [`Jail::pty`](crate::Jail::pty), `jail_set_pty`).
//!
//! The pair is opened before fork; the child only makes the slave its std
//! fds and controlling terminal in a new session (dup2, setsid,
//! TIOCSCTTY). The launcher relays between its own std fds and the master:
//! the caller's terminal is in raw mode while the program runs, so Ctrl-C
//! and Ctrl-Z become bytes that the pty's line discipline turns into
//! signals for the program's foreground process group, and job control
//! works inside. The window size is copied at start and on every SIGWINCH.
//! The caller's terminal never reaches the program (every other fd is
//! closed, and a pid namespace's init leaves the caller's session too), so
//! TIOCSTI into it is impossible.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::sys;

/// A new pty: the master stays with the launcher, the slave goes to the
/// program.
#[derive(Debug)]
pub(crate) struct Pair {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

fn last_error() -> io::Error {
    io::Error::last_os_error()
}

/// The caller's terminal: the first of stdin, stdout and stderr that is one.
fn caller_tty() -> Option<RawFd> {
    (0..3).find(|&fd| sys::is_tty(fd))
}

/// Open a pty pair, both ends close-on-exec, the slave with the caller's
/// terminal settings and window size when the caller has a terminal.
pub(crate) fn open_pair() -> io::Result<Pair> {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: posix_openpt takes only flags.
    let fd = unsafe { libc::posix_openpt(flags) };
    if fd < 0 {
        return Err(last_error());
    }
    // SAFETY: a fresh fd we own.
    let master = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: unlockpt on our own master. grantpt is a no-op with devpts.
    if unsafe { libc::unlockpt(fd) } != 0 {
        return Err(last_error());
    }
    // The slave through the master (TIOCGPTPEER), not by a /dev/pts path
    // that another mount could shadow.
    // SAFETY: TIOCGPTPEER takes open flags and returns a new fd.
    let s = unsafe { libc::ioctl(fd, libc::TIOCGPTPEER, flags) };
    if s < 0 {
        return Err(last_error());
    }
    // SAFETY: a fresh fd we own.
    let slave = unsafe { OwnedFd::from_raw_fd(s) };
    if let Some(tty) = caller_tty() {
        if let Some(t) = termios_of(tty) {
            // SAFETY: a termios read from a terminal, set on another.
            unsafe { libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &t) };
        }
        copy_window_size(tty, master.as_raw_fd());
    }
    Ok(Pair { master, slave })
}

fn termios_of(fd: RawFd) -> Option<libc::termios> {
    // SAFETY: an all-zero termios is a valid out-buffer.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: tcgetattr writes into a valid termios.
    (unsafe { libc::tcgetattr(fd, &mut t) } == 0).then_some(t)
}

/// Give the pty `to` the window size of terminal `from`; the kernel sends
/// SIGWINCH to the pty's foreground process group when it changes.
fn copy_window_size(from: RawFd, to: RawFd) {
    // SAFETY: an all-zero winsize is a valid out-buffer.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ/TIOCSWINSZ with a valid winsize.
    unsafe {
        if libc::ioctl(from, libc::TIOCGWINSZ, &mut ws) == 0 {
            libc::ioctl(to, libc::TIOCSWINSZ, &ws);
        }
    }
}

/// The caller's terminal in raw mode; its exact settings come back on drop.
struct RawMode {
    fd: RawFd,
    saved: libc::termios,
}

impl RawMode {
    fn enter(fd: RawFd) -> Option<RawMode> {
        let saved = termios_of(fd)?;
        let mut raw = saved;
        // SAFETY: cfmakeraw edits a valid termios; tcsetattr sets it.
        unsafe {
            libc::cfmakeraw(&mut raw);
            if libc::tcsetattr(fd, libc::TCSADRAIN, &raw) != 0 {
                return None;
            }
        }
        Some(RawMode { fd, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restoring settings read from this terminal.
        unsafe { libc::tcsetattr(self.fd, libc::TCSADRAIN, &self.saved) };
    }
}

/// The signals the relay takes itself while it runs: window changes, the
/// ones that end the session, and SIGPIPE (a closed stdout is not fatal).
const RELAY_SIGNALS: [libc::c_int; 5] = [
    libc::SIGWINCH,
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGPIPE,
];

/// RELAY_SIGNALS blocked in this thread and readable from a signalfd;
/// the old mask comes back on drop, after pending ones are taken.
struct RelaySignals {
    fd: OwnedFd,
    old: libc::sigset_t,
}

impl RelaySignals {
    fn new() -> io::Result<RelaySignals> {
        // SAFETY: sigset_t values initialised by sigemptyset; the mask and
        // signalfd calls take valid sets.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for sig in RELAY_SIGNALS {
                libc::sigaddset(&mut set, sig);
            }
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            let fd = libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
            if fd < 0 {
                let e = last_error();
                libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
                return Err(e);
            }
            Ok(RelaySignals {
                fd: OwnedFd::from_raw_fd(fd),
                old,
            })
        }
    }

    /// The next pending signal, if any.
    fn next(&self) -> Option<libc::c_int> {
        // SAFETY: an all-zero signalfd_siginfo is a valid out-buffer.
        let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
        let len = std::mem::size_of::<libc::signalfd_siginfo>();
        // SAFETY: reading one record into a buffer of its size.
        let n = unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                (&mut info as *mut libc::signalfd_siginfo).cast(),
                len,
            )
        };
        (n == len as isize).then_some(info.ssi_signo as libc::c_int)
    }
}

impl Drop for RelaySignals {
    fn drop(&mut self) {
        // Take what is still pending, so a SIGPIPE of ours does not strike
        // once unblocked; anything later is handled as before the relay.
        while self.next().is_some() {}
        // SAFETY: restoring the mask saved in new().
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
    }
}

/// A pidfd for `pid`: readable once it has exited (it stays unreaped).
fn pidfd(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(last_error());
    }
    // SAFETY: a fresh fd we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

fn set_nonblocking(fd: RawFd) {
    // SAFETY: F_GETFL/F_SETFL on an fd we hold.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
}

/// What one read or write did.
enum Io {
    Done(usize),
    WouldBlock,
    /// End of file, or an error that ends this direction (EIO: hung up).
    Closed,
}

fn read_fd(fd: RawFd, buf: &mut [u8]) -> Io {
    loop {
        // SAFETY: reading into a valid buffer of its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            return Io::Done(n as usize);
        }
        if n == 0 {
            return Io::Closed;
        }
        match sys::errno() {
            libc::EINTR => continue,
            libc::EAGAIN => return Io::WouldBlock,
            _ => return Io::Closed,
        }
    }
}

fn write_fd(fd: RawFd, buf: &[u8]) -> Io {
    loop {
        // SAFETY: writing from a valid buffer of its length.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Io::Done(n as usize);
        }
        match sys::errno() {
            libc::EINTR => continue,
            libc::EAGAIN => return Io::WouldBlock,
            _ => return Io::Closed,
        }
    }
}

/// The launcher's side of a program's pty.
#[derive(Debug)]
pub struct Relay {
    /// None once hung up (the launcher's SIGTERM/SIGINT/SIGHUP, or the
    /// caller's terminal hung up).
    master: Option<OwnedFd>,
    /// Every slave fd is closed (EIO). The master stays open until the
    /// program has exited: closing it would hang up, and SIGHUP, a program
    /// that closed its std fds but still runs (cat does, at exit).
    slave_gone: bool,
    /// When a forwarded SIGTERM/SIGINT/SIGHUP turns into a hang-up: the
    /// program first gets a moment to die of the signal itself, so its
    /// status names that signal and not the SIGHUP (lower-numbered, it
    /// would be delivered first were both pending).
    hangup_at: Option<std::time::Instant>,
}

/// How long a signalled program has before the pty is hung up.
const HANGUP_GRACE: std::time::Duration = std::time::Duration::from_millis(200);

/// The relay's state between polls.
struct Streams {
    /// stdin is still read (not at end of file, no hang-up).
    stdin_open: bool,
    stdin_is_tty: bool,
    /// Bytes from stdin not yet taken by the master.
    pending: Vec<u8>,
    /// The last byte read from stdin (end of file needs a line end first).
    last_in: Option<u8>,
    /// stdout still takes output (not a closed pipe).
    stdout_open: bool,
}

impl Relay {
    pub(crate) fn new(master: OwnedFd) -> Relay {
        set_nonblocking(master.as_raw_fd());
        Relay {
            master: Some(master),
            slave_gone: false,
            hangup_at: None,
        }
    }

    /// Relay between the launcher's std fds and the pty until process
    /// `pid` has exited; it is left for the caller to reap. SIGTERM,
    /// SIGINT or SIGHUP to the launcher restores the caller's terminal at
    /// once, goes on to `pid`, and, unless `pid` dies of it within
    /// HANGUP_GRACE, hangs up the pty (which sends SIGHUP to
    /// the program's session).
    pub(crate) fn run(mut self, pid: libc::pid_t) -> io::Result<()> {
        let exited = pidfd(pid)?;
        let signals = RelaySignals::new()?;
        let mut raw = RawMode::enter(0);
        let mut s = Streams {
            stdin_open: true,
            stdin_is_tty: raw.is_some() || sys::is_tty(0),
            pending: Vec::new(),
            last_in: None,
            stdout_open: true,
        };
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let master = match &self.master {
                Some(m) if !self.slave_gone => m.as_raw_fd(),
                _ => -1,
            };
            let want_stdin = s.stdin_open && s.pending.is_empty() && master >= 0;
            let mut pfds = [
                poll_entry(if want_stdin { 0 } else { -1 }, libc::POLLIN),
                poll_entry(
                    master,
                    libc::POLLIN
                        | if s.pending.is_empty() {
                            0
                        } else {
                            libc::POLLOUT
                        },
                ),
                poll_entry(signals.fd.as_raw_fd(), libc::POLLIN),
                poll_entry(exited.as_raw_fd(), libc::POLLIN),
            ];
            let timeout = self.poll_timeout();
            // SAFETY: poll on an array of valid pollfds.
            if unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout) } < 0 {
                if sys::errno() == libc::EINTR {
                    continue;
                }
                return Err(last_error());
            }
            self.hang_up_when_due();
            if pfds[3].revents != 0 {
                self.drain(&mut s, &mut buf);
                return Ok(());
            }
            if pfds[2].revents != 0 {
                while let Some(sig) = signals.next() {
                    self.on_signal(sig, pid, &mut raw);
                }
            }
            if pfds[1].revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 {
                self.master_to_stdout(&mut s, &mut buf);
            }
            if pfds[1].revents & libc::POLLOUT != 0 {
                self.stdin_to_master(&mut s);
            }
            if pfds[0].revents != 0 {
                self.read_stdin(&mut s, &mut buf);
            }
        }
    }

    fn on_signal(&mut self, sig: libc::c_int, pid: libc::pid_t, raw: &mut Option<RawMode>) {
        match sig {
            libc::SIGWINCH => {
                if let (Some(tty), Some(m)) = (caller_tty(), &self.master) {
                    copy_window_size(tty, m.as_raw_fd());
                }
            }
            libc::SIGPIPE => {}
            _ => {
                *raw = None;
                // SAFETY: signalling our own, not yet reaped, child.
                unsafe { libc::kill(pid, sig) };
                self.hangup_at
                    .get_or_insert_with(|| std::time::Instant::now() + HANGUP_GRACE);
            }
        }
    }

    /// Milliseconds poll may sleep: forever, or until the hang-up is due.
    fn poll_timeout(&self) -> libc::c_int {
        match self.hangup_at {
            None => -1,
            Some(at) => {
                let left = at.saturating_duration_since(std::time::Instant::now());
                left.as_millis().min(libc::c_int::MAX as u128) as libc::c_int
            }
        }
    }

    /// Hang up the pty once the grace after a forwarded signal is over
    /// (which sends SIGHUP to the program's session: an interactive shell
    /// ignores SIGTERM and SIGINT).
    fn hang_up_when_due(&mut self) {
        if self
            .hangup_at
            .is_some_and(|at| std::time::Instant::now() >= at)
        {
            self.master = None;
            self.hangup_at = None;
        }
    }

    fn master_to_stdout(&mut self, s: &mut Streams, buf: &mut [u8]) {
        let Some(m) = &self.master else { return };
        match read_fd(m.as_raw_fd(), buf) {
            Io::Done(n) => {
                if s.stdout_open && sys::write_all(1, &buf[..n]).is_err() {
                    s.stdout_open = false;
                }
            }
            Io::WouldBlock => {}
            // Every slave fd is closed; the program is about to be done.
            Io::Closed => self.slave_gone = true,
        }
    }

    fn stdin_to_master(&mut self, s: &mut Streams) {
        let Some(m) = &self.master else { return };
        match write_fd(m.as_raw_fd(), &s.pending) {
            Io::Done(n) => {
                s.pending.drain(..n);
            }
            Io::WouldBlock => {}
            Io::Closed => {
                s.pending.clear();
                s.stdin_open = false;
            }
        }
    }

    fn read_stdin(&mut self, s: &mut Streams, buf: &mut [u8]) {
        match read_fd(0, buf) {
            Io::Done(n) => {
                s.pending.extend_from_slice(&buf[..n]);
                s.last_in = Some(buf[n - 1]);
            }
            Io::WouldBlock => {}
            Io::Closed => {
                s.stdin_open = false;
                if s.stdin_is_tty {
                    // A raw terminal reads no end of file: it hung up.
                    self.master = None;
                } else {
                    self.queue_end_of_file(s);
                }
            }
        }
    }

    /// Stdin (a pipe or file) ended: the program reads end of file, as it
    /// would from a terminal on Ctrl-D. A canonical-mode pty needs VEOF at
    /// the start of a line: one to end a pending line, one for the EOF.
    fn queue_end_of_file(&self, s: &mut Streams) {
        let Some(t) = self.master.as_ref().and_then(|m| termios_of(m.as_raw_fd())) else {
            return;
        };
        if t.c_lflag & libc::ICANON == 0 {
            return;
        }
        let veof = t.c_cc[libc::VEOF];
        if s.last_in.is_some_and(|b| b != b'\n') {
            s.pending.push(veof);
        }
        s.pending.push(veof);
    }

    /// After the program exited: copy what it still wrote, until every
    /// slave is closed or nothing comes for a moment (a leftover process
    /// outside a pid namespace may hold the slave open).
    fn drain(&mut self, s: &mut Streams, buf: &mut [u8]) {
        while let Some(m) = self.master.as_ref().filter(|_| !self.slave_gone) {
            let mut pfd = poll_entry(m.as_raw_fd(), libc::POLLIN);
            // SAFETY: poll on one valid pollfd.
            if unsafe { libc::poll(&mut pfd, 1, 100) } <= 0 {
                return;
            }
            self.master_to_stdout(s, buf);
        }
    }
}

fn poll_entry(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}
