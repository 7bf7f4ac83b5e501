//! Read-only facts about the host and the calling process. Nothing here
//! changes the host: files are only read, and what can only be learnt by
//! trying (may this caller create these namespaces?) is tried in a forked
//! child that exits at once, taking its namespaces with it.

use std::path::{Path, PathBuf};

use crate::sys;

/// A number from a sysctl file under /proc/sys, if the file exists.
pub fn sysctl(name: &str) -> Option<i64> {
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether the calling thread has `cap` in its effective set.
pub fn has_cap(cap: u32) -> bool {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = Header {
        version: 0x2008_0522, // _LINUX_CAPABILITY_VERSION_3
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: capget with a v3 header and room for two data structs.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) };
    rc == 0 && data[(cap / 32) as usize].effective & (1 << (cap % 32)) != 0
}

/// Capability number of CAP_SETUID (setuid and uid maps), for [`has_cap`].
pub const CAP_SETUID: u32 = 7;
/// Capability number of CAP_SETGID (setgid, setgroups, gid maps).
pub const CAP_SETGID: u32 = 6;
/// Capability number of CAP_SYS_ADMIN (namespaces and mounts without -U).
pub const CAP_SYS_ADMIN: u32 = 21;

/// Try, in a throwaway child, to create a user namespace (when `user`) and
/// then the namespaces of `other` flags, as a launch does: Ok, or the
/// errno of the first call that failed and whether it was the user one.
pub fn try_namespaces(user: bool, other: libc::c_int) -> Result<(), (bool, i32)> {
    // SAFETY: fork; the child makes only syscalls and _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err((user, sys::errno()));
    }
    if pid == 0 {
        // Exit code: 0 ok, errno for the other namespaces, 128 + errno
        // for the user namespace (unshare's errnos are all below 128).
        // SAFETY: unshare and _exit in the forked child.
        unsafe {
            if user && libc::unshare(libc::CLONE_NEWUSER) != 0 {
                libc::_exit(128 + (sys::errno() & 127));
            }
            if other != 0 && libc::unshare(other) != 0 {
                libc::_exit(sys::errno() & 127);
            }
            libc::_exit(0);
        }
    }
    let mut status = 0;
    // SAFETY: reaping our own child.
    while unsafe { libc::waitpid(pid, &mut status, 0) } < 0 && sys::errno() == libc::EINTR {}
    match libc::WEXITSTATUS(status) {
        0 if libc::WIFEXITED(status) => Ok(()),
        code if code >= 128 => Err((true, code - 128)),
        code => Err((false, code)),
    }
}

/// The propagation of the mount at `/` in this mount namespace, from
/// /proc/self/mountinfo: "shared", "slave", "private" (or "unbindable").
pub fn root_propagation() -> Option<&'static str> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    // The last line for "/" is the one on top.
    let line = text.lines().rfind(|l| l.split(' ').nth(4) == Some("/"))?;
    let optional: Vec<&str> = line.split(' ').skip(6).take_while(|f| *f != "-").collect();
    Some(if optional.iter().any(|f| f.starts_with("shared:")) {
        "shared"
    } else if optional.iter().any(|f| f.starts_with("master:")) {
        "slave"
    } else if optional.contains(&"unbindable") {
        "unbindable"
    } else {
        "private"
    })
}

/// Whether the kernel offers seccomp return action `action`
/// (SECCOMP_GET_ACTION_AVAIL).
pub fn seccomp_action_available(action: u32) -> Result<(), i32> {
    const SECCOMP_GET_ACTION_AVAIL: libc::c_ulong = 2;
    // SAFETY: the seccomp query reads one u32.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_GET_ACTION_AVAIL,
            0,
            &action as *const u32,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(sys::errno())
    }
}

/// Whether seccomp filters are supported: PR_GET_SECCOMP answers.
pub fn seccomp_filters() -> Result<(), i32> {
    // SAFETY: prctl query with no pointers.
    if unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) } < 0 {
        Err(sys::errno())
    } else {
        Ok(())
    }
}

/// Whether no_new_privs is supported: PR_GET_NO_NEW_PRIVS answers.
pub fn no_new_privs() -> Result<(), i32> {
    // SAFETY: prctl query with no pointers.
    if unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) } < 0 {
        Err(sys::errno())
    } else {
        Ok(())
    }
}

/// Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup (unified) or
/// /sys/fs/cgroup/unified (hybrid).
pub fn cgroup2_mount() -> Option<PathBuf> {
    const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;
    ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
        .into_iter()
        .find(|p| {
            let c = std::ffi::CString::new(*p).expect("no NUL");
            // SAFETY: an all-zero statfs is a valid out-buffer.
            let mut st: libc::statfs = unsafe { std::mem::zeroed() };
            // SAFETY: statfs on a NUL-terminated path.
            unsafe {
                libc::statfs(c.as_ptr(), &mut st) == 0 && st.f_type as i64 == CGROUP2_SUPER_MAGIC
            }
        })
        .map(PathBuf::from)
}

/// The caller's own cgroup v2 directory.
pub fn own_cgroup2(mount: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let rel = text.lines().find_map(|l| l.strip_prefix("0::"))?;
    Some(mount.join(rel.trim_start_matches('/')))
}

/// Whether the caller may write `path` (access(2) with its real ids, as a
/// launch by this caller would).
pub fn writable(path: &Path) -> bool {
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    // SAFETY: access on a NUL-terminated path.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// A setuid-root (or file-capability) helper such as newuidmap, from PATH
/// or the usual places.
pub fn find_helper(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The caller's ranges in /etc/subuid or /etc/subgid, by name or id.
pub fn subid_ranges(file: &str, name: Option<&str>, id: u32) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let id = id.to_string();
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let who = f.next()?;
            (Some(who) == name || who == id).then(|| l.to_owned())
        })
        .collect()
}

/// The caller's user name, from the user database.
pub fn user_name(uid: u32) -> Option<String> {
    nix::unistd::User::from_uid(uid.into())
        .ok()
        .flatten()
        .map(|u| u.name)
}
