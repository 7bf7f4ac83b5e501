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
//! before the new /dev covers the old one), /tmp and /proc, all inside the
//! new root. Then, in no-preload mode only, chroot or pivot_root; with the
//! preload, stage 2 enters the root after the loader.

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
    let tree = sys::open_tree_clone(libc::AT_FDCWD, &op.source, op.recursive)?;
    if op.bind_attr.attr_set != 0 || op.bind_attr.attr_clr != 0 {
        if let Err(e) = sys::mount_setattr_fd(tree, op.recursive, &op.bind_attr) {
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
    create_dest(root, op, index)?;
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

/// Create a missing mount destination inside the root, as upstream: the
/// directories on the way (0755) and the last one a directory or an empty
/// file. Each parent is resolved inside the root, so nothing is created
/// through a symlink that leads out of it.
fn create_dest(root: libc::c_int, op: &MountOp, index: u64) -> Result<(), StepError> {
    match sys::open_in_root(root, &op.dest, libc::O_PATH) {
        Ok(fd) => {
            sys::close(fd);
            return Ok(());
        }
        Err(libc::ENOENT) => {}
        // Reported by the resolution that follows.
        Err(_) => return Ok(()),
    }
    let err = |e| (ChildStep::MountDestination, e, index);
    for step in &op.create {
        let parent = Fd(
            sys::open_in_root(root, &step.parent, libc::O_PATH | libc::O_DIRECTORY).map_err(err)?,
        );
        let made = if step.is_dir {
            mkdirat(parent.0, &step.name, 0o755)
        } else {
            create_file(parent.0, &step.name)
        };
        match made {
            Ok(()) | Err(libc::EEXIST) => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(())
}

/// The nodes of the minimal /dev, as upstream: name, mode, major, minor,
/// and the host node bound in when mknod is not allowed (in a user
/// namespace).
const DEV_NODES: [(&CStr, libc::mode_t, u32, u32, &CStr); 5] = [
    (c"null", 0o666, 1, 3, c"/dev/null"),
    (c"zero", 0o666, 1, 5, c"/dev/zero"),
    (c"full", 0o666, 1, 7, c"/dev/full"),
    (c"urandom", 0o444, 1, 9, c"/dev/urandom"),
    (c"tty", 0o666, 5, 0, c"/dev/tty"),
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

/// Detach the mount at the directory `dir` (and everything under it) if
/// it is one, when that cannot reach the host: only with private or slave
/// propagation. In a user namespace inherited mounts are locked and stay;
/// the new mount then goes on top.
fn detach_old(dir: &Fd, propagation: libc::c_ulong) -> Result<(), Errno> {
    if propagation & (libc::MS_PRIVATE | libc::MS_SLAVE) == 0 {
        return Ok(());
    }
    sys::fchdir(dir.0)?;
    // SAFETY: umount2 on a NUL-terminated path.
    if unsafe { libc::umount2(c".".as_ptr(), libc::MNT_DETACH) } != 0 {
        match sys::errno() {
            libc::EINVAL | libc::EPERM => {}
            e => return Err(e),
        }
    }
    Ok(())
}

/// Make one node of the minimal /dev: mknod with upstream's mode, or,
/// where mknod is not allowed (a user namespace), an empty file with the
/// host's node bound on it (`host`: its detached tree).
fn make_node(
    dev: &Fd,
    name: &CStr,
    mode: libc::mode_t,
    rdev: libc::dev_t,
    host: libc::c_int,
) -> Result<(), Errno> {
    // SAFETY: name is NUL-terminated; dev is an open directory.
    if unsafe { libc::mknodat(dev.0, name.as_ptr(), libc::S_IFCHR | mode, rdev) } == 0 {
        return Ok(());
    }
    match sys::errno() {
        libc::EPERM if host >= 0 => {}
        e => return Err(e),
    }
    create_file(dev.0, name)?;
    let target = openat(dev.0, name, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
    sys::move_mount_fd(host, target.0)
}

/// The minimal /dev, as upstream: a fresh tmpfs ("minijail-devfs",
/// 5 MB, mode 0755, noexec, nosuid) in place of the old /dev, holding
/// null, zero, full, urandom and tty with upstream's modes, the ptmx, fd
/// and std* links, and an empty shm directory (mode 1777). `host_nodes`
/// are detached trees of the host's nodes, bound in where mknod fails.
fn mount_dev(
    root: libc::c_int,
    host_nodes: &[libc::c_int; DEV_NODES.len()],
    propagation: libc::c_ulong,
) -> Result<Fd, StepError> {
    detach_old(&resolve_dev_dir(root)?, propagation).map_err(dev_err)?;
    mount_on_dir(
        &resolve_dev_dir(root)?,
        Some(c"minijail-devfs"),
        Some(c"tmpfs"),
        libc::MS_NOSUID | libc::MS_NOEXEC,
        Some(c"size=5M,mode=755"),
    )
    .map_err(dev_err)?;
    // The new mount, as a directory handle for the *at calls.
    let dev =
        Fd(sys::open_in_root(root, c"dev", libc::O_DIRECTORY | libc::O_RDONLY).map_err(dev_err)?);
    // Modes exactly as given, as upstream.
    // SAFETY: umask only changes this process's file-creation mask.
    let mask = unsafe { libc::umask(0) };
    let made = (|| {
        for (&host, (name, mode, major, minor, _)) in host_nodes.iter().zip(DEV_NODES) {
            make_node(&dev, name, mode, libc::makedev(major, minor), host)?;
        }
        for (to, name) in DEV_LINKS {
            // SAFETY: both strings are NUL-terminated; dev is an open directory.
            if unsafe { libc::symlinkat(to.as_ptr(), dev.0, name.as_ptr()) } != 0 {
                return Err(sys::errno());
            }
        }
        mkdirat(dev.0, c"shm", 0o1777)
    })();
    // SAFETY: as above.
    unsafe { libc::umask(mask) };
    made.map_err(dev_err)?;
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

/// The mounts, the minimal /dev, /tmp and /proc inside the root, then (in
/// no-preload mode) entering the root.
fn mounts_and_root(plan: &mut Plan) -> Result<(), StepError> {
    let root = mount_outside_dev(plan)?;
    if plan.mount_dev {
        mount_minimal_dev(plan, root.0)?;
    }
    // /tmp and /proc go into the new root before entering it (upstream
    // mounts them after): in a user namespace the kernel only allows a new
    // proc while a fully visible one is still in the mount namespace,
    // which pivot_root takes away.
    if let Some(data) = &plan.tmp_data {
        mount_tmp(root.0, data)?;
    }
    if let Some(read_only) = plan.remount_proc {
        mount_proc(root.0, read_only, plan.userns)?;
    }
    drop(root);
    enter_root(plan)
}

/// Every mount outside the minimal /dev, in order; returns the root as
/// it is after them.
fn mount_outside_dev(plan: &Plan) -> Result<Fd, StepError> {
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
    Ok(root)
}

/// The minimal /dev, then the mounts inside it.
fn mount_minimal_dev(plan: &mut Plan, root: libc::c_int) -> Result<(), StepError> {
    // Take every source from the host's /dev before covering it; a
    // host node that cannot be taken is only needed where mknod fails.
    let mut nodes = [-1; DEV_NODES.len()];
    let taken = (|| {
        for (slot, (.., host)) in nodes.iter_mut().zip(DEV_NODES) {
            *slot = sys::open_tree_clone(libc::AT_FDCWD, host, false).unwrap_or(-1);
        }
        for (index, op) in plan.mounts.iter().enumerate() {
            if op.in_dev && op.fstype.is_none() {
                plan.mount_trees[index] =
                    clone_tree(op).map_err(|e| (ChildStep::Mount, e, index as u64))?;
            }
        }
        Ok(())
    })();
    let dev = taken.and_then(|()| mount_dev(root, &nodes, plan.propagation));
    for fd in nodes {
        sys::close(fd);
    }
    let dev = dev?;
    for (index, op) in plan.mounts.iter().enumerate().filter(|(_, op)| op.in_dev) {
        create_in_dev(dev.0, op, index as u64)?;
        let tree = std::mem::replace(&mut plan.mount_trees[index], -1);
        do_mount(root, op, tree, index as u64)?;
    }
    Ok(())
}

/// A tmpfs of the planned size on the root's /tmp.
fn mount_tmp(root: libc::c_int, data: &CStr) -> Result<(), StepError> {
    let target = resolve_dir(root, c"tmp", ChildStep::MountTmp)?;
    // Source "none", as upstream's.
    mount_on_dir(
        &target,
        Some(c"none"),
        Some(c"tmpfs"),
        libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_NOSUID,
        Some(data),
    )
    .map_err(|e| (ChildStep::MountTmp, e, 0))
}

/// A fresh /proc on the root's /proc, in place of the one there unless
/// in a user namespace.
fn mount_proc(root: libc::c_int, read_only: bool, userns: bool) -> Result<(), StepError> {
    let step = ChildStep::RemountProc;
    if !userns {
        // Detach the /proc the root has (the host's, or a bind of it),
        // so the new one is not stacked over it. In a user namespace
        // the inherited mount is locked, so the new one goes on top.
        let target = resolve_dir(root, c"proc", step)?;
        sys::fchdir(target.0).map_err(|e| (step, e, 0))?;
        // SAFETY: umount2 on a NUL-terminated path.
        if unsafe { libc::umount2(c".".as_ptr(), libc::MNT_DETACH) } != 0
            && sys::errno() != libc::EINVAL
        {
            return Err((step, sys::errno(), 0));
        }
    }
    let target = resolve_dir(root, c"proc", step)?;
    let mut flags = libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_NOSUID;
    if read_only {
        flags |= libc::MS_RDONLY;
    }
    mount_on_dir(&target, Some(c"proc"), Some(c"proc"), flags, None).map_err(|e| (step, e, 0))
}

/// No-preload mode: the pre-chroot hooks, then enter the root with stage
/// 2's own code.
fn enter_root(plan: &Plan) -> Result<(), StepError> {
    if !(plan.chroot || plan.pivot_root) {
        return Ok(());
    }
    crate::hook::run(&plan.hooks, crate::hook::HookEvent::PreChroot)
        .map_err(|(errno, index)| (ChildStep::Hook, errno, index))?;
    let step = if plan.pivot_root {
        ChildStep::PivotRoot
    } else {
        ChildStep::Chroot
    };
    jail_enter::root::switch(&plan.root, plan.pivot_root).map_err(|e| (step, e.errno, 0))
}

/// Resolve a directory inside the root (never through a symlink).
fn resolve_dir(root: libc::c_int, path: &CStr, step: ChildStep) -> Result<Fd, StepError> {
    let (target, kind) = resolve_dest(root, path, step, 0)?;
    if kind != Some(libc::S_IFDIR) {
        return Err((step, libc::ENOTDIR, 0));
    }
    Ok(target)
}
