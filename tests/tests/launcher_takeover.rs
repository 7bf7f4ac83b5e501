//! A program run by an ordinary user, as that user, must not take over its
//! launcher: no ptrace attach (from there it could make the launcher exec
//! anything outside the jail), no reading its /proc/PID/environ, no
//! reaching its fds through /proc/PID/fd. Nor of a pid namespace's init,
//! which is a copy of the launcher that never execs. Each test re-runs
//! itself as uid 65534 via setpriv, and each has a control in which the
//! same attacker (`escape take-over-parent`) succeeds.

use jail::{Jail, Namespace};
use jail_tests::support::*;

const ATTEMPTS: usize = 4;

fn escape() -> String {
    make_reachable(&target_dir());
    target_dir().join("escape").to_string_lossy().into_owned()
}

fn minijail0() -> String {
    target_dir()
        .join("battery-minijail0")
        .to_string_lossy()
        .into_owned()
}

#[track_caller]
fn assert_all_blocked(what: &str, out: &str) {
    assert_eq!(
        out.matches("blocked:").count(),
        ATTEMPTS,
        "{what}: every attempt must be blocked: {out}"
    );
    assert!(!out.contains("escaped:"), "{what}: ESCAPE: {out}");
}

#[track_caller]
fn assert_all_escaped(what: &str, out: &str) {
    assert_eq!(
        out.matches("escaped:").count(),
        ATTEMPTS,
        "{what}: the control must reach its parent: {out}"
    );
}

/// A reachable jail-init shows nothing of the launcher: an empty
/// environment and no fds but the program's own stdio.
#[track_caller]
fn assert_init_holds_nothing(what: &str, out: &str) {
    assert!(out.contains("parent pid 1\n"), "{what}: {out}");
    assert!(
        out.contains("read the parent's environ (0 bytes)"),
        "{what}: init's environment must be empty: {out}"
    );
    let fds = out
        .lines()
        .find_map(|l| l.strip_prefix("escaped: listed the parent's fds: "))
        .unwrap_or_else(|| panic!("{what}: no fd listing: {out}"));
    assert!(
        fds.split(' ').count() <= 3,
        "{what}: init must hold only the program's stdio: {fds}"
    );
}

fn is_dumpable() -> bool {
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) == 1 }
}

fn userns_available() -> bool {
    std::fs::read_to_string("/proc/sys/user/max_user_namespaces")
        .map(|s| s.trim() != "0")
        .unwrap_or(false)
}

/// Run `test` as uid 65534; in the re-run itself, run `body`.
fn as_nobody(test: &str, body: impl FnOnce()) {
    if in_unprivileged_rerun() {
        body();
        return;
    }
    if !is_root() {
        jail_tests::support::skip(test, "needs root to re-run itself as uid 65534");
        return;
    }
    make_reachable(&target_dir());
    let (ok, out) = rerun_unprivileged(test);
    assert!(ok, "unprivileged re-run failed:\n{out}");
}

fn run_cli(args: &[&str]) -> String {
    let out = std::process::Command::new(minijail0())
        .args(args)
        .output()
        .expect("run minijail0");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn an_unprivileged_program_cannot_take_over_minijail0() {
    as_nobody("an_unprivileged_program_cannot_take_over_minijail0", || {
        let escape = escape();
        // Control: a shell of the same uid that stays the attacker's
        // parent is dumpable, and the attacker gets everything.
        let control = std::process::Command::new("/bin/sh")
            .args(["-c", &format!("{escape} take-over-parent; true")])
            .output()
            .unwrap();
        assert_all_escaped(
            "sh as the parent",
            &String::from_utf8_lossy(&control.stdout),
        );
        // The jail: no_new_privs and an rlimit, same uid and pid
        // namespace as the launcher.
        let out = run_cli(&[
            "-n",
            "-R",
            "RLIMIT_NOFILE,64,64",
            "--",
            &escape,
            "take-over-parent",
        ]);
        assert_all_blocked("minijail0 -n", &out);
        if !userns_available() {
            skip_part!("pid namespace", "user namespaces are disabled");
            return;
        }
        // In a pid namespace (unprivileged: with a user namespace) the
        // parent is init, pid 1, jail-init: unreachable whether the
        // program is unmapped (no capabilities) or root of the namespace
        // with its capabilities dropped.
        let root_maps = ["-m0 65534 1", "-M0 65534 1"];
        let unmapped = ["-U", "-p", "-n"];
        let mapped_no_caps = [&["-U"][..], &root_maps, &["-p", "-n", "-c", "0"]].concat();
        for args in [&unmapped[..], &mapped_no_caps] {
            let mut argv = args.to_vec();
            argv.extend(["--", &escape, "take-over-parent"]);
            let out = run_cli(&argv);
            assert!(out.contains("parent pid 1\n"), "{args:?}: {out}");
            assert_all_blocked(&format!("minijail0 {args:?}"), &out);
        }
        // Root of the namespace with every capability there (CAP_SYS_PTRACE
        // included) can trace any process of the namespace, init too, as
        // the kernel allows; init holds nothing of the launcher.
        let mut argv = [&["-U"][..], &root_maps, &["-p", "-n"]].concat();
        argv.extend(["--", &escape, "take-over-parent"]);
        assert_init_holds_nothing("minijail0 -U -m -M -p -n", &run_cli(&argv));
    });
}

#[test]
fn an_unprivileged_program_cannot_take_over_a_library_launcher() {
    as_nobody(
        "an_unprivileged_program_cannot_take_over_a_library_launcher",
        || {
            let escape = escape();
            let attack = |jail: &Jail| run_program(jail, &escape, &["take-over-parent"]).stdout;
            // Control first (the protection lasts for the process's life):
            // a launcher that opted out stays reachable.
            let mut control = Jail::new();
            control.no_new_privs().keep_launcher_dumpable(true);
            assert_all_escaped("keep_launcher_dumpable", &attack(&control));
            let mut jail = Jail::new();
            jail.no_new_privs();
            assert_all_blocked("Jail::spawn", &attack(&jail));
            if !userns_available() {
                skip_part!("pid namespace", "user namespaces are disabled");
                return;
            }
            // Now that this launcher is undumpable, a new user namespace
            // still gets its maps written (the child, in memory of its own,
            // makes itself dumpable for that, and says so), and init is
            // unreachable from a program without capabilities.
            let mut userns = Jail::new();
            userns.namespace(Namespace::User).no_new_privs();
            let maps = run_program(
                &userns,
                "/bin/sh",
                &[
                    "-c",
                    "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups",
                ],
            );
            let fields: Vec<&str> = maps.stdout.split_whitespace().collect();
            assert_eq!(
                fields,
                ["0", "65534", "1", "0", "65534", "1", "deny"],
                "a new user namespace without a pid namespace: {maps:?}"
            );
            assert_all_blocked("Jail::spawn in a user namespace", &attack(&userns));
            assert_eq!(child_count(), 0, "the namespace's holder must be gone");
            let mut pidns = Jail::new();
            pidns
                .namespace(Namespace::User)
                .namespace(Namespace::Pid)
                .use_caps(0)
                .no_new_privs();
            // Its pid namespace is cloned inside the user namespace made
            // before the clone: the program is pid 2 under the init, sees
            // the maps, and its exit status comes back.
            let inside = run_program(
                &pidns,
                "/bin/sh",
                &["-c", "echo $$; cat /proc/self/uid_map; exit 7"],
            );
            let fields: Vec<&str> = inside.stdout.split_whitespace().collect();
            assert_eq!(fields, ["2", "0", "65534", "1"], "{inside:?}");
            assert_eq!(inside.exit.code(), Some(7), "{inside:?}");
            assert_eq!(child_count(), 0, "no relay or holder may be left");
            let out = attack(&pidns);
            assert!(out.contains("parent pid 1\n"), "{out}");
            assert_all_blocked("Jail::spawn in a pid namespace", &out);
            // With the namespace's capabilities kept, init is reachable
            // (as any process of the namespace) but empty.
            let mut with_caps = Jail::new();
            with_caps
                .namespace(Namespace::User)
                .namespace(Namespace::Pid)
                .no_new_privs();
            assert_init_holds_nothing("Jail::spawn, capabilities kept", &attack(&with_caps));
            // And this launcher stayed undumpable through both launches.
            assert!(!is_dumpable(), "the launcher must stay undumpable");
        },
    );
}
