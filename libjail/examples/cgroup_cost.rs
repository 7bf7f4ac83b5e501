//! What making and removing a jail's cgroup costs by itself, in-process:
//! `JailCgroup::create` with three limits (memory, pids, CPU), then its
//! statistics and removal, 30 times; prints the mean of each part. Run as
//! root: `cargo run --release -p jail --example cgroup_cost`. The launch
//! as a whole is measured by scripts/bench-cgroup.sh.

fn main() {
    use jail::cgroup::*;
    let mut s = Settings::default();
    s.limits.memory_max = Some(ByteSize::mib(256));
    s.limits.pids_max = Some(256);
    s.limits.cpu_max = Cpus::new(1.0);
    let n = 30;
    let (mut c, mut f) = (0.0, 0.0);
    for _ in 0..n {
        let t = std::time::Instant::now();
        let g = JailCgroup::create(&s).unwrap();
        let t1 = std::time::Instant::now();
        let _ = g.stats();
        g.finish();
        let t2 = std::time::Instant::now();
        c += (t1 - t).as_secs_f64();
        f += (t2 - t1).as_secs_f64();
    }
    println!(
        "create {:.3} ms, stats+finish {:.3} ms",
        c / n as f64 * 1e3,
        f / n as f64 * 1e3
    );
}
