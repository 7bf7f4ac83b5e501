//! The preload library: stage 2 of a jail, applied in a constructor after
//! the dynamic loader has mapped the program and its libraries.
//!
//! The launcher passes the read end of a pipe whose number is in
//! `__JAIL_HANDOFF_FD`. The constructor reads and checks the framed config,
//! applies it, then scrubs: closes the fd, removes the variable and its own
//! entry from `LD_PRELOAD`, so the program and its children never see the
//! handoff. Then it applies the config: the new root first (the program
//! was exec'd from the caller's filesystem), ids, caps, no_new_privs,
//! Landlock, the "applied" acknowledgement to the launcher, and last the
//! seccomp filter. Any failure prints one line and exits 252 before `main`
//! runs.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicI32, Ordering};

use jail_enter::{report, wire, Stage2, Step, EXIT_PRELOAD_FAILED};

const PREFIX: &str = "libjailpreload";

/// The launcher's acknowledgement channel, once the handoff named it.
static ACK_FD: AtomicI32 = AtomicI32::new(-1);

fn die(message: &str) -> ! {
    report::line(PREFIX, message);
    tell_launcher_failed();
    // SAFETY: _exit ends the process without running the program's code.
    unsafe { libc::_exit(EXIT_PRELOAD_FAILED) }
}

/// Say [`jail_enter::FAILED`] on the acknowledgement channel, if there is
/// one still open and a reader listens (no SIGPIPE).
fn tell_launcher_failed() {
    let fd = ACK_FD.load(Ordering::Relaxed);
    if fd < 0 {
        return;
    }
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: poll on one pollfd, without waiting; a closed fd comes back
    // as POLLNVAL and is not written to.
    let polled = unsafe { libc::poll(&mut pfd, 1, 0) };
    if polled == 1 && pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) == 0 {
        // SAFETY: writing one byte from a live buffer; the result does not
        // matter, the process exits next.
        let _ = unsafe { libc::write(fd, [jail_enter::FAILED].as_ptr().cast(), 1) };
    }
}

/// The handoff fd, validated: a number, open, and a pipe.
fn handoff_fd() -> Result<libc::c_int, String> {
    let name = CString::new(wire::HANDOFF_FD_ENV).expect("no NUL");
    // SAFETY: getenv with a valid C string; the constructor runs before any
    // thread of the program exists, so the environment is not changing.
    let value = unsafe { libc::getenv(name.as_ptr()) };
    if value.is_null() {
        return Err(format!(
            "{} is not set: this library is loaded only by the jail launcher; refusing to run the program unjailed",
            wire::HANDOFF_FD_ENV
        ));
    }
    // SAFETY: getenv returned a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(value) }
        .to_string_lossy()
        .into_owned();
    let fd: libc::c_int = text.parse().ok().filter(|&fd| fd > 2).ok_or_else(|| {
        format!(
            "{}={text:?} is not a handoff fd number",
            wire::HANDOFF_FD_ENV
        )
    })?;
    // SAFETY: an all-zero stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat on an integer fd with a valid out-pointer.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(format!(
            "{}={fd}: fd is not open: {}",
            wire::HANDOFF_FD_ENV,
            std::io::Error::last_os_error()
        ));
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFIFO {
        return Err(format!("{}={fd}: fd is not a pipe", wire::HANDOFF_FD_ENV));
    }
    Ok(fd)
}

/// Bounds of the exec-time strings on the initial stack. The kernel puts
/// the random bytes (AT_RANDOM) below the argument and environment strings
/// and the executable's name (AT_EXECFN) right above them, so every
/// exec-time `name=value` string lies strictly between the two. Read from
/// the auxiliary vector: no /proc needed, and nothing to parse.
fn env_block() -> Option<(usize, usize)> {
    // SAFETY: getauxval reads the auxiliary vector; 0 means absent.
    let (random, execfn) = unsafe {
        (
            libc::getauxval(libc::AT_RANDOM) as usize,
            libc::getauxval(libc::AT_EXECFN) as usize,
        )
    };
    (random != 0 && execfn > random).then_some((random + 16, execfn))
}

/// The bytes of the `name=value` string the environment holds for `name`,
/// when they lie in the exec-time block (the program can read that block
/// from its stack and from /proc/self/environ even after unsetenv).
fn original_entry(name: &CStr, block: Option<(usize, usize)>) -> Option<(*mut u8, usize)> {
    let (start, end) = block?;
    // SAFETY: getenv with a valid C string, single-threaded (see handoff_fd).
    let value = unsafe { libc::getenv(name.as_ptr()) };
    if value.is_null() {
        return None;
    }
    // SAFETY: getenv returned a NUL-terminated string.
    let value_len = unsafe { CStr::from_ptr(value) }.to_bytes().len();
    let name_len = name.to_bytes().len() + 1;
    let entry = (value as usize).checked_sub(name_len)?;
    let len = name_len + value_len;
    (entry >= start && entry + len <= end).then_some((entry as *mut u8, len))
}

/// Overwrite an entry found by [`original_entry`] once nothing points to it.
fn wipe(entry: Option<(*mut u8, usize)>) {
    if let Some((ptr, len)) = entry {
        // SAFETY: the range is inside the process's exec-time environment
        // block (writable stack memory), and environ no longer refers to it
        // (the variable was unset or replaced by a new string).
        unsafe { std::ptr::write_bytes(ptr, 0, len) };
    }
}

/// Remove our variable and our own LD_PRELOAD entry from the environment,
/// and wipe their exec-time bytes.
fn scrub(stage2: &Stage2) {
    let block = env_block();
    let fd_var = CString::new(wire::HANDOFF_FD_ENV).expect("no NUL");
    let original = original_entry(&fd_var, block);
    // SAFETY: the constructor runs single-threaded, before main.
    unsafe { libc::unsetenv(fd_var.as_ptr()) };
    wipe(original);
    let Some(entry) = &stage2.preload_entry else {
        return;
    };
    close_handed_over_library(entry);
    let key = CString::new("LD_PRELOAD").expect("no NUL");
    let original = original_entry(&key, block);
    let Ok(current) = std::env::var("LD_PRELOAD") else {
        return;
    };
    // The loader accepts spaces and colons as separators; keep the caller's
    // entries, in order, with the separator they used.
    let separator = if current.contains(':') { ':' } else { ' ' };
    let kept: Vec<&str> = current
        .split([' ', ':'])
        .filter(|e| !e.is_empty() && e != entry)
        .collect();
    if kept.is_empty() {
        // SAFETY: single-threaded, see above.
        unsafe { libc::unsetenv(key.as_ptr()) };
    } else if let Ok(value) = CString::new(kept.join(&separator.to_string())) {
        // SAFETY: single-threaded, see above.
        unsafe { libc::setenv(key.as_ptr(), value.as_ptr(), 1) };
    } else {
        return;
    }
    // The loader parsed LD_PRELOAD before any constructor ran and keeps
    // no pointer into it.
    wipe(original);
}

/// A library whose path the loader would split (a space or a colon) was
/// handed over as an inherited fd named `/proc/self/fd/N`: the loader has
/// mapped it, so the fd is closed before the program runs.
fn close_handed_over_library(entry: &str) {
    if let Some(fd) = entry
        .strip_prefix(wire::PRELOAD_FD_PREFIX)
        .and_then(|n| n.parse::<libc::c_int>().ok())
        .filter(|&fd| fd > 2)
    {
        // SAFETY: closing an fd the launcher gave this process for the loader.
        unsafe { libc::close(fd) };
    }
}

/// Whether this process has exactly one thread ([`jail_enter::single_threaded`]);
/// should the kernel refuse the question (an inherited seccomp filter),
/// count the threads in /proc/self/status instead.
fn single_threaded() -> Result<bool, String> {
    let error = match jail_enter::single_threaded() {
        Ok(answer) => return Ok(answer),
        Err(error) => error,
    };
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| {
        format!(
            "cannot count this process's threads: unshare(CLONE_THREAD) failed ({error}) and reading /proc/self/status failed: {e}; the jail needs one of them"
        )
    })?;
    Ok(status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .is_some_and(|v| v.trim() == "1"))
}

fn enter() -> Result<(), String> {
    // A secure-execution process (setuid, file caps) must not take orders
    // from its environment.
    // SAFETY: getauxval reads the auxiliary vector.
    if unsafe { libc::getauxval(libc::AT_SECURE) } != 0 {
        return Err("refusing to apply a jail from the environment of a secure-execution (setuid/setgid/file-capability) program".into());
    }
    let fd = handoff_fd()?;
    // SAFETY: the fd was validated as an open pipe that this process owns;
    // File closes it when dropped, so the program never inherits it.
    let mut pipe = unsafe { File::from_raw_fd(fd) };
    let (stage2, prepared) = jail_enter::handoff_from_reader(&mut pipe)?;
    drop(pipe);
    ACK_FD.store(stage2.ack_fd.unwrap_or(-1), Ordering::Relaxed);
    // Ids and caps are changed per thread with raw syscalls; another thread
    // (started by an earlier constructor) would keep the old privileges.
    // (Checked once the handoff is read, so the launcher hears of it.)
    if !single_threaded()? {
        return Err("the process has more than one thread before the jail could be applied (a library constructor started them); refusing to run it partly jailed".into());
    }
    scrub(&stage2);
    prepared.apply().map_err(|e| match prepared.new_root() {
        Some(root) if matches!(e.step, Step::Chroot | Step::PivotRoot) => {
            format!("{e} (new root {})", root.to_string_lossy())
        }
        _ => e.to_string(),
    })
}

#[ctor::ctor]
fn jail_preload_init() {
    if let Err(message) = enter() {
        die(&message);
    }
}
