//! The fuzzing step on the seeds (every corpus file, each architecture and
//! option selector) and on a few hand-made edge cases.

use jail::seccomp::selfcheck::policy_bytes;

mod common;

#[test]
fn fuzz_step_on_seeds() {
    let mut n = 0;
    let files = common::all().into_iter().flat_map(|c| {
        std::fs::read_dir(&c.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == "policy" || x == "frequency")
            })
            .collect::<Vec<_>>()
    });
    for path in files {
        let text = std::fs::read(&path).unwrap();
        for sel in [0u8, 1, 2, 4, 0x14, 0x20] {
            let mut input = vec![sel];
            input.extend_from_slice(&text);
            policy_bytes(&input);
            n += 1;
        }
    }
    assert!(n >= 24, "{n} seeds");
}

#[test]
fn fuzz_step_on_edge_cases() {
    let cases: &[&[u8]] = &[
        b"",
        b"\0",
        b"\0read: 1\n@include ./a.policy\n",
        b"\0@include /x/self.policy\n",
        b"\0@frequency ./f.frequency\nread: 1\nwrite: arg0 == 1\n",
        b"\0read: arg0 == 0xffffffffffffffff || arg1 in ~0 || arg2 & 0\n",
        b"\x02read: arg0 == 0x100000000\n",
        b"\0{read, write}: {arg0 > 5 && arg1 <= 7; return 3, arg2 != 0; trap, log}\n",
        b"\0read: arg0 == \\\n 5\n",
        b"\x08@denylist\nread: return 1\n",
        b"\0\xff\xfe: 1\n",
    ];
    for c in cases {
        policy_bytes(c);
    }
}
