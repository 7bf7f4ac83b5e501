//! minijail0's command line: NUL-separated arguments through the option
//! scanner and resolver (`jail_cli::options::parse`), which touches no
//! process. Any input is an action or a one-line usage error; never a panic.
//!
//! Paths are fuzzed like any other value (-C, -P, -b, -k, -S, -f, ...).
//! Only `--config` (in any spelling getopt_long accepts: a unique prefix,
//! `=VALUE` or a separate argument) is taken out with its value, since it
//! reads the named file; `--gen-config` is only resolved here, not written.

#![no_main]

#[path = "../common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let args = common::arguments(data);
    if let Err(e) = jail_cli::options::parse(&args) {
        assert!(!e.to_string().is_empty());
    }
});
