//! The child's filesystem setup: propagation, minimal /dev, mounts, new
//! root, /tmp and /proc. Runs between fork and execve: syscalls only.
//!
//! Every destination is resolved with openat2(RESOLVE_IN_ROOT) from a
//! handle on the jail's root and mounted through /proc/self/fd/N, so no
//! symlink planted inside the root can redirect a mount outside it.

use std::ffi::CStr;

use super::plan::{MountOp, Plan};
use super::report::ChildStep;
use crate::sys::{self, Errno, PathBuf64};

/// A failed step, its errno and which item (mount index) it was.
pub type StepError = (ChildStep, Errno, u64);

struct Fd(libc::c_int);

impl Drop for Fd {
    fn drop(&mut self) {
        sys::close(self.0);
    }
}

/// Flags a bind remount must keep: in a user namespace the kernel locks
/// nosuid/nodev/noexec/atime flags of mounts it inherited.
fn locked_flags(fd: libc::c_int) -> libc::c_ulong {
    // SAFETY: an all-zero statvfs is a valid out-buffer.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: fstatvfs with an open fd and a valid out-pointer.
    if unsafe { libc::fstatvfs(fd, &mut st) } != 0 {
        return 0;
    }
    let mut flags = 0;
    for (st_bit, ms_bit) in [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ] {
        if st.f_flag & st_bit != 0 {
            flags |= ms_bit;
        }
    }
    flags
}

/// Resolve `dest` inside `root`; refuse a final symlink.
fn resolve_dest(root: libc::c_int, dest: &CStr, index: u64) -> Result<Fd, StepError> {
    let fd = sys::open_in_root(root, dest, libc::O_PATH)
        .map_err(|e| (ChildStep::MountDestination, e, index))?;
    let fd = Fd(fd);
    if sys::file_type(fd.0) == Ok(libc::S_IFLNK) {
        return Err((ChildStep::MountDestination, libc::ELOOP, index));
    }
    Ok(fd)
}

fn do_mount(root: libc::c_int, op: &MountOp, index: u64) -> Result<(), StepError> {
    let target = resolve_dest(root, &op.dest, index)?;
    let name = PathBuf64::proc_fd(target.0);
    sys::mount(
        op.source.as_deref(),
        name.as_cstr(),
        op.fstype.as_deref(),
        op.flags,
        op.data.as_deref(),
    )
    .map_err(|e| (ChildStep::Mount, e, index))?;
    if let Some(extra) = op.bind_remount {
        // Reopen: the old handle points under the new mount, not at it.
        let mounted = resolve_dest(root, &op.dest, index)?;
        let name = PathBuf64::proc_fd(mounted.0);
        let flags = libc::MS_REMOUNT | libc::MS_BIND | extra | locked_flags(mounted.0);
        sys::mount(None, name.as_cstr(), None, flags, None)
            .map_err(|e| (ChildStep::Mount, e, index))?;
    }
    Ok(())
}

/// Device nodes bound from the host into the minimal /dev.
const DEV_NODES: [(&CStr, &CStr); 6] = [
    (c"/dev/null", c"null"),
    (c"/dev/zero", c"zero"),
    (c"/dev/full", c"full"),
    (c"/dev/urandom", c"urandom"),
    (c"/dev/random", c"random"),
    (c"/dev/tty", c"tty"),
];

const DEV_LINKS: [(&CStr, &CStr); 5] = [
    (c"pts/ptmx", c"ptmx"),
    (c"/proc/self/fd", c"fd"),
    (c"/proc/self/fd/0", c"stdin"),
    (c"/proc/self/fd/1", c"stdout"),
    (c"/proc/self/fd/2", c"stderr"),
];

fn dev_err(e: Errno) -> StepError {
    (ChildStep::MountDev, e, 0)
}

/// A tmpfs /dev with null, zero, full, random, urandom, tty bound from the
/// host (binds work inside a user namespace, mknod does not), a private
/// devpts, /dev/shm and the fd/std* links.
fn mount_dev(root: libc::c_int) -> Result<(), StepError> {
    // Open the host nodes first: with no new root, /dev is about to be covered.
    let mut sources = [-1; DEV_NODES.len()];
    let result = (|| {
        for (slot, (host, _)) in sources.iter_mut().zip(DEV_NODES) {
            *slot = sys::open_path(host, 0).map_err(dev_err)?;
        }
        let dev = resolve_dest(root, c"dev", 0).map_err(|(_, e, _)| dev_err(e))?;
        sys::mount(
            Some(c"tmpfs"),
            PathBuf64::proc_fd(dev.0).as_cstr(),
            Some(c"tmpfs"),
            libc::MS_NOSUID | libc::MS_NOEXEC,
            Some(c"size=512k,mode=755"),
        )
        .map_err(dev_err)?;
        let dev = Fd(
            sys::open_in_root(root, c"dev", libc::O_DIRECTORY | libc::O_RDONLY).map_err(dev_err)?,
        );
        for (source, (_, name)) in sources.iter().zip(DEV_NODES) {
            // SAFETY: name is NUL-terminated; dev is an open directory.
            let f = unsafe {
                libc::openat(
                    dev.0,
                    name.as_ptr(),
                    libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC,
                    0o666,
                )
            };
            if f < 0 {
                return Err(dev_err(sys::errno()));
            }
            sys::close(f);
            // SAFETY: as above.
            let target = Fd(unsafe {
                libc::openat(
                    dev.0,
                    name.as_ptr(),
                    libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                )
            });
            if target.0 < 0 {
                return Err(dev_err(sys::errno()));
            }
            sys::mount(
                Some(PathBuf64::proc_fd(*source).as_cstr()),
                PathBuf64::proc_fd(target.0).as_cstr(),
                None,
                libc::MS_BIND,
                None,
            )
            .map_err(dev_err)?;
        }
        for (dir, fstype, data) in [
            (c"pts", c"devpts", c"newinstance,ptmxmode=0666,mode=0620"),
            (c"shm", c"tmpfs", c"mode=1777"),
        ] {
            // SAFETY: dir is NUL-terminated; dev is an open directory.
            if unsafe { libc::mkdirat(dev.0, dir.as_ptr(), 0o755) } != 0 {
                return Err(dev_err(sys::errno()));
            }
            // SAFETY: as above.
            let target = Fd(unsafe {
                libc::openat(
                    dev.0,
                    dir.as_ptr(),
                    libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                )
            });
            if target.0 < 0 {
                return Err(dev_err(sys::errno()));
            }
            sys::mount(
                Some(fstype),
                PathBuf64::proc_fd(target.0).as_cstr(),
                Some(fstype),
                libc::MS_NOSUID | libc::MS_NOEXEC,
                Some(data),
            )
            .map_err(dev_err)?;
        }
        for (to, name) in DEV_LINKS {
            // SAFETY: both strings are NUL-terminated; dev is an open directory.
            if unsafe { libc::symlinkat(to.as_ptr(), dev.0, name.as_ptr()) } != 0 {
                return Err(dev_err(sys::errno()));
            }
        }
        Ok(())
    })();
    for fd in sources {
        sys::close(fd);
    }
    result
}

fn pivot_root(root: &CStr) -> Result<(), Errno> {
    // pivot_root needs the new root to be a mount point.
    sys::mount(Some(root), root, None, libc::MS_BIND | libc::MS_REC, None)?;
    // SAFETY: chdir/pivot_root/umount2 on NUL-terminated paths.
    unsafe {
        sys::check(libc::chdir(root.as_ptr()).into())?;
        sys::check(libc::syscall(
            libc::SYS_pivot_root,
            c".".as_ptr(),
            c".".as_ptr(),
        ))?;
        // The old root is now stacked under "."; detach it.
        sys::check(libc::umount2(c".".as_ptr(), libc::MNT_DETACH).into())?;
        sys::check(libc::chdir(c"/".as_ptr()).into())?;
    }
    Ok(())
}

/// Mount a filesystem at `path` of the current root, resolved inside it.
fn mount_in_current_root(
    path: &CStr,
    fstype: &CStr,
    flags: libc::c_ulong,
    data: Option<&CStr>,
    step: ChildStep,
) -> Result<(), StepError> {
    let root = Fd(sys::open_path(c"/", libc::O_DIRECTORY).map_err(|e| (step, e, 0))?);
    let target = resolve_dest(root.0, path, 0).map_err(|(_, e, _)| (step, e, 0))?;
    sys::mount(
        Some(fstype),
        PathBuf64::proc_fd(target.0).as_cstr(),
        Some(fstype),
        flags,
        data,
    )
    .map_err(|e| (step, e, 0))
}

/// Everything filesystem, in upstream's order.
pub fn setup(plan: &Plan) -> Result<(), StepError> {
    if plan.new_mount_ns && plan.propagation != 0 {
        sys::mount(None, c"/", None, libc::MS_REC | plan.propagation, None)
            .map_err(|e| (ChildStep::Propagation, e, 0))?;
    }
    if plan.mount_dev || !plan.mounts.is_empty() {
        let root =
            Fd(sys::open_path(&plan.root, libc::O_DIRECTORY)
                .map_err(|e| (ChildStep::Mount, e, 0))?);
        if plan.mount_dev {
            mount_dev(root.0)?;
        }
        for (index, op) in plan.mounts.iter().enumerate() {
            do_mount(root.0, op, index as u64)?;
        }
    }
    if plan.chroot || plan.pivot_root {
        crate::hook::run(&plan.hooks, crate::hook::HookEvent::PreChroot)
            .map_err(|(errno, index)| (ChildStep::Hook, errno, index))?;
    }
    if plan.chroot {
        // SAFETY: chroot/chdir on NUL-terminated paths.
        unsafe {
            if libc::chroot(plan.root.as_ptr()) != 0 || libc::chdir(c"/".as_ptr()) != 0 {
                return Err((ChildStep::Chroot, sys::errno(), 0));
            }
        }
    }
    if plan.pivot_root {
        pivot_root(&plan.root).map_err(|e| (ChildStep::PivotRoot, e, 0))?;
    }
    if let Some(data) = &plan.tmp_data {
        mount_in_current_root(
            c"tmp",
            c"tmpfs",
            libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_NOSUID,
            Some(data),
            ChildStep::MountTmp,
        )?;
    }
    if plan.remount_proc {
        // Outside a user namespace, detach the inherited /proc so the
        // read-only one is not stacked over a writable one. Inside one the
        // inherited mount is locked, so the new one goes on top.
        if !plan.userns {
            // SAFETY: umount2 on a NUL-terminated path.
            unsafe { libc::umount2(c"/proc".as_ptr(), libc::MNT_DETACH) };
        }
        mount_in_current_root(
            c"proc",
            c"proc",
            libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_NOSUID | libc::MS_RDONLY,
            None,
            ChildStep::RemountProc,
        )?;
    }
    Ok(())
}
