//! Calls `Jail::enter` in its own process (it jails the caller, so never
//! in a test process) and prints `entered` or `error: <message>`.
//!
//! Cases: `mount-fails` (a mount that fails in the kernel, in a new mount
//! namespace), `threads` (a second thread is running), `single` (the same
//! jail as `threads`, one thread).

use jail::{Jail, Namespace};
use std::path::Path;

fn main() {
    let case = std::env::args().nth(1).unwrap_or_default();
    let mut jail = Jail::new();
    let _thread = match case.as_str() {
        "mount-fails" => {
            jail.namespace(Namespace::Mount).mount(
                Path::new("none"),
                Path::new("/tmp"),
                "no-such-filesystem",
                0,
                None,
            );
            None
        }
        "threads" | "single" => {
            jail.no_new_privs();
            (case == "threads").then(|| {
                let (ready_tx, ready_rx) = std::sync::mpsc::channel();
                let handle = std::thread::spawn(move || {
                    ready_tx.send(()).unwrap();
                    std::thread::park();
                });
                ready_rx.recv().unwrap();
                handle
            })
        }
        other => panic!("unknown case {other:?}"),
    };
    match jail.enter() {
        Ok(()) => println!("entered"),
        Err(e) => println!("error: {e}"),
    }
}
