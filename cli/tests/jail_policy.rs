//! `jail policy compile|dump|check|lint` end to end on one of jail's own test
//! policies (which `@include`s another by its installed path).

use std::process::Command;

use jail_testkit::TempDir;

const POLICIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../libjail/tests/data/policies"
);

fn jail(args: &[&str]) -> (bool, String, String) {
    let prefix = format!("/usr/share/policy/jail={POLICIES}");
    let out = Command::new(env!("CARGO_BIN_EXE_jail"))
        .args(args)
        .args(["--arch", "x86_64", "--include-prefix", &prefix])
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn compile_dump_check() {
    let policy = format!("{POLICIES}/device.policy");
    let tmp = TempDir::new("policy");
    let out = tmp.join("device.bpf");
    let out_s = out.to_str().unwrap();
    let (ok, _, err) = jail(&["policy", "compile", &policy, "-o", out_s]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.len() & 7 == 0 && bytes.len() > 64);

    let (ok, listing, err) = jail(&["policy", "dump", out_s]);
    assert!(ok, "{err}");
    assert!(
        listing.contains("AUDIT_ARCH x86_64") && listing.contains("; ioctl"),
        "{listing}"
    );
    let (ok, listing2, _) = jail(&["policy", "dump", &policy]);
    assert!(ok);
    assert_eq!(listing, listing2);

    let (ok, verdict, err) = jail(&["policy", "check", &policy, "ioctl", "3", "FIONBIO"]);
    assert!(ok, "{err}");
    assert!(
        verdict.starts_with("ioctl(3, FIONBIO) on x86_64: allow"),
        "{verdict}"
    );
    assert!(verdict.contains("device.policy:"), "{verdict}");
    let (ok, verdict, err) = jail(&["policy", "check", &policy, "getpid"]);
    assert!(ok, "{err}");
    assert!(verdict.contains("common.policy:"), "{verdict}");
    let (ok, verdict, _) = jail(&["policy", "check", &policy, "ioctl", "3", "0x1234"]);
    assert!(ok);
    assert!(verdict.contains("kill-thread"), "{verdict}");

    let (ok, _, err) = jail(&["policy", "check", &policy, "opne"]);
    assert!(!ok);
    assert!(err.contains("did you mean `open`?"), "{err}");
}

/// `jail policy lint`: the core's warnings, one line each with the rule's
/// file and line; exit 1 when there is any, 0 for a clean policy, and the
/// preload/no-preload difference for execve.
#[test]
fn lint_names_the_rules_that_defeat_the_filter() {
    let tmp = TempDir::new("lint");
    let bad = tmp.join("bad.policy");
    std::fs::write(
        &bad,
        "io_uring_setup: 1\nptrace: 1\nmmap: 1\nclone: arg0 == 0\nclone3: 1\nexecve: 1\nexit_group: 1\n",
    )
    .unwrap();
    let bad_s = bad.to_str().unwrap();
    let (ok, out, err) = jail(&["policy", "lint", bad_s]);
    assert!(!ok, "warnings fail the lint: {out}");
    for (line, syscall) in [
        (1, "io_uring_setup"),
        (2, "ptrace"),
        (3, "mmap"),
        (5, "clone3"),
        (6, "execve"),
    ] {
        let prefix = format!("{bad_s}:{line}: {syscall} ");
        assert_eq!(
            out.lines().filter(|l| l.starts_with(&prefix)).count(),
            1,
            "{prefix}: {out}"
        );
    }
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(err.contains("5 rules defeat the filter"), "{err}");
    // Before execve the policy must allow execve: no warning for it.
    let (ok, out, _) = jail(&["policy", "lint", "--no-preload", bad_s]);
    assert!(!ok);
    assert!(!out.contains("execve"), "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");

    let clean = tmp.join("clean.policy");
    std::fs::write(&clean, "read: 1\nwrite: 1\nexit_group: 1\n").unwrap();
    let (ok, out, err) = jail(&["policy", "lint", clean.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.is_empty(), "{out}");

    // A file that is not a policy is an error, not "clean".
    let (ok, _, err) = jail(&["policy", "lint", "/dev/zero"]);
    assert!(!ok);
    assert!(err.contains("not a regular file"), "{err}");
}
