//! Capability names and numbers, as `-c` and the C API spell them.

/// Capability names by number (linux/capability.h), lower case without `cap_`.
pub const NAMES: [&str; 41] = [
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

/// A capability by name (`CAP_NET_RAW`, `cap_net_raw` or `net_raw`).
pub fn by_name(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let bare = lower.strip_prefix("cap_").unwrap_or(&lower);
    NAMES.iter().position(|n| *n == bare).map(|i| i as u32)
}

/// The name of capability `cap`, as `CAP_NAME`.
pub fn name(cap: u32) -> Option<String> {
    NAMES
        .get(cap as usize)
        .map(|n| format!("CAP_{}", n.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(by_name("CAP_NET_BIND_SERVICE"), Some(10));
        assert_eq!(by_name("sys_admin"), Some(21));
        assert_eq!(name(40).as_deref(), Some("CAP_CHECKPOINT_RESTORE"));
        assert_eq!(by_name("CAP_NOPE"), None);
    }
}
