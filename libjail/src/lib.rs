//! jail: a Linux process sandbox, a Rust implementation of minijail.
//!
//! Build a [`Jail`], then run a program in it:
//!
//! ```no_run
//! let mut jail = jail::Jail::new();
//! jail.change_uid(65534).change_gid(65534).no_new_privs();
//! let status = jail.run("/bin/true", &[] as &[&str])?.wait()?;
//! assert_eq!(status, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Stage 1 (namespaces, mounts, root, rlimits, fds) runs in the forked
//! child before execve; stage 2 (ids, capabilities, no_new_privs, Landlock,
//! seccomp) runs in the preload library's constructor after the dynamic
//! loader, or just before execve for static programs.

pub mod atomic_file;
pub mod caps;
pub mod cgroup;
pub mod config;
pub mod hook;
pub mod ids;
pub mod input_file;
pub mod launch;
pub mod log;
pub mod process;
pub mod program;
pub mod pty;
pub mod rlimit;
pub mod seccomp;
pub mod status;
pub mod suggest;
mod sys;

pub use cgroup::{ByteSize, Cpus, Ending, Usage};
pub use config::{
    FsRule, Jail, MountSpec, Namespace, PreloadMode, Propagation, Rlimit, RlimitError,
    SeccompFilter, SupplementaryGroups,
};
pub use jail_enter::{landlock, SockFilter};
pub use launch::{Command, Environment, LaunchError, Stdio};
pub use process::JailedProcess;

/// The name of syscall `nr` on this architecture.
pub fn syscall_name(nr: i64) -> Option<&'static str> {
    seccomp::tables::Arch::try_native()
        .ok()
        .and_then(|arch| seccomp::syscall_name(arch, nr))
}
