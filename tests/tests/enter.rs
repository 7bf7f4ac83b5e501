//! `Jail::enter` jails the calling process, so each case runs in the
//! `enter-probe` helper, never in the test process.

use jail_tests::support::require_root;

fn enter_probe(case: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enter-probe"))
        .arg(case)
        .output()
        .expect("run enter-probe");
    assert!(out.status.success(), "enter-probe {case}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn a_failed_mount_names_the_mount_as_spawn_does() {
    require_root!();
    let line = enter_probe("mount-fails");
    assert_eq!(
        line,
        "error: entering the jail failed while mounting (none on /tmp): No such device (os error 19)\n"
    );
}

#[test]
fn a_multithreaded_process_is_refused() {
    let line = enter_probe("threads");
    assert!(
        line.starts_with(
            "error: the jail cannot be entered by a process with more than one thread"
        ),
        "{line}"
    );
    // The same jail is entered by a single-threaded process.
    assert_eq!(enter_probe("single"), "entered\n");
}
