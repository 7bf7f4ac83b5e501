//! In-process launch cost of the library against std's spawn, for profiling.
use std::time::Instant;

fn main() {
    let n = 300;
    let time = |name: &str, f: &mut dyn FnMut()| {
        for _ in 0..20 {
            f();
        }
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "{name:<40} {:.3} ms",
            t.elapsed().as_secs_f64() * 1e3 / n as f64
        );
    };
    time("std spawn /bin/true", &mut || {
        std::process::Command::new("/bin/true").status().unwrap();
    });
    let empty = jail::Jail::new();
    time("jail, no stage 2", &mut || {
        empty.command("/bin/true").status().unwrap();
    });
    let mut nnp = jail::Jail::new();
    nnp.no_new_privs();
    time("jail, nnp (preload)", &mut || {
        nnp.command("/bin/true").status().unwrap();
    });
    time("jail, nnp (no preload)", &mut || {
        nnp.command("/bin/true")
            .preload_mode(jail::PreloadMode::Never)
            .status()
            .unwrap();
    });
    let mut ns = jail::Jail::new();
    ns.namespace(jail::Namespace::Pid)
        .namespace(jail::Namespace::Ipc)
        .namespace(jail::Namespace::Net)
        .namespace(jail::Namespace::Uts)
        .remount_proc_readonly();
    time("jail, -p -v -r -l -e --uts", &mut || {
        ns.command("/bin/true").status().unwrap();
    });
}
