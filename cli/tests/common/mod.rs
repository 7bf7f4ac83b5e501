//! What the deaths and record tests share: running this build's binaries.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// This build's `minijail0` (or an installed one named by
/// `JAIL_TEST_MINIJAIL0`), or its `jail`.
pub fn bin(name: &str) -> PathBuf {
    match name {
        "minijail0" => std::env::var_os("JAIL_TEST_MINIJAIL0")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_minijail0"))),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_jail")),
    }
}

/// Run `name args...` with stdin from /dev/null.
pub fn run(name: &str, args: &[&str]) -> Output {
    Command::new(bin(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs")
}

/// Bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Run `name args...` as nobody (setpriv), with stdin from /dev/null.
/// (Each test binary compiles this module; not all use every helper.)
#[allow(dead_code)]
pub fn run_as_nobody(name: &str, args: &[&str]) -> Output {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(bin(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("setpriv runs")
}
