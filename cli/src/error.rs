//! Usage errors: one line naming the flag, the bad value and what is
//! accepted. minijail0 prints them as `minijail0: <error>` and exits 1
//! without starting anything.

use crate::entry::Origin;
use crate::table::OptSpec;

/// A bad command line or config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    /// The flag as users know it (`-R`, `--profile`), when one is to blame.
    pub flag: Option<String>,
    /// `file:line` of the config entry, when it came from one.
    pub location: Option<String>,
    pub message: String,
}

impl UsageError {
    pub fn new(spec: &OptSpec, message: impl Into<String>) -> UsageError {
        UsageError {
            flag: Some(spec.display()),
            location: None,
            message: message.into(),
        }
    }

    pub fn plain(message: impl Into<String>) -> UsageError {
        UsageError {
            flag: None,
            location: None,
            message: message.into(),
        }
    }

    /// Say which config file line the bad entry came from.
    pub fn at(mut self, origin: &Origin) -> UsageError {
        if let Origin::Config { file, line } = origin {
            self.location = Some(format!("{}:{line}", file.display()));
        }
        self
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if let Some(flag) = &self.flag {
            write!(f, "{flag}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}
