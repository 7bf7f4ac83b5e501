//! The unified hierarchy's files: limits, enabling controllers for
//! children, cgroup.kill, cgroup.events and the statistics.

use std::path::Path;
use std::time::Duration;

use super::control_files::{fill, keyed, read_file, write_file, Stats};
use super::{CgroupError, Controller, Limits};

/// The CFS period cpu.max is written with.
const PERIOD_US: u64 = 100_000;

/// Make sure `parent`'s children get `controllers`: the ones missing from
/// its `cgroup.subtree_control` are added.
pub fn enable(parent: &Path, controllers: &[Controller]) -> Result<(), CgroupError> {
    let file = parent.join("cgroup.subtree_control");
    let enabled = std::fs::read_to_string(&file).unwrap_or_default();
    for c in controllers {
        let name = c.v2_name();
        if enabled.split_whitespace().any(|e| e == name) {
            continue;
        }
        if let Err(source) = std::fs::write(&file, format!("+{name}")) {
            let hint = match source.raw_os_error() {
                Some(libc::EBUSY) => "that cgroup has processes of its own, and cgroup v2 gives controllers only to the children of a cgroup without processes: name an empty delegated parent (--cgroup-parent)",
                Some(libc::EACCES | libc::EPERM) => "this user may not change that file: ask for a delegated cgroup, or name one (--cgroup-parent)",
                Some(libc::ENOENT) => "the controller is not enabled in that cgroup's parent: enable it there first",
                _ => "enable it there, or name another parent (--cgroup-parent)",
            };
            return Err(CgroupError::Enable {
                controller: name,
                file,
                source,
                hint,
            });
        }
    }
    Ok(())
}

/// Write the limits whose controller this node holds.
pub fn apply(dir: &Path, limits: &Limits, here: &[Controller]) -> Result<(), CgroupError> {
    if here.contains(&Controller::Memory) {
        if let Some(max) = limits.memory_max {
            write_file(dir, "memory.max", &max.get().to_string())?;
        }
        if let Some(high) = limits.memory_high {
            write_file(dir, "memory.high", &high.get().to_string())?;
        }
        if let Some(swap) = limits.memory_swap_max {
            if !dir.join("memory.swap.max").exists() {
                return Err(CgroupError::Unsupported(
                    "a swap limit",
                    format!(
                        "{} is missing (swap accounting is off in this kernel)",
                        dir.join("memory.swap.max").display()
                    ),
                ));
            }
            write_file(dir, "memory.swap.max", &swap.get().to_string())?;
        }
    }
    if here.contains(&Controller::Pids) {
        if let Some(n) = limits.pids_max {
            write_file(dir, "pids.max", &n.to_string())?;
        }
    }
    if here.contains(&Controller::Cpu) {
        if let Some(cpus) = limits.cpu_max {
            write_file(
                dir,
                "cpu.max",
                &format!("{} {PERIOD_US}", cpus.quota_us(PERIOD_US)),
            )?;
        }
        if let Some(w) = limits.cpu_weight {
            write_file(dir, "cpu.weight", &w.to_string())?;
        }
    }
    if here.contains(&Controller::Io) {
        if let Some(w) = limits.io_weight {
            if dir.join("io.weight").exists() {
                write_file(dir, "io.weight", &format!("default {w}"))?;
            } else {
                write_file(dir, "io.bfq.weight", &w.min(1000).to_string())?;
            }
        }
    }
    Ok(())
}

/// Kill every process in the cgroup at once; false when the kernel has
/// no cgroup.kill (before 5.14).
pub fn kill(dir: &Path) -> bool {
    std::fs::write(dir.join("cgroup.kill"), "1").is_ok()
}

/// Whether any process is left (cgroup.events `populated`).
pub fn populated(dir: &Path) -> Option<bool> {
    let events = read_file(dir, "cgroup.events")?;
    keyed(&events, "populated").map(|v| v != 0)
}

/// What the node accounted.
pub fn stats(dir: &Path, stats: &mut Stats) {
    if let Some(cpu) = read_file(dir, "cpu.stat") {
        fill(
            &mut stats.user_cpu,
            keyed(&cpu, "user_usec").map(Duration::from_micros),
        );
        fill(
            &mut stats.system_cpu,
            keyed(&cpu, "system_usec").map(Duration::from_micros),
        );
    }
    stats.read(dir, "memory.peak", "memory.events");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::{ByteSize, Cpus};

    fn scratch(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("jail-v2-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn limits_are_written_in_v2_spelling() {
        let dir = scratch("apply");
        std::fs::write(dir.join("io.weight"), "default 100\n").unwrap();
        let limits = Limits {
            memory_max: Some(ByteSize::mib(64)),
            memory_high: Some(ByteSize::mib(48)),
            pids_max: Some(32),
            cpu_max: Cpus::new(0.2),
            cpu_weight: Some(50),
            io_weight: Some(300),
            ..Limits::default()
        };
        let all = [
            Controller::Memory,
            Controller::Pids,
            Controller::Cpu,
            Controller::Io,
        ];
        apply(&dir, &limits, &all).unwrap();
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        assert_eq!(read("memory.max"), (64u64 << 20).to_string());
        assert_eq!(read("memory.high"), (48u64 << 20).to_string());
        assert_eq!(read("pids.max"), "32");
        assert_eq!(read("cpu.max"), "20000 100000");
        assert_eq!(read("cpu.weight"), "50");
        assert_eq!(read("io.weight"), "default 300");
        // A swap limit where the kernel does not account swap is refused.
        let swap = Limits {
            memory_swap_max: Some(ByteSize::mib(1)),
            ..Limits::default()
        };
        let err = apply(&dir, &swap, &all).unwrap_err().to_string();
        assert!(err.contains("memory.swap.max is missing"), "{err}");
        // Only the controllers this node holds are written.
        let other = scratch("apply-none");
        apply(&other, &limits, &[]).unwrap();
        assert_eq!(std::fs::read_dir(&other).unwrap().count(), 0);
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&other);
    }

    #[test]
    fn controllers_missing_from_subtree_control_are_enabled() {
        let dir = scratch("enable");
        std::fs::write(dir.join("cgroup.subtree_control"), "memory pids\n").unwrap();
        enable(&dir, &[Controller::Memory, Controller::Pids]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap(),
            "memory pids\n",
            "nothing written when all are enabled"
        );
        enable(&dir, &[Controller::Memory, Controller::Io]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap(),
            "+io"
        );
        let _ = std::fs::remove_dir_all(&dir);
        let err = enable(Path::new("/nonexistent-jail-cgroup"), &[Controller::Pids])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot enable the pids controller for the jail's cgroup: writing +pids to /nonexistent-jail-cgroup/cgroup.subtree_control failed"),
            "{err}"
        );
    }
}
