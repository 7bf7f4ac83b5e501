//! One option as given: which option, its argument, and where it came
//! from (the command line or a config file's line).

use std::path::PathBuf;

use crate::table::{self, Opt, OptSpec};

/// Where an option came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    CommandLine,
    Config { file: PathBuf, line: usize },
}

/// One option as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub opt: Opt,
    pub arg: Option<String>,
    pub origin: Origin,
}

impl Entry {
    pub fn spec(&self) -> &'static OptSpec {
        table::spec(self.opt)
    }
}
