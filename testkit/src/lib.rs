//! What every test crate of the workspace shares.
//!
//! - [`skip`] and the [`skip!`]/[`require_root!`] macros: a test that cannot
//!   run here says so on one line and is counted, instead of passing
//!   silently. The line goes to the real stderr, which the test harness does
//!   not capture, and, when `JAIL_TEST_SKIP_LOG` names a file, is appended
//!   there too; `scripts/test.sh` prints the count from that file.
//! - [`TempDir`]: a scratch directory that is removed when dropped.
//! - [`policy_corpus`]: the optional folder of real-world policies.

#![deny(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The variable naming the file that collects skip lines.
pub const SKIP_LOG_ENV: &str = "JAIL_TEST_SKIP_LOG";

/// The variable naming a folder of upstream-format seccomp policies (one
/// subfolder per corpus, e.g. `crosvm-x86_64/`). `.ci/run` points it at the
/// shared corpus beside the checkout; without it the tests that read it are skipped.
pub const POLICY_CORPUS_ENV: &str = "JAIL_POLICY_CORPUS";

/// Report that test `test` is skipped, and why. The caller returns right
/// after; the macros do both.
pub fn skip(test: &str, why: &str) {
    let line = format!("SKIP {test}: {why}\n");
    // Straight to fd 2: the harness captures eprintln!, not io::stderr().
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Some(path) = std::env::var_os(SKIP_LOG_ENV) {
        if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(path) {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// Skip the current test with a formatted reason and return from it.
#[macro_export]
macro_rules! skip {
    ($($why:tt)+) => {{
        $crate::skip($crate::function_path!(), &format!($($why)+));
        return;
    }};
}

/// The path of the function this expands in (`crate::module::test`): the
/// harness runs a test on the main thread under `--test-threads=1`, so the
/// thread name cannot be relied on.
#[macro_export]
macro_rules! function_path {
    () => {{
        fn here() {}
        let name = ::std::any::type_name_of_val(&here);
        name.strip_suffix("::here").unwrap_or(name)
    }};
}

/// Report that one part of the current test is skipped, and go on with the
/// rest: `skip_part!("as 65534", "needs root")`.
#[macro_export]
macro_rules! skip_part {
    ($part:expr, $($why:tt)+) => {
        $crate::skip(
            &format!("{} ({})", $crate::function_path!(), $part),
            &format!($($why)+),
        )
    };
}

/// Return from the current test, reported as skipped, unless the tests run
/// as root.
#[macro_export]
macro_rules! require_root {
    () => {
        if !$crate::is_root() {
            $crate::skip!("needs root (run the tests as root for the privileged half)");
        }
    };
}

/// The running test's name, from the harness's thread name (on the main
/// thread, under `--test-threads=1`, this is the binary's name instead).
pub fn current_test() -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "?".into()),
    }
}

/// Whether the tests run as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The policy corpus folder, when one is given and exists.
pub fn policy_corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os(POLICY_CORPUS_ENV)?);
    dir.is_dir().then_some(dir)
}

/// A fresh directory under the system temp dir, removed with everything in
/// it when dropped.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Make `$TMPDIR/jail-test-TAG-PID-N`.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir().join(format!(
            "jail-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).expect("temp dir");
        TempDir(base)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
