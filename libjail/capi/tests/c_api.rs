//! The C tests: each `tests/c/*.c` program is compiled against
//! `include/libminijail.h` and the freshly built `libminijail.so`, and run
//! as root and, where it applies, as an unprivileged user (65534) through
//! `setpriv`. Every program checks itself and exits 0 when all is well.
//!
//! Needs `libjailpreload.so` next to `libminijail.so`; it is built with
//! `cargo build -p jail-preload` when missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// target/<profile>: the test binary lives in target/<profile>/deps.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_owned()
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A world-readable scratch directory for one test (removed at the end).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("capi-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        chmod(&dir, 0o777);
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The built libraries and test programs, in one world-readable folder so
/// an unprivileged user can run them; libminijail.so finds the preload
/// next to itself.
struct Built {
    dir: PathBuf,
}

/// Where the built programs go: not under /tmp, since the jails that mount
/// a tmpfs there would hide them (and the preload next to libminijail.so).
/// That is the target dir unless the checkout itself is under /tmp; then a
/// folder in /var/tmp, removed when the test binary exits.
fn programs_dir(profile: &Path) -> PathBuf {
    if !profile.starts_with("/tmp") {
        return profile.join("capi-c-tests");
    }
    extern "C" fn remove_programs_dir() {
        let _ = std::fs::remove_dir_all(var_tmp_dir());
    }
    // SAFETY: registering a plain extern "C" function with no arguments.
    unsafe { libc::atexit(remove_programs_dir) };
    var_tmp_dir()
}

fn var_tmp_dir() -> PathBuf {
    PathBuf::from(format!("/var/tmp/jail-capi-c-tests-{}", std::process::id()))
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let profile = profile_dir();
        let preload = profile.join("libjailpreload.so");
        if !preload.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-p", "jail-preload"])
                .current_dir(manifest_dir())
                .status()
                .expect("running cargo build -p jail-preload");
            assert!(status.success(), "cargo build -p jail-preload failed");
        }
        let lib = profile.join("libminijail.so");
        assert!(lib.exists(), "{} was not built", lib.display());

        let dir = programs_dir(&profile);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        chmod(&dir, 0o755);
        for f in [&lib, &preload] {
            let to = dir.join(f.file_name().unwrap());
            std::fs::copy(f, &to).unwrap();
            chmod(&to, 0o755);
        }
        let src = manifest_dir().join("tests/c");
        let include = manifest_dir().join("include");
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("c") {
                continue;
            }
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let out = dir.join(&name);
            let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
            cc.args([
                "-std=gnu11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-Wno-format-truncation",
                "-O1",
                "-o",
            ])
            .arg(&out)
            .arg(&path)
            .arg("-I")
            .arg(&include);
            if name != "helper" {
                cc.arg("-L")
                    .arg(&dir)
                    .args(["-lminijail", "-Wl,-rpath,$ORIGIN"]);
            }
            let result = cc.output().expect("running cc");
            assert!(
                result.status.success(),
                "compiling {}:\n{}",
                path.display(),
                String::from_utf8_lossy(&result.stderr)
            );
            chmod(&out, 0o755);
        }
        Built { dir }
    })
}

/// Run test program `name` (as root, or as 65534 when `unprivileged`),
/// passing the helper and a scratch dir; panic with its output unless it
/// exits 0.
fn run_c_test(name: &str, unprivileged: bool) -> String {
    let built = built();
    let scratch = Scratch::new(name);
    let program = built.dir.join(name);
    let helper = built.dir.join("helper");
    let mut cmd = if unprivileged {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(&program);
        c
    } else {
        Command::new(&program)
    };
    let out = cmd
        .arg(&helper)
        .arg(&scratch.0)
        .current_dir(&scratch.0)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name}{} failed ({}):\n--- stdout\n{stdout}--- stderr\n{stderr}",
        if unprivileged { " (unprivileged)" } else { "" },
        out.status
    );
    stdout
}

macro_rules! c_test {
    ($name:ident, root) => {
        #[test]
        fn $name() {
            jail_testkit::require_root!();
            run_c_test(stringify!($name), false);
        }
    };
    ($name:ident, both) => {
        #[test]
        fn $name() {
            run_c_test(stringify!($name), false);
            if jail_testkit::is_root() {
                run_c_test(stringify!($name), true);
            } else {
                jail_testkit::skip_part!(
                    "as 65534",
                    "re-running as another user through setpriv needs root"
                );
            }
        }
    };
}

c_test!(run, both);
c_test!(wait_kill, both);
c_test!(fork, both);
c_test!(hooks, both);
c_test!(fds, both);
c_test!(ns_mounts, root);
c_test!(caps_uid, root);
c_test!(seccomp, both);
c_test!(landlock, both);
c_test!(misc, both);
c_test!(userns, both);
c_test!(pty, both);
c_test!(host_hints, both);
c_test!(cgroup, root);
c_test!(deferred, both);

#[test]
fn legacy() {
    let out = run_c_test("legacy", false);
    assert!(out.contains("legacy: ok"), "{out}");
    if jail_testkit::is_root() {
        assert!(out.contains("65534 65534"), "{out}");
        let out = run_c_test("legacy", true);
        assert!(out.contains("65534 65534"), "{out}");
    } else {
        jail_testkit::skip_part!("uid change and as 65534", "needs root");
    }
}

/// The header declares exactly what the library exports.
#[test]
fn header_matches_exports() {
    let built = built();
    let header = std::fs::read_to_string(manifest_dir().join("include/libminijail.h")).unwrap();
    let mut declared: Vec<String> = header
        .match_indices("minijail_")
        .filter_map(|(at, _)| {
            let rest = &header[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            rest[end..].starts_with('(').then(|| rest[..end].to_owned())
        })
        .collect();
    declared.sort();
    declared.dedup();
    let nm = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(built.dir.join("libminijail.so"))
        .output()
        .expect("nm");
    let mut exported: Vec<String> = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .filter(|s| s.starts_with("minijail_"))
        .map(str::to_owned)
        .collect();
    exported.sort();
    assert_eq!(declared, exported);
    assert_eq!(declared.len(), 98);
}

/// pkg-config finds the build tree's libminijail.pc and a program builds
/// and runs with exactly its flags.
#[test]
fn pkg_config_build() {
    let profile = profile_dir();
    let scratch = Scratch::new("pkgconfig");
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libminijail"])
        .env("PKG_CONFIG_PATH", &profile)
        .output()
        .expect("pkg-config");
    assert!(
        flags.status.success(),
        "{}",
        String::from_utf8_lossy(&flags.stderr)
    );
    let flags = String::from_utf8(flags.stdout).unwrap();
    let src = scratch.0.join("prog.c");
    std::fs::write(
        &src,
        "#include <libminijail.h>\nint main(void){struct minijail *j = minijail_new();\n\
         char *argv[] = {\"true\", 0};\nint rc = minijail_run(j, \"/bin/true\", argv);\n\
         int st = minijail_wait(j); minijail_destroy(j); return rc || st;}\n",
    )
    .unwrap();
    built(); // make sure the preload exists
    let bin = scratch.0.join("prog");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("cc {} -o {} {flags}", src.display(), bin.display()))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(Command::new(&bin).status().unwrap().success());
}
