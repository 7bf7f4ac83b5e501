//! minijail0, the command-line face of the `jail` crate: upstream
//! minijail0's options, config files and exit statuses over the Rust API.
//!
//! [`table`] holds every option once; [`getopt`] scans a command line with
//! it (expanding `--config` files in place); [`options`] resolves the
//! options into an [`options::Options`] value (implications, conflicts,
//! defaults) without touching any process; [`apply`] maps that value onto
//! `jail::Jail` and `jail::Command`; [`run`] launches and waits. [`docs`]
//! renders `-h`, the man page and the shell completions from the same table.
//!
//! Why not clap: upstream's getopt semantics are the contract (optional
//! arguments that bind only when glued, `-K` vs `-Kslave`; scanning that
//! stops at the program; config file entries applied in order, interleaved
//! with the command line; `--gen-config` writing the options back in the
//! order given). A small scanner over one table does all of that and keeps
//! the table the single source for parsing, help, man page and completions.

// Unsafe code only in the allocator and where the kernel is asked.
#![deny(unsafe_code)]

pub mod apply;
#[allow(unsafe_code)]
pub mod arena;
pub mod config_file;
pub mod docs;
pub mod entry;
pub mod error;
pub mod getopt;
#[allow(unsafe_code)] // getuid/getgid for the default id maps
pub mod options;
pub mod table;
pub mod values;

use std::ffi::OsString;
use std::io::Write;

use options::Action;

/// The prefix of every message minijail0 prints.
pub const PROG: &str = "minijail0";

/// Run minijail0 with `args` (without `argv[0]`); returns the exit status.
pub fn run(args: &[OsString]) -> i32 {
    let action = match options::parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprint!("{}", e.user_message());
            return 1;
        }
    };
    match action {
        Action::Help => print(&docs::help()),
        Action::SyscallHelp => print(&docs::syscall_help()),
        Action::GenConfig { path, text } => {
            let written =
                jail::atomic_file::write(&path, text.as_bytes(), jail::atomic_file::Existing::Keep);
            match written {
                Ok(()) => 0,
                Err(e) => {
                    say(&format!(
                        "--gen-config: cannot write '{}': {e}; give a new, writable file name",
                        path.display()
                    ));
                    1
                }
            }
        }
        Action::Run { options, program } => launch(&options, &program),
    }
}

/// One line on stderr, `minijail0: message`, control characters escaped.
fn say(message: &str) {
    eprint!("{}", jail::log::user_message(PROG, message, None));
}

fn print(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    // A closed stdout (`minijail0 -H | head`) is not an error worth a message.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    0
}

/// Start the program in the jail and wait for it (unless -i).
pub fn launch(o: &options::Options, program: &[OsString]) -> i32 {
    // --logging: where the library's messages go. As upstream, syslog or
    // stderr; "auto" keeps stderr (upstream picks syslog when stdin is not
    // a terminal; see README's differences).
    if o.logging == options::Logging::Syslog {
        jail::log::log_to_syslog();
    }
    let jail = match apply::build_jail(o) {
        Ok(j) => j,
        Err(e) => {
            eprint!("{}", e.user_message());
            return 1;
        }
    };
    let cmd = apply::build_command(o, program);
    let mut child = match jail.spawn(&cmd) {
        Ok(c) => c,
        Err(e) => {
            say(&e.to_string());
            return e.exit_status();
        }
    };
    if o.background {
        return 0;
    }
    match child.wait() {
        Ok(status) => {
            report_usage(o, &child);
            status.minijail_status()
        }
        Err(e) => {
            say(&format!(
                "waiting for the jailed program (pid {}) failed: {e}",
                child.pid()
            ));
            jail::status::JAIL_FAILED
        }
    }
}

/// `--usage` and `--usage-json`: the report of the jail that just ended.
fn report_usage(o: &options::Options, child: &jail::JailedProcess) {
    if !o.usage && o.usage_json.is_none() {
        return;
    }
    let Some(usage) = child.usage() else {
        return;
    };
    if o.usage {
        eprint!("{usage}");
    }
    if let Some(path) = &o.usage_json {
        if let Err(e) = std::fs::write(path, usage.to_json()) {
            eprintln!(
                "{PROG}: --usage-json: cannot write '{}': {e}",
                path.display()
            );
        }
    }
}
