//! Caller code run in the jailed child at fixed points of the setup
//! (upstream's `minijail_add_hook`), for the C API and Rust callers alike.
//!
//! Hooks run between fork and execve, so they are only possible when the
//! jail is applied before execve (no-preload mode or fork mode).

use std::ffi::c_void;

/// When a hook runs, in the order of the setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookEvent {
    /// Just before chroot or pivot_root (after the mounts).
    PreChroot,
    /// Just before ids and capabilities are dropped.
    PreDropCaps,
    /// Just before execve (in fork mode: before returning to the caller).
    PreExecve,
}

/// A hook function: 0 to carry on, a negative errno to fail the launch.
pub type HookFn = unsafe extern "C" fn(*mut c_void) -> libc::c_int;

/// One registered hook.
#[derive(Clone, Copy, Debug)]
pub struct Hook {
    /// The point of the setup at which it runs.
    pub event: HookEvent,
    /// The caller's function, called with `payload`.
    pub func: HookFn,
    /// The caller's context pointer, passed back untouched.
    pub payload: *mut c_void,
}

// SAFETY: the payload is an opaque pointer the caller owns; the library
// never dereferences it, only hands it back to the caller's function.
unsafe impl Send for Hook {}
// SAFETY: as above; shared references never touch the payload.
unsafe impl Sync for Hook {}

/// Run the hooks of `event` in order. Allocation-free (runs after fork).
/// On failure: the errno the hook returned (negated) and the hook's index
/// among the hooks of this event.
pub(crate) fn run(hooks: &[Hook], event: HookEvent) -> Result<(), (i32, u64)> {
    for (index, hook) in hooks.iter().filter(|h| h.event == event).enumerate() {
        // SAFETY: the caller registered this function and payload for this
        // purpose; the contract is the C API's minijail_hook_t.
        let rc = unsafe { (hook.func)(hook.payload) };
        if rc != 0 {
            let errno = if rc < 0 { -rc } else { rc };
            return Err((errno, index as u64));
        }
    }
    Ok(())
}
