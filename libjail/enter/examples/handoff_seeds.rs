//! Write fuzzing seeds for the preload's handoff decoder: frames in the
//! current wire format (magic, version, length, bincode payload) of a few
//! typical stage-2 configs, so the `handoff` target starts past the
//! header checks. `scripts/fuzz-short.sh` runs it before each run, so the
//! seeds follow the format.
//!
//! Usage: cargo run -p jail-enter --example handoff_seeds -- DIR

use jail_enter::{
    encode, Caps, Groups, Landlock, LandlockRule, NewRoot, Seccomp, SockFilter, Stage2,
};

fn seeds() -> Vec<(&'static str, Stage2)> {
    let allow = SockFilter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: 0x7fff_0000,
    };
    let full = Stage2 {
        new_root: Some(NewRoot {
            path: b"/var/empty".to_vec(),
            pivot: true,
        }),
        groups: Groups::Set(vec![65534, 100]),
        gid: Some(65534),
        uid: Some(65534),
        caps: Some(Caps {
            mask: 1 << 10,
            ambient: true,
            securebits_skip_mask: 0,
        }),
        capbset_keep: Some(1 << 10),
        no_new_privs: true,
        landlock: Some(Landlock {
            abi: 3,
            rules: vec![LandlockRule {
                path: "/usr".into(),
                access: 0x7,
            }],
            best_effort: true,
        }),
        seccomp: Some(Seccomp {
            program: vec![allow; 4],
            tsync: true,
            allow_speculation: false,
            log_names: Some(vec!["read".into(), "write".into()]),
        }),
        seccomp_strict: false,
        parent_death_signal: Some(9),
        preload_entry: Some("/usr/lib/libjailpreload.so".into()),
        ack_fd: Some(4),
    };
    let typical = Stage2 {
        uid: Some(1000),
        gid: Some(1000),
        caps: Some(Caps::default()),
        no_new_privs: true,
        seccomp: Some(Seccomp {
            program: vec![allow],
            ..Seccomp::default()
        }),
        preload_entry: Some("/usr/lib/libjailpreload.so".into()),
        ..Stage2::default()
    };
    vec![
        ("empty", Stage2::default()),
        ("typical", typical),
        ("full", full),
    ]
}

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .expect("usage: handoff_seeds DIR");
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).expect("create the seed directory");
    for (name, stage2) in seeds() {
        let frame = encode(&stage2).expect("a seed encodes");
        assert_eq!(
            jail_enter::handoff_from_bytes(&frame).map(|(s, _)| s).ok(),
            Some(stage2),
            "seed {name} must decode to itself"
        );
        std::fs::write(
            dir.join(format!("v{}-{name}", jail_enter::wire::VERSION)),
            frame,
        )
        .expect("write a seed");
    }
}
