//! Upstream's `minimalistic-mountns` profile: its mounts and the Landlock
//! rules that follow from them, defined once for every face
//! (`minijail0 --profile`, the C ABI's `minijail_set_using_minimalistic_mountns`
//! and `minijail_add_minimalistic_mountns_fs_rules`, the Rust API).

use std::path::Path;

use crate::config::{FsAccess, Jail, Namespace, DEFAULT_PIVOT_ROOT, DEFAULT_TMP_SIZE};

impl Jail {
    /// Apply upstream's `minimalistic-mountns` profile
    /// (`--profile minimalistic-mountns`, or `-nodev` with `nodev`): a new
    /// mount namespace whose root is an empty directory (/var/empty) with
    /// the host's / bound read-only onto it (not recursively: nothing
    /// mounted beneath / comes along), /proc bound read-only and then a
    /// fresh read-only /proc, a tmpfs /tmp (64 MiB unless a size was set),
    /// and unless `nodev` a minimal /dev with /dev/log bound in when the
    /// host has one; then pivot_root into it. The profile's Landlock rules
    /// come from [`Jail::add_minimalistic_mountns_fs_rules`], once every
    /// mount is known.
    pub fn profile_minimalistic_mountns(&mut self, nodev: bool) -> &mut Self {
        self.profile_minimalistic_mountns_at(DEFAULT_PIVOT_ROOT, nodev)
    }

    /// [`Jail::profile_minimalistic_mountns`] with another empty directory
    /// as the new root.
    pub fn profile_minimalistic_mountns_at(
        &mut self,
        root: impl AsRef<Path>,
        nodev: bool,
    ) -> &mut Self {
        self.namespace(Namespace::Mount);
        self.bind("/", "/", false);
        self.bind("/proc", "/proc", false);
        if !nodev {
            if Path::new("/dev/log").exists() {
                self.bind("/dev/log", "/dev/log", false);
            }
            self.mount_dev();
        }
        if self.mount_tmp.is_none() {
            self.mount_tmp(DEFAULT_TMP_SIZE);
        }
        self.remount_proc_readonly();
        self.set_using_minimalistic_mountns();
        self.enter_pivot_root(root)
    }

    /// Mark the jail as the minimalistic-mountns profile
    /// (`minijail_set_using_minimalistic_mountns`), which
    /// [`Jail::add_minimalistic_mountns_fs_rules`] needs.
    pub fn set_using_minimalistic_mountns(&mut self) -> &mut Self {
        self.minimalistic_mountns = true;
        self
    }

    /// Whether [`Jail::add_minimalistic_mountns_fs_rules`] adds rules
    /// (`--enable-profile-fs-restrictions`; on by default, as upstream).
    pub fn set_enable_profile_fs_restrictions(&mut self, enable: bool) -> &mut Self {
        self.profile_fs_restrictions_off = !enable;
        self
    }

    /// Drop every Landlock rule, and keep none added later
    /// (`--no-fs-restrictions`, `minijail_disable_fs_restrictions`).
    pub fn disable_fs_restrictions(&mut self) -> &mut Self {
        self.fs_rules.clear();
        self.fs_restrictions_off = true;
        self
    }

    /// The Landlock rules of the minimalistic-mountns profile, as
    /// upstream's `minijail_add_minimalistic_mountns_fs_rules` derives them
    /// from the mounts made so far: read and execute beneath every mount,
    /// everything beneath one that is writable or takes mount events
    /// (shared or slave); then, if there was any mount, upstream's default
    /// paths, read, write and remove (no creating) in /dev, read in /proc,
    /// and read-write in /tmp. Nothing unless the jail is the profile
    /// ([`Jail::set_using_minimalistic_mountns`]) and profile restrictions
    /// are on. As upstream, the rules are skipped on a kernel without
    /// Landlock.
    pub fn add_minimalistic_mountns_fs_rules(&mut self) -> &mut Self {
        if !self.minimalistic_mountns || self.profile_fs_restrictions_off {
            return self;
        }
        let mounts: Vec<_> = self
            .mounts
            .iter()
            .map(|m| {
                let events = m.flags & (libc::MS_SHARED | libc::MS_SLAVE) != 0;
                (m.dest.clone(), m.flags & libc::MS_RDONLY == 0 || events)
            })
            .collect();
        if mounts.is_empty() {
            return self;
        }
        for (dest, writable) in &mounts {
            self.add_fs_restriction(dest, FsAccess::ReadExecute);
            if *writable {
                self.add_fs_restriction(dest, FsAccess::AdvancedReadWrite);
            }
        }
        self.enable_default_fs_restrictions();
        self.add_fs_restriction(Path::new("/dev"), FsAccess::Edit);
        self.add_fs_restriction(Path::new("/proc"), FsAccess::ReadOnly);
        if self.has_namespace(Namespace::Mount) {
            self.add_fs_restriction(Path::new("/tmp"), FsAccess::ReadWrite);
        }
        self.landlock_best_effort()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FsRule;

    fn rule(jail: &Jail, path: &str, access: FsAccess) -> FsRule {
        FsRule {
            path: path.into(),
            access: access.rights(jail.effective_landlock_abi()),
        }
    }

    #[test]
    fn profile_rules_follow_every_mount_as_upstream() {
        let mut jail = Jail::new();
        jail.profile_minimalistic_mountns(true)
            .bind(Path::new("/usr"), Path::new("/data"), true)
            .mount(Path::new("none"), Path::new("/run"), "tmpfs", 0, None)
            .mount(
                Path::new("/srv"),
                Path::new("/srv"),
                "none",
                libc::MS_BIND | libc::MS_RDONLY | libc::MS_SLAVE,
                None,
            )
            .add_minimalistic_mountns_fs_rules();
        let rules = jail.fs_rules();
        for (path, access) in [
            ("/", FsAccess::ReadExecute),
            ("/proc", FsAccess::ReadExecute),
            ("/data", FsAccess::AdvancedReadWrite),
            // Not a bind, and writable: everything, as upstream.
            ("/run", FsAccess::AdvancedReadWrite),
            // Read-only but open to mount events.
            ("/srv", FsAccess::AdvancedReadWrite),
            ("/dev", FsAccess::Edit),
            ("/proc", FsAccess::ReadOnly),
            ("/tmp", FsAccess::ReadWrite),
        ] {
            assert!(
                rules.contains(&rule(&jail, path, access)),
                "{path}: {rules:#?}"
            );
        }
        // A read-only bind gets read and execute only.
        assert!(!rules.contains(&rule(&jail, "/", FsAccess::AdvancedReadWrite)));
        assert!(jail.landlock_best_effort);
    }

    #[test]
    fn no_rules_without_the_profile_or_when_disabled() {
        let mut plain = Jail::new();
        plain
            .bind(Path::new("/usr"), Path::new("/usr"), false)
            .add_minimalistic_mountns_fs_rules();
        assert!(plain.fs_rules().is_empty());
        let mut off = Jail::new();
        off.profile_minimalistic_mountns(true)
            .set_enable_profile_fs_restrictions(false)
            .add_minimalistic_mountns_fs_rules();
        assert!(off.fs_rules().is_empty());
        let mut disabled = Jail::new();
        disabled
            .disable_fs_restrictions()
            .profile_minimalistic_mountns(true)
            .add_minimalistic_mountns_fs_rules()
            .add_fs_restriction_rx(Path::new("/usr"));
        assert!(disabled.fs_rules().is_empty());
    }
}
