//! Resource control: a fresh cgroup per jail, with memory, process-count,
//! CPU and I/O limits, a wall-clock limit, and a report of what the jail
//! used.
//!
//! Upstream minijail only joins cgroups someone else made
//! ([`Jail::add_to_cgroup`](crate::Jail::add_to_cgroup)); this module makes
//! and owns one per launch:
//!
//! - [`hierarchy`] finds the hierarchies and the launcher's own cgroup in
//!   each. Each controller is used where it lives: on a hybrid host memory
//!   may be on v1 while the unified (v2) hierarchy has no controllers, and
//!   the jail then gets a node in both (v2 still gives `cgroup.kill`,
//!   `cgroup.events` and `cpu.stat`).
//! - [`group`] creates the jail's cgroup beneath the launcher's own cgroup
//!   (in a `jail.slice` it creates) or beneath a parent the caller names,
//!   writes the limits (`v1`/`v2` spell them), moves the child in while it
//!   waits on the launcher (before execve, so the program never runs
//!   outside), and removes it when the jail ends or the launch fails. A
//!   launcher killed with SIGKILL leaves its cgroup; the next launch under
//!   the same parent removes the empty ones whose launcher is gone.
//! - [`usage`] waits with the time limit and reads what the jail used.
//!
//! Nothing here writes to a cgroup the jail did not create, except to
//! enable a controller for children in a v2 parent's
//! `cgroup.subtree_control` when that is allowed.

mod control_files;
pub mod group;
pub mod hierarchy;
pub mod units;
pub mod usage;
mod v1;
mod v2;

use std::path::PathBuf;
use std::time::Duration;

pub use group::JailCgroup;
pub use units::{ByteSize, Cpus, ValueError};
pub use usage::{Ending, Usage};

/// The controllers a jail can be limited by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Controller {
    /// Memory use and swap (`memory`): [`Limits::memory_max`] and friends.
    Memory,
    /// Number of tasks (`pids`): [`Limits::pids_max`].
    Pids,
    /// CPU bandwidth and share (`cpu`): [`Limits::cpu_max`], [`Limits::cpu_weight`].
    Cpu,
    /// Block I/O share (v2 `io`, v1 `blkio`): [`Limits::io_weight`].
    Io,
}

impl Controller {
    /// The name in a v1 mount's options.
    pub fn v1_name(self) -> &'static str {
        match self {
            Controller::Memory => "memory",
            Controller::Pids => "pids",
            Controller::Cpu => "cpu",
            Controller::Io => "blkio",
        }
    }

    /// The name in v2's `cgroup.controllers`.
    pub fn v2_name(self) -> &'static str {
        match self {
            Controller::Io => "io",
            other => other.v1_name(),
        }
    }
}

/// The limits of a jail's own cgroup. `None` leaves a limit unset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `memory.max` (v1 `memory.limit_in_bytes`): the jail is OOM-killed above it.
    pub memory_max: Option<ByteSize>,
    /// `memory.high` (v2 only): reclaimed and throttled above it.
    pub memory_high: Option<ByteSize>,
    /// `memory.swap.max` (v1: `memory.memsw.limit_in_bytes` = max + swap).
    pub memory_swap_max: Option<ByteSize>,
    /// `pids.max`: forks fail with EAGAIN beyond this many tasks.
    pub pids_max: Option<u64>,
    /// `cpu.max` (v1 `cpu.cfs_quota_us`): at most this much CPU time per
    /// unit of wall time.
    pub cpu_max: Option<Cpus>,
    /// `cpu.weight`, 1 to 10000, default 100 (v1 `cpu.shares` scaled).
    pub cpu_weight: Option<u32>,
    /// `io.weight`, 1 to 10000, default 100 (v1 `blkio.bfq.weight`, at most 1000).
    pub io_weight: Option<u32>,
}

impl Limits {
    /// The controllers these limits need.
    pub fn controllers(&self) -> Vec<Controller> {
        let mut out = Vec::new();
        if self.memory_max.is_some() || self.memory_high.is_some() || self.memory_swap_max.is_some()
        {
            out.push(Controller::Memory);
        }
        if self.pids_max.is_some() {
            out.push(Controller::Pids);
        }
        if self.cpu_max.is_some() || self.cpu_weight.is_some() {
            out.push(Controller::Cpu);
        }
        if self.io_weight.is_some() {
            out.push(Controller::Io);
        }
        out
    }

    /// Values the kernel would refuse, refused before anything is made.
    pub fn check(&self) -> Result<(), CgroupError> {
        for (what, weight) in [
            ("cpu.weight", self.cpu_weight),
            ("io.weight", self.io_weight),
        ] {
            if weight.is_some_and(|w| !(1..=10_000).contains(&w)) {
                return Err(CgroupError::Invalid(format!(
                    "{what} {} is out of range: it takes 1 to 10000 (100 is the default share)",
                    weight.unwrap_or_default()
                )));
            }
        }
        if self.pids_max == Some(0) {
            return Err(CgroupError::Invalid(
                "a pids limit of 0 would not even let the program start: give at least 1".into(),
            ));
        }
        if self.memory_max.is_some_and(|m| m.get() == 0) {
            return Err(CgroupError::Invalid(
                "a memory limit of 0 would not even let the program start".into(),
            ));
        }
        Ok(())
    }
}

/// A jail's resource-control settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Make a fresh cgroup even without limits (to account, or to kill
    /// every process of the jail at the end).
    pub fresh: bool,
    /// The limits written into the jail's cgroup before the program starts.
    pub limits: Limits,
    /// The parent for the jail's cgroup, as a cgroup path (`/jobs`) or a
    /// directory under a cgroup mount; None: beneath the launcher's own
    /// cgroup, in a `jail.slice` made for the purpose.
    pub parent: Option<PathBuf>,
    /// Wall-clock limit, from the start of the program.
    pub time_limit: Option<Duration>,
}

impl Settings {
    /// Whether a launch makes a cgroup of its own; a time limit needs one
    /// to kill every process, unless a new pid namespace does it.
    pub fn wants_cgroup(&self, new_pid_ns: bool) -> bool {
        self.fresh
            || self.parent.is_some()
            || !self.limits.controllers().is_empty()
            || (self.time_limit.is_some() && !new_pid_ns)
    }

    /// Whether anything is set at all.
    pub fn is_set(&self) -> bool {
        *self != Settings::default()
    }
}

/// Why a jail's cgroup could not be made, limited or removed.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// A limit the kernel would refuse (a weight out of 1..=10000, a pids
    /// or memory limit of 0); the text says which and why.
    #[error("invalid resource limit: {0}")]
    Invalid(String),
    /// A limit needs a controller that no mounted hierarchy has.
    #[error("the {controller} cgroup controller is not available: no cgroup v2 hierarchy offers it and no v1 hierarchy for it is mounted; {hint}")]
    ControllerMissing {
        /// The controller's name (`memory`, `pids`, `cpu`, `io`).
        controller: &'static str,
        /// What would make it available.
        hint: &'static str,
    },
    /// The jail's cgroup directory could not be made: the caller has no
    /// cgroup delegated there.
    #[error("cannot create the jail's cgroup in {dir}: {source}; uid {uid} has no cgroup delegated there: as root, chown that directory (and its cgroup.procs, cgroup.subtree_control) to uid {uid}, use a systemd unit with Delegate=yes, or name a delegated parent (--cgroup-parent)")]
    NotDelegated {
        /// The parent directory the cgroup was to be made in.
        dir: PathBuf,
        /// The caller's effective uid.
        uid: u32,
        /// mkdir's error.
        source: std::io::Error,
    },
    /// A v2 controller could not be enabled for the jail's cgroup.
    #[error("cannot enable the {controller} controller for the jail's cgroup: writing +{controller} to {file} failed: {source}; {hint}")]
    Enable {
        /// The controller's name.
        controller: &'static str,
        /// The `cgroup.subtree_control` written to.
        file: PathBuf,
        /// The write's error.
        source: std::io::Error,
        /// Why that usually happens and what to do.
        hint: &'static str,
    },
    /// The parent named with [`crate::Jail::cgroup_parent`] is missing:
    /// the parent as given, the hierarchy's name, the directory looked for.
    #[error("cgroup parent '{0}' does not exist in the {1} hierarchy (looked for {2}); create it first or name another")]
    NoParent(PathBuf, String, PathBuf),
    /// The launcher's own cgroup (from /proc/self/cgroup) lies outside the
    /// named hierarchy's mount, so no default parent can be found there.
    #[error("the launcher's own cgroup in the {0} hierarchy is not visible from its mount; name a parent (--cgroup-parent)")]
    NoOwnCgroup(String),
    /// A setting this host's cgroups cannot honour (the setting, why).
    #[error("{0} is not supported by this host's cgroups: {1}")]
    Unsupported(&'static str, String),
    /// Reading or writing a cgroup file failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done ("writing the jail's limit to").
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Resource control on the builder.
impl crate::Jail {
    /// Give the jail a fresh cgroup of its own even without limits: every
    /// process of the jail is then killed when the program ends, and
    /// [`Usage`] has the cgroup's figures. Any limit below implies it.
    pub fn new_cgroup(&mut self) -> &mut Self {
        self.resources.fresh = true;
        self
    }

    /// Make the jail's cgroup beneath `parent` (a cgroup path such as
    /// `/jobs`, or a directory under a cgroup mount) instead of beneath
    /// the launcher's own cgroup. On a hybrid host the same path is used
    /// in every hierarchy the jail needs; it must exist in each.
    pub fn cgroup_parent(&mut self, parent: impl AsRef<std::path::Path>) -> &mut Self {
        self.resources.parent = Some(parent.as_ref().to_owned());
        self
    }

    /// Hard memory limit (`memory.max`): above it the kernel's OOM killer
    /// kills in the jail, and [`Usage::ended`] says [`Ending::OomKilled`].
    pub fn memory_limit(&mut self, max: ByteSize) -> &mut Self {
        self.resources.limits.memory_max = Some(max);
        self
    }

    /// Memory throttle (`memory.high`, cgroup v2 only).
    pub fn memory_high(&mut self, high: ByteSize) -> &mut Self {
        self.resources.limits.memory_high = Some(high);
        self
    }

    /// Swap limit (`memory.swap.max`).
    pub fn swap_limit(&mut self, max: ByteSize) -> &mut Self {
        self.resources.limits.memory_swap_max = Some(max);
        self
    }

    /// At most `max` processes and threads at once (`pids.max`).
    pub fn pids_limit(&mut self, max: u64) -> &mut Self {
        self.resources.limits.pids_max = Some(max);
        self
    }

    /// At most `cpus` CPUs' worth of time (`cpu.max`), e.g. `Cpus::new(0.5)`.
    pub fn cpu_limit(&mut self, cpus: Cpus) -> &mut Self {
        self.resources.limits.cpu_max = Some(cpus);
        self
    }

    /// Relative CPU share (`cpu.weight`, 1 to 10000, default 100).
    pub fn cpu_weight(&mut self, weight: u32) -> &mut Self {
        self.resources.limits.cpu_weight = Some(weight);
        self
    }

    /// Relative I/O share (`io.weight`, 1 to 10000, default 100).
    pub fn io_weight(&mut self, weight: u32) -> &mut Self {
        self.resources.limits.io_weight = Some(weight);
        self
    }

    /// Wall-clock limit: past it the whole jail (its cgroup, or its pid
    /// namespace) is killed. Unlike `RLIMIT_CPU`, which counts CPU time
    /// per process, this counts real time for every process together,
    /// so a sleeping or blocked program is stopped too.
    pub fn time_limit(&mut self, limit: Duration) -> &mut Self {
        self.resources.time_limit = Some(limit);
        self
    }

    /// Replace every resource-control setting at once.
    pub fn set_resources(&mut self, settings: Settings) -> &mut Self {
        self.resources = settings;
        self
    }

    /// The resource-control settings.
    pub fn resources(&self) -> &Settings {
        &self.resources
    }
}
