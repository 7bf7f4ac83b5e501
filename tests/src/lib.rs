//! Helpers shared by the end-to-end tests.

pub mod bpf;
pub mod iso;
pub mod support;
