//! Parsers for option arguments, with upstream's number conventions
//! (`strtoul` base 0 or 16) and messages that say what is accepted.

/// A C-style unsigned number: `0x` hex, leading `0` octal, else decimal
/// (`strtoul(s, &end, 0)` with the whole string consumed). Leading blanks
/// are skipped, as strtoul does.
pub fn c_number(text: &str) -> Option<u64> {
    let t = text.trim_start();
    if t.is_empty() {
        return None;
    }
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if t.len() > 1 && t.starts_with('0') {
        return u64::from_str_radix(&t[1..], 8).ok();
    }
    t.parse().ok()
}

/// A hex mask as `strtoull(s, &end, 16)` reads it: optional `0x`, and an
/// empty string is 0.
pub fn hex_mask(text: &str) -> Option<u64> {
    let t = text.trim_start();
    if t.is_empty() {
        return Some(0);
    }
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u64::from_str_radix(digits, 16).ok()
}

/// A size with an optional binary suffix: `64M`, `1G`, `4096`.
pub fn size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (num, shift) = match t.chars().last()? {
        'k' | 'K' => (&t[..t.len() - 1], 10),
        'm' | 'M' => (&t[..t.len() - 1], 20),
        'g' | 'G' => (&t[..t.len() - 1], 30),
        't' | 'T' => (&t[..t.len() - 1], 40),
        'p' | 'P' => (&t[..t.len() - 1], 50),
        'e' | 'E' => (&t[..t.len() - 1], 60),
        _ => (t, 0),
    };
    let n = c_number(num)?;
    n.checked_mul(1u64 << shift)
}

/// Mount flag names, as `-k` spells them.
pub const MOUNT_FLAGS: &[(&str, u64)] = &[
    ("MS_RDONLY", libc::MS_RDONLY),
    ("MS_NOSUID", libc::MS_NOSUID),
    ("MS_NODEV", libc::MS_NODEV),
    ("MS_NOEXEC", libc::MS_NOEXEC),
    ("MS_SYNCHRONOUS", libc::MS_SYNCHRONOUS),
    ("MS_REMOUNT", libc::MS_REMOUNT),
    ("MS_MANDLOCK", libc::MS_MANDLOCK),
    ("MS_DIRSYNC", libc::MS_DIRSYNC),
    ("MS_NOSYMFOLLOW", 256),
    ("MS_NOATIME", libc::MS_NOATIME),
    ("MS_NODIRATIME", libc::MS_NODIRATIME),
    ("MS_BIND", libc::MS_BIND),
    ("MS_MOVE", libc::MS_MOVE),
    ("MS_REC", libc::MS_REC),
    ("MS_SILENT", libc::MS_SILENT),
    ("MS_POSIXACL", libc::MS_POSIXACL),
    ("MS_UNBINDABLE", libc::MS_UNBINDABLE),
    ("MS_PRIVATE", libc::MS_PRIVATE),
    ("MS_SLAVE", libc::MS_SLAVE),
    ("MS_SHARED", libc::MS_SHARED),
    ("MS_RELATIME", libc::MS_RELATIME),
    ("MS_KERNMOUNT", libc::MS_KERNMOUNT),
    ("MS_I_VERSION", libc::MS_I_VERSION),
    ("MS_STRICTATIME", libc::MS_STRICTATIME),
    ("MS_LAZYTIME", libc::MS_LAZYTIME),
];

/// Mount flags: MS_* names and numbers joined by `|`.
pub fn mount_flags(text: &str) -> Result<u64, String> {
    let mut flags = 0;
    for part in text.split('|') {
        let p = part.trim();
        if let Some(n) = c_number(p) {
            flags |= n;
        } else if let Some(&(_, v)) = MOUNT_FLAGS.iter().find(|(n, _)| *n == p) {
            flags |= v;
        } else {
            let hint = jail::suggest::closest(p, MOUNT_FLAGS.iter().map(|(n, _)| *n))
                .map(|s| format!("; did you mean {s}?"))
                .unwrap_or_else(|| "; use MS_* names or numbers joined by '|'".to_owned());
            return Err(format!("unknown mount flag '{p}'{hint}"));
        }
    }
    Ok(flags)
}

/// The capability mask named by `text`: cap_from_text(3) syntax, of which
/// the effective set counts (as upstream), else a hex mask.
pub fn caps(text: &str) -> Result<u64, String> {
    if let Some(mask) = cap_text_effective(text) {
        return Ok(mask);
    }
    hex_mask(text).ok_or_else(|| {
        format!(
            "invalid capability set '{text}': give a hex mask (0x3000) or cap_from_text(3) text (cap_net_raw,cap_net_bind_service+eip)"
        )
    })
}

/// The effective set cap_from_text(3) would build, or None if `text` is
/// not in its syntax. Clauses are separated by blanks; each is a list of
/// names (or `all`, or nothing before `=`) followed by `=`, `+` or `-`
/// operators with flag letters from `eip`.
fn cap_text_effective(text: &str) -> Option<u64> {
    let all: u64 = (1u64 << jail::caps::NAMES.len()) - 1;
    let mut eff = 0u64;
    let mut any = false;
    for clause in text.split_whitespace() {
        let op_at = clause.find(['=', '+', '-'])?;
        let (names, mut ops) = clause.split_at(op_at);
        let mut set = 0u64;
        if names.is_empty() {
            if !ops.starts_with('=') {
                return None;
            }
            set = all;
        } else {
            for name in names.split(',') {
                if name.eq_ignore_ascii_case("all") {
                    set |= all;
                } else if let Some(c) = jail::caps::by_name(name) {
                    set |= 1 << c;
                } else if let Ok(n) = name.parse::<u32>() {
                    if n >= 64 {
                        return None;
                    }
                    set |= 1 << n;
                } else {
                    return None;
                }
            }
        }
        while let Some(op) = ops.chars().next() {
            let rest = &ops[1..];
            let end = rest.find(['=', '+', '-']).unwrap_or(rest.len());
            let flags = &rest[..end];
            if !flags.chars().all(|f| "eipEIP".contains(f)) {
                return None;
            }
            let e = flags.contains(['e', 'E']);
            match op {
                '=' => eff = (eff & !set) | if e { set } else { 0 },
                '+' if e => eff |= set,
                '-' if e => eff &= !set,
                '+' | '-' if !flags.is_empty() => {}
                _ => return None,
            }
            ops = &rest[end..];
        }
        any = true;
    }
    any.then_some(eff)
}

/// A user: a number, or a name from the user database: (uid, name, primary gid).
pub fn user(text: &str) -> Result<(u32, Option<String>, Option<u32>), String> {
    jail::ids::parse_user(text)
        .map(|u| (u.uid, u.name, u.gid))
        .map_err(|e| e.to_string())
}

/// A group: a number, or a name from the group database.
pub fn group(text: &str) -> Result<u32, String> {
    jail::ids::parse_group(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(c_number("0x10"), Some(16));
        assert_eq!(c_number("010"), Some(8));
        assert_eq!(c_number("10"), Some(10));
        assert_eq!(c_number("0"), Some(0));
        assert_eq!(c_number("0j"), None);
        assert_eq!(c_number("0x1jf"), None);
        assert_eq!(hex_mask(""), Some(0));
        assert_eq!(hex_mask("0xAB"), Some(0xab));
        assert_eq!(hex_mask("1234"), Some(0x1234));
        assert_eq!(hex_mask("xja"), None);
        assert_eq!(size("64M"), Some(64 << 20));
        assert_eq!(size("1k"), Some(1024));
        assert_eq!(size("100"), Some(100));
        assert_eq!(size("M"), None);
        assert_eq!(size("12Q"), None);
    }

    #[test]
    fn mount_flag_names() {
        assert_eq!(
            mount_flags("MS_NODEV|MS_NOEXEC"),
            Ok(libc::MS_NODEV | libc::MS_NOEXEC)
        );
        assert_eq!(mount_flags("MS_NODEV|0xf"), Ok(libc::MS_NODEV | 0xf));
        assert_eq!(
            mount_flags("MS_NODEB").unwrap_err(),
            "unknown mount flag 'MS_NODEB'; did you mean MS_NODEV?"
        );
    }

    #[test]
    fn cap_text() {
        let raw = 1 << 13;
        let bind = 1 << 10;
        assert_eq!(caps("cap_net_raw+eip"), Ok(raw));
        assert_eq!(caps("cap_net_raw,cap_net_bind_service+ep"), Ok(raw | bind));
        assert_eq!(caps("cap_net_raw+ip"), Ok(0));
        assert_eq!(caps("=e cap_net_raw-e"), Ok(((1u64 << 41) - 1) & !raw));
        assert_eq!(caps("all=eip"), Ok((1u64 << 41) - 1));
        assert_eq!(caps("0x3000"), Ok(0x3000));
        assert_eq!(caps("1234"), Ok(0x1234));
        assert_eq!(caps(""), Ok(0));
        assert!(caps("xja").is_err());
        assert!(caps("cap_nope+e").is_err());
    }
}
