//! A whole launch plan from minijail0's arguments, without forking: the
//! arguments are parsed (`jail_cli::options::parse`), turned into a jail
//! and a command as minijail0 does (`apply::build_jail`,
//! `apply::build_command`), and planned by the core
//! (`Jail::check_launch`: namespaces, maps, mounts, root, fds, rlimits,
//! stage 2 and its handoff encoding), which makes no process, cgroup or
//! pty. Any input is a plan or one error line; never a panic.
//!
//! `--config` is taken out with its value (it reads the named file), as
//! in the `args` target.

#![no_main]

#[path = "../common.rs"]
mod common;

use jail_cli::options::Action;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let args = common::arguments(data);
    let Ok(Action::Run { options, program }) = jail_cli::options::parse(&args) else {
        return;
    };
    let jail = match jail_cli::apply::build_jail(&options) {
        Ok(jail) => jail,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let cmd = jail_cli::apply::build_command(&options, &program);
    if let Err(e) = jail.check_launch(&cmd) {
        let line = e.to_string();
        assert!(!line.is_empty(), "{e:?}");
    }
});
