//! Launching from a multithreaded parent: the child allocates nothing
//! between fork and execve, so threads allocating in the parent cannot
//! leave it deadlocked on an allocator lock. In its own test binary so no
//! other test opens or closes fds meanwhile.

use jail::Jail;
use jail_tests::support::*;

#[test]
fn launching_while_threads_allocate_leaks_nothing() {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = 0usize;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let v: Vec<u8> = vec![i as u8; 64 + (n % 4096)];
                    n = n.wrapping_add(v.len());
                    drop(std::hint::black_box(v));
                }
                n
            })
        })
        .collect();
    let fds_before = open_fd_count();
    let mut jail = Jail::new();
    jail.no_new_privs();
    let started = std::time::Instant::now();
    for i in 0..500 {
        let status = jail.command("/bin/true").status().unwrap();
        assert!(status.success(), "launch {i}: {status}");
        assert!(started.elapsed().as_secs() < 120, "launches stalled at {i}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(open_fd_count(), fds_before, "fds leaked");
}
