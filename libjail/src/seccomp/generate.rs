//! Policy lines from observed syscalls: what `-L` prints after a run, what
//! `jail policy record` writes, and what `jail policy generate` makes of
//! strace logs. One line per syscall, most frequent first, with argument
//! filters where upstream's generator or common practice constrains them
//! (see [`rule_expr`]); numbers are written as names from the constant
//! table.

use std::collections::{BTreeMap, BTreeSet};

use super::explain::{self, ArgKind};
use super::tables::{self, Arch};

/// How often one syscall was seen, and the values of its filtered
/// arguments (argument index to values).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// How many calls were seen.
    pub count: u64,
    /// The values seen of each filtered argument, by argument index.
    pub values: BTreeMap<usize, BTreeSet<u64>>,
    /// Some values were not recorded (too many, or not numbers in an
    /// strace log): no filter on that argument.
    pub unfiltered: BTreeSet<usize>,
}

impl Observed {
    /// Fold `other` into this one (`--append`: filters widen).
    pub fn merge(&mut self, other: &Observed) {
        self.count += other.count;
        for (i, v) in &other.values {
            self.values.entry(*i).or_default().extend(v);
        }
        self.unfiltered.extend(&other.unfiltered);
    }
}

/// More distinct values than this and an argument is left unfiltered.
const MAX_ALTERNATIVES: usize = 32;

fn values_of(o: &Observed, i: usize) -> Option<&BTreeSet<u64>> {
    if o.unfiltered.contains(&i) {
        return None;
    }
    o.values.get(&i).filter(|v| !v.is_empty())
}

fn prot(arch: Arch, name: &str) -> u64 {
    tables::constant(arch, name).map_or(0, |v| v as u64)
}

/// The filter expression for `name` given what was seen, or "1".
///
/// - `ioctl` requests, `socket`/`socketpair` families, `prctl` options and
///   `fcntl` commands: `argN == NAME || ...` over the values seen;
/// - `socket`/`socketpair` types: `arg1 in` the types and flags seen;
/// - `mmap`/`mmap2`/`mprotect`: `arg2 in ~PROT_EXEC` when no call asked for
///   PROT_EXEC, else upstream's `arg2 in ~PROT_EXEC || arg2 in ~PROT_WRITE`
///   when none asked for both, else unfiltered;
/// - `clone` flags and `openat`/`open` flags: `argN in` the bits seen.
pub fn rule_expr(arch: Arch, name: &str, o: &Observed) -> String {
    let kinds = explain::arg_kinds(name);
    let show = |i: usize, v: u64| {
        let kind = kinds.iter().find(|(k, _)| *k == i).map(|(_, k)| *k);
        kind.map_or_else(|| format!("{v:#x}"), |k| explain::show_arg(arch, v, k))
    };
    let named = kinds
        .iter()
        .find(|(_, k)| matches!(k, ArgKind::Named(_)))
        .and_then(|(i, _)| Some((*i, values_of(o, *i)?)))
        .filter(|(_, v)| v.len() <= MAX_ALTERNATIVES);
    let mask_of = |i: usize| values_of(o, i).map(|v| v.iter().fold(0u64, |m, x| m | x));
    match name {
        "mmap" | "mmap2" | "mprotect" | "pkey_mprotect" => {
            let Some(seen) = values_of(o, 2) else {
                return "1".into();
            };
            let (x, w) = (prot(arch, "PROT_EXEC"), prot(arch, "PROT_WRITE"));
            if seen.iter().all(|p| p & x == 0) {
                "arg2 in ~PROT_EXEC".into()
            } else if seen.iter().all(|p| p & (x | w) != (x | w)) {
                "arg2 in ~PROT_EXEC || arg2 in ~PROT_WRITE".into()
            } else {
                "1".into()
            }
        }
        "socket" | "socketpair" => {
            let Some((i, families)) = named else {
                return "1".into();
            };
            let types = mask_of(1).map(|m| format!(" && arg1 in {}", show(1, m)));
            families
                .iter()
                .map(|f| {
                    format!(
                        "arg{i} == {}{}",
                        show(i, *f),
                        types.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join(" || ")
        }
        "clone" => mask_of(0).map_or("1".into(), |m| format!("arg0 in {}", show(0, m))),
        "openat" => mask_of(2).map_or("1".into(), |m| format!("arg2 in {}", show(2, m))),
        "open" => mask_of(1).map_or("1".into(), |m| format!("arg1 in {}", show(1, m))),
        _ => match named {
            Some((i, vals)) => vals
                .iter()
                .map(|v| format!("arg{i} == {}", show(i, *v)))
                .collect::<Vec<_>>()
                .join(" || "),
            None => "1".into(),
        },
    }
}

/// Observed syscalls by name, most frequent first (then by name).
pub fn by_frequency(calls: &BTreeMap<String, Observed>) -> Vec<(&str, &Observed)> {
    let mut v: Vec<(&str, &Observed)> = calls.iter().map(|(n, o)| (n.as_str(), o)).collect();
    v.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    v
}

/// Policy lines for `calls`, one per syscall, most frequent first, each
/// after a comment with its count.
pub fn fragment(arch: Arch, calls: &BTreeMap<String, Observed>) -> String {
    let mut out = String::new();
    for (name, o) in by_frequency(calls) {
        let plural = if o.count == 1 { "" } else { "s" };
        out.push_str(&format!(
            "# {} call{plural}\n{name}: {}\n",
            o.count,
            rule_expr(arch, name, o)
        ));
    }
    out
}

/// Upstream's `.frequency` file: `name: count` per syscall, most frequent
/// first.
pub fn frequency_file(calls: &BTreeMap<String, Observed>) -> String {
    by_frequency(calls)
        .into_iter()
        .map(|(n, o)| format!("{n}: {}\n", o.count))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(count: u64, arg: usize, values: &[u64]) -> Observed {
        let mut o = Observed {
            count,
            ..Observed::default()
        };
        o.values.insert(arg, values.iter().copied().collect());
        o
    }

    #[test]
    fn argument_rules_follow_upstream_and_the_issue() {
        let a = Arch::X86_64;
        assert_eq!(
            rule_expr(a, "ioctl", &seen(3, 1, &[0x5401, 0x541b])),
            "arg1 == TCGETS || arg1 == FIONREAD"
        );
        assert_eq!(
            rule_expr(a, "mmap", &seen(9, 2, &[1, 3])),
            "arg2 in ~PROT_EXEC"
        );
        assert_eq!(
            rule_expr(a, "mprotect", &seen(2, 2, &[5, 3])),
            "arg2 in ~PROT_EXEC || arg2 in ~PROT_WRITE"
        );
        assert_eq!(rule_expr(a, "mprotect", &seen(2, 2, &[7])), "1");
        let mut sock = seen(2, 0, &[1, 2]);
        sock.values.insert(1, [0x80001].into());
        assert_eq!(
            rule_expr(a, "socket", &sock),
            "arg0 == AF_UNIX && arg1 in SOCK_STREAM|SOCK_CLOEXEC || arg0 == AF_INET && arg1 in SOCK_STREAM|SOCK_CLOEXEC"
        );
        assert_eq!(rule_expr(a, "getpid", &Observed::default()), "1");
        let calls: BTreeMap<String, Observed> = [
            ("read".to_owned(), seen(1, 9, &[])),
            ("write".to_owned(), seen(5, 9, &[])),
        ]
        .into();
        assert_eq!(frequency_file(&calls), "write: 5\nread: 1\n");
        assert_eq!(
            fragment(a, &calls),
            "# 5 calls\nwrite: 1\n# 1 call\nread: 1\n"
        );
    }
}
