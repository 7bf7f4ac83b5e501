//! What the `args` and `plan` targets share: minijail0's arguments from
//! the fuzzer's bytes.

use jail_cli::table::{self, Opt};
use std::ffi::OsString;
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

/// NUL-separated arguments, without `--config` and its value (in any
/// spelling getopt_long accepts: a unique prefix, `=VALUE` or a separate
/// argument), since it reads the named file.
pub fn arguments(data: &[u8]) -> Vec<OsString> {
    let mut args = Vec::new();
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
    args
}
