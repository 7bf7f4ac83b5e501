//! Resource limit names, as `-R` spells them (`RLIMIT_NOFILE`, `NOFILE`, or a number).

const NAMES: [(&str, i32); 16] = [
    ("CPU", libc::RLIMIT_CPU as i32),
    ("FSIZE", libc::RLIMIT_FSIZE as i32),
    ("DATA", libc::RLIMIT_DATA as i32),
    ("STACK", libc::RLIMIT_STACK as i32),
    ("CORE", libc::RLIMIT_CORE as i32),
    ("RSS", libc::RLIMIT_RSS as i32),
    ("NPROC", libc::RLIMIT_NPROC as i32),
    ("NOFILE", libc::RLIMIT_NOFILE as i32),
    ("MEMLOCK", libc::RLIMIT_MEMLOCK as i32),
    ("AS", libc::RLIMIT_AS as i32),
    ("LOCKS", libc::RLIMIT_LOCKS as i32),
    ("SIGPENDING", libc::RLIMIT_SIGPENDING as i32),
    ("MSGQUEUE", libc::RLIMIT_MSGQUEUE as i32),
    ("NICE", libc::RLIMIT_NICE as i32),
    ("RTPRIO", libc::RLIMIT_RTPRIO as i32),
    ("RTTIME", libc::RLIMIT_RTTIME as i32),
];

/// An unknown resource name or number.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown resource '{given}'{}", .suggestion.as_ref().map(|s| format!("; did you mean {s}?")).unwrap_or_default())]
pub struct UnknownResource {
    /// The resource as given.
    pub given: String,
    /// The nearest known name, when one is close enough to be a typo.
    pub suggestion: Option<String>,
}

/// Parse a resource: `RLIMIT_NOFILE`, `NOFILE` (any case) or its number.
pub fn parse(text: &str) -> Result<i32, UnknownResource> {
    if let Ok(n) = text.parse::<i32>() {
        if NAMES.iter().any(|&(_, v)| v == n) {
            return Ok(n);
        }
    }
    let upper = text.to_ascii_uppercase();
    let bare = upper.strip_prefix("RLIMIT_").unwrap_or(&upper);
    NAMES
        .iter()
        .find(|(n, _)| *n == bare)
        .map(|&(_, v)| v)
        .ok_or_else(|| UnknownResource {
            given: text.to_owned(),
            suggestion: crate::suggest::closest(bare, NAMES.iter().map(|(n, _)| *n))
                .map(str::to_owned),
        })
}

/// The name of a resource, as `RLIMIT_NAME`.
pub fn name(resource: i32) -> String {
    NAMES
        .iter()
        .find(|&&(_, v)| v == resource)
        .map_or_else(|| resource.to_string(), |(n, _)| format!("RLIMIT_{n}"))
}

/// Parse a limit value: a number or `unlimited`.
pub fn parse_value(text: &str) -> Option<u64> {
    if text == "unlimited" || text == "inf" {
        Some(libc::RLIM_INFINITY)
    } else if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else {
        text.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_numbers_and_suggests() {
        assert_eq!(parse("RLIMIT_NOFILE"), Ok(libc::RLIMIT_NOFILE as i32));
        assert_eq!(parse("nofile"), Ok(libc::RLIMIT_NOFILE as i32));
        assert_eq!(parse("7"), Ok(7));
        let err = parse("NOFLIE").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown resource 'NOFLIE'; did you mean NOFILE?"
        );
        assert_eq!(parse_value("unlimited"), Some(libc::RLIM_INFINITY));
    }
}
