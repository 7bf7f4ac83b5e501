//! Resource limit names, as `-R` spells them (`RLIMIT_NOFILE`, `NOFILE`, or a number).

/// Declares [`Resource`] with its RLIMIT_* number and name from one table.
macro_rules! resources {
    ($($(#[$doc:meta])* $variant:ident = $number:ident, $name:literal;)*) => {
        /// A resource setrlimit(2) limits (`-R`, `minijail_rlimit`), for
        /// [`Jail::rlimit`](crate::Jail::rlimit). Limits are in the unit
        /// each variant names; [`libc::RLIM_INFINITY`] (`u64::MAX`) is
        /// unlimited.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Resource {
            $($(#[$doc])* $variant,)*
        }

        impl Resource {
            /// Every resource, in RLIMIT_* number order.
            pub const ALL: &'static [Resource] = &[$(Resource::$variant,)*];

            /// The RLIMIT_* number, as setrlimit(2) and [`Jail::rlimit_raw`](crate::Jail::rlimit_raw) take it.
            pub fn raw(self) -> i32 {
                match self {
                    $(Resource::$variant => libc::$number as i32,)*
                }
            }

            /// The name without `RLIMIT_` (`NOFILE`), as `-R` accepts it.
            pub fn short_name(self) -> &'static str {
                match self {
                    $(Resource::$variant => $name,)*
                }
            }
        }
    };
}

resources! {
    /// RLIMIT_CPU: CPU time in seconds; SIGXCPU at the soft limit, SIGKILL at the hard one.
    Cpu = RLIMIT_CPU, "CPU";
    /// RLIMIT_FSIZE: the largest file the process may write, in bytes (SIGXFSZ beyond).
    FileSize = RLIMIT_FSIZE, "FSIZE";
    /// RLIMIT_DATA: the data segment and heap, in bytes.
    Data = RLIMIT_DATA, "DATA";
    /// RLIMIT_STACK: the main thread's stack, in bytes.
    Stack = RLIMIT_STACK, "STACK";
    /// RLIMIT_CORE: the largest core dump, in bytes (0: none).
    Core = RLIMIT_CORE, "CORE";
    /// RLIMIT_RSS: resident set in bytes (ignored by Linux since 2.6).
    Rss = RLIMIT_RSS, "RSS";
    /// RLIMIT_NPROC: processes (threads) of the real uid, counted across the host.
    NProc = RLIMIT_NPROC, "NPROC";
    /// RLIMIT_NOFILE: one more than the highest file descriptor number it may open.
    NoFile = RLIMIT_NOFILE, "NOFILE";
    /// RLIMIT_MEMLOCK: memory it may lock (mlock, SHM_LOCK), in bytes.
    MemLock = RLIMIT_MEMLOCK, "MEMLOCK";
    /// RLIMIT_AS: the whole virtual address space, in bytes.
    As = RLIMIT_AS, "AS";
    /// RLIMIT_LOCKS: flock and fcntl locks held at once.
    Locks = RLIMIT_LOCKS, "LOCKS";
    /// RLIMIT_SIGPENDING: signals queued for the real uid.
    SigPending = RLIMIT_SIGPENDING, "SIGPENDING";
    /// RLIMIT_MSGQUEUE: bytes in POSIX message queues of the real uid.
    MsgQueue = RLIMIT_MSGQUEUE, "MSGQUEUE";
    /// RLIMIT_NICE: the nice value it may raise itself to, as 20 - nice.
    Nice = RLIMIT_NICE, "NICE";
    /// RLIMIT_RTPRIO: the highest real-time priority it may set.
    RtPrio = RLIMIT_RTPRIO, "RTPRIO";
    /// RLIMIT_RTTIME: CPU time in microseconds a real-time task may run without blocking.
    RtTime = RLIMIT_RTTIME, "RTTIME";
}

impl Resource {
    /// The resource of RLIMIT_* number `raw`; None for a number Linux has
    /// no resource for.
    pub fn from_raw(raw: i32) -> Option<Resource> {
        Resource::ALL.iter().copied().find(|r| r.raw() == raw)
    }
}

impl From<Resource> for i32 {
    fn from(r: Resource) -> i32 {
        r.raw()
    }
}

impl std::str::FromStr for Resource {
    type Err = UnknownResource;

    /// As `-R` names one: `RLIMIT_NOFILE`, `NOFILE` (any case) or the number.
    fn from_str(text: &str) -> Result<Resource, UnknownResource> {
        if let Some(r) = text.parse::<i32>().ok().and_then(Resource::from_raw) {
            return Ok(r);
        }
        let upper = text.to_ascii_uppercase();
        let bare = upper.strip_prefix("RLIMIT_").unwrap_or(&upper);
        let names = || Resource::ALL.iter().map(|r| r.short_name());
        Resource::ALL
            .iter()
            .copied()
            .find(|r| r.short_name() == bare)
            .ok_or_else(|| UnknownResource {
                given: text.to_owned(),
                suggestion: crate::suggest::closest(bare, names()).map(str::to_owned),
            })
    }
}

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
    text.parse::<Resource>().map(Resource::raw)
}

/// The name of a resource, as `RLIMIT_NAME`.
pub fn name(resource: i32) -> String {
    Resource::from_raw(resource).map_or_else(
        || resource.to_string(),
        |r| format!("RLIMIT_{}", r.short_name()),
    )
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

    #[test]
    fn every_resource_has_its_kernel_number_and_name() {
        assert_eq!(Resource::ALL.len(), 16);
        for (i, r) in Resource::ALL.iter().enumerate() {
            // RLIMIT_* are 0..16 on Linux, in this order.
            assert_eq!(r.raw(), i as i32);
            assert_eq!(Resource::from_raw(r.raw()), Some(*r));
            assert_eq!(r.short_name().parse::<Resource>(), Ok(*r));
        }
        assert_eq!(Resource::NoFile.raw(), libc::RLIMIT_NOFILE as i32);
        assert_eq!(Resource::As.raw(), libc::RLIMIT_AS as i32);
        assert_eq!("rlimit_core".parse::<Resource>(), Ok(Resource::Core));
        assert_eq!(Resource::from_raw(16), None);
        assert_eq!(name(Resource::RtTime.raw()), "RLIMIT_RTTIME");
    }
}
