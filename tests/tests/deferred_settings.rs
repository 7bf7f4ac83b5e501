//! Settings upstream's C API stores without asking for what they apply to,
//! held by the core with that meaning (the C ABI's side is
//! `libjail/capi/tests/c/deferred.c`): an id map is written only when a
//! user namespace is made, run-as-init only matters in a new pid
//! namespace; and what upstream refuses in both faces, refused by the core:
//! more than one supplementary-groups mode, a pid namespace without a new
//! session.

use jail::launch::Conflict;
use jail::{Jail, LaunchError, Namespace};
use jail_tests::support::*;

fn view(jail: &Jail) -> Vec<String> {
    let out = run_probe(jail, &["view"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.stdout.lines().map(str::to_owned).collect()
}

fn has(view: &[String], line: &str) -> bool {
    view.iter().any(|l| l == line)
}

fn host_ns(kind: &str) -> String {
    let link = std::fs::read_link(format!("/proc/self/ns/{kind}")).unwrap();
    format!("ns {kind} {}", link.display())
}

#[test]
fn an_id_map_without_a_user_namespace_is_not_written() {
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let mut jail = Jail::new();
    jail.set_uid_map(&format!("5 {uid} 1")).set_gid_map("5 0 1");
    let v = view(&jail);
    assert!(has(&v, &host_ns("user")), "{v:#?}");
    assert!(has(&v, &format!("id uid {uid}")), "{v:#?}");
}

#[test]
fn an_id_map_given_before_the_user_namespace_is_written() {
    require_root!();
    // SAFETY: getuid and getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let mut jail = Jail::new();
    jail.set_uid_map(&format!("5 {uid} 1"))
        .set_gid_map(&format!("5 {gid} 1"))
        .no_default_id_maps()
        .deny_setgroups()
        .namespace(Namespace::User);
    let v = view(&jail);
    assert!(!has(&v, &host_ns("user")), "{v:#?}");
    assert!(has(&v, "id uid 5") && has(&v, "id gid 5"), "{v:#?}");
}

#[test]
fn run_as_init_without_a_pid_namespace_changes_nothing() {
    let mut jail = Jail::new();
    jail.set_run_as_init(true);
    let v = view(&jail);
    assert!(has(&v, &host_ns("pid")), "{v:#?}");
    assert!(!has(&v, "misc pid 1"), "{v:#?}");
}

#[test]
fn run_as_init_given_before_the_pid_namespace_makes_the_program_pid_1() {
    require_root!();
    let mut jail = Jail::new();
    jail.set_run_as_init(true).namespace(Namespace::Pid);
    let v = view(&jail);
    assert!(has(&v, "misc pid 1"), "{v:#?}");
    assert!(!has(&v, &host_ns("pid")), "{v:#?}");
}

#[test]
fn two_supplementary_group_modes_are_refused() {
    let mut keep_then_set = Jail::new();
    keep_then_set
        .keep_supplementary_gids()
        .set_supplementary_gids([1]);
    let mut set_then_keep = Jail::new();
    set_then_keep
        .set_supplementary_gids([1])
        .keep_supplementary_gids();
    for jail in [keep_then_set, set_then_keep] {
        let err = jail
            .check_launch(&jail::Command::new("/bin/true"))
            .expect_err("two group modes");
        assert!(
            matches!(
                err,
                LaunchError::Conflict(Conflict::SupplementaryGroupsModes)
            ),
            "{err}"
        );
        assert!(err.to_string().contains("pick one"), "{err}");
    }
    // One mode asked twice is one mode.
    let mut twice = Jail::new();
    twice
        .set_supplementary_gids([1])
        .set_supplementary_gids(Vec::<u32>::new());
    twice
        .check_launch(&jail::Command::new("/bin/true"))
        .expect("one mode");
}

#[test]
fn a_pid_namespace_without_a_new_session_is_refused() {
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid).new_session(false);
    let err = jail
        .check_launch(&jail::Command::new("/bin/true"))
        .expect_err("no new session in a pid namespace");
    assert!(
        matches!(
            err,
            LaunchError::Conflict(Conflict::PidNamespaceNeedsNewSession)
        ),
        "{err}"
    );
    // Without the pid namespace the caller's session is kept.
    let mut jail = Jail::new();
    jail.new_session(false);
    jail.check_launch(&jail::Command::new("/bin/true"))
        .expect("no new session without a pid namespace");
}
