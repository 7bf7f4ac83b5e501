//! `jail policy compile|dump|check` end to end on one of jail's own test
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
