//! The child's filesystem setup: propagation, mounts, minimal /dev, new
//! root, /tmp and /proc. Runs between fork and execve: syscalls only.
//!
//! No mount target is ever named by a path the kernel resolves at mount
//! time. Every destination is resolved with openat2(RESOLVE_IN_ROOT) from
//! a handle on the jail's root (so `..` and symlinks planted inside the
//! root cannot lead out of it, and a final symlink is refused), and the
//! mount is attached to that handle: binds as detached trees
//! (open_tree + move_mount), other filesystems by fchdir into the
//! directory and mounting on ".". Nothing needs /proc, so it works after
//! pivot_root into a root without one.
//!
//! Order, as upstream: the mounts whose destination is outside /dev, then
//! the minimal /dev (on top of them, so a bind of / under it does not hide
//! it), then the mounts into /dev (their sources are taken from the host
//! before the new /dev covers the old one). Then chroot or pivot_root,
//! /tmp, and /proc.

use std::ffi::CStr;

use super::mountplan::MountOp;
use super::plan::Plan;
use super::report::{ChildStep, StepError};
use crate::sys::{self, Errno, Fd};

/// Resolve `dest` inside `root`; refuse a final symlink. The file type
/// comes back with the handle (None if it could not be read), so callers
/// need not ask again.
fn resolve_dest(
    root: libc::c_int,
    dest: &CStr,
    step: ChildStep,
    index: u64,
) -> Result<(Fd, Option<libc::mode_t>), StepError> {
    let fd = sys::open_in_root(root, dest, libc::O_PATH).map_err(|e| (step, e, index))?;
    let fd = Fd(fd);
    let kind = sys::file_type(fd.0).ok();
    if kind == Some(libc::S_IFLNK) {
        return Err((step, libc::ELOOP, index));
    }
    Ok((fd, kind))
}

/// mount(2) a filesystem (not a bind) on the directory `target` refers
/// to: chdir into it and mount on ".", so no path is resolved again.
/// The caller restores the working directory.
fn mount_on_dir(
    target: &Fd,
    source: Option<&CStr>,
    fstype: Option<&CStr>,
    flags: libc::c_ulong,
    data: Option<&CStr>,
) -> Result<(), Errno> {
    sys::fchdir(target.0)?;
    sys::mount(source, c".", fstype, flags, data)
}

/// A detached copy of the tree at `source`, with the bind's attributes
/// already applied, ready to be attached.
fn clone_tree(op: &MountOp) -> Result<libc::c_int, Errno> {
    let tree = sys::open_tree_clone(libc::AT_FDCWD, &op.source, true)?;
    if op.bind_attr.attr_set != 0 || op.bind_attr.attr_clr != 0 {
        if let Err(e) = sys::mount_setattr_fd(tree, true, &op.bind_attr) {
            sys::close(tree);
            return Err(e);
        }
    }
    Ok(tree)
}

/// One mount. `tree` is the detached tree of a bind whose source was
/// taken earlier, or -1 to take it now.
fn do_mount(
    root: libc::c_int,
    op: &MountOp,
    tree: libc::c_int,
    index: u64,
) -> Result<(), StepError> {
    let (target, kind) = resolve_dest(root, &op.dest, ChildStep::MountDestination, index)?;
    let err = |e| (ChildStep::Mount, e, index);
    if op.fstype.is_none() {
        let tree = if tree >= 0 {
            tree
        } else {
            clone_tree(op).map_err(err)?
        };
        let tree = Fd(tree);
        return sys::move_mount_fd(tree.0, target.0).map_err(err);
    }
    if kind != Some(libc::S_IFDIR) {
        return Err(err(libc::ENOTDIR));
    }
    mount_on_dir(
        &target,
        Some(&op.source),
        op.fstype.as_deref(),
        op.flags,
        op.data.as_deref(),
    )
    .map_err(err)
}

/// Device nodes bound from the host into the minimal /dev (binds work in a
/// user namespace, where mknod does not).
const DEV_NODES: [(&CStr, &CStr); 5] = [
    (c"/dev/null", c"null"),
    (c"/dev/zero", c"zero"),
    (c"/dev/full", c"full"),
    (c"/dev/urandom", c"urandom"),
    (c"/dev/tty", c"tty"),
];

const DEV_LINKS: [(&CStr, &CStr); 5] = [
    (c"pts/ptmx", c"ptmx"),
    (c"/proc/self/fd", c"fd"),
    (c"fd/0", c"stdin"),
    (c"fd/1", c"stdout"),
    (c"fd/2", c"stderr"),
];

fn dev_err(e: Errno) -> StepError {
    (ChildStep::MountDev, e, 0)
}

/// openat(2) relative to a directory fd, close-on-exec.
fn openat(
    dir: libc::c_int,
    name: &CStr,
    flags: libc::c_int,
    mode: libc::mode_t,
) -> Result<Fd, Errno> {
    // SAFETY: name is NUL-terminated; dir is an open directory.
    let fd = unsafe { libc::openat(dir, name.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    if fd < 0 {
        Err(sys::errno())
    } else {
        Ok(Fd(fd))
    }
}

/// Create an empty regular file `name` in `dir`, for a bind to cover.
fn create_file(dir: libc::c_int, name: &CStr) -> Result<(), Errno> {
    openat(
        dir,
        name,
        libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_NOFOLLOW,
        0o644,
    )
    .map(drop)
}

fn mkdirat(dir: libc::c_int, name: &CStr, mode: libc::mode_t) -> Result<(), Errno> {
    // SAFETY: name is NUL-terminated; dir is an open directory.
    sys::check(unsafe { libc::mkdirat(dir, name.as_ptr(), mode) }.into()).map(drop)
}

/// The tmpfs /dev: null, zero, full, urandom and tty bound from the
/// host, a private devpts with the ptmx link, a tmpfs /dev/shm, and the
/// fd and std* links. `nodes` are O_PATH handles on the host's nodes.
fn mount_dev(root: libc::c_int, nodes: &[libc::c_int; DEV_NODES.len()]) -> Result<Fd, StepError> {
    let dev = resolve_dev_dir(root)?;
    mount_on_dir(
        &dev,
        Some(c"tmpfs"),
        Some(c"tmpfs"),
        libc::MS_NOSUID | libc::MS_NOEXEC,
        Some(c"size=512k,mode=755"),
    )
    .map_err(dev_err)?;
    // The new mount, as a directory handle for the *at calls.
    let dev =
        Fd(sys::open_in_root(root, c"dev", libc::O_DIRECTORY | libc::O_RDONLY).map_err(dev_err)?);
    for (&source, (_, name)) in nodes.iter().zip(DEV_NODES) {
        create_file(dev.0, name).map_err(dev_err)?;
        let target = openat(dev.0, name, libc::O_PATH | libc::O_NOFOLLOW, 0).map_err(dev_err)?;
        let tree = Fd(sys::open_tree_clone(source, c"", false).map_err(dev_err)?);
        sys::move_mount_fd(tree.0, target.0).map_err(dev_err)?;
    }
    for (dir, fstype, data) in [
        (c"pts", c"devpts", c"newinstance,ptmxmode=0666,mode=0620"),
        (c"shm", c"tmpfs", c"mode=1777"),
    ] {
        mkdirat(dev.0, dir, 0o755).map_err(dev_err)?;
        let target = openat(
            dev.0,
            dir,
            libc::O_PATH | libc::O_NOFOLLOW | libc::O_DIRECTORY,
            0,
        )
        .map_err(dev_err)?;
        mount_on_dir(
            &target,
            Some(fstype),
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
    Ok(dev)
}

fn resolve_dev_dir(root: libc::c_int) -> Result<Fd, StepError> {
    let (dev, kind) = resolve_dest(root, c"dev", ChildStep::MountDev, 0)?;
    if kind != Some(libc::S_IFDIR) {
        return Err(dev_err(libc::ENOTDIR));
    }
    Ok(dev)
}

/// Create the destination of a mount into the new /dev (it is our own
/// tmpfs, so nothing there can be a planted symlink).
fn create_in_dev(dev: libc::c_int, op: &MountOp, index: u64) -> Result<(), StepError> {
    for (path, is_dir) in &op.create_in_dev {
        let r = if *is_dir {
            mkdirat(dev, path, 0o755)
        } else {
            create_file(dev, path)
        };
        match r {
            Ok(()) | Err(libc::EEXIST) => {}
            Err(e) => return Err((ChildStep::MountDestination, e, index)),
        }
    }
    Ok(())
}

fn pivot_root(root: &CStr) -> Result<(), Errno> {
    // pivot_root needs the new root to be a mount point.
    sys::mount(Some(root), root, None, libc::MS_BIND | libc::MS_REC, None)?;
    // SAFETY: chdir/pivot_root/umount2 on NUL-terminated paths.
    unsafe {
        // Enter the bind just made on top of the directory.
        sys::check(libc::chdir(root.as_ptr()).into())?;
        // With "." twice, the old root ends up stacked on top of the new.
        sys::check(libc::syscall(
            libc::SYS_pivot_root,
            c".".as_ptr(),
            c".".as_ptr(),
        ))?;
    }
    // Keep the old root's mounts from propagating the unmount back to the
    // host (with shared propagation), then detach it.
    sys::mount(None, c".", None, libc::MS_REC | libc::MS_PRIVATE, None)?;
    // SAFETY: as above.
    unsafe {
        sys::check(libc::umount2(c".".as_ptr(), libc::MNT_DETACH).into())?;
        sys::check(libc::chdir(c"/".as_ptr()).into())?;
    }
    Ok(())
}

/// Everything filesystem, in upstream's order.
pub fn setup(plan: &mut Plan) -> Result<(), StepError> {
    if plan.new_mount_ns && plan.propagation != 0 {
        sys::mount(None, c"/", None, libc::MS_REC | plan.propagation, None)
            .map_err(|e| (ChildStep::Propagation, e, 0))?;
        // Detail 0 is "/", then 1 + the index of the remount.
        for (index, (path, flag)) in plan.remounts.iter().enumerate() {
            if *flag == 0 {
                continue;
            }
            sys::mount(None, path, None, libc::MS_REC | flag, None)
                .map_err(|e| (ChildStep::Propagation, e, index as u64 + 1))?;
        }
    }
    let changes_root = plan.chroot || plan.pivot_root;
    let mounts_something = !plan.mounts.is_empty()
        || plan.mount_dev
        || plan.tmp_data.is_some()
        || plan.remount_proc.is_some();
    if !changes_root && !mounts_something {
        return Ok(());
    }
    // Keep the working directory to come back to: mounting goes through
    // fchdir. With a new root the program starts in its "/" instead.
    let cwd = if changes_root {
        Fd(-1)
    } else {
        Fd(sys::open_path(c".", libc::O_DIRECTORY).unwrap_or(-1))
    };
    let result = mounts_and_root(plan);
    for fd in plan.mount_trees.iter_mut() {
        sys::close(std::mem::replace(fd, -1));
    }
    if cwd.0 >= 0 {
        let _ = sys::fchdir(cwd.0);
    } else if changes_root && result.is_ok() {
        // SAFETY: chdir on a NUL-terminated path.
        if unsafe { libc::chdir(c"/".as_ptr()) } != 0 {
            return Err((ChildStep::Chroot, sys::errno(), 0));
        }
    }
    result
}

fn mounts_and_root(plan: &mut Plan) -> Result<(), StepError> {
    let open_root = |index: usize| {
        sys::open_path(&plan.root, libc::O_DIRECTORY)
            .map(Fd)
            .map_err(|e| (ChildStep::MountDestination, e, index as u64))
    };
    let mut root = open_root(0)?;
    for (index, op) in plan.mounts.iter().enumerate().filter(|(_, op)| !op.in_dev) {
        do_mount(root.0, op, -1, index as u64)?;
        if op.on_root {
            // The handle is on the directory now covered: take the new
            // mount's root instead, or later paths miss what it brought.
            root = open_root(index)?;
        }
    }
    if plan.mount_dev {
        // Take every source from the host's /dev before covering it.
        let mut nodes = [-1; DEV_NODES.len()];
        let taken = (|| {
            for (slot, (host, _)) in nodes.iter_mut().zip(DEV_NODES) {
                *slot = sys::open_path(host, 0).map_err(dev_err)?;
            }
            for (index, op) in plan.mounts.iter().enumerate() {
                if op.in_dev && op.fstype.is_none() {
                    plan.mount_trees[index] =
                        clone_tree(op).map_err(|e| (ChildStep::Mount, e, index as u64))?;
                }
            }
            Ok(())
        })();
        let dev = taken.and_then(|()| mount_dev(root.0, &nodes));
        for fd in nodes {
            sys::close(fd);
        }
        let dev = dev?;
        for (index, op) in plan.mounts.iter().enumerate().filter(|(_, op)| op.in_dev) {
            create_in_dev(dev.0, op, index as u64)?;
            let tree = std::mem::replace(&mut plan.mount_trees[index], -1);
            do_mount(root.0, op, tree, index as u64)?;
        }
    }
    // /tmp and /proc go into the new root before entering it (upstream
    // mounts them after): in a user namespace the kernel only allows a new
    // proc while a fully visible one is still in the mount namespace,
    // which pivot_root takes away.
    if let Some(data) = &plan.tmp_data {
        let target = resolve_dir(root.0, c"tmp", ChildStep::MountTmp)?;
        mount_on_dir(
            &target,
            Some(c"tmpfs"),
            Some(c"tmpfs"),
            libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_NOSUID,
            Some(data),
        )
        .map_err(|e| (ChildStep::MountTmp, e, 0))?;
    }
    if let Some(read_only) = plan.remount_proc {
        let step = ChildStep::RemountProc;
        if !plan.userns {
            // Detach the /proc the root has (the host's, or a bind of it),
            // so the new one is not stacked over it. In a user namespace
            // the inherited mount is locked, so the new one goes on top.
            let target = resolve_dir(root.0, c"proc", step)?;
            sys::fchdir(target.0).map_err(|e| (step, e, 0))?;
            // SAFETY: umount2 on a NUL-terminated path.
            if unsafe { libc::umount2(c".".as_ptr(), libc::MNT_DETACH) } != 0
                && sys::errno() != libc::EINVAL
            {
                return Err((step, sys::errno(), 0));
            }
        }
        let target = resolve_dir(root.0, c"proc", step)?;
        let mut flags = libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_NOSUID;
        if read_only {
            flags |= libc::MS_RDONLY;
        }
        mount_on_dir(&target, Some(c"proc"), Some(c"proc"), flags, None)
            .map_err(|e| (step, e, 0))?;
    }
    drop(root);
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
    Ok(())
}

/// Resolve a directory inside the root (never through a symlink).
fn resolve_dir(root: libc::c_int, path: &CStr, step: ChildStep) -> Result<Fd, StepError> {
    let (target, kind) = resolve_dest(root, path, step, 0)?;
    if kind != Some(libc::S_IFDIR) {
        return Err((step, libc::ENOTDIR, 0));
    }
    Ok(target)
}
