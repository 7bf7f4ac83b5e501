//! One data-driven test over tests/data/bad_input.tsv: malformed command
//! lines, config files, policy files, uid/gid maps, mount specs and Rust
//! API arguments, each with the exact error line and exit status expected,
//! and none of them may start the program.
//!
//! Set BAD_INPUT_PRINT=1 to print every row's actual outcome in the
//! table's format (for writing new rows).

use std::path::{Path, PathBuf};

use jail::{Command, Jail, LaunchError, Namespace, PreloadMode, SeccompFilter};
use jail_tests::bpf;
use jail_tests::support::*;

const TABLE: &str = include_str!("../data/bad_input.tsv");

/// `\n` and `\\` escapes of the table's text cells.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

/// Split on spaces; 'single quotes' group words.
fn split_args(s: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in s.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    args.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        args.push(cur);
    }
    args
}

fn minijail0() -> PathBuf {
    target_dir().join("battery-minijail0")
}

/// Run minijail0 in `dir` with `args`: (status, first stderr line, stdout).
fn cli(dir: &Path, args: &[String]) -> (i32, String, String) {
    let out = std::process::Command::new(minijail0())
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run minijail0");
    let stderr = String::from_utf8_lossy(&out.stderr);
    (
        out.status.code().unwrap_or(-1),
        stderr.lines().next().unwrap_or("").to_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Spawn; a launch that gets past spawn is reported as an error line
/// naming the status the program ended with (never expected in the table).
fn launch(jail: &Jail, cmd: &Command) -> Result<(), (i32, String)> {
    let mut child = jail
        .spawn(cmd)
        .map_err(|e: LaunchError| (e.exit_status(), e.to_string()))?;
    let status = child.wait().expect("wait");
    Err((
        1,
        format!("ACCEPTED: the launch went past spawn and ended with status {status}"),
    ))
}

fn launch_true(jail: &Jail) -> Result<(), (i32, String)> {
    launch(jail, &Command::new("/bin/true"))
}

/// The Rust API cases: (status, error text).
fn api(name: &str, dir: &Path) -> (i32, String) {
    let mut jail = Jail::new();
    let missing = Path::new("/nonexistent");
    let result: Result<(), (i32, String)> = match name {
        "pid_namespace_without_new_session" => {
            jail.namespace(Namespace::Pid).new_session(false);
            launch_true(&jail)
        }
        "rlimit_soft_above_hard" => {
            jail.rlimit(jail::Resource::NoFile, 20, 10);
            launch_true(&jail)
        }
        "uid_map_garbage" => {
            jail.namespace(Namespace::User).uid_map("garbage");
            launch_true(&jail)
        }
        "gid_map_overlap" => {
            jail.namespace(Namespace::User)
                .uid_map("0 0 1")
                .gid_map("0 0 2,1 7 1");
            launch_true(&jail)
        }
        "change_user_unknown" => {
            return (1, jail.change_user("nosuchuser").unwrap_err().to_string());
        }
        "change_group_unknown" => {
            return (1, jail.change_group("nosuchgroup").unwrap_err().to_string());
        }
        "bind_source_missing" => {
            jail.bind(missing, Path::new("/tmp"), false);
            launch_true(&jail)
        }
        "mount_destination_under_a_file" => {
            jail.mount(
                Path::new("none"),
                Path::new("/etc/passwd/dest"),
                "tmpfs",
                0,
                None,
            );
            launch_true(&jail)
        }
        "chroot_missing" => {
            jail.enter_chroot(missing);
            launch_true(&jail)
        }
        "pivot_root_missing" => {
            jail.enter_pivot_root(missing);
            launch_true(&jail)
        }
        "empty_seccomp_program" => {
            jail.seccomp_filter(SeccompFilter::default());
            launch_true(&jail)
        }
        "seccomp_program_too_long" => {
            let allow = bpf::ret(bpf::RET_ALLOW);
            jail.seccomp_filter(SeccompFilter {
                program: vec![allow; 5000],
                ..SeccompFilter::default()
            });
            launch_true(&jail)
        }
        "landlock_path_with_nul" => {
            jail.add_fs_rule(Path::new("/usr\0x"), jail::landlock::RX);
            launch_true(&jail)
        }
        "preload_library_missing" => {
            jail.no_new_privs().set_preload_path(missing);
            launch_true(&jail)
        }
        "join_namespace_missing" => {
            jail.join_namespace(Namespace::Net, missing);
            launch_true(&jail)
        }
        "join_namespace_wrong_type" => {
            jail.join_namespace(Namespace::Net, Path::new("/proc/self/ns/uts"));
            launch_true(&jail)
        }
        "pid_file_directory_missing" => {
            jail.write_pid_file(missing.join("pid"));
            launch_true(&jail)
        }
        "cgroup_missing" => {
            jail.add_to_cgroup(missing.join("cgroup"));
            launch_true(&jail)
        }
        "hostname_too_long" => {
            jail.set_hostname(&"h".repeat(65));
            launch_true(&jail)
        }
        "caps_without_ambient_in_no_preload_mode" => {
            jail.change_uid(65534).use_caps(1 << 10);
            let mut cmd = Command::new("/bin/true");
            cmd.preload_mode(PreloadMode::Never);
            launch(&jail, &cmd)
        }
        "preserve_closed_fd" => {
            jail.preserve_fd(987, 5);
            launch_true(&jail)
        }
        other => program_case(other, &mut jail, dir)
            .unwrap_or_else(|| panic!("no API case named {other:?}")),
    };
    result.expect_err("bad input was accepted")
}

/// The Rust API cases about the program and its arguments.
fn program_case(name: &str, jail: &mut Jail, dir: &Path) -> Option<Result<(), (i32, String)>> {
    Some(match name {
        "program_missing" => launch(jail, &Command::new("/nonexistent/program")),
        "program_not_executable" => launch(jail, &Command::new(dir.join("noexec"))),
        "program_not_in_path" => launch(jail, &Command::new("nosuchprogram")),
        "program_setuid" => {
            jail.no_new_privs();
            launch(jail, &Command::new("/usr/bin/passwd"))
        }
        "static_program_with_preload_only" => {
            jail.no_new_privs();
            let mut cmd = Command::new("/sbin/ldconfig");
            cmd.preload_mode(PreloadMode::Always);
            launch(jail, &cmd)
        }
        "nul_in_argument" => {
            let mut cmd = Command::new("/bin/true");
            cmd.arg("a\0b");
            launch(jail, &cmd)
        }
        _ => return None,
    })
}

#[test]
fn every_bad_input_gets_its_error_and_nothing_runs() {
    require_root!();
    let dir = TempDir::new("bad-input");
    std::fs::write(dir.path().join("noexec"), "#!/bin/sh\n").unwrap();
    std::fs::write(dir.path().join("ok.policy"), "read: 1\n").unwrap();
    let print = std::env::var_os("BAD_INPUT_PRINT").is_some();
    let (mut rows, mut failures) = (0, Vec::new());
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for (lineno, line) in TABLE.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "bad_input.tsv:{}: 4 columns", lineno + 1);
        let (kind, input, status, error) = (cols[0], cols[1], cols[2], cols[3]);
        let expected: i32 = status.parse().expect("status column");
        let (got_status, got_error, stdout) = match kind {
            "cli" => cli(dir.path(), &split_args(input)),
            "config" => {
                std::fs::write(dir.path().join("c.conf"), unescape(input)).unwrap();
                cli(
                    dir.path(),
                    &["--config", "c.conf", "/bin/true"].map(String::from),
                )
            }
            "policy" => {
                std::fs::write(dir.path().join("p.policy"), unescape(input)).unwrap();
                cli(
                    dir.path(),
                    &["-S", "p.policy", "/bin/true"].map(String::from),
                )
            }
            "api" => {
                let (s, e) = api(input, dir.path());
                (s, e, String::new())
            }
            other => panic!("bad_input.tsv:{}: unknown kind {other:?}", lineno + 1),
        };
        let dir_text = dir.path().to_string_lossy();
        let got_error = got_error.replace(dir_text.as_ref(), "{dir}");
        rows += 1;
        *kinds.entry(kind).or_default() += 1;
        if print {
            println!("{kind}\t{input}\t{got_status}\t{got_error}");
        }
        if got_status != expected || got_error != error || !stdout.is_empty() {
            failures.push(format!(
                "bad_input.tsv:{}: {kind} {input:?}\n  expected {expected}: {error}\n  got      {got_status}: {got_error}\n  stdout: {stdout:?}",
                lineno + 1
            ));
        }
    }
    eprintln!("{rows} bad inputs checked: {kinds:?}");
    assert!(rows >= 60, "the table needs at least 60 rows, has {rows}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
