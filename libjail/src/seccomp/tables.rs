//! Syscall and constant tables per architecture.
//!
//! Syscall numbers come from the `syscalls` crate (generated from the kernel's
//! own syscall tables). Named constants come from upstream minijail's
//! `constants.json` for x86_64 (see `constants_x86_64.rs` and
//! `libjail/tools/gen_constants.py`), plus a short list of newer names a build
//! host's headers may lack, plus the per-architecture differences that matter
//! for policies (open flags and fcntl lock commands).

use std::fmt;
use std::str::FromStr;

use super::constants_x86_64;

/// `AUDIT_ARCH_X86_64`: EM_X86_64 | 64-bit | little endian.
pub const AUDIT_ARCH_X86_64: u32 = 62 | 0x8000_0000 | 0x4000_0000;
/// `AUDIT_ARCH_AARCH64`: EM_AARCH64 | 64-bit | little endian.
pub const AUDIT_ARCH_AARCH64: u32 = 183 | 0x8000_0000 | 0x4000_0000;
/// `AUDIT_ARCH_I386`: EM_386 | little endian.
pub const AUDIT_ARCH_I386: u32 = 3 | 0x4000_0000;
/// `__X32_SYSCALL_BIT`: x32 syscalls arrive on x86_64 with this bit set.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// An architecture a policy can be compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    /// x86_64 (the x32 ABI is denied by the generated programs).
    X86_64,
    /// aarch64 (arm64).
    Aarch64,
    /// i386, as seen by the compat syscall entry on x86_64.
    I386,
}

/// Errors of the table lookups.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TableError {
    /// The architecture name is not one we know.
    #[error("unknown architecture `{0}`: expected x86_64, aarch64 or i386")]
    UnknownArch(String),
    /// The host architecture has no table.
    #[error("the host architecture `{0}` is not supported: use x86_64, aarch64 or i386")]
    UnsupportedHost(&'static str),
}

impl Arch {
    /// All supported architectures.
    pub const ALL: [Arch; 3] = [Arch::X86_64, Arch::Aarch64, Arch::I386];

    /// The architecture this crate was compiled for.
    pub fn native() -> Arch {
        Self::try_native().expect("unsupported host architecture")
    }

    /// The architecture this crate was compiled for, or an error on hosts
    /// without a table.
    pub fn try_native() -> Result<Arch, TableError> {
        match std::env::consts::ARCH {
            "x86_64" => Ok(Arch::X86_64),
            "aarch64" => Ok(Arch::Aarch64),
            "x86" => Ok(Arch::I386),
            other => Err(TableError::UnsupportedHost(other)),
        }
    }

    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::I386 => "i386",
        }
    }

    /// The `AUDIT_ARCH_*` value the kernel puts in `seccomp_data.arch`.
    pub fn audit_arch(self) -> u32 {
        match self {
            Arch::X86_64 => AUDIT_ARCH_X86_64,
            Arch::Aarch64 => AUDIT_ARCH_AARCH64,
            Arch::I386 => AUDIT_ARCH_I386,
        }
    }

    /// Width of a syscall argument in bits.
    pub fn bits(self) -> u32 {
        match self {
            Arch::X86_64 | Arch::Aarch64 => 64,
            Arch::I386 => 32,
        }
    }

    /// The largest value an argument can hold.
    pub fn max_unsigned(self) -> u64 {
        if self.bits() == 64 {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        }
    }

    /// Truncate a value to the argument width (two's complement).
    pub fn truncate(self, v: i128) -> u64 {
        (v as u64) & self.max_unsigned()
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Arch {
    type Err = TableError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "x86_64" | "amd64" | "x86-64" => Ok(Arch::X86_64),
            "aarch64" | "arm64" => Ok(Arch::Aarch64),
            "i386" | "x86" | "i686" => Ok(Arch::I386),
            other => Err(TableError::UnknownArch(other.to_string())),
        }
    }
}

/// The name of syscall `nr` on `arch`.
pub fn syscall_name(arch: Arch, nr: i64) -> Option<&'static str> {
    let id = usize::try_from(nr).ok()?;
    match arch {
        Arch::X86_64 => syscalls::x86_64::Sysno::new(id).map(|s| s.name()),
        Arch::Aarch64 => syscalls::aarch64::Sysno::new(id).map(|s| s.name()),
        Arch::I386 => syscalls::x86::Sysno::new(id).map(|s| s.name()),
    }
}

/// The number of syscall `name` on `arch`.
pub fn syscall_number(arch: Arch, name: &str) -> Option<i64> {
    match arch {
        Arch::X86_64 => syscalls::x86_64::Sysno::from_str(name)
            .ok()
            .map(|s| s.id().into()),
        Arch::Aarch64 => syscalls::aarch64::Sysno::from_str(name)
            .ok()
            .map(|s| s.id().into()),
        Arch::I386 => syscalls::x86::Sysno::from_str(name)
            .ok()
            .map(|s| s.id().into()),
    }
}

/// Every syscall of `arch` as (name, number), in number order.
pub fn syscalls(arch: Arch) -> Vec<(&'static str, i64)> {
    match arch {
        Arch::X86_64 => syscalls::x86_64::Sysno::iter()
            .map(|s| (s.name(), s.id().into()))
            .collect(),
        Arch::Aarch64 => syscalls::aarch64::Sysno::iter()
            .map(|s| (s.name(), s.id().into()))
            .collect(),
        Arch::I386 => syscalls::x86::Sysno::iter()
            .map(|s| (s.name(), s.id().into()))
            .collect(),
    }
}

/// Names newer than some build hosts' headers (and so missing from a
/// generated constants.json), with values from the kernel UAPI headers.
/// Used on every architecture unless an override below says otherwise.
static EXTRA: &[(&str, i64)] = &[
    ("AT_EMPTY_PATH", 0x1000),
    ("F_CREATED_QUERY", 1028),
    ("F_DUPFD_QUERY", 1027),
    ("MFD_EXEC", 0x10),
    ("MFD_NOEXEC_SEAL", 0x8),
    ("O_TMPFILE", 0x41_0000),
    ("PR_FUTEX_HASH", 78),
    ("PR_GET_SHADOW_STACK_STATUS", 74),
    ("PR_LOCK_SHADOW_STACK_STATUS", 76),
    ("PR_SET_SHADOW_STACK_STATUS", 75),
    ("PR_TIMER_CREATE_RESTORE_IDS", 77),
    ("UFFDIO_API", 0xc018_aa3f),
    ("USERFAULTFD_IOC_NEW", 0xaa00),
];

/// aarch64 differs from x86_64 in these open(2) flags (asm-generic vs arm64
/// uapi fcntl.h); `None` means the name does not exist there.
static AARCH64_OVERRIDES: &[(&str, Option<i64>)] = &[
    ("ARCH_GET_FS", None),
    ("ARCH_GET_GS", None),
    ("ARCH_SET_FS", None),
    ("ARCH_SET_GS", None),
    ("MAP_32BIT", None),
    ("O_DIRECT", Some(0o200000)),
    ("O_DIRECTORY", Some(0o40000)),
    ("O_NOFOLLOW", Some(0o100000)),
    ("O_TMPFILE", Some(0o20000000 | 0o40000)),
];

/// i386 differs from x86_64 in O_LARGEFILE and the 64-bit lock commands.
static I386_OVERRIDES: &[(&str, Option<i64>)] = &[
    ("ARCH_GET_FS", None),
    ("ARCH_GET_GS", None),
    ("ARCH_SET_FS", None),
    ("ARCH_SET_GS", None),
    ("F_GETLK64", Some(12)),
    ("F_SETLK64", Some(13)),
    ("F_SETLKW64", Some(14)),
    ("MAP_32BIT", None),
    ("O_LARGEFILE", Some(0o100000)),
];

fn lookup(table: &[(&'static str, i64)], name: &str) -> Option<i64> {
    table
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| table[i].1)
}

fn lookup_override(table: &[(&'static str, Option<i64>)], name: &str) -> Option<Option<i64>> {
    table
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| table[i].1)
}

/// Where `arch` differs from the x86_64 table.
fn overrides(arch: Arch) -> &'static [(&'static str, Option<i64>)] {
    match arch {
        Arch::X86_64 => &[],
        Arch::Aarch64 => AARCH64_OVERRIDES,
        Arch::I386 => I386_OVERRIDES,
    }
}

/// The value of the named constant on `arch` (as the C headers define it,
/// possibly negative).
pub fn constant(arch: Arch, name: &str) -> Option<i64> {
    if let Some(v) = lookup_override(overrides(arch), name) {
        return v;
    }
    lookup(constants_x86_64::X86_64, name).or_else(|| lookup(EXTRA, name))
}

/// A C-style integer literal: decimal, `0x` hex, `0`/`0o` octal, with an
/// optional `-`.
pub fn parse_number(s: &str) -> Option<i64> {
    let (neg, d) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let v = if let Some(h) = d.strip_prefix("0x").or_else(|| d.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = d.strip_prefix("0o") {
        u64::from_str_radix(o, 8).ok()?
    } else if d.len() > 1 && d.starts_with('0') {
        u64::from_str_radix(&d[1..], 8).ok()?
    } else {
        d.parse::<u64>().ok()?
    };
    Some(if neg {
        (v as i64).wrapping_neg()
    } else {
        v as i64
    })
}

/// A syscall argument given on a command line: a number or a constant
/// name of `arch`, with `|` between parts.
pub fn parse_arg(arch: Arch, s: &str) -> Option<u64> {
    s.split('|').try_fold(0u64, |acc, part| {
        let part = part.trim();
        let v = parse_number(part).or_else(|| constant(arch, part))?;
        Some(acc | arch.truncate(i128::from(v)))
    })
}

/// Every constant name known on `arch` (for suggestions): the shared
/// tables less the names `arch` lacks (only its override table says so,
/// so the filter is a search of that short table, not of the whole one).
pub fn constant_names(arch: Arch) -> impl Iterator<Item = &'static str> {
    let overrides = overrides(arch);
    constants_x86_64::X86_64
        .iter()
        .chain(EXTRA.iter())
        .map(|(n, _)| *n)
        .filter(move |n| lookup_override(overrides, n) != Some(None))
}

/// The closest name to `wanted` among `candidates`, if it is close enough to
/// be a plausible typo.
pub fn nearest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.len() / 3).clamp(1, 3);
    let chars: Vec<char> = wanted.chars().collect();
    let upper = wanted.to_ascii_uppercase();
    let lower = wanted.to_ascii_lowercase();
    candidates
        .filter_map(|c| {
            if c == upper || c == lower {
                return Some((0, c));
            }
            crate::suggest::distance_within(&chars, c, limit).map(|d| (d, c))
        })
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted() {
        for t in [constants_x86_64::X86_64, EXTRA] {
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        }
        for t in [AARCH64_OVERRIDES, I386_OVERRIDES] {
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn extra_names_are_not_in_generated_table() {
        for (n, _) in EXTRA {
            assert!(
                lookup(constants_x86_64::X86_64, n).is_none(),
                "{n} duplicated"
            );
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(syscall_number(Arch::X86_64, "read"), Some(0));
        assert_eq!(syscall_number(Arch::Aarch64, "read"), Some(63));
        assert_eq!(syscall_number(Arch::I386, "read"), Some(3));
        assert_eq!(syscall_name(Arch::X86_64, 60), Some("exit"));
        assert_eq!(syscall_number(Arch::Aarch64, "open"), None);
        assert_eq!(constant(Arch::X86_64, "PR_GET_AUXV"), Some(0x4155_5856));
        assert_eq!(constant(Arch::X86_64, "O_DIRECTORY"), Some(0o200000));
        assert_eq!(constant(Arch::Aarch64, "O_DIRECTORY"), Some(0o40000));
        assert_eq!(constant(Arch::Aarch64, "MAP_32BIT"), None);
        assert_eq!(constant(Arch::I386, "O_LARGEFILE"), Some(0o100000));
        assert_eq!(constant(Arch::X86_64, "EPERM"), Some(1));
    }

    #[test]
    fn near_misses() {
        let names = syscalls(Arch::X86_64);
        assert_eq!(nearest("raed", names.iter().map(|(n, _)| *n)), Some("read"));
        assert_eq!(
            nearest("PROT_EXCE", constant_names(Arch::X86_64)),
            Some("PROT_EXEC")
        );
        assert_eq!(nearest("zzzzzzzzzz", constant_names(Arch::X86_64)), None);
    }
}
