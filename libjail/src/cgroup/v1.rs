//! The legacy hierarchies' files: one hierarchy per controller, other
//! names and units than v2.

use std::path::Path;

use super::control_files::{write_file, Stats};
use super::{CgroupError, Controller, Limits};

/// The CFS period cpu.cfs_quota_us is given against.
const PERIOD_US: u64 = 100_000;

/// v2's cpu.weight default (100) is v1's cpu.shares default (1024).
fn shares(weight: u32) -> u64 {
    (u64::from(weight) * 1024 / 100).clamp(2, 262_144)
}

/// Write the limits of `controller`, whose hierarchy `dir` is in.
pub fn apply(dir: &Path, limits: &Limits, controller: Controller) -> Result<(), CgroupError> {
    match controller {
        Controller::Memory => {
            if limits.memory_high.is_some() {
                return Err(CgroupError::Unsupported(
                    "memory.high",
                    "the memory controller is on cgroup v1 here, which has no such throttle (only a hard limit); use a memory limit instead".into(),
                ));
            }
            if let Some(max) = limits.memory_max {
                write_file(dir, "memory.limit_in_bytes", &max.get().to_string())?;
            }
            if let Some(swap) = limits.memory_swap_max {
                let Some(max) = limits.memory_max else {
                    return Err(CgroupError::Invalid(
                        "on cgroup v1 a swap limit counts memory and swap together, so it needs a memory limit too".into(),
                    ));
                };
                if !dir.join("memory.memsw.limit_in_bytes").exists() {
                    return Err(CgroupError::Unsupported(
                        "a swap limit",
                        "memory.memsw.limit_in_bytes is missing (swap accounting is off)".into(),
                    ));
                }
                let total = max.get().saturating_add(swap.get());
                write_file(dir, "memory.memsw.limit_in_bytes", &total.to_string())?;
            }
        }
        Controller::Pids => {
            if let Some(n) = limits.pids_max {
                write_file(dir, "pids.max", &n.to_string())?;
            }
        }
        Controller::Cpu => {
            if let Some(cpus) = limits.cpu_max {
                write_file(dir, "cpu.cfs_period_us", &PERIOD_US.to_string())?;
                write_file(
                    dir,
                    "cpu.cfs_quota_us",
                    &cpus.quota_us(PERIOD_US).to_string(),
                )?;
            }
            if let Some(w) = limits.cpu_weight {
                write_file(dir, "cpu.shares", &shares(w).to_string())?;
            }
        }
        Controller::Io => {
            if let Some(w) = limits.io_weight {
                let file = if dir.join("blkio.weight").exists() {
                    "blkio.weight"
                } else {
                    "blkio.bfq.weight"
                };
                write_file(dir, file, &w.clamp(1, 1000).to_string())?;
            }
        }
    }
    Ok(())
}

/// What the node accounted.
pub fn stats(dir: &Path, stats: &mut Stats) {
    stats.read(dir, "memory.max_usage_in_bytes", "memory.oom_control");
}

#[cfg(test)]
mod tests {
    #[test]
    fn weights_map_onto_shares() {
        assert_eq!(super::shares(100), 1024);
        assert_eq!(super::shares(1), 10);
        assert_eq!(super::shares(10_000), 102_400);
    }

    #[test]
    fn limits_are_written_in_v1_spelling() {
        use crate::cgroup::{ByteSize, Controller, Cpus, Limits};
        let dir = std::env::temp_dir().join(format!("jail-v1-apply-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("memory.memsw.limit_in_bytes"), "").unwrap();
        let limits = Limits {
            memory_max: Some(ByteSize::mib(64)),
            memory_swap_max: Some(ByteSize::mib(16)),
            pids_max: Some(32),
            cpu_max: Cpus::new(0.5),
            cpu_weight: Some(200),
            io_weight: Some(5000),
            ..Limits::default()
        };
        for c in [
            Controller::Memory,
            Controller::Pids,
            Controller::Cpu,
            Controller::Io,
        ] {
            super::apply(&dir, &limits, c).unwrap();
        }
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        assert_eq!(read("memory.limit_in_bytes"), (64u64 << 20).to_string());
        assert_eq!(
            read("memory.memsw.limit_in_bytes"),
            (80u64 << 20).to_string()
        );
        assert_eq!(read("pids.max"), "32");
        assert_eq!(read("cpu.cfs_period_us"), "100000");
        assert_eq!(read("cpu.cfs_quota_us"), "50000");
        assert_eq!(read("cpu.shares"), "2048");
        assert_eq!(read("blkio.bfq.weight"), "1000");
        let high = Limits {
            memory_high: Some(ByteSize::mib(1)),
            ..Limits::default()
        };
        let err = super::apply(&dir, &high, Controller::Memory)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("memory.high is not supported by this host's cgroups"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
