//! Stage 2 through the preload: ids, capabilities, no_new_privs, seccomp,
//! and the scrub of the handoff, seen from inside the jailed program.

use jail::{CapSet, Capability, Command, Jail, Namespace, SeccompFilter};
use jail_tests::bpf;
use jail_tests::support::*;

const CAP_NET_BIND_SERVICE: u64 = 1 << 10;

#[test]
fn late_drop_keeps_exactly_the_requested_capability_as_nobody() {
    require_root!();
    let mut jail = Jail::new();
    jail.change_uid(65534)
        .change_gid(65534)
        .use_caps(CAP_NET_BIND_SERVICE)
        .namespace(Namespace::Net);
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.field("uid"), Some("65534"));
    assert_eq!(out.field("gid"), Some("65534"));
    assert_eq!(
        out.field("groups"),
        Some(""),
        "supplementary groups cleared"
    );
    assert_eq!(out.field("CapEff"), Some("0000000000000400"));
    assert_eq!(out.field("CapPrm"), Some("0000000000000400"));
    assert_eq!(out.field("CapBnd"), Some("0000000000000400"));
    assert_eq!(out.field("CapAmb"), Some("0000000000000000"));

    // The one capability is usable: a port below 1024 binds as nobody.
    let out = run_probe(&jail, &["bind", "80"]);
    assert_eq!(out.stdout.trim(), "ok", "{out:?}");

    // Without it, the same bind is refused.
    let mut without = Jail::new();
    without
        .change_uid(65534)
        .change_gid(65534)
        .namespace(Namespace::Net);
    let out = run_probe(&without, &["bind", "80"]);
    assert!(out.stdout.starts_with("denied"), "{out:?}");
}

/// A capability set as /proc/PID/status prints it (hex mask).
fn cap_field(out: &Outcome, field: &str) -> CapSet {
    let hex = out
        .field(field)
        .unwrap_or_else(|| panic!("{field} in {out:?}"));
    CapSet::from_bits(u64::from_str_radix(hex, 16).expect("a hex mask"))
}

#[test]
fn typed_capabilities_are_the_sets_the_program_has() {
    require_root!();
    let kept = [Capability::NetBindService, Capability::NetRaw];
    let mut jail = Jail::new();
    jail.change_uid(65534)
        .change_gid(65534)
        .capabilities(kept)
        .namespace(Namespace::Net);
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.status, 0, "{out:?}");
    let expected: CapSet = kept.into_iter().collect();
    for set in ["CapEff", "CapPrm", "CapBnd"] {
        assert_eq!(cap_field(&out, set), expected, "{set}: {out:?}");
    }
    assert_eq!(cap_field(&out, "CapAmb"), CapSet::EMPTY);

    // No capability at all, as root.
    let mut none = Jail::new();
    none.capabilities([]);
    let out = run_probe(&none, &["status"]);
    assert_eq!(cap_field(&out, "CapEff"), CapSet::EMPTY, "{out:?}");
    assert_eq!(cap_field(&out, "CapBnd"), CapSet::EMPTY, "{out:?}");

    // The bounding set alone: the effective set stays root's.
    let mut bounded = Jail::new();
    bounded.bounding_set([Capability::Kill]);
    let out = run_probe(&bounded, &["status"]);
    assert_eq!(cap_field(&out, "CapBnd"), CapSet::from(Capability::Kill));
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    let own_eff = own
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(|h| CapSet::from_bits(u64::from_str_radix(h.trim(), 16).unwrap()))
        .unwrap();
    assert_eq!(cap_field(&out, "CapEff"), own_eff, "{out:?}");
}

#[test]
fn ambient_capabilities_survive_execve() {
    require_root!();
    let mut jail = Jail::new();
    jail.change_uid(65534)
        .change_gid(65534)
        .use_caps(CAP_NET_BIND_SERVICE)
        .set_ambient_caps();
    // The shell execs the probe: only ambient caps cross that execve.
    let probe = probe();
    let out = run_program(&jail, "/bin/sh", &["-c", &format!("exec {probe} status")]);
    assert_eq!(out.field("CapAmb"), Some("0000000000000400"), "{out:?}");
    assert_eq!(out.field("CapEff"), Some("0000000000000400"), "{out:?}");
}

#[test]
fn handoff_is_scrubbed_before_main() {
    let mut jail = Jail::new();
    jail.no_new_privs();
    let mut cmd = Command::new(probe());
    cmd.arg("status");
    let out = run(&jail, &mut cmd).unwrap();
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.field("NoNewPrivs"), Some("1"));
    assert_eq!(out.field("LD_PRELOAD"), Some(""));
    assert_eq!(out.field("handoff_var"), Some("false"));
    assert_eq!(out.field("fds"), Some("0,1,2"), "the handoff fd is closed");
}

#[test]
fn caller_ld_preload_entries_stay_in_order() {
    let mut jail = Jail::new();
    jail.no_new_privs();
    let mut cmd = Command::new(probe());
    // Entries the loader cannot find are skipped with a warning, which is
    // enough to see that they are passed through unchanged.
    cmd.arg("env")
        .env("LD_PRELOAD", "/nonexistent/a.so:/nonexistent/b.so");
    let out = run(&jail, &mut cmd).unwrap();
    assert_eq!(
        out.field("LD_PRELOAD"),
        Some("/nonexistent/a.so:/nonexistent/b.so"),
        "{out:?}"
    );
}

#[test]
fn seccomp_filter_applies_after_the_loader() {
    let dir = TempDir::new("seccomp");
    let target = dir.path().join("made");
    let mut jail = Jail::new();
    jail.no_new_privs().seccomp_filter(bpf::deny_mkdir(false));
    let out = run_probe(&jail, &["mkdir", target.to_str().unwrap()]);
    assert_eq!(out.status, 0, "{out:?}");
    assert!(
        out.stdout.starts_with("denied: Operation not permitted"),
        "{out:?}"
    );
    assert!(!target.exists());
}

#[test]
fn unprivileged_no_new_privs_and_seccomp_work() {
    if in_unprivileged_rerun() {
        let dir = std::env::temp_dir().join(format!("jail-unpriv-{}", std::process::id()));
        let mut jail = Jail::new();
        jail.no_new_privs().seccomp_filter(bpf::deny_mkdir(false));
        let out = run_probe(&jail, &["mkdir", dir.to_str().unwrap()]);
        assert!(
            out.stdout.starts_with("denied: Operation not permitted"),
            "{out:?}"
        );
        let out = run_probe(&jail, &["status"]);
        assert_eq!(out.field("NoNewPrivs"), Some("1"));
        assert_eq!(out.field("Seccomp"), Some("2"));
        assert_eq!(out.field("uid"), Some("65534"));
        return;
    }
    require_root!();
    make_reachable(&target_dir());
    let (ok, text) = rerun_unprivileged("unprivileged_no_new_privs_and_seccomp_work");
    assert!(ok, "{text}");
}

#[test]
fn unprivileged_caller_gets_clear_errors_for_privileged_settings() {
    if in_unprivileged_rerun() {
        // A uid change the kernel refuses: the program never runs. (Groups
        // are kept so that setgroups, which fails first otherwise, is skipped.)
        let mut jail = Jail::new();
        jail.change_uid(0).keep_supplementary_gids();
        let out = run_probe(&jail, &["status"]);
        assert_eq!(out.status, 252, "{out:?}");
        assert!(out.stdout.is_empty(), "main must not run: {out:?}");
        assert!(out.stderr.contains("setresuid"), "{out:?}");
        assert!(out.stderr.contains("for 0"), "{out:?}");

        // A capability that is not held.
        let mut jail = Jail::new();
        jail.use_caps(CAP_NET_BIND_SERVICE);
        let out = run_probe(&jail, &["status"]);
        assert_eq!(out.status, 252, "{out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        assert_eq!(out.stderr.lines().count(), 1, "one line: {out:?}");

        // A filter without no_new_privs needs CAP_SYS_ADMIN: refused
        // before fork.
        let mut jail = Jail::new();
        jail.seccomp_filter(bpf::deny_mkdir(false));
        let err = jail
            .run(probe(), ["status"])
            .expect_err("a filter without no_new_privs, unprivileged");
        assert!(
            err.to_string()
                .contains("without no_new_privs needs CAP_SYS_ADMIN"),
            "{err}"
        );

        // A new user namespace is fine unprivileged and maps us to root.
        let mut jail = Jail::new();
        jail.namespace(Namespace::User);
        let out = run_probe(&jail, &["status"]);
        assert_eq!(out.status, 0, "{out:?}");
        assert_eq!(out.field("uid"), Some("0"));
        return;
    }
    require_root!();
    make_reachable(&target_dir());
    let (ok, text) =
        rerun_unprivileged("unprivileged_caller_gets_clear_errors_for_privileged_settings");
    assert!(ok, "{text}");
}

#[test]
fn capability_outside_the_bounding_set_fails_closed_as_root() {
    require_root!();
    // CAP_NET_ADMIN is dropped from the bounding set, then asked for: the
    // kernel refuses to keep it, so the program must not start.
    let mut jail = Jail::new();
    jail.capbset_drop(CAP_NET_BIND_SERVICE)
        .use_caps(CAP_NET_BIND_SERVICE | (1 << 12))
        .change_uid(65534)
        .change_gid(65534);
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.status, 252, "{out:?}");
    assert!(out.stdout.is_empty(), "main must not run: {out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(out.stderr.contains("capset"), "{out:?}");

    // Dropping from the bounding set alone works and leaves the rest.
    let mut jail = Jail::new();
    jail.capbset_drop(CAP_NET_BIND_SERVICE);
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.field("CapBnd"), Some("0000000000000400"), "{out:?}");
}

#[test]
fn trapped_syscalls_are_named_by_the_sigsys_reporter() {
    // What -L does on a kernel without SECCOMP_RET_LOG: the filter traps and
    // the preload's handler names the syscall, then the program dies of SIGSYS.
    let trap_getpid = SeccompFilter {
        log_failures: true,
        ..bpf::on_syscalls(&[libc::SYS_getpid], bpf::RET_TRAP, "trap-getpid")
    };
    let mut jail = Jail::new();
    jail.no_new_privs().seccomp_filter(trap_getpid);
    let out = run_probe(&jail, &["getpid-raw"]);
    assert_eq!(out.status, 253, "{out:?}");
    let nr = libc::SYS_getpid;
    assert!(
        out.stderr
            .contains(&format!("blocked syscall: getpid (nr {nr}) args 0x")),
        "{out:?}"
    );
}

#[test]
fn supplementary_groups_set_kept_or_inherited() {
    require_root!();
    let mut jail = Jail::new();
    jail.change_uid(65534)
        .change_gid(65534)
        .set_supplementary_gids([5, 6]);
    jail.add_supplementary_gid(7);
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.field("groups"), Some("5 6 7"), "{out:?}");

    // Kept: the launcher's own list survives a uid change (cleared without).
    let own = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Groups:").map(|v| v.trim().to_owned()))
        .unwrap();
    let mut keep = Jail::new();
    keep.change_uid(65534).keep_supplementary_gids();
    let out = run_probe(&keep, &["status"]);
    assert_eq!(out.field("groups"), Some(own.as_str()), "{out:?}");

    // Inherited from the user database: root's groups per /etc/group.
    let mut inherit = Jail::new();
    inherit
        .change_user("root")
        .unwrap()
        .change_gid(0)
        .inherit_usergroups();
    let out = run_probe(&inherit, &["status"]);
    let expected = jail::ids::user_groups("root", 0).unwrap();
    let got: Vec<u32> = out
        .field("groups")
        .unwrap()
        .split_whitespace()
        .map(|g| g.parse().unwrap())
        .collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort_unstable();
    expected_sorted.dedup();
    assert_eq!(got, expected_sorted, "{out:?}");
}

/// The launcher's own speculative-store-bypass state, as /proc shows it.
fn host_speculation() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Speculation_Store_Bypass:"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// SECCOMP_FILTER_FLAG_SPEC_ALLOW: the filter is installed and the kernel
/// leaves the speculation state as the launcher had it (where the kernel
/// forces mitigations on for filtered processes, a filter without the
/// flag shows "thread force mitigated" instead).
#[test]
fn a_filter_can_leave_speculation_mitigations_alone() {
    let allow_all = SeccompFilter {
        allow_speculation: true,
        ..bpf::on_syscalls(&[], bpf::RET_KILL_PROCESS, "allow-all")
    };
    let mut jail = Jail::new();
    jail.no_new_privs().seccomp_filter(allow_all);
    let out = run_probe(&jail, &["status"]);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.field("Seccomp"), Some("2"), "{out:?}");
    assert_eq!(
        out.field("Speculation_Store_Bypass"),
        Some(host_speculation().as_str()),
        "{out:?}"
    );
}
