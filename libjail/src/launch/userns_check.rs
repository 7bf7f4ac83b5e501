//! What a new user namespace allows stage 2, decided before fork: an id
//! change needs the id mapped there, setgroups needs a gid map written
//! with privilege, and in preload mode the program holds capabilities
//! there only when it starts as the namespace's root. Otherwise the
//! preload would fail (exit 252) after the program was started.

use jail_enter::{Groups, Stage2};

use super::idmap::{self, IdRange};

/// A setting the new user namespace cannot honour, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernsRefusal {
    /// `-u` names a uid the namespace does not map.
    #[error("uid {id} (-u, Jail::change_uid) is not mapped in the new user namespace ({}): add it to the uid map (-m '{id} OUTSIDE 1', Jail::uid_map) or do not change the uid", describe(.map))]
    UidNotMapped {
        /// The uid asked for.
        id: u32,
        /// The uid map written, if any.
        map: Option<String>,
    },
    /// `-g` names a gid the namespace does not map.
    #[error("gid {id} (-g, Jail::change_gid) is not mapped in the new user namespace ({}): add it to the gid map (-M '{id} OUTSIDE 1', Jail::gid_map) or do not change the gid", describe(.map))]
    GidNotMapped {
        /// The gid asked for.
        id: u32,
        /// The gid map written, if any.
        map: Option<String>,
    },
    /// Supplementary groups asked for where setgroups is refused.
    #[error("supplementary groups cannot be set in this user namespace: {why}; run as root (which may allow setgroups), or keep the groups (drop -G/--add-suppl-group, Jail::keep_supplementary_gids)")]
    GroupsRefused {
        /// Why the kernel refuses setgroups there.
        why: &'static str,
    },
    /// A setting that needs capabilities the program will not hold.
    #[error("{setting} needs capabilities in the new user namespace, but the program starts there without any (uid 0 is not mapped inside, so it does not start as the namespace's root): map root (-m '0 UID 1' -M '0 GID 1', Jail::uid_map/gid_map), use no-preload mode (-T static), or drop {setting}")]
    NoCapabilities {
        /// The setting, as minijail0's flag.
        setting: &'static str,
    },
}

fn describe(map: &Option<String>) -> String {
    match map {
        None => "no map is written".into(),
        Some(text) => format!("map '{}'", text.trim_end().replace('\n', ", ")),
    }
}

/// What stage 2 will find in the namespace.
pub struct Namespace<'a> {
    pub uid_map: Option<&'a str>,
    pub gid_map: Option<&'a str>,
    pub deny_setgroups: bool,
    /// The program starts as uid 0 there (both maps map 0).
    pub root_inside: bool,
    /// Stage 2 runs after execve (preload mode): capabilities are then
    /// what execve gave the program, none unless it is root inside.
    pub after_exec: bool,
    /// The launcher's effective uid and gid.
    pub launcher_ids: (u32, u32),
}

/// Check `stage2` against the namespace and adjust what upstream adjusts:
/// supplementary groups are left alone where setgroups is refused unless
/// some were asked for (upstream's `disable_setgroups`).
pub fn check(stage2: &mut Stage2, ns: &Namespace) -> Result<(), UsernsRefusal> {
    let uid_ranges = ranges(ns.uid_map);
    let gid_ranges = ranges(ns.gid_map);
    if let Some(id) = stage2.uid {
        if !maps_inside(&uid_ranges, id) {
            return Err(UsernsRefusal::UidNotMapped {
                id,
                map: ns.uid_map.map(str::to_owned),
            });
        }
    }
    if let Some(id) = stage2.gid {
        if !maps_inside(&gid_ranges, id) {
            return Err(UsernsRefusal::GidNotMapped {
                id,
                map: ns.gid_map.map(str::to_owned),
            });
        }
    }
    let setgroups_refused = if ns.gid_map.is_none() {
        Some("no gid map is written (setgroups is refused until there is one)")
    } else if ns.deny_setgroups {
        Some("its gid map was written without privilege, which denies setgroups")
    } else {
        None
    };
    if let Some(why) = setgroups_refused {
        match stage2.groups {
            Groups::Set(_) => return Err(UsernsRefusal::GroupsRefused { why }),
            Groups::ClearOnIdChange => stage2.groups = Groups::Keep,
            Groups::Keep => {}
        }
    }
    if ns.after_exec && !ns.root_inside {
        let (euid, egid) = ns.launcher_ids;
        let start_uid = inside_of(&uid_ranges, euid);
        let start_gid = inside_of(&gid_ranges, egid);
        if stage2.uid.is_some_and(|id| Some(id) != start_uid) {
            return Err(UsernsRefusal::NoCapabilities { setting: "-u" });
        }
        if stage2.gid.is_some_and(|id| Some(id) != start_gid) {
            return Err(UsernsRefusal::NoCapabilities { setting: "-g" });
        }
        if stage2.caps.is_some() || stage2.capbset_keep.is_some() {
            return Err(UsernsRefusal::NoCapabilities {
                setting: "a capability setting (-c, --capbset)",
            });
        }
    }
    Ok(())
}

fn ranges(map: Option<&str>) -> Vec<IdRange> {
    map.and_then(|text| idmap::parse("id map", &text.trim_end().replace('\n', ",")).ok())
        .unwrap_or_default()
}

fn maps_inside(ranges: &[IdRange], id: u32) -> bool {
    ranges
        .iter()
        .any(|r| id >= r.inside && u64::from(id) < u64::from(r.inside) + u64::from(r.count))
}

/// The id inside the namespace that `outside` appears as, if mapped.
fn inside_of(ranges: &[IdRange], outside: u32) -> Option<u32> {
    ranges.iter().find_map(|r| {
        let offset = outside.checked_sub(r.outside)?;
        (offset < r.count).then(|| r.inside + offset)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns<'a>(uid_map: Option<&'a str>, gid_map: Option<&'a str>, deny: bool) -> Namespace<'a> {
        Namespace {
            uid_map,
            gid_map,
            deny_setgroups: deny,
            root_inside: uid_map.is_some_and(idmap::maps_inside_zero)
                && gid_map.is_some_and(idmap::maps_inside_zero),
            after_exec: true,
            launcher_ids: (1000, 1000),
        }
    }

    #[test]
    fn unmapped_ids_are_refused() {
        let mut s = Stage2 {
            uid: Some(65534),
            ..Stage2::default()
        };
        let e = check(&mut s, &ns(Some("0 1000 1\n"), Some("0 1000 1\n"), true)).unwrap_err();
        assert!(
            matches!(e, UsernsRefusal::UidNotMapped { id: 65534, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("map '0 1000 1'"), "{e}");
        let mut s = Stage2 {
            gid: Some(5),
            ..Stage2::default()
        };
        let e = check(&mut s, &ns(None, None, false)).unwrap_err();
        assert!(e.to_string().contains("no map is written"), "{e}");
    }

    #[test]
    fn setgroups_is_skipped_or_refused_where_denied() {
        let mut s = Stage2 {
            uid: Some(0),
            groups: Groups::ClearOnIdChange,
            ..Stage2::default()
        };
        check(&mut s, &ns(Some("0 1000 1\n"), Some("0 1000 1\n"), true)).unwrap();
        assert_eq!(s.groups, Groups::Keep);
        let mut s = Stage2 {
            groups: Groups::Set(vec![0]),
            ..Stage2::default()
        };
        let e = check(&mut s, &ns(Some("0 1000 1\n"), Some("0 1000 1\n"), true)).unwrap_err();
        assert!(matches!(e, UsernsRefusal::GroupsRefused { .. }), "{e}");
    }

    #[test]
    fn without_root_inside_nothing_needing_capabilities_passes() {
        let mut s = Stage2 {
            caps: Some(jail_enter::Caps::default()),
            ..Stage2::default()
        };
        let e = check(&mut s, &ns(None, None, false)).unwrap_err();
        assert!(matches!(e, UsernsRefusal::NoCapabilities { .. }), "{e}");
        // The same uid it starts with needs nothing.
        let mut s = Stage2 {
            uid: Some(5),
            ..Stage2::default()
        };
        check(&mut s, &ns(Some("5 1000 1\n"), None, false)).unwrap();
        // Root inside holds every capability there.
        let mut s = Stage2 {
            caps: Some(jail_enter::Caps::default()),
            ..Stage2::default()
        };
        check(&mut s, &ns(Some("0 1000 1\n"), Some("0 1000 1\n"), true)).unwrap();
    }
}
