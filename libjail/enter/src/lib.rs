//! Stage 2 of a jail: what is applied after `execve`, once the dynamic
//! loader has run (or, for static programs, just before `execve`).
//!
//! This crate is shared by the parent library (which builds and sends a
//! [`Stage2`]) and the preload library (which receives and applies it), so it
//! stays small: `libc`, `serde` and `bincode`, nothing else.
//!
//! * [`config`]: the settings, as sent over the handoff pipe.
//! * [`wire`]: the framed wire format and its strict decoder.
//! * [`apply`]: turning settings into syscalls, allocation-free once prepared.
//! * [`error`]: a `Copy` error (step + errno) that can be reported without
//!   allocating, so the same code runs between fork and execve.

// Unsafe code only where stage 2 talks to the kernel.
#![deny(unsafe_code)]
#![deny(missing_docs)]

#[allow(unsafe_code)]
pub mod apply;
pub mod config;
pub mod error;
#[allow(unsafe_code)]
pub mod fd;
#[allow(unsafe_code)]
pub mod landlock;
pub mod report;
#[allow(unsafe_code)]
pub mod root;
#[allow(unsafe_code)]
mod sigsys;
pub mod wire;

pub use apply::{install_filter, PrepareError, Prepared};
pub use config::{Caps, Groups, Landlock, LandlockRule, NewRoot, Seccomp, SockFilter, Stage2};
pub use error::{EnterError, Step};
pub use wire::{decode, encode, WireError, HANDOFF_FD_ENV, MAX_PAYLOAD, PRELOAD_FD_PREFIX};

/// Read a framed handoff from `input` and prepare it: the preload's whole
/// path from the pipe to a [`Prepared`] ready to apply, with every refusal
/// as the one line the preload prints. Shared by the preload's constructor
/// and the handoff fuzz target (preload/fuzz), which calls it on arbitrary
/// bytes through [`handoff_from_bytes`].
pub fn handoff_from_reader(input: &mut impl std::io::Read) -> Result<(Stage2, Prepared), String> {
    let stage2 = wire::decode(input).map_err(|e| e.to_string())?;
    let prepared = Prepared::new(&stage2).map_err(|e| e.to_string())?;
    Ok((stage2, prepared))
}

/// [`handoff_from_reader`] over bytes: any input either yields a config
/// ready to apply or an error (the preload then exits 252).
pub fn handoff_from_bytes(mut bytes: &[u8]) -> Result<(Stage2, Prepared), String> {
    handoff_from_reader(&mut bytes)
}

/// Whether this process has exactly one thread. `unshare(CLONE_THREAD)`
/// changes nothing and fails with EINVAL exactly when the thread group has
/// other members: an exact answer without /proc. Any other error (a
/// seccomp filter refusing unshare) is returned for the caller to judge.
#[allow(unsafe_code)] // unshare(2)
pub fn single_threaded() -> Result<bool, std::io::Error> {
    // SAFETY: unshare with only CLONE_THREAD unshares nothing.
    if unsafe { libc::unshare(libc::CLONE_THREAD) } == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::EINVAL) => Ok(false),
        _ => Err(error),
    }
}

/// The byte stage 2 writes on the launcher's status channel once the jail
/// is applied (just before the seccomp filter, the last step: after it the
/// policy might not allow the write).
pub const APPLIED: u8 = 0xa5;

/// The byte the preload writes on the same channel when it could not apply
/// the jail and is about to exit 252, so the launcher waits for that exit
/// (and its status) instead of killing the process.
pub const FAILED: u8 = 0x5a;

/// Exit status of a program whose stage 2 could not be applied in the
/// preload library (minijail's `MINIJAIL_ERR_PRELOAD`).
pub const EXIT_PRELOAD_FAILED: i32 = 252;
/// Exit status of a program whose jail could not be applied before execve
/// (minijail's `MINIJAIL_ERR_JAIL`); also used for a SIGSYS death.
pub const EXIT_JAIL_FAILED: i32 = 253;
