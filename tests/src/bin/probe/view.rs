//! `probe view [PATH...]`: everything a program can tell about its jail,
//! one `section key value` line each, in a stable order, so two jails can
//! be compared line by line (the cross-face tests and
//! `scripts/differential.py`). Nothing host-specific is normalised here
//! except what changes on every run (mount ids, pipe inodes); namespace
//! inodes are printed raw for the caller to compare with its own.

use std::ffi::CString;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// Paths checked when none are given.
const DEFAULT_PATHS: &[&str] = &["/", "/etc/passwd", "/tmp", "/dev/null", "/proc/self/status"];

pub fn print(paths: &[String]) {
    ids();
    status();
    namespaces();
    mounts();
    limits();
    env();
    fds();
    devices();
    misc();
    if paths.is_empty() {
        DEFAULT_PATHS.iter().for_each(|p| access(p));
    } else {
        paths.iter().for_each(|p| access(p));
    }
}

fn ids() {
    // SAFETY: plain id queries.
    let (uid, euid, gid, egid) = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    };
    println!("id uid {uid}");
    println!("id euid {euid}");
    println!("id gid {gid}");
    println!("id egid {egid}");
}

fn status() {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if key.starts_with("Cap")
            || matches!(
                key,
                "Groups" | "NoNewPrivs" | "Seccomp" | "Seccomp_filters" | "SigBlk" | "SigIgn"
            )
        {
            println!("status {key} {}", value.trim());
        }
    }
    // SAFETY: PR_GET_SECUREBITS and PR_GET_DUMPABLE take no pointer.
    let (bits, dumpable) = unsafe {
        (
            libc::prctl(libc::PR_GET_SECUREBITS),
            libc::prctl(libc::PR_GET_DUMPABLE),
        )
    };
    println!("status securebits {bits}");
    println!("status dumpable {dumpable}");
}

fn namespaces() {
    for ns in ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"] {
        let link = std::fs::read_link(format!("/proc/self/ns/{ns}"))
            .map(|p| p.display().to_string())
            .unwrap_or_else(|e| format!("error: {e}"));
        println!("ns {ns} {link}");
    }
}

/// One line per mount: mount point, fstype, source, per-mount options,
/// propagation (peer numbers dropped), root within the filesystem, and
/// superblock options.
fn mounts() {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 6 || r.len() < 3 {
            continue;
        }
        let propagation: Vec<&str> = l[6..]
            .iter()
            .map(|f| f.split(':').next().unwrap_or(f))
            .collect();
        let propagation = if propagation.is_empty() {
            "private".to_owned()
        } else {
            propagation.join(",")
        };
        println!(
            "mount {} {} {} {} {} root={} super={}",
            l[4], r[0], r[1], l[5], propagation, l[3], r[2]
        );
    }
}

fn limits() {
    let text = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    for line in text.lines().skip(1) {
        let words: Vec<&str> = line.split_whitespace().collect();
        println!("limit {}", words.join(" "));
    }
}

fn env() {
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| (k.to_string_lossy().into(), v.to_string_lossy().into()))
        .collect();
    vars.sort();
    for (k, v) in vars {
        println!("env {k}={v}");
    }
}

fn fds() {
    let mut fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    fds.sort_unstable();
    for fd in fds {
        // SAFETY: F_GETFD only queries; the directory handle is gone by now.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            continue;
        }
        let target = std::fs::read_link(format!("/proc/self/fd/{fd}"))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        // Pipe and socket inodes differ on every run.
        let target = match target.split_once(":[") {
            Some((kind, _)) => kind.to_owned(),
            None => target,
        };
        println!("fd {fd} {target}");
        if let Some(head) = regular_file_head(fd) {
            println!("fd {fd} reads {head}");
        }
    }
}

/// The first bytes of the regular file open as `fd` (read with pread, so
/// its offset stays), or the errno's name; None for other kinds, which a
/// read could block on.
fn regular_file_head(fd: i32) -> Option<String> {
    // SAFETY: fstat fills `st` for an fd this process has open.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(fd, &mut st) } != 0 || st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    let mut buf = [0u8; 16];
    // SAFETY: pread writes at most buf.len() bytes into buf.
    let n = unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    Some(match usize::try_from(n) {
        Ok(n) => String::from_utf8_lossy(&buf[..n])
            .escape_debug()
            .to_string(),
        Err(_) => outcome(-1),
    })
}

fn devices() {
    let mut entries: Vec<(String, std::fs::Metadata)> = std::fs::read_dir("/dev")
        .map(|d| {
            d.filter_map(|e| {
                let e = e.ok()?;
                Some((
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().ok()?,
                ))
            })
            .collect()
        })
        .unwrap_or_default();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, md) in entries {
        let ft = md.file_type();
        let kind = if ft.is_char_device() {
            let rdev = md.rdev();
            format!("c {}:{}", libc::major(rdev), libc::minor(rdev))
        } else if ft.is_dir() {
            "d".to_owned()
        } else if ft.is_symlink() {
            let target = std::fs::read_link(format!("/dev/{name}")).unwrap_or_default();
            format!("l {}", target.display())
        } else if ft.is_block_device() {
            "b".to_owned()
        } else {
            "f".to_owned()
        };
        println!("dev {name} {:o} {kind}", md.mode() & 0o7777);
    }
}

fn misc() {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes.
    unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    println!("misc hostname {}", String::from_utf8_lossy(&buf[..end]));
    println!(
        "misc cwd {}",
        std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    );
    // SAFETY: plain queries.
    let (pid, ppid, sid, pgid) = unsafe {
        (
            libc::getpid(),
            libc::getppid(),
            libc::getsid(0),
            libc::getpgrp(),
        )
    };
    println!("misc pid {pid}");
    println!("misc ppid {ppid}");
    println!("misc session_leader {}", sid == pid);
    println!("misc group_leader {}", pgid == pid);
}

fn outcome(rc: libc::c_int) -> String {
    if rc >= 0 {
        "ok".to_owned()
    } else {
        let e = std::io::Error::last_os_error();
        e.raw_os_error()
            .map(|n| errno_name(n).to_owned())
            .unwrap_or_else(|| e.to_string())
    }
}

fn errno_name(n: i32) -> &'static str {
    match n {
        libc::EACCES => "EACCES",
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EROFS => "EROFS",
        libc::EISDIR => "EISDIR",
        libc::ENOTDIR => "ENOTDIR",
        libc::EEXIST => "EEXIST",
        _ => "other",
    }
}

/// Whether `path` may be read, opened for writing (without changing it) and,
/// for a directory, have a file created in it (removed again at once).
fn access(path: &str) {
    let Ok(c) = CString::new(path) else { return };
    let is_dir = std::fs::metadata(path).map(|m| m.is_dir()).ok();
    let read_flags = if is_dir == Some(true) {
        libc::O_RDONLY | libc::O_DIRECTORY
    } else {
        libc::O_RDONLY
    };
    let try_open = |flags: libc::c_int| {
        // SAFETY: c is a valid C string; the fd is closed at once.
        let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC | libc::O_NOCTTY) };
        let result = outcome(fd);
        if fd >= 0 {
            // SAFETY: fd was just opened here.
            unsafe { libc::close(fd) };
        }
        result
    };
    let read = try_open(read_flags);
    let write = if is_dir == Some(true) {
        let name = format!(
            "{}/.probe-view-{}",
            path.trim_end_matches('/'),
            std::process::id()
        );
        let Ok(cn) = CString::new(name) else { return };
        // SAFETY: cn is a valid C string; the file is closed and removed at once.
        let fd = unsafe {
            libc::open(
                cn.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
                0o600,
            )
        };
        let result = outcome(fd);
        if fd >= 0 {
            // SAFETY: fd and cn are ours.
            unsafe {
                libc::close(fd);
                libc::unlink(cn.as_ptr());
            }
        }
        format!("create={result}")
    } else {
        format!("write={}", try_open(libc::O_WRONLY | libc::O_APPEND))
    };
    println!("access {path} read={read} {write}");
}
