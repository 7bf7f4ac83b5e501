//! A getopt_long-style scanner driven by [`crate::table::OPTIONS`], with
//! `--config` files expanded where they appear.
//!
//! As upstream (`getopt_long` with a leading `+`): short options cluster
//! (`-vp`), a required argument is glued or the next word, an optional one
//! binds only when glued (`-K` vs `-Kslave`, `--uts=name`), long names may
//! be abbreviated to a unique prefix, and scanning stops at `--` or at the
//! first word that is not an option: the program and its arguments.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::config_file;
pub use crate::entry::{Entry, Origin};
use crate::error::UsageError;
use crate::table::{self, Arg, Opt, OptSpec};

/// The scanned command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scanned {
    /// Options in order, config file entries in place of their `--config`.
    pub entries: Vec<Entry>,
    /// The program and its arguments.
    pub program: Vec<OsString>,
}

fn utf8(word: &std::ffi::OsStr) -> Result<&str, UsageError> {
    word.to_str().ok_or_else(|| {
        UsageError::plain(format!(
            "option '{}' is not valid UTF-8",
            String::from_utf8_lossy(word.as_bytes())
        ))
    })
}

/// Scan `args` (without `argv[0]`).
pub fn scan(args: &[OsString]) -> Result<Scanned, UsageError> {
    let mut out = Scanned::default();
    let mut i = 0;
    while i < args.len() {
        let word = args[i].as_os_str();
        let bytes = word.as_bytes();
        if bytes == b"--" {
            i += 1;
            break;
        }
        if bytes.len() < 2 || bytes[0] != b'-' {
            break;
        }
        let text = utf8(word)?;
        i += 1;
        if let Some(long) = text.strip_prefix("--") {
            let (name, glued) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let spec = find_long(name)?;
            let arg = match spec.arg {
                Arg::None => {
                    if glued.is_some() {
                        return Err(UsageError::new(
                            spec,
                            format!("takes no argument (got '--{long}')"),
                        ));
                    }
                    None
                }
                Arg::Optional => glued.map(str::to_owned),
                Arg::Required => match glued {
                    Some(v) => Some(v.to_owned()),
                    None => Some(next_word(args, &mut i, spec)?),
                },
            };
            push(&mut out, spec, arg, Origin::CommandLine)?;
        } else {
            let cluster = &text[1..];
            for (pos, c) in cluster.char_indices() {
                let spec = table::by_short(c).ok_or_else(|| unknown(&format!("-{c}")))?;
                let rest = &cluster[pos + c.len_utf8()..];
                match spec.arg {
                    Arg::None => push(&mut out, spec, None, Origin::CommandLine)?,
                    Arg::Optional => {
                        let arg = (!rest.is_empty()).then(|| rest.to_owned());
                        push(&mut out, spec, arg, Origin::CommandLine)?;
                        break;
                    }
                    Arg::Required => {
                        let arg = if rest.is_empty() {
                            next_word(args, &mut i, spec)?
                        } else {
                            rest.to_owned()
                        };
                        push(&mut out, spec, Some(arg), Origin::CommandLine)?;
                        break;
                    }
                }
            }
        }
    }
    out.program = args[i..].to_vec();
    Ok(out)
}

fn next_word(args: &[OsString], i: &mut usize, spec: &OptSpec) -> Result<String, UsageError> {
    let word = args
        .get(*i)
        .ok_or_else(|| UsageError::new(spec, format!("needs an argument: <{}>", spec.metavar)))?;
    *i += 1;
    Ok(utf8(word)?.to_owned())
}

fn unknown(given: &str) -> UsageError {
    let spellings = table::all_spellings();
    let hint = jail::suggest::closest(given, spellings.iter().map(String::as_str))
        .map(|s| format!("; did you mean {s}?"))
        .unwrap_or_else(|| "; see minijail0 -h".to_owned());
    UsageError::plain(format!("unknown option '{given}'{hint}"))
}

fn find_long(name: &str) -> Result<&'static OptSpec, UsageError> {
    if let Some(spec) = table::by_long(name) {
        return Ok(spec);
    }
    match table::by_long_prefix(name).as_slice() {
        [one] if !name.is_empty() => Ok(one),
        [] | [_] => Err(unknown(&format!("--{name}"))),
        many => Err(UsageError::plain(format!(
            "option '--{name}' is ambiguous: it could be {}",
            many.iter()
                .map(|s| format!("--{}", s.long.unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Record an option; a `--config` is replaced by the file's entries.
fn push(
    out: &mut Scanned,
    spec: &'static OptSpec,
    arg: Option<String>,
    origin: Origin,
) -> Result<(), UsageError> {
    if spec.opt == Opt::Config {
        let path = arg.unwrap_or_default();
        out.entries.push(Entry {
            opt: Opt::Config,
            arg: Some(path.clone()),
            origin,
        });
        out.entries.extend(read_config(Path::new(&path))?);
        return Ok(());
    }
    out.entries.push(Entry {
        opt: spec.opt,
        arg,
        origin,
    });
    Ok(())
}

/// The entries of a config file, as options.
pub fn read_config(path: &Path) -> Result<Vec<Entry>, UsageError> {
    let cfg = table::spec(Opt::Config);
    let text =
        jail::input_file::read_to_string(path).map_err(|e| UsageError::new(cfg, e.to_string()))?;
    let lines = config_file::parse(&text)
        .map_err(|e| UsageError::new(cfg, format!("{}: {e}", path.display())))?;
    let mut entries = Vec::new();
    for line in lines {
        let at =
            |msg: String| UsageError::new(cfg, format!("{}:{}: {msg}", path.display(), line.line));
        let spec = table::by_long(&line.key)
            .or_else(|| {
                let mut chars = line.key.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if c.is_ascii_alphabetic() => table::by_short(c),
                    _ => None,
                }
            })
            .ok_or_else(|| {
                let keys: Vec<String> = table::OPTIONS
                    .iter()
                    .filter(|s| s.in_config)
                    .map(|s| s.config_key())
                    .collect();
                let hint = jail::suggest::closest(&line.key, keys.iter().map(String::as_str))
                    .map(|k| format!("; did you mean '{k}'?"))
                    .unwrap_or_default();
                at(format!(
                    "unknown key '{}'{hint} (keys are long option names or single letters)",
                    line.key
                ))
            })?;
        if spec.opt == Opt::Config {
            return Err(at(
                "a config file cannot load another (--config); nested config files are not allowed"
                    .into(),
            ));
        }
        if !spec.in_config {
            return Err(at(format!(
                "'{}' cannot be used in a config file",
                line.key
            )));
        }
        match (spec.arg, &line.value) {
            (Arg::None, Some(v)) => {
                return Err(at(format!(
                    "'{}' ({}) takes no value, got '{v}'",
                    line.key,
                    spec.display()
                )))
            }
            (Arg::Required, None) => {
                return Err(at(format!(
                    "'{}' ({}) needs a value: '{} = <{}>'",
                    line.key,
                    spec.display(),
                    line.key,
                    spec.metavar
                )))
            }
            _ => {}
        }
        entries.push(Entry {
            opt: spec.opt,
            arg: line.value,
            origin: Origin::Config {
                file: path.to_owned(),
                line: line.line,
            },
        });
    }
    Ok(entries)
}
