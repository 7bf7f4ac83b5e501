//! Thin syscall wrappers used between fork and execve. None allocates; each
//! returns the errno on failure.

use std::ffi::CStr;
use std::os::fd::{FromRawFd, OwnedFd};

pub use jail_enter::fd::{errno, write_all, Errno, Fd};

/// Map a libc return value (-1 on failure) to a Result.
pub fn check(rc: libc::c_long) -> Result<libc::c_long, Errno> {
    if rc < 0 {
        Err(errno())
    } else {
        Ok(rc)
    }
}

/// PR_SET_DUMPABLE: whether processes of the same uid may ptrace this one
/// or open its /proc/PID/{environ,fd,mem,...}. Per address space: a child
/// sharing our memory shares the flag.
pub fn set_dumpable(dumpable: bool) -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments.
    let rc = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, dumpable as libc::c_ulong, 0, 0, 0) };
    check(rc.into()).map(drop)
}

/// This process's real and effective uid.
pub fn uids() -> (libc::uid_t, libc::uid_t) {
    // SAFETY: getuid and geteuid have no preconditions.
    unsafe { (libc::getuid(), libc::geteuid()) }
}

/// Whether this process is dumpable (PR_GET_DUMPABLE is 1).
pub fn is_dumpable() -> bool {
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) == 1 }
}

/// fork-like clone(2) with namespace flags; returns 0 in the child.
///
/// Raw clone rather than fork(3): CLONE_NEWPID and CLONE_NEWUSER must be
/// given at creation, and glibc's atfork handlers (which may allocate) are
/// not run in the child.
pub fn clone_process(ns_flags: libc::c_int) -> Result<libc::pid_t, Errno> {
    // SAFETY: with no CLONE_VM and a null stack, clone behaves like fork: the
    // child gets a copy of the address space and returns 0 on the same stack.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (ns_flags | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    check(rc).map(|pid| pid as libc::pid_t)
}

/// A stack for a child that shares our memory, with a guard page below
/// it: an overflow faults (and kills the child, whose signals are all
/// blocked) instead of writing into whatever the caller has mapped there.
/// Mapped with MAP_NORESERVE, so only the pages the child touches cost.
pub struct GuardedStack {
    base: *mut libc::c_void,
    len: usize,
}

impl GuardedStack {
    /// Usable size: the child runs stage 1 and stage 2 (no-preload mode)
    /// on it, never the caller's hooks (those run in a forked copy).
    pub const SIZE: usize = 512 << 10;
    /// The guard below the stack; a frame larger than this could jump it,
    /// and the child's code has none (no large arrays on the stack).
    pub const GUARD: usize = 64 << 10;

    pub fn new() -> Result<GuardedStack, Errno> {
        let len = Self::GUARD + Self::SIZE;
        // SAFETY: a fresh anonymous private mapping; checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(errno());
        }
        let stack = GuardedStack { base, len };
        // SAFETY: the lowest GUARD bytes of our own mapping.
        check(unsafe { libc::mprotect(base, Self::GUARD, libc::PROT_NONE) }.into())?;
        Ok(stack)
    }

    /// The initial stack pointer (the stack grows down from here).
    pub fn top(&self) -> *mut libc::c_void {
        // SAFETY: one past the end of our own mapping.
        unsafe { self.base.cast::<u8>().add(self.len).cast() }
    }

    /// The guard's address range, [start, end).
    #[cfg(test)]
    pub fn guard(&self) -> (usize, usize) {
        (self.base as usize, self.base as usize + Self::GUARD)
    }
}

impl Drop for GuardedStack {
    fn drop(&mut self) {
        // SAFETY: unmapping our own mapping. The owner keeps the stack
        // until every child running on it has exec'd or exited.
        unsafe { libc::munmap(self.base, self.len) };
    }
}

/// Clone a child that shares our memory (CLONE_VM, as posix_spawn does):
/// no page tables are copied, so the cost does not grow with the caller's
/// size. `ns_flags` may add CLONE_NEWPID and CLONE_NEWUSER. With `vfork`
/// we are suspended until the child execs or exits; without, we run on
/// while it does (to write its uid/gid maps, say) and must not touch what
/// it uses until it has.
///
/// `entry(arg)` runs on `stack` with every signal blocked (the caller's
/// doing) and the calling thread's TLS: it must only make syscalls, take
/// no lock, allocate nothing, and exec or `_exit`, never return.
///
/// # Safety
///
/// `arg` and `stack` must stay valid until the child has exec'd or
/// exited, and `entry` must not write anything the caller relies on.
pub unsafe fn clone_vm(
    ns_flags: libc::c_int,
    vfork: bool,
    stack: &GuardedStack,
    entry: extern "C" fn(*mut libc::c_void) -> libc::c_int,
    arg: *mut libc::c_void,
) -> Result<libc::pid_t, Errno> {
    let mut flags = libc::CLONE_VM | ns_flags | libc::SIGCHLD;
    if vfork {
        flags |= libc::CLONE_VFORK;
    }
    // SAFETY: the caller keeps `arg` and `stack` alive (see above); the
    // child starts on the top of a mapping it alone uses.
    let pid = unsafe { libc::clone(entry, stack.top(), flags, arg) };
    if pid < 0 {
        Err(errno())
    } else {
        Ok(pid)
    }
}

/// openat2(2) with RESOLVE_IN_ROOT: `path` is resolved as if `root` were
/// `/`, so `..` and absolute symlinks cannot leave it. O_NOFOLLOW makes a
/// final symlink come back as itself, for the caller to refuse.
pub fn open_in_root(
    root: libc::c_int,
    path: &CStr,
    flags: libc::c_int,
) -> Result<libc::c_int, Errno> {
    // SAFETY: an all-zero open_how is valid; we set the fields we use.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC | libc::O_NOFOLLOW) as u64;
    how.resolve = libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS;
    // EAGAIN: a rename or mount elsewhere on the system raced a `..`
    // and the kernel could not prove it stayed inside; openat2(2) says
    // to retry. Bounded, in case something keeps racing it.
    let mut tries = 0;
    loop {
        // SAFETY: path is NUL-terminated and how is a valid open_how of the given size.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                root,
                path.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        match check(rc) {
            Err(libc::EAGAIN) if tries < 128 => tries += 1,
            result => return result.map(|fd| fd as libc::c_int),
        }
    }
}

/// open(2) a path with O_PATH|O_CLOEXEC (plus `flags`).
pub fn open_path(path: &CStr, flags: libc::c_int) -> Result<libc::c_int, Errno> {
    // SAFETY: path is NUL-terminated.
    let rc = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC | flags) };
    check(rc.into()).map(|fd| fd as libc::c_int)
}

/// End this process at once with `status`, running none of the
/// launcher's atexit code (the child of a fork).
pub fn exit_now(status: i32) -> ! {
    // SAFETY: _exit has no preconditions and does not return.
    unsafe { libc::_exit(status) }
}

/// open(2) with O_CLOEXEC.
pub fn open(path: &CStr, flags: libc::c_int) -> Result<libc::c_int, Errno> {
    // SAFETY: path is NUL-terminated.
    let rc = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    check(rc.into()).map(|fd| fd as libc::c_int)
}

/// The CLONE_NEW* type of a namespace fd (NS_GET_NSTYPE).
pub fn namespace_type(fd: libc::c_int) -> Result<libc::c_int, Errno> {
    // SAFETY: NS_GET_NSTYPE takes no argument and returns the CLONE_NEW* type.
    let rc = unsafe { libc::ioctl(fd, libc::NS_GET_NSTYPE) };
    check(rc.into()).map(|kind| kind as libc::c_int)
}

/// Whether `fd` is open in this process.
pub fn fd_is_open(fd: libc::c_int) -> bool {
    // SAFETY: F_GETFD only queries the fd.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// This process's pid.
pub fn getpid() -> libc::pid_t {
    // SAFETY: getpid has no preconditions.
    unsafe { libc::getpid() }
}

/// This process's effective uid and gid.
pub fn effective_ids() -> (libc::uid_t, libc::gid_t) {
    // SAFETY: geteuid and getegid have no preconditions.
    unsafe { (libc::geteuid(), libc::getegid()) }
}

/// An empty signal set.
pub fn empty_sigset() -> libc::sigset_t {
    // SAFETY: an all-zero sigset_t is valid; sigemptyset makes it empty.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        set
    }
}

/// Whether the file at `path` has the extended attribute `name`.
pub fn has_xattr(path: &CStr, name: &CStr) -> bool {
    // SAFETY: a size query (null buffer, size 0) on NUL-terminated strings.
    unsafe { libc::getxattr(path.as_ptr(), name.as_ptr(), std::ptr::null_mut(), 0) > 0 }
}

/// The file type bits of an fd (S_IFDIR, S_IFLNK, ...).
pub fn file_type(fd: libc::c_int) -> Result<libc::mode_t, Errno> {
    // SAFETY: an all-zero stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat with a valid out-pointer.
    check(unsafe { libc::fstat(fd, &mut st) }.into())?;
    Ok(st.st_mode & libc::S_IFMT)
}

pub fn close(fd: libc::c_int) {
    if fd >= 0 {
        // SAFETY: closing an fd the caller owns.
        unsafe { libc::close(fd) };
    }
}

/// close_range(2) over [first, last].
pub fn close_range(first: u32, last: u32) -> Result<(), Errno> {
    if first > last {
        return Ok(());
    }
    // SAFETY: plain syscall on integers.
    check(unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) }).map(drop)
}

/// mount(2) with optional fields.
pub fn mount(
    source: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: libc::c_ulong,
    data: Option<&CStr>,
) -> Result<(), Errno> {
    let ptr = |s: Option<&CStr>| s.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: every pointer is null or a NUL-terminated string outliving the call.
    let rc = unsafe {
        libc::mount(
            ptr(source),
            target.as_ptr(),
            ptr(fstype),
            flags,
            ptr(data).cast(),
        )
    };
    check(rc.into()).map(drop)
}

/// Read into `buf` until full or end of file; returns the count read.
pub fn read_full(fd: libc::c_int, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: the destination is the live tail of buf.
        let n = unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        if n < 0 {
            let e = errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            break;
        }
        got += n as usize;
    }
    Ok(got)
}

/// Wait for our child `pid` to end (retrying on EINTR); its wait status,
/// 0 if it could not be waited for.
pub fn wait_for(pid: libc::pid_t) -> libc::c_int {
    let mut status = 0;
    // SAFETY: waiting for our own child into a local.
    while unsafe { libc::waitpid(pid, &mut status, 0) } < 0 && errno() == libc::EINTR {}
    status
}

/// A pipe with both ends close-on-exec: (read, write).
pub fn pipe() -> Result<(libc::c_int, libc::c_int), Errno> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid two-int out array.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }.into())?;
    Ok((fds[0], fds[1]))
}

/// A close-on-exec pipe whose two fds are numbered `min` or above, so the
/// child's dup2 onto lower numbers (the fds it hands the program) cannot
/// overwrite them.
pub fn pipe_at_or_above(min: libc::c_int) -> Result<(libc::c_int, libc::c_int), Errno> {
    let (read, write) = pipe()?;
    let lift = |fd: libc::c_int| -> Result<libc::c_int, Errno> {
        if fd >= min {
            return Ok(fd);
        }
        // SAFETY: F_DUPFD_CLOEXEC on an fd we own.
        let moved = check(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min) }.into());
        close(fd);
        moved.map(|m| m as libc::c_int)
    };
    let read = lift(read).inspect_err(|_| close(write))?;
    let write = lift(write).inspect_err(|_| close(read))?;
    Ok((read, write))
}

/// Whether fd is a terminal.
pub fn is_tty(fd: libc::c_int) -> bool {
    // SAFETY: an all-zero termios is a valid out-buffer for TCGETS.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: TCGETS writes a termios into a valid out-pointer.
    unsafe { libc::ioctl(fd, libc::TCGETS, &mut t) == 0 }
}

/// The new mount API's flags and attributes (linux/mount.h), defined here
/// so the code does not depend on which ones the libc crate exports.
pub mod mnt {
    pub const OPEN_TREE_CLONE: libc::c_uint = 0x1;
    pub const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x4;
    pub const MOVE_MOUNT_T_EMPTY_PATH: libc::c_uint = 0x40;
    pub const AT_RECURSIVE: libc::c_uint = 0x8000;
    pub const ATTR_RDONLY: u64 = 0x1;
    pub const ATTR_NOSUID: u64 = 0x2;
    pub const ATTR_NODEV: u64 = 0x4;
    pub const ATTR_NOEXEC: u64 = 0x8;
    pub const ATTR_ATIME_MASK: u64 = 0x70;
    pub const ATTR_NOATIME: u64 = 0x10;
    pub const ATTR_STRICTATIME: u64 = 0x20;
    pub const ATTR_NODIRATIME: u64 = 0x80;
    pub const ATTR_NOSYMFOLLOW: u64 = 0x20_0000;
}

/// `struct mount_attr` of mount_setattr(2).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct MountAttr {
    pub attr_set: u64,
    pub attr_clr: u64,
    pub propagation: u64,
    pub userns_fd: u64,
}

/// open_tree(2) with OPEN_TREE_CLONE: a detached copy of the mount tree at
/// `path` (recursive when asked), as an fd that move_mount can attach.
pub fn open_tree_clone(
    dirfd: libc::c_int,
    path: &CStr,
    recursive: bool,
) -> Result<libc::c_int, Errno> {
    let mut flags = mnt::OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint;
    if recursive {
        flags |= mnt::AT_RECURSIVE;
    }
    if path.is_empty() {
        flags |= libc::AT_EMPTY_PATH as libc::c_uint;
    }
    // SAFETY: path is NUL-terminated; the flags are plain integers.
    let rc = unsafe { libc::syscall(libc::SYS_open_tree, dirfd, path.as_ptr(), flags) };
    check(rc).map(|fd| fd as libc::c_int)
}

/// mount_setattr(2) on the mount (tree) an fd refers to.
pub fn mount_setattr_fd(fd: libc::c_int, recursive: bool, attr: &MountAttr) -> Result<(), Errno> {
    let mut flags = libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= mnt::AT_RECURSIVE;
    }
    // SAFETY: the empty path is NUL-terminated and attr is a valid
    // mount_attr of the given size.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd,
            c"".as_ptr(),
            flags,
            attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    check(rc).map(drop)
}

/// move_mount(2) of the detached tree `from` onto the file or directory
/// `to` refers to: no path is resolved, so nothing can redirect it.
pub fn move_mount_fd(from: libc::c_int, to: libc::c_int) -> Result<(), Errno> {
    // SAFETY: both paths are empty NUL-terminated strings; both fds are open.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            from,
            c"".as_ptr(),
            to,
            c"".as_ptr(),
            mnt::MOVE_MOUNT_F_EMPTY_PATH | mnt::MOVE_MOUNT_T_EMPTY_PATH,
        )
    };
    check(rc).map(drop)
}

/// fchdir(2).
pub fn fchdir(fd: libc::c_int) -> Result<(), Errno> {
    // SAFETY: plain syscall on an integer.
    check(unsafe { libc::fchdir(fd) }.into()).map(drop)
}

/// A close-on-exec AF_UNIX SOCK_SEQPACKET pair.
pub fn socketpair_seqpacket() -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [-1; 2];
    // SAFETY: socketpair writes two fds into the array.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    check(rc.into())?;
    // SAFETY: both fds are new and ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// This process's seccomp mode: 0 none, 1 strict, 2 filter.
pub fn seccomp_mode() -> libc::c_int {
    // SAFETY: PR_GET_SECCOMP takes no arguments.
    unsafe { libc::prctl(libc::PR_GET_SECCOMP) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eats the stack a page per frame until it faults.
    #[inline(never)]
    fn eat_stack(depth: usize) -> usize {
        let mut page = [0u8; 4096];
        page[0] = depth as u8;
        page[4095] = depth as u8;
        let page = std::hint::black_box(&mut page);
        let next: fn(usize) -> usize = std::hint::black_box(eat_stack);
        next(depth + 1) + page[depth % 4096] as usize
    }

    extern "C" fn overflowing_child(_: *mut libc::c_void) -> libc::c_int {
        // As in a launch: every signal blocked (the fault then kills the
        // child instead of running the test's handler); no core file.
        // SAFETY: plain syscalls on local structures.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::sigprocmask(libc::SIG_SETMASK, &all, std::ptr::null_mut());
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
        }
        let eaten = eat_stack(0);
        // SAFETY: ending the child (not reached: the guard faults first).
        unsafe { libc::_exit(eaten as libc::c_int) }
    }

    #[test]
    fn a_stack_overflow_in_the_shared_memory_child_hits_the_guard() {
        for _attempt in 0..8 {
            let stack = GuardedStack::new().expect("mapping a stack");
            let (guard_start, guard_end) = stack.guard();
            assert_eq!(guard_end - guard_start, GuardedStack::GUARD);
            // Memory of "the caller's" right below the guard, where the
            // overflow would go next.
            let len = 1 << 20;
            let at = guard_start - len;
            // SAFETY: a new mapping at a fixed address that is refused if
            // anything is mapped there already.
            let canary = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
                    -1,
                    0,
                )
            };
            if canary == libc::MAP_FAILED || canary as usize != at {
                continue; // Taken: try a stack elsewhere.
            }
            // SAFETY: `canary` is our own mapping of `len` bytes.
            let bytes = unsafe { std::slice::from_raw_parts_mut(canary.cast::<u8>(), len) };
            bytes.fill(0xa5);
            // SAFETY: the child only uses its own stack and exits or dies;
            // we are suspended until then (vfork).
            let pid = unsafe { clone_vm(0, true, &stack, overflowing_child, std::ptr::null_mut()) }
                .expect("clone");
            let mut status = 0;
            // SAFETY: reaping our own child.
            assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
            assert!(
                libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSEGV,
                "the child should die of SIGSEGV at the guard, wait status {status:#x}"
            );
            assert!(
                bytes.iter().all(|&b| b == 0xa5),
                "the overflow wrote below the child's stack"
            );
            // SAFETY: unmapping our own mapping.
            unsafe { libc::munmap(canary, len) };
            return;
        }
        panic!("no free address below the child's stack for the canary");
    }
}
