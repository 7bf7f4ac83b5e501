//! Run by `isolation_mounts` inside an outer jail whose mounts are all
//! shared: a nested jail with the propagation mode named by the one
//! argument prints its mountinfo.

use jail::{Jail, Namespace, Propagation};
use jail_tests::iso::sh_ok;

fn main() {
    let mode = std::env::args()
        .nth(1)
        .expect("usage: nested-propagation MODE");
    let mut jail = Jail::new();
    jail.namespace(Namespace::Mount)
        .remount_mode(match mode.as_str() {
            "private" => Propagation::Private,
            "slave" => Propagation::Slave,
            "shared" => Propagation::Shared,
            "unbindable" => Propagation::Unbindable,
            "unchanged" => Propagation::Unchanged,
            other => panic!("unknown mode {other}"),
        });
    print!("{}", sh_ok(&jail, "cat /proc/self/mountinfo"));
}
