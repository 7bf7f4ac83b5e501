//! jail: a Linux process sandbox, minijail in Rust.
pub mod seccomp;
