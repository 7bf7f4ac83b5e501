//! minijail0's command line: NUL-separated arguments through the option
//! scanner and resolver (`jail_cli::options::parse`), which touches no
//! process. Any input is an action or a one-line usage error; never a panic.
//!
//! Paths are fuzzed like any other value (-C, -P, -b, -k, -S, -f, ...).
//! Only `--config` (in any spelling getopt_long accepts: a unique prefix,
//! `=VALUE` or a separate argument) is taken out with its value, since it
//! reads the named file; `--gen-config` is only resolved here, not written.

#![no_main]

use jail_cli::table::{self, Opt};
use libfuzzer_sys::fuzz_target;
use std::os::unix::ffi::OsStrExt;

/// Whether `arg` names `--config`: its name, or a prefix that could be it.
fn names_config(arg: &[u8]) -> Option<bool> {
    let long = arg.strip_prefix(b"--")?;
    let name = long.split(|&b| b == b'=').next().unwrap_or(long);
    let name = std::str::from_utf8(name).ok()?;
    if name.is_empty() {
        return None;
    }
    let hits = table::by_long_prefix(name);
    hits.iter()
        .any(|s| s.opt == Opt::Config)
        .then_some(!long.contains(&b'='))
}

fuzz_target!(|data: &[u8]| {
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    let mut skip_value = false;
    for a in data.split(|&b| b == 0) {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if let Some(separate_value) = names_config(a) {
            skip_value = separate_value;
            continue;
        }
        args.push(std::ffi::OsStr::from_bytes(a).to_owned());
    }
    if let Err(e) = jail_cli::options::parse(&args) {
        assert!(!e.to_string().is_empty());
    }
});
