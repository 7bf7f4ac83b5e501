//! `--config` and `--gen-config`: upstream's v0 format, applied where it
//! appears, and round trips (generate, read back, same settings).

use std::ffi::OsString;

use jail_cli::options::{self, Action, Options};
use jail_testkit::TempDir;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn write(tmp: &TempDir, name: &str, text: &str) -> String {
    let p = tmp.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

fn run_options(args: &[String]) -> Result<Options, String> {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.push("/bin/true");
    match options::parse(&os(&all)) {
        Ok(Action::Run { options, .. }) => Ok(*options),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(e) => Err(e.to_string()),
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Generate a config from `args`, read it back, compare the settings.
fn round_trip(args: &[&str]) -> String {
    let tmp = TempDir::new("config");
    let out = tmp.join("gen.conf");
    let mut gen = strings(args);
    gen.insert(0, format!("--gen-config={}", out.display()));
    let action = options::parse(&os(&gen.iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    let Action::GenConfig { path, text } = action else {
        panic!("{args:?}: expected gen-config, got {action:?}")
    };
    assert_eq!(path, out);
    std::fs::write(&out, &text).unwrap();
    let direct = run_options(&strings(args)).unwrap();
    let via_file = run_options(&strings(&["--config", out.to_str().unwrap()])).unwrap();
    assert_eq!(direct, via_file, "{args:?} via\n{text}");
    text
}

#[test]
fn generated_configs_read_back_to_the_same_settings() {
    let rich: &[&[&str]] = &[
        &["-n"],
        &[
            "-u",
            "nobody",
            "-g",
            "nogroup",
            "-G",
            "-c",
            "cap_net_raw+eip",
            "--ambient",
        ],
        &["-vpn", "-Kslave", "-b", "/usr,/usr,1", "--bind-mount=/tmp"],
        &[
            "-k",
            "none,/run,tmpfs,MS_NODEV|MS_NOSUID,mode=0755,size=1M",
            "-d",
            "-t16M",
            "-r",
        ],
        &["-e", "-l", "-N", "--uts=host", "-I", "-m0 0 1", "-M0 0 1"],
        &[
            "-S",
            "/p.policy",
            "-L",
            "-Y",
            "-R",
            "NOFILE,1,2",
            "-R",
            "AS,unlimited,unlimited",
        ],
        &[
            "--env-reset",
            "--env-add",
            "A=b=c",
            "--env-add=PATH=/bin",
            "-T",
            "static",
        ],
        &[
            "--profile",
            "minimalistic-mountns",
            "-b",
            "/srv,/srv,1",
            "-i",
            "-z",
            "-w",
        ],
        &[
            "--fs-path-rx=/usr",
            "--fs-path-ro",
            "/etc",
            "--fs-path-rw=/tmp",
            "--fs-default-paths",
        ],
        &[
            "--no-default-runtime-environment",
            "--no-new-sessions",
            "--preserve-fd=2",
        ],
        &[
            "--logging=stderr",
            "--preload-library=/x.so",
            "-f",
            "/run/p",
            "-B",
            "0x3",
            "-y",
        ],
        &[
            "--add-suppl-group",
            "users",
            "-e/run/netns/x",
            "-V",
            "/proc/1/ns/mnt",
            "-t",
            "-Cx",
        ],
    ];
    for args in rich {
        round_trip(args);
    }
    // The written form: long names where upstream has them, letters else.
    let text = round_trip(&["-v", "-K", "-t64M", "-u", "nobody", "--uts", "-b", "/a"]);
    assert_eq!(
        text,
        "% minijail-config-file v0\n\nns-mount\nK\nt = 64M\nu = nobody\nuts\nbind-mount = /a\n"
    );
}

#[test]
fn config_entries_apply_where_the_flag_is() {
    let tmp = TempDir::new("config");
    let f = write(&tmp, "u.conf", "% minijail-config-file v0\nu = 5\n");
    assert_eq!(
        run_options(&strings(&["--config", &f]))
            .unwrap()
            .user
            .unwrap()
            .uid,
        5
    );
    let err = run_options(&strings(&["-u", "1", "--config", &f])).unwrap_err();
    assert!(
        err.contains(&format!("{f}:2: -u: given more than once")),
        "{err}"
    );
    // -K from the file, -v after it on the command line: checked at the end, fine.
    let k = write(&tmp, "k.conf", "% minijail-config-file v0\nK = private\n");
    let o = run_options(&strings(&["--config", &k, "-v"])).unwrap();
    assert_eq!(o.propagation, Some(jail::Propagation::Private));
    // Later command-line flags come after the file's.
    let e = write(&tmp, "e.conf", "% minijail-config-file v0\nenv-add = A=1\n");
    let o = run_options(&strings(&[
        "--env-add=A=0",
        "--config",
        &e,
        "--env-add",
        "B=2",
    ]))
    .unwrap();
    assert_eq!(
        o.env_add,
        vec![("A".into(), "1".into()), ("B".into(), "2".into())]
    );
    // Two files in a row are fine; a file loading another is not.
    run_options(&strings(&["--config", &k, "--config", &e, "-v"])).unwrap();
    let nested = write(
        &tmp,
        "n.conf",
        &format!("% minijail-config-file v0\nconfig = {k}\n"),
    );
    let err = run_options(&strings(&["--config", &nested])).unwrap_err();
    assert!(err.contains("nested config files are not allowed"), "{err}");
}

#[test]
fn config_syntax_as_upstream() {
    let tmp = TempDir::new("config");
    let f = write(&tmp, "s.conf",
        "% minijail-config-file v0\n\n# comment\n   # indented comment\nmount = none,/run,tmpfs,MS_NODEV,mode=0755\nenv-add = A=1\\\n2\n  p  \nc=0\nprofile = minimalistic-mountns-nodev\nno-fs-restrictions\n",
    );
    let o = run_options(&strings(&["--config", &f])).unwrap();
    assert!(o.ns.pid && o.caps == Some(0) && o.fs_rules.is_empty());
    // A '\' continuation joins with a space, as upstream.
    assert_eq!(o.env_add, [("A".to_owned(), "1 2".to_owned())]);
    assert!(o.mounts.iter().any(|m| matches!(m,
        options::MountEntry::Mount { data: Some(d), flags, .. } if d == "mode=0755" && *flags == libc::MS_NODEV)));

    let bad: &[(&str, &str)] = &[
        ("n\n", "not a minijail config file"),
        (
            "% minijail-config-file v1\nn\n",
            "not a minijail config file",
        ),
        (
            "% minijail-config-file v0\nfoo = 1\n",
            "2: unknown key 'foo'",
        ),
        (
            "% minijail-config-file v0\nprofil = x\n",
            "did you mean 'profile'?",
        ),
        (
            "% minijail-config-file v0\nn = 1\n",
            "'n' (-n) takes no value",
        ),
        ("% minijail-config-file v0\nu\n", "'u' (-u) needs a value"),
        (
            "% minijail-config-file v0\nu =\n",
            "line 2: 'u =' has an empty value",
        ),
        (
            "% minijail-config-file v0\nhelp\n",
            "'help' cannot be used in a config file",
        ),
        (
            "% minijail-config-file v0\n\nR = NOFLIE,1,1\n",
            ":3: -R: unknown resource 'NOFLIE'; did you mean NOFILE?",
        ),
    ];
    for (text, want) in bad {
        let f = write(&tmp, "bad.conf", text);
        let err = run_options(&strings(&["--config", &f])).unwrap_err();
        assert!(err.contains(want), "{text:?}: {err}");
        assert!(
            err.starts_with("--config: ") || err.starts_with(&f),
            "{err}"
        );
    }
    let err = run_options(&strings(&["--config", "/nonexistent/x.conf"])).unwrap_err();
    assert!(
        err.starts_with("--config: cannot read '/nonexistent/x.conf'"),
        "{err}"
    );
}

#[test]
fn gen_config_needs_a_new_file_and_skips_lookups() {
    let tmp = TempDir::new("config");
    let existing = write(&tmp, "exists.conf", "x");
    let err = options::parse(&os(&["--gen-config", &existing, "-n"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("exists; give a new file name"), "{err}");
    // Users, groups and paths of another machine are fine; no program needed.
    let out = tmp.join("other.conf");
    let action = options::parse(&os(&[
        "--gen-config",
        out.to_str().unwrap(),
        "-u",
        "fake-user",
        "-g",
        "fake-group",
        "-n",
    ]))
    .unwrap();
    let Action::GenConfig { text, .. } = action else {
        panic!()
    };
    assert_eq!(
        text,
        "% minijail-config-file v0\n\nu = fake-user\ng = fake-group\nn\n"
    );
    // Syntax is still checked.
    let err = options::parse(&os(&["--gen-config", out.to_str().unwrap(), "-R", "x"]))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("-R: bad rlimit"), "{err}");
}
