//! minijail0's command line: NUL-separated arguments through the option
//! scanner and resolver (`jail_cli::options::parse`), which touches no
//! process. Any input is an action or a one-line usage error; never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::os::unix::ffi::OsStrExt;

fuzz_target!(|data: &[u8]| {
    let args: Vec<std::ffi::OsString> = data
        .split(|&b| b == 0)
        .map(|a| std::ffi::OsStr::from_bytes(a).to_owned())
        // --config and --gen-config would touch files; keep the scanner pure.
        .filter(|a| !a.as_bytes().contains(&b'/') || a.len() < 2)
        .collect();
    if let Err(e) = jail_cli::options::parse(&args) {
        assert!(!e.to_string().is_empty());
    }
});
