//! jail: a Linux process sandbox, a Rust implementation of minijail.
//!
//! Build a [`Jail`], then run a program in it:
//!
//! ```no_run
//! let mut jail = jail::Jail::new();
//! jail.change_uid(65534).change_gid(65534).no_new_privs();
//! let out = jail.command("/usr/bin/id").arg("-u").output()?;
//! assert!(out.status.success());
//! assert_eq!(out.stdout, b"65534\n");
//!
//! // A status tells an exit code, a signal and a seccomp kill apart.
//! let status = jail.command("/bin/true").status()?;
//! assert_eq!(status.code(), Some(0));
//! # Ok::<(), jail::LaunchError>(())
//! ```
//!
//! Stage 1 (namespaces, mounts, root, rlimits, fds) runs in the forked
//! child before execve; stage 2 (ids, capabilities, no_new_privs, Landlock,
//! seccomp) runs in the preload library's constructor after the dynamic
//! loader, or just before execve for static programs.

// Unsafe code lives only in the modules that talk to the kernel (and the
// C function pointers of hooks); everything else is checked safe Rust.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod atomic_file;
pub mod caps;
#[allow(unsafe_code)]
pub mod cgroup;
pub mod config;
pub mod death;
#[allow(unsafe_code)]
pub mod doctor;
#[allow(unsafe_code)]
pub mod hook;
pub mod ids;
pub mod input_file;
pub mod launch;
pub mod log;
#[allow(unsafe_code)]
pub mod process;
mod profile;
pub mod program;
#[allow(unsafe_code)]
pub mod pty;
#[allow(unsafe_code)]
pub mod record;
pub mod rlimit;
pub mod seccomp;
#[allow(unsafe_code)]
mod signals;
pub mod status;
pub mod suggest;
#[allow(unsafe_code)]
pub mod supervise;
#[allow(unsafe_code)]
mod sys;

pub use caps::{CapSet, Capability};
pub use cgroup::{ByteSize, Cpus, Ending, Usage};
pub use config::{
    FsAccess, FsRule, Jail, MountSpec, Namespace, PreloadMode, Propagation, Rlimit, RlimitError,
    SeccompFilter, SupplementaryGroups,
};
pub use jail_enter::{landlock, SockFilter};
pub use launch::JailCommand;
pub use launch::{Command, Conflict, Environment, LaunchError, Stdio};
pub use process::{JailedProcess, Output};
pub use rlimit::Resource;
pub use status::{ExitStatus, JailFailure, SeccompCall};

/// README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The name of syscall `nr` on this architecture.
pub fn syscall_name(nr: i64) -> Option<&'static str> {
    seccomp::tables::Arch::try_native()
        .ok()
        .and_then(|arch| seccomp::syscall_name(arch, nr))
}
