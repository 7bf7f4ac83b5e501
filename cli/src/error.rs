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
    /// The policy source line and carets under the fault, for -S errors.
    pub excerpt: Option<[String; 2]>,
}

impl UsageError {
    pub fn new(spec: &OptSpec, message: impl Into<String>) -> UsageError {
        UsageError {
            flag: Some(spec.display()),
            location: None,
            message: message.into(),
            excerpt: None,
        }
    }

    pub fn plain(message: impl Into<String>) -> UsageError {
        UsageError {
            flag: None,
            location: None,
            message: message.into(),
            excerpt: None,
        }
    }

    /// Add the source excerpt of a policy error.
    pub fn with_excerpt(mut self, excerpt: Option<[String; 2]>) -> UsageError {
        self.excerpt = excerpt;
        self
    }

    /// The message as minijail0 prints it (control characters escaped).
    pub fn user_message(&self) -> String {
        jail::log::user_message(crate::PROG, &self.to_string(), self.excerpt.as_ref())
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
