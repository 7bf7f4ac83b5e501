//! The policies the seccomp tests run over: jail's own (in tests/data,
//! always there) and the shared real-world corpus when
//! `JAIL_POLICY_CORPUS` names it (`.ci/run` does).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jail::seccomp::{Arch, CompileOptions};

/// A folder of policies and the install prefix their `@include`s use.
pub struct Corpus {
    pub dir: PathBuf,
    pub include_prefix: &'static str,
}

impl Corpus {
    /// Compile options for x86_64 with this corpus's include prefix mapped.
    pub fn options(&self) -> CompileOptions {
        let mut o = CompileOptions::new(Arch::X86_64);
        o.include_prefixes
            .push((self.include_prefix.into(), self.dir.clone()));
        o
    }

    /// Every `.policy` file, sorted.
    pub fn policies(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap_or_else(|e| panic!("{}: {e}", self.dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "policy"))
            .collect();
        v.sort();
        v
    }
}

/// jail's own test policies.
pub fn own() -> Corpus {
    Corpus {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/policies"),
        include_prefix: "/usr/share/policy/jail",
    }
}

/// crosvm's x86_64 policies from the shared corpus, when given.
pub fn crosvm() -> Option<Corpus> {
    let dir = jail_testkit::policy_corpus()?.join("crosvm-x86_64");
    dir.is_dir().then_some(Corpus {
        dir,
        include_prefix: "/usr/share/policy/crosvm",
    })
}

/// Our own corpus, then crosvm's when given (reporting the skip otherwise).
pub fn all() -> Vec<Corpus> {
    let mut v = vec![own()];
    match crosvm() {
        Some(c) => {
            assert!(
                c.policies().len() >= 40,
                "{}: corpus too small",
                c.dir.display()
            );
            v.push(c)
        }
        None => jail_testkit::skip(
            &format!("{} (crosvm corpus)", jail_testkit::current_test()),
            &format!(
                "{} does not name a policy corpus (.ci/run sets it to the policies folder beside the checkout)",
                jail_testkit::POLICY_CORPUS_ENV
            ),
        ),
    }
    v
}

/// The crosvm corpus, or skip the calling test.
#[macro_export]
macro_rules! require_crosvm {
    () => {
        match common::crosvm() {
            Some(c) => c,
            None => jail_testkit::skip!(
                "{} does not name a policy corpus (.ci/run sets it to the policies folder beside the checkout)",
                jail_testkit::POLICY_CORPUS_ENV
            ),
        }
    };
}
