//! The switch into a jail's new root: chroot, or pivot_root with the old
//! root detached. One definition for both places it runs: the preload's
//! constructor (preload mode: after the loader has mapped the program from
//! the caller's filesystem, as upstream minijail does) and the forked
//! child just before execve (no-preload mode). Syscalls only.

use std::ffi::CStr;

use crate::error::{EnterError, Step};

fn check(rc: libc::c_long, step: Step) -> Result<(), EnterError> {
    if rc < 0 {
        Err(EnterError::last(step, None))
    } else {
        Ok(())
    }
}

/// chroot(2) into `root`, then make "/" the working directory.
pub fn chroot(root: &CStr) -> Result<(), EnterError> {
    // SAFETY: chroot/chdir on NUL-terminated paths.
    unsafe {
        check(libc::chroot(root.as_ptr()).into(), Step::Chroot)?;
        check(libc::chdir(c"/".as_ptr()).into(), Step::Chroot)
    }
}

/// pivot_root(2) into `root` and detach the old root, so nothing of the
/// caller's filesystem stays reachable. Needs a mount namespace of its own.
pub fn pivot_root(root: &CStr) -> Result<(), EnterError> {
    let step = Step::PivotRoot;
    // SAFETY: mount/chdir/pivot_root/umount2 on NUL-terminated paths and
    // null optional arguments.
    unsafe {
        // pivot_root needs the new root to be a mount point: bind it onto
        // itself, with the mounts already made inside it.
        check(
            libc::mount(
                root.as_ptr(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND | libc::MS_REC,
                std::ptr::null(),
            )
            .into(),
            step,
        )?;
        // Enter the bind just made on top of the directory.
        check(libc::chdir(root.as_ptr()).into(), step)?;
        // With "." twice, the old root ends up stacked on top of the new.
        check(
            libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()),
            step,
        )?;
        // Keep the old root's unmount from propagating back to the host
        // (with shared propagation), then detach it.
        check(
            libc::mount(
                std::ptr::null(),
                c".".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            )
            .into(),
            step,
        )?;
        check(libc::umount2(c".".as_ptr(), libc::MNT_DETACH).into(), step)?;
        check(libc::chdir(c"/".as_ptr()).into(), step)
    }
}

/// Switch into `root` the way `pivot` says.
pub fn switch(root: &CStr, pivot: bool) -> Result<(), EnterError> {
    if pivot {
        pivot_root(root)
    } else {
        chroot(root)
    }
}
