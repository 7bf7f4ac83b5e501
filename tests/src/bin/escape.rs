//! The escape helper: run inside a jail, it tries one way out per
//! subcommand and prints `escaped: <what>` when the attempt worked or
//! `blocked: <why>` when it did not, exiting 0 either way so a test can
//! tell "the jail held" from "the helper crashed". tests/tests/escape.rs
//! runs every attempt in a typical jail (must print `blocked`) and, where
//! that means something, in a control jail without the restriction (must
//! print `escaped`), so each test can fail.

use std::ffi::CString;
use std::io::Write;
use std::os::unix::fs::MetadataExt;

fn escaped(what: impl std::fmt::Display) {
    println!("escaped: {what}");
}

fn blocked(why: impl std::fmt::Display) {
    println!("blocked: {why}");
}

/// `rc` of a libc call: Ok or the errno as an io::Error.
fn check(rc: i64) -> std::io::Result<i64> {
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

fn report(attempt: &str, r: std::io::Result<i64>) {
    match r {
        Ok(_) => escaped(attempt),
        Err(e) => blocked(format!("{attempt}: {e}")),
    }
}

/// What a program that runs as its launcher's uid tries against its
/// parent (the launcher, or a pid namespace's init): attach with ptrace
/// (from there it could make the parent exec anything, without the jail),
/// read its environment, reach its open fds through /proc.
fn take_over_parent() {
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() };
    println!("parent pid {parent}");
    // SAFETY: PTRACE_ATTACH stops the parent; detached at once below.
    let attached = check(unsafe { libc::ptrace(libc::PTRACE_ATTACH, parent, 0, 0) });
    if attached.is_ok() {
        let mut st = 0;
        // SAFETY: waiting for the tracee's stop, then detaching it.
        unsafe {
            libc::waitpid(parent, &mut st, libc::__WALL);
            libc::ptrace(libc::PTRACE_DETACH, parent, 0, 0);
        }
    }
    report("PTRACE_ATTACH the parent", attached);
    match std::fs::read(format!("/proc/{parent}/environ")) {
        Ok(env) => escaped(format!("read the parent's environ ({} bytes)", env.len())),
        Err(e) => blocked(format!("read the parent's environ: {e}")),
    }
    let fds = std::fs::read_dir(format!("/proc/{parent}/fd")).and_then(|dir| {
        let mut targets = Vec::new();
        for entry in dir {
            let path = entry?.path();
            targets.push(std::fs::read_link(&path)?.display().to_string());
        }
        Ok(targets)
    });
    match fds {
        Ok(t) => escaped(format!("listed the parent's fds: {}", t.join(" "))),
        Err(e) => blocked(format!("list the parent's fds: {e}")),
    }
    match std::fs::File::open(format!("/proc/{parent}/fd/0")) {
        Ok(_) => escaped("opened the parent's fd 0 through /proc"),
        Err(e) => blocked(format!("open the parent's fd 0 through /proc: {e}")),
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in argument")
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Try to raise every capability in the permitted and effective sets.
fn capset_all() -> std::io::Result<i64> {
    let mut header = CapHeader {
        version: 0x2008_0522,
        pid: 0,
    };
    // Every capability the kernel knows: bits above cap_last_cap are
    // refused as "not a subset" even for full root.
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40);
    let all = (1u64 << (last + 1)) - 1;
    let data = [
        CapData {
            effective: all as u32,
            permitted: all as u32,
            inheritable: 0,
        },
        CapData {
            effective: (all >> 32) as u32,
            permitted: (all >> 32) as u32,
            inheritable: 0,
        },
    ];
    // SAFETY: capset with a v3 header and two data words.
    check(unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) })
}

/// Enter a new user and mount namespace as root of it (the unprivileged
/// way to get CAP_SYS_ADMIN back, over one's own namespaces only).
fn enter_userns() -> std::io::Result<()> {
    // SAFETY: plain id queries.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: unshare with namespace flags only.
    check(unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) }.into())?;
    std::fs::write("/proc/self/setgroups", "deny").ok();
    std::fs::write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    std::fs::write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    Ok(())
}

fn umount(path: &str) -> std::io::Result<i64> {
    let p = cstr(path);
    // SAFETY: umount2 with a valid path.
    check(unsafe { libc::umount2(p.as_ptr(), libc::MNT_DETACH) }.into())
}

fn remount_rw(path: &str) -> std::io::Result<i64> {
    let p = cstr(path);
    // SAFETY: mount with valid strings; a remount of an existing bind.
    check(
        unsafe {
            libc::mount(
                std::ptr::null(),
                p.as_ptr(),
                std::ptr::null(),
                libc::MS_REMOUNT | libc::MS_BIND,
                std::ptr::null(),
            )
        }
        .into(),
    )
}

fn mount_tmpfs(path: &str) -> std::io::Result<i64> {
    let p = cstr(path);
    let fstype = cstr("tmpfs");
    // SAFETY: mount with valid strings.
    check(
        unsafe {
            libc::mount(
                fstype.as_ptr(),
                p.as_ptr(),
                fstype.as_ptr(),
                0,
                std::ptr::null(),
            )
        }
        .into(),
    )
}

/// pivot_root into `dir` (a mount point) with the old root at `dir/old`.
fn pivot(dir: &str) -> std::io::Result<i64> {
    let new_root = cstr(dir);
    let old = cstr(&format!("{dir}/old"));
    // SAFETY: pivot_root with valid paths.
    check(unsafe { libc::syscall(libc::SYS_pivot_root, new_root.as_ptr(), old.as_ptr()) })
}

/// Look for the handoff: the variable in environ or in the exec-time
/// environment block, or any inherited pipe besides stdio.
fn handoff() {
    let mut found = Vec::new();
    for (k, v) in std::env::vars_os() {
        if k.to_string_lossy().contains("JAIL_HANDOFF") {
            found.push(format!("variable {k:?}={v:?} in environ"));
        }
    }
    let block = std::fs::read("/proc/self/environ").unwrap_or_default();
    if block.windows(12).any(|w| w == b"JAIL_HANDOFF") {
        found.push("variable in /proc/self/environ".into());
    }
    for fd in 3..1024 {
        // SAFETY: fstat on an integer fd with a valid out-pointer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(fd, &mut st) } == 0 && st.st_mode & libc::S_IFMT == libc::S_IFIFO {
            let mut b = [0u8; 64];
            // SAFETY: non-blocking read attempt into a local buffer.
            let n = unsafe {
                libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK);
                libc::read(fd, b.as_mut_ptr().cast(), b.len())
            };
            found.push(format!("pipe fd {fd} (read returned {n})"));
        }
    }
    if found.is_empty() {
        blocked("no handoff variable or pipe visible");
    } else {
        escaped(found.join("; "));
    }
}

/// Look for a file the launcher had open: by path in /proc/self/fd and by
/// device and inode on every fd number.
fn find_fd(path: &str) {
    let target = match std::fs::metadata(path) {
        Ok(m) => (m.dev(), m.ino()),
        Err(e) => return blocked(format!("stat {path}: {e}")),
    };
    for fd in 3..4096 {
        // SAFETY: fstat on an integer fd with a valid out-pointer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(fd, &mut st) } == 0 && (st.st_dev, st.st_ino) == target {
            let mut b = [0u8; 16];
            // SAFETY: pread into a local buffer.
            let n = unsafe { libc::pread(fd, b.as_mut_ptr().cast(), b.len(), 0) };
            return escaped(format!("fd {fd} is {path} (read {n} bytes)"));
        }
    }
    blocked(format!("no fd refers to {path}"))
}

fn connect(addr: &str) {
    let addr: std::net::SocketAddr = addr.parse().expect("ip:port");
    match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2)) {
        Ok(_) => escaped(format!("connected to {addr}")),
        Err(e) => blocked(format!("connect {addr}: {e}")),
    }
}

fn rlimit_raise(hard: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit with a valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    let old = lim.rlim_max;
    lim.rlim_max = hard;
    lim.rlim_cur = hard;
    // SAFETY: setrlimit with a valid rlimit.
    let r = check(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }.into());
    report(
        &format!("raise RLIMIT_NOFILE hard limit {old} -> {hard}"),
        r,
    );
}

const LANDLOCK_CREATE_RULESET: libc::c_long = 444;
const LANDLOCK_ADD_RULE: libc::c_long = 445;
const LANDLOCK_RESTRICT_SELF: libc::c_long = 446;

/// Read `path`; then stack a new Landlock domain that allows everything
/// under / and read again; then have a fresh program (cat) read it.
fn landlock_leave(path: &str) {
    let mut results = Vec::new();
    match std::fs::read(path) {
        Ok(_) => return escaped(format!("read {path}")),
        Err(e) => results.push(format!("read: {e}")),
    }
    #[repr(C)]
    struct RulesetAttr {
        handled_access_fs: u64,
    }
    #[repr(C, packed)]
    struct PathBeneath {
        allowed_access: u64,
        parent_fd: i32,
    }
    let all_fs = (1u64 << 13) - 1;
    let attr = RulesetAttr {
        handled_access_fs: all_fs,
    };
    // SAFETY: landlock syscalls with valid, sized arguments; fds are ours.
    let loosened = unsafe {
        let rs = libc::syscall(
            LANDLOCK_CREATE_RULESET,
            &attr,
            std::mem::size_of::<RulesetAttr>(),
            0,
        );
        let root = libc::open(c"/".as_ptr(), libc::O_PATH | libc::O_CLOEXEC);
        let rule = PathBeneath {
            allowed_access: all_fs,
            parent_fd: root,
        };
        check(rs)
            .and_then(|rs| {
                check(libc::syscall(LANDLOCK_ADD_RULE, rs, 1, &rule, 0))?;
                check(libc::syscall(LANDLOCK_RESTRICT_SELF, rs, 0))
            })
            .map(drop)
    };
    results.push(format!("new permissive domain: {loosened:?}"));
    match std::fs::read(path) {
        Ok(_) => return escaped(format!("read {path} after stacking a permissive domain")),
        Err(e) => results.push(format!("read again: {e}")),
    }
    match std::process::Command::new("/bin/cat").arg(path).output() {
        Ok(o) if o.status.success() => return escaped(format!("cat {path}")),
        Ok(o) => results.push(format!(
            "cat: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => results.push(format!("cat: {e}")),
    }
    blocked(results.join("; "))
}

/// mkdir from a second thread (the filter must cover every thread).
fn thread_mkdir(path: &str) {
    let path = path.to_owned();
    let r = std::thread::spawn(move || std::fs::create_dir(&path).map(|_| 0))
        .join()
        .expect("thread");
    report("mkdir from a second thread", r);
}

/// TIOCSTI one byte into the terminal on `fd`, after saying whether the
/// terminal is this process's controlling terminal.
fn tiocsti(fd: i32) {
    let mut sid: libc::pid_t = 0;
    // SAFETY: TIOCGSID with a valid out-pointer.
    let got = unsafe { libc::ioctl(fd, libc::TIOCGSID, &mut sid) } == 0;
    // SAFETY: getsid(0) queries this process.
    let ctty = got && sid == unsafe { libc::getsid(0) };
    println!("controlling_tty={ctty}");
    let c: libc::c_char = b'#' as libc::c_char;
    // SAFETY: TIOCSTI with a pointer to one byte.
    report(
        "TIOCSTI into the terminal",
        check(unsafe { libc::ioctl(fd, libc::TIOCSTI, &c) }.into()),
    );
}

/// Become a session leader with the terminal on stdin as controlling
/// terminal (as a login shell is), then launch `escape tiocsti 0` in a jail
/// that drops root; `setsid` says whether the jail starts a new session.
fn ctty_launch(setsid: bool) {
    // SAFETY: setsid and TIOCSCTTY in this single-threaded process.
    unsafe {
        libc::setsid();
        if libc::ioctl(0, libc::TIOCSCTTY, 0) != 0 {
            return println!("setup: TIOCSCTTY: {}", std::io::Error::last_os_error());
        }
    }
    let mut jail = jail::Jail::new();
    jail.change_uid(65534)
        .change_gid(65534)
        .use_caps(0)
        .no_new_privs()
        .new_session(setsid);
    let me = std::env::current_exe().expect("exe");
    let mut cmd = jail::Command::new(&me);
    cmd.args(["tiocsti", "0"]);
    let waited = jail
        .spawn(&cmd)
        .map_err(|e| e.to_string())
        .and_then(|mut c| c.wait().map_err(|e| e.to_string()));
    match waited {
        Ok(status) => println!("status={status}"),
        Err(e) => println!("setup: {e}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let pid = || -> libc::pid_t { arg(1).parse().expect("pid") };
    match arg(0) {
        "see-pid" => {
            let p = pid();
            let listed = std::path::Path::new(&format!("/proc/{p}")).exists();
            // SAFETY: signal 0 only checks existence and permission.
            let alive = unsafe { libc::kill(p, 0) } == 0;
            if listed || alive {
                escaped(format!("pid {p}: in /proc {listed}, kill(0) {alive}"));
            } else {
                blocked(format!(
                    "pid {p} not visible: {}",
                    std::io::Error::last_os_error()
                ));
            }
        }
        // SAFETY: sending SIGTERM to the pid under test.
        "signal" => report(
            "kill(SIGTERM)",
            check(unsafe { libc::kill(pid(), libc::SIGTERM) }.into()),
        ),
        "write" => report("write", std::fs::write(arg(1), b"x").map(|_| 0)),
        "mount-tmpfs" => report("mount tmpfs", mount_tmpfs(arg(1))),
        "umount" => report("umount", umount(arg(1))),
        "remount-rw" => report("remount rw", remount_rw(arg(1))),
        "pivot" => report("pivot_root", pivot(arg(1))),
        // Regain CAP_SYS_ADMIN through a new user namespace, then act on
        // the mounts the jail made (they are locked to the outer one).
        "userns" => match enter_userns() {
            Err(e) => blocked(format!("new user namespace: {e}")),
            Ok(()) => {
                let (what, r) = match arg(1) {
                    "umount" => ("umount from a new user ns", umount(arg(2))),
                    "remount-rw" => ("remount rw from a new user ns", remount_rw(arg(2))),
                    _ => (
                        "write from a new user ns",
                        std::fs::write(arg(2), b"x").map(|_| 0),
                    ),
                };
                report(what, r)
            }
        },
        "capset-all" => report("capset all capabilities", capset_all()),
        "exec" => {
            let prog = cstr(arg(1));
            let argv: Vec<CString> = args[1..].iter().map(|a| cstr(a)).collect();
            let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
            ptrs.push(std::ptr::null());
            // SAFETY: NUL-terminated program and argv array.
            unsafe { libc::execv(prog.as_ptr(), ptrs.as_ptr()) };
            blocked(format!("execv: {}", std::io::Error::last_os_error()));
        }
        "setuid0" => {
            // SAFETY: raw setresuid (per process via the libc wrapper).
            let r = check(unsafe { libc::setresuid(0, 0, 0) }.into());
            // SAFETY: plain id query.
            let euid = unsafe { libc::geteuid() };
            match r {
                Ok(_) if euid == 0 => escaped("setresuid(0) and euid is 0"),
                Ok(_) => blocked(format!("setresuid(0) returned 0 but euid is {euid}")),
                Err(e) => blocked(format!("setresuid(0): {e}")),
            }
        }
        "tiocsti" => tiocsti(arg(1).parse().expect("fd")),
        "ctty-launch" => ctty_launch(arg(1) == "setsid"),
        "handoff" => handoff(),
        "find-fd" => find_fd(arg(1)),
        "environ" => {
            let block = std::fs::read("/proc/self/environ").unwrap_or_default();
            for entry in block.split(|&b| b == 0).filter(|e| !e.is_empty()) {
                println!("{}", String::from_utf8_lossy(entry));
            }
        }
        "ptrace" => {
            let p = pid();
            // SAFETY: PTRACE_SEIZE does not stop the tracee; the tracer's
            // exit detaches it.
            report(
                "PTRACE_SEIZE the launcher",
                check(unsafe { libc::ptrace(libc::PTRACE_SEIZE, p, 0, 0) }),
            );
        }
        "take-over-parent" => take_over_parent(),
        "connect" => connect(arg(1)),
        "rlimit-raise" => rlimit_raise(arg(1).parse().expect("limit")),
        "landlock-leave" => landlock_leave(arg(1)),
        "thread-mkdir" => thread_mkdir(arg(1)),
        other => {
            eprintln!("escape: unknown attempt '{other}'");
            std::process::exit(2);
        }
    }
    std::io::stdout().flush().ok();
}
