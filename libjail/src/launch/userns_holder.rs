//! A new user namespace made, and its maps written, before the child
//! exists, for an unprivileged launcher that is undumpable.
//!
//! Such a launcher cannot write the maps of a child that shares its
//! memory: the child's /proc files belong to root while the memory is
//! undumpable, and the flag belongs to the memory, so the child cannot
//! change it without making the launcher dumpable too. Forking a copy
//! instead would cost a copy of the caller's page tables. So a holder,
//! jail-init in its `hold` mode, is started in the new namespace
//! (vfork-style, then exec'd from the memfd: memory of its own, and
//! dumpable); the launcher writes the maps into the holder's files, opens
//! the namespace and kills the holder. The child, sharing the launcher's
//! memory as every other launch's does, joins the namespace by that fd.

use std::ffi::CStr;

use super::clone::SignalsBlocked;
use super::error::LaunchError;
use super::plan::Plan;
use crate::sys;

/// What the holder's entry needs, in the launcher's frame.
struct HolderStart {
    image: libc::c_int,
    launcher: libc::pid_t,
    /// The pipe's write end, the holder's fd 1: it says "h" there once its
    /// exec is complete (the kernel wakes a vfork parent before the new
    /// image is dumpable).
    ready: libc::c_int,
}

extern "C" fn holder_main(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the HolderStart in `start_holder`'s frame, which is
    // suspended (CLONE_VFORK) until this child execs or exits.
    let start = unsafe { &*(arg as *const HolderStart) };
    let argv = [c"jail-init".as_ptr(), c"hold".as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null::<libc::c_char>()];
    // SAFETY: prctl, getppid, execveat and _exit with valid arguments; the
    // arrays are null-terminated and outlive the call.
    unsafe {
        // Gone with the launcher, which kills it otherwise.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() != start.launcher || libc::dup2(start.ready, 1) != 1 {
            libc::_exit(127);
        }
        libc::syscall(
            libc::SYS_execveat,
            start.image,
            c"".as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        );
        libc::_exit(127)
    }
}

/// The holder process; killed and reaped on drop.
struct Holder(libc::pid_t);

impl Drop for Holder {
    fn drop(&mut self) {
        // SAFETY: killing our own child.
        unsafe { libc::kill(self.0, libc::SIGKILL) };
        sys::wait_for(self.0);
    }
}

fn start_holder(image: libc::c_int, ready: libc::c_int) -> Result<Holder, LaunchError> {
    let stack =
        sys::GuardedStack::new().map_err(|e| LaunchError::os("mapping the holder's stack", e))?;
    let start = HolderStart {
        image,
        // SAFETY: getpid has no preconditions.
        launcher: unsafe { libc::getpid() },
        ready,
    };
    // Every signal blocked around the clone, so none of the caller's
    // handlers runs in the child on our memory; exec keeps the mask.
    // SAFETY: all-zero is a valid sigset_t (filled in by the guard).
    let mut saved: libc::sigset_t = unsafe { std::mem::zeroed() };
    let blocked = SignalsBlocked::new(&mut saved);
    // SAFETY: vfork-style: we are suspended until the child execs or
    // exits, so `start` and `stack` outlive its use of them; it only
    // makes syscalls.
    let pid = unsafe {
        sys::clone_vm(
            libc::CLONE_NEWUSER,
            true,
            &stack,
            holder_main,
            (&start as *const HolderStart).cast_mut().cast(),
        )
    };
    drop(blocked);
    let pid = pid.map_err(|e| LaunchError::Refused {
        call: "clone(CLONE_NEWUSER) (starting the user namespace's holder)".to_owned(),
        source: std::io::Error::from_raw_os_error(e),
        hint: crate::doctor::cause::clone_failure_hint(libc::CLONE_NEWUSER, e),
    })?;
    Ok(Holder(pid))
}

/// Wait for the holder's word that it runs, dumpable; false if it died
/// (a failed exec exits 127) first.
fn holder_ready(ready: libc::c_int) -> bool {
    let mut byte = [0u8; 1];
    matches!(sys::read_full(ready, &mut byte), Ok(1))
}

/// Make the new user namespace in a holder, write its maps, and add it to
/// the plan: the child joins it first thing, where it would have been made
/// by the clone.
pub fn prepare(plan: &mut Plan) -> Result<(), LaunchError> {
    let image = match plan.init_image {
        fd if fd >= 0 => fd,
        _ => {
            let fd = super::init_image::image_fd()
                .map_err(|e| LaunchError::os("making the memfd for the namespace's holder", e))?;
            plan.init_image = fd;
            plan.close_in_parent.push(fd);
            fd
        }
    };
    let (ready_read, ready_write) =
        sys::pipe_at_or_above(3).map_err(|e| LaunchError::os("making the holder's pipe", e))?;
    let holder = start_holder(image, ready_write);
    sys::close(ready_write);
    let ready = holder.is_ok() && holder_ready(ready_read);
    sys::close(ready_read);
    let holder = holder?;
    if !ready {
        return Err(LaunchError::os(
            "starting the user namespace's holder (jail-init from a memfd)",
            libc::ENOEXEC,
        ));
    }
    super::idmap_write::write_maps(
        holder.0,
        plan.uid_map.as_deref(),
        plan.deny_setgroups,
        plan.gid_map.as_deref(),
    )?;
    let path = format!("/proc/{}/ns/user\0", holder.0);
    let path = CStr::from_bytes_with_nul(path.as_bytes()).expect("one NUL at the end");
    // SAFETY: a NUL-terminated path.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(LaunchError::path(
            "user namespace",
            std::path::Path::new(path.to_str().unwrap_or("/proc/PID/ns/user")),
            std::io::Error::from_raw_os_error(sys::errno()).to_string(),
        ));
    }
    // The open fd keeps the namespace; the holder goes now.
    drop(holder);
    plan.clone_flags &= !libc::CLONE_NEWUSER;
    plan.close_in_parent.push(fd);
    plan.userns_fd = fd;
    Ok(())
}
