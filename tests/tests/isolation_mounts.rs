//! Mounts, seen from inside the jailed program: binds (read-only unless
//! writable), filesystems with flags and data, the minimal /dev, tmpfs
//! /tmp, read-only /proc, chroot, pivot_root, propagation, the
//! minimalistic-mountns profile; destinations never leave the new root.
//! Every test checks the host's mounts are untouched.

use std::path::Path;

use jail::{Jail, Namespace, Propagation};
use jail_tests::iso::*;
use jail_tests::support::{require_root, TempDir};

fn mounts_inside(jail: &Jail) -> Vec<MountLine> {
    parse_mountinfo(&sh_ok(jail, "cat /proc/self/mountinfo"))
}

#[test]
fn bind_is_read_only_unless_writable() {
    require_root!();
    let host = HostSnapshot::take();
    let src = TempDir::new("bind-src");
    let dst = TempDir::new("bind-dst");
    std::fs::write(src.path().join("file"), "from source").unwrap();
    let dest = dst.path().to_str().unwrap();

    let mut ro = Jail::new();
    ro.bind(src.path(), dst.path(), false);
    let out = sh(
        &ro,
        &format!("cat {dest}/file; echo; echo x > {dest}/new && echo wrote || echo refused"),
    );
    assert_eq!(out.stdout, "from source\nrefused\n", "{out:?}");
    let mounts = mounts_inside(&ro);
    let m = mount_at(&mounts, dest).expect("bind shows in mountinfo");
    assert!(m.has_option("ro"), "{m:?}");

    let mut rw = Jail::new();
    rw.bind(src.path(), dst.path(), true);
    let out = sh(&rw, &format!("echo x > {dest}/new && echo wrote"));
    assert_eq!(out.stdout, "wrote\n", "{out:?}");
    assert!(
        src.path().join("new").exists(),
        "the write went to the source"
    );
    let mounts = mounts_inside(&rw);
    assert!(mount_at(&mounts, dest).unwrap().has_option("rw"));

    // Outside the jail the destination is still the empty directory.
    assert!(!dst.path().join("file").exists());
    host.assert_unchanged();
}

#[test]
fn read_only_bind_is_read_only_all_the_way_down() {
    require_root!();
    // A recursive read-only bind (MS_BIND | MS_REC) takes the writable
    // bind inside its source along, read-only too.
    let src = TempDir::new("rec-src");
    let inner = TempDir::new("rec-inner");
    std::fs::create_dir(src.path().join("sub")).unwrap();
    std::fs::write(inner.path().join("mark"), "inner").unwrap();
    let dst = TempDir::new("rec-dst");
    let mut jail = Jail::new();
    jail.bind(inner.path(), src.path().join("sub"), true).mount(
        src.path(),
        dst.path(),
        "",
        libc::MS_BIND | libc::MS_REC | libc::MS_RDONLY,
        None,
    );
    let dest = dst.path().to_str().unwrap();
    let out = sh(
        &jail,
        &format!("cat {dest}/sub/mark; echo; echo x > {dest}/sub/f && echo wrote || echo refused"),
    );
    assert_eq!(out.stdout, "inner\nrefused\n", "{out:?}");
}

#[test]
fn a_bind_is_not_recursive_as_upstream() {
    require_root!();
    // The mount inside the source stays out of a plain bind: its
    // destination shows the source's own (empty) directory.
    let src = TempDir::new("plain-src");
    let inner = TempDir::new("plain-inner");
    std::fs::create_dir(src.path().join("sub")).unwrap();
    std::fs::write(inner.path().join("mark"), "inner").unwrap();
    let dst = TempDir::new("plain-dst");
    let mut jail = Jail::new();
    jail.bind(inner.path(), src.path().join("sub"), true)
        .bind(src.path(), dst.path(), false);
    let dest = dst.path().to_str().unwrap();
    let out = sh_ok(
        &jail,
        &format!("ls -A {dest}/sub | wc -l; grep -c ' {dest}' /proc/self/mountinfo"),
    );
    assert_eq!(out, "0\n1\n", "{out:?}");
}

#[test]
fn mount_with_type_flags_and_data() {
    require_root!();
    let host = HostSnapshot::take();
    let dst = TempDir::new("tmpfs-dst");
    let dest = dst.path().to_str().unwrap();
    let mut jail = Jail::new();
    jail.mount(
        Path::new("jailtmp"),
        dst.path(),
        "tmpfs",
        libc::MS_NOSUID | libc::MS_NODEV,
        Some("size=1m,mode=0711"),
    );
    let mounts = mounts_inside(&jail);
    let m = mount_at(&mounts, dest).expect("tmpfs in mountinfo");
    assert_eq!(m.fstype, "tmpfs");
    assert_eq!(m.source, "jailtmp");
    assert!(
        m.has_option("nosuid") && m.has_option("nodev") && m.has_option("rw"),
        "{m:?}"
    );
    assert!(m.super_options.contains("size=1024k"), "{m:?}");
    assert!(m.super_options.contains("mode=711"), "{m:?}");
    host.assert_unchanged();
}

#[test]
fn without_a_root_the_mounts_are_the_hosts_plus_the_requested() {
    require_root!();
    let dst = TempDir::new("exact");
    let mut jail = Jail::new();
    jail.bind(Path::new("/usr"), dst.path(), false)
        .mount_tmp(1 << 20);
    let inside = mount_points(&sh_ok(&jail, "cat /proc/self/mountinfo"));
    let mut expected = mount_points(&mountinfo());
    expected.push(dst.path().to_string_lossy().into_owned());
    expected.push("/tmp".into());
    let mut a = inside.clone();
    a.sort();
    expected.sort();
    assert_eq!(a, expected, "inside: {inside:?}");
}

#[test]
fn minimal_dev_has_exactly_the_upstream_nodes() {
    require_root!();
    let host = HostSnapshot::take();
    let mut jail = Jail::new();
    jail.mount_dev();
    let out = sh_ok(&jail, "cd /dev && for f in $(ls -A | sort); do if [ -L $f ]; then echo \"$f -> $(readlink $f)\"; else echo \"$f $(stat -c '%A %t:%T' $f)\"; fi; done");
    // Upstream's nodes, modes and links; no devpts (ptmx dangles, as upstream).
    assert_eq!(
        out,
        "fd -> /proc/self/fd\nfull crw-rw-rw- 1:7\nnull crw-rw-rw- 1:3\nptmx -> pts/ptmx\nshm drwxrwxrwt 0:0\nstderr -> fd/2\nstdin -> fd/0\nstdout -> fd/1\ntty crw-rw-rw- 5:0\nurandom cr--r--r-- 1:9\nzero crw-rw-rw- 1:5\n"
    );
    let out = sh_ok(&jail, "echo hi > /dev/null && head -c 4 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c && (echo x > /dev/full) 2>/dev/null || echo full");
    assert_eq!(out, "4\n8\nfull\n");
    // One fresh tmpfs in place of the old /dev: nothing of the host's
    // /dev (its shm, pts) is left beneath it.
    let mounts = mounts_inside(&jail);
    let dev: Vec<_> = mounts
        .iter()
        .filter(|m| m.mount_point == "/dev" || m.mount_point.starts_with("/dev/"))
        .collect();
    assert_eq!(dev.len(), 1, "{dev:?}");
    assert_eq!(dev[0].fstype, "tmpfs");
    assert_eq!(dev[0].source, "minijail-devfs");
    assert!(dev[0].super_options.contains("size=5120k"), "{dev:?}");
    for opt in ["nosuid", "noexec"] {
        assert!(dev[0].has_option(opt), "{dev:?}");
    }
    host.assert_unchanged();
}

#[test]
fn binds_into_the_minimal_dev_are_created_there() {
    require_root!();
    let src = TempDir::new("devbind");
    std::fs::write(src.path().join("log"), "socket stand-in").unwrap();
    let mut jail = Jail::new();
    jail.mount_dev()
        .bind(src.path().join("log"), Path::new("/dev/log"), false)
        .bind(src.path(), Path::new("/dev/dir/sub"), false);
    let out = sh_ok(&jail, "cat /dev/log; echo; ls /dev/dir/sub");
    assert_eq!(out, "socket stand-in\nlog\n");
}

#[test]
fn tmp_is_a_sized_tmpfs() {
    require_root!();
    let host = HostSnapshot::take();
    let mut jail = Jail::new();
    jail.mount_tmp(2 << 20);
    let mounts = mounts_inside(&jail);
    let tmp = mount_at(&mounts, "/tmp").unwrap();
    assert_eq!(tmp.fstype, "tmpfs");
    assert!(tmp.super_options.contains("size=2048k"), "{tmp:?}");
    for opt in ["nosuid", "nodev", "noexec"] {
        assert!(tmp.has_option(opt), "{tmp:?}");
    }
    let out = sh_ok(
        &jail,
        "ls -A /tmp | wc -l; stat -c %A /tmp; echo x > /tmp/f && cat /tmp/f",
    );
    assert_eq!(out, "0\ndrwxrwxrwt\nx\n");
    host.assert_unchanged();
}

#[test]
fn proc_is_remounted_read_only() {
    require_root!();
    let host = HostSnapshot::take();
    let mut jail = Jail::new();
    jail.remount_proc_readonly();
    let mounts = mounts_inside(&jail);
    let procs: Vec<_> = mounts.iter().filter(|m| m.mount_point == "/proc").collect();
    assert_eq!(
        procs.len(),
        1,
        "the host's /proc was detached, not stacked: {procs:?}"
    );
    assert!(procs[0].has_option("ro"), "{procs:?}");
    let out = sh(
        &jail,
        "echo 1 > /proc/sys/kernel/ns_last_pid && echo wrote || echo refused",
    );
    assert_eq!(out.stdout, "refused\n");
    host.assert_unchanged();
}

#[test]
fn pid_namespace_proc_is_read_only_unless_asked() {
    require_root!();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid);
    assert!(mount_at(&mounts_inside(&jail), "/proc")
        .unwrap()
        .has_option("ro"));
    let mut rw = Jail::new();
    rw.namespace_pids_rw_proc();
    let mounts = mounts_inside(&rw);
    assert!(mount_at(&mounts, "/proc").unwrap().has_option("rw"));
    // It is the new namespace's /proc.
    assert_eq!(
        sh_ok(&rw, "cd /proc && echo [0-9]*").trim(),
        "1 2",
        "the init and the shell"
    );
}

/// A root with the system's directories bound in, entered with chroot
/// or pivot_root, with /dev, /tmp and /proc.
fn rooted(root: &Path, pivot: bool) -> Jail {
    make_root(root);
    let mut jail = Jail::new();
    bind_system(&mut jail, root);
    jail.mount_dev().mount_tmp(1 << 20).remount_proc_readonly();
    if pivot {
        jail.enter_pivot_root(root);
    } else {
        jail.enter_chroot(root);
    }
    jail
}

#[test]
fn chroot_runs_in_the_new_root() {
    require_root!();
    let host = HostSnapshot::take();
    let root = TempDir::new("chroot");
    let jail = rooted(root.path(), false);
    std::fs::write(root.path().join("etc/marker"), "chroot").unwrap();
    let out = sh_ok(&jail, "cat /etc/marker; echo; pwd; ls /");
    assert!(out.starts_with("chroot\n/\n"), "{out}");
    assert!(!out.contains("\nroot\n"), "host's / is not visible: {out}");
    // A read-only bind of /usr.
    let out = sh(
        &jail,
        "touch /usr/x 2>/dev/null && echo wrote || echo refused",
    );
    assert_eq!(out.stdout, "refused\n");
    host.assert_unchanged();
}

#[test]
fn pivot_root_shows_exactly_the_requested_mounts() {
    require_root!();
    let host = HostSnapshot::take();
    let root = TempDir::new("pivot");
    let jail = rooted(root.path(), true);
    std::fs::write(root.path().join("etc/marker"), "pivot").unwrap();
    let out = sh_ok(&jail, "cat /etc/marker; echo; cat /proc/self/mountinfo");
    let (marker, info) = out.split_once('\n').unwrap();
    assert_eq!(marker, "pivot");
    let mut points = mount_points(info);
    points.sort();
    let mut expected: Vec<String> = ["/", "/usr", "/dev", "/tmp", "/proc"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(points, expected, "{info}");
    let mounts = parse_mountinfo(info);
    assert!(mount_at(&mounts, "/usr").unwrap().has_option("ro"));
    assert!(mount_at(&mounts, "/proc").unwrap().has_option("ro"));
    host.assert_unchanged();
}

#[test]
fn minimalistic_mountns_profile() {
    require_root!();
    let host = HostSnapshot::take();
    let root = TempDir::new("minimal");
    let mut jail = Jail::new();
    jail.profile_minimalistic_mountns_at(root.path(), false);
    let out = sh_ok(&jail, "cat /proc/self/mountinfo; echo ==; touch /etc/x 2>/dev/null && echo wrote || echo refused; ls /dev | tr '\\n' ' '");
    let (info, rest) = out.split_once("==\n").unwrap();
    assert_eq!(
        rest.lines().next(),
        Some("refused"),
        "/ is read-only: {out}"
    );
    let mounts = parse_mountinfo(info);
    assert!(mount_at(&mounts, "/").unwrap().has_option("ro"), "{info}");
    let proc_ = mount_at(&mounts, "/proc").unwrap();
    assert_eq!(proc_.fstype, "proc");
    assert!(proc_.has_option("ro"));
    let tmp = mount_at(&mounts, "/tmp").unwrap();
    assert!(tmp.super_options.contains("size=65536k"), "{tmp:?}");
    assert_eq!(mount_at(&mounts, "/dev").unwrap().fstype, "tmpfs");
    assert!(rest.contains("null") && rest.contains("ptmx"), "{rest}");

    let mut nodev = Jail::new();
    nodev.profile_minimalistic_mountns_at(root.path(), true);
    let mounts = mounts_inside(&nodev);
    assert_ne!(
        mount_at(&mounts, "/dev").map(|m| m.fstype.as_str()),
        Some("tmpfs")
    );
    host.assert_unchanged();
}

#[test]
fn destinations_resolve_inside_the_root() {
    require_root!();
    let host = HostSnapshot::take();
    let root = TempDir::new("inroot");
    let mut jail = rooted(root.path(), false);
    // An absolute symlink inside the root: followed as if the root were /.
    std::os::unix::fs::symlink("/", root.path().join("up")).unwrap();
    std::fs::create_dir(root.path().join("work/target")).unwrap();
    let src = TempDir::new("inroot-src");
    std::fs::write(src.path().join("f"), "inside").unwrap();
    // /up/../../work/target lands on <root>/work/target, never the host's /work.
    jail.bind(src.path(), Path::new("/up/../../work/target"), false);
    let out = sh_ok(&jail, "cat /work/target/f");
    assert_eq!(out, "inside");
    host.assert_unchanged();
}

#[test]
fn symlink_destination_is_refused_before_fork() {
    let root = TempDir::new("symdest");
    let mut jail = rooted(root.path(), false);
    std::os::unix::fs::symlink("/etc", root.path().join("link")).unwrap();
    jail.bind(Path::new("/usr"), Path::new("/link"), false);
    let err = try_sh(&jail, "true").unwrap_err().to_string();
    assert!(err.contains("/link") && err.contains("symlink"), "{err}");
    // Also without a new root.
    let dir = TempDir::new("symdest2");
    std::os::unix::fs::symlink("/etc", dir.path().join("link")).unwrap();
    let mut jail = Jail::new();
    jail.bind(Path::new("/usr"), dir.path().join("link"), false);
    let err = try_sh(&jail, "true").unwrap_err().to_string();
    assert!(err.contains("symlink"), "{err}");
}

/// The propagation tags (shared:N, master:N, unbindable) of every mount
/// a jailed shell sees.
fn propagation_inside(jail: &Jail) -> Vec<Vec<String>> {
    mounts_inside(jail)
        .into_iter()
        .map(|m| m.propagation)
        .collect()
}

#[test]
fn propagation_modes_on_a_private_host() {
    require_root!();
    let host = HostSnapshot::take();
    let mut private = Jail::new();
    private.namespace(Namespace::Mount);
    assert!(propagation_inside(&private).iter().all(|p| p.is_empty()));
    let mut shared = Jail::new();
    shared
        .namespace(Namespace::Mount)
        .remount_mode(Propagation::Shared);
    assert!(propagation_inside(&shared)
        .iter()
        .all(|p| p.iter().any(|t| t.starts_with("shared:"))));
    let mut unbindable = Jail::new();
    unbindable
        .namespace(Namespace::Mount)
        .remount_mode(Propagation::Unbindable);
    assert!(propagation_inside(&unbindable)
        .iter()
        .all(|p| p == &["unbindable".to_string()]));
    host.assert_unchanged();
}

#[test]
fn propagation_modes_under_a_shared_parent() {
    require_root!();
    let host = HostSnapshot::take();
    let nested = env!("CARGO_BIN_EXE_nested-propagation");
    let mut outer = Jail::new();
    outer
        .namespace(Namespace::Mount)
        .remount_mode(Propagation::Shared);
    let outer_tags: Vec<String> = propagation_inside(&outer).into_iter().flatten().collect();
    assert!(!outer_tags.is_empty());
    let mut seen = Vec::new();
    for mode in ["private", "slave", "shared", "unbindable", "unchanged"] {
        let out = sh_ok(
            &outer,
            &format!("{nested} {mode} | grep -E '^[0-9]+ [0-9]+ '"),
        );
        let mounts = parse_mountinfo(&out);
        assert!(!mounts.is_empty(), "{mode}: {out}");
        let ok = |f: &dyn Fn(&MountLine) -> bool| mounts.iter().all(f);
        match mode {
            "private" => assert!(ok(&|m| m.is_private()), "{out}"),
            "slave" => assert!(
                ok(&|m| m.propagation.len() == 1 && m.propagation[0].starts_with("master:")),
                "{out}"
            ),
            "shared" | "unchanged" => assert!(
                ok(&|m| m.propagation.iter().any(|t| t.starts_with("shared:"))),
                "{out}"
            ),
            _ => assert!(ok(&|m| m.propagation == ["unbindable"]), "{out}"),
        }
        seen.push(mode);
    }
    assert_eq!(seen.len(), 5);
    host.assert_unchanged();
}

#[test]
fn a_remount_gives_one_subtree_its_own_propagation() {
    require_root!();
    let host = HostSnapshot::take();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Mount)
        .remount_mode(Propagation::Shared)
        .remount("/proc", Propagation::Private);
    let mounts = mounts_inside(&jail);
    let tags = |point: &str| {
        mounts
            .iter()
            .find(|m| m.mount_point == point)
            .unwrap_or_else(|| panic!("no {point} in {mounts:?}"))
            .propagation
            .clone()
    };
    assert!(
        tags("/").iter().any(|t| t.starts_with("shared:")),
        "{mounts:?}"
    );
    assert!(tags("/proc").is_empty(), "{mounts:?}");

    // Refused before fork: a relative path, or no mount namespace.
    let mut relative = Jail::new();
    relative
        .namespace(Namespace::Mount)
        .remount("proc", Propagation::Private);
    let err = try_sh(&relative, "true").unwrap_err().to_string();
    assert!(err.contains("must be absolute"), "{err}");
    let mut no_ns = Jail::new();
    no_ns.remount("/proc", Propagation::Private);
    let err = try_sh(&no_ns, "true").unwrap_err().to_string();
    assert!(err.contains("needs a new mount namespace"), "{err}");
    host.assert_unchanged();
}
