//! Planning the mounts before fork: every path as a C string, bind
//! attributes computed, and every destination checked the way the child
//! will resolve it (inside the new root, never through a symlink), so a
//! bad mount is an error before anything runs.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use super::error::LaunchError;
use crate::config::{Jail, MountSpec};
use crate::sys::{self, MountAttr};

/// One prepared mount. `dest` is relative to the jail's root.
#[derive(Debug)]
pub struct MountOp {
    /// The host path of a bind, or the source string of a filesystem.
    pub source: CString,
    pub dest: CString,
    /// None for a bind.
    pub fstype: Option<CString>,
    /// mount(2) flags of a filesystem mount.
    pub flags: libc::c_ulong,
    pub data: Option<CString>,
    /// Attributes a bind gets (read-only, nosuid, ...), set on the whole
    /// tree before it is attached.
    pub bind_attr: MountAttr,
    /// The destination is inside the minimal /dev: mounted after it, and
    /// created there first.
    pub in_dev: bool,
    /// What to create inside the new /dev, relative to it: (path, is_dir).
    pub create_in_dev: Vec<(CString, bool)>,
    /// The destination is the root itself: the child reopens its handle
    /// on the root after this mount.
    pub on_root: bool,
    /// A bind takes the mounts beneath its source too (`MS_REC`).
    pub recursive: bool,
    /// What to create inside the root when the destination is missing,
    /// outermost first, as upstream does.
    pub create: Vec<CreateStep>,
}

/// One directory or file to create on the way to a mount destination:
/// `name` in the directory `parent` (both relative to the root).
#[derive(Debug)]
pub struct CreateStep {
    pub parent: CString,
    pub name: CString,
    pub is_dir: bool,
}

/// Whether upstream would make a directory (not a file) as the mount
/// point of `m`: for a bind, when the source is a directory; for another
/// mount, unless the source is an absolute path to something other than a
/// directory or device.
fn mount_point_is_dir(m: &MountSpec) -> bool {
    use std::os::unix::fs::FileTypeExt;
    if !m.source.is_absolute() {
        return true;
    }
    let Ok(md) = std::fs::metadata(&m.source) else {
        return true;
    };
    let ft = md.file_type();
    ft.is_dir() || (!m.is_bind() && (ft.is_block_device() || ft.is_char_device()))
}

/// The steps that create `dest` (relative to the root) if missing.
fn create_steps(m: &MountSpec) -> Result<Vec<CreateStep>, LaunchError> {
    let rel = relative(&m.dest);
    let parts: Vec<_> = rel
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    let mut parent = PathBuf::from(".");
    let mut steps = Vec::with_capacity(parts.len());
    for (n, part) in parts.iter().enumerate() {
        let last = n + 1 == parts.len();
        steps.push(CreateStep {
            // "/." so that a symlink on the way is followed (inside the
            // root), as for any directory above the destination.
            parent: cstring("mount destination", &parent.join("."))?,
            name: cstring("mount destination", Path::new(part.as_os_str()))?,
            is_dir: !last || mount_point_is_dir(m),
        });
        parent.push(part);
    }
    Ok(steps)
}

/// Names in the new /dev that are symlinks: no mount may go through them.
pub const DEV_LINK_NAMES: [&str; 5] = ["ptmx", "fd", "stdin", "stdout", "stderr"];

fn cstring(what: &'static str, p: &Path) -> Result<CString, LaunchError> {
    text_cstring(what, p.as_os_str().as_bytes())
}

fn text_cstring(what: &'static str, bytes: &[u8]) -> Result<CString, LaunchError> {
    CString::new(bytes).map_err(|_| LaunchError::NulByte {
        what,
        value: String::from_utf8_lossy(bytes).into_owned(),
    })
}

/// `/a/b` as `a/b` (`.` for `/`), for resolution relative to a root fd.
pub fn relative(dest: &Path) -> PathBuf {
    let rel: PathBuf = dest
        .components()
        .filter(|c| matches!(c, Component::Normal(_) | Component::ParentDir))
        .collect();
    if rel.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        rel
    }
}

/// Open `dir` as a directory handle, or explain.
fn open_dir(what: &'static str, dir: &Path) -> Result<libc::c_int, LaunchError> {
    let c = cstring(what, dir)?;
    sys::open_path(&c, libc::O_DIRECTORY).map_err(|e| {
        LaunchError::path(
            what,
            dir,
            format!(
                "{}; it must be an existing directory",
                std::io::Error::from_raw_os_error(e)
            ),
        )
    })
}

/// Resolve `rel` beneath the directory `base` as the child will
/// (RESOLVE_IN_ROOT, final symlink not followed); Ok(file type).
fn resolve_in(base: &Path, rel: &Path) -> Result<Result<libc::mode_t, i32>, LaunchError> {
    let dir = open_dir("directory", base)?;
    let rel_c = cstring("path", rel)?;
    let r = sys::open_in_root(dir, &rel_c, libc::O_PATH);
    sys::close(dir);
    Ok(r.map(|fd| {
        let kind = sys::file_type(fd).unwrap_or(0);
        sys::close(fd);
        kind
    }))
}

/// Where a destination lands once the earlier mounts are made: the
/// directory to resolve it in and the rest of the path; None when it lies
/// on a filesystem whose content is unknown before it is mounted.
fn landing<'a>(
    root: &'a Path,
    earlier: &'a [MountSpec],
    dest: &Path,
) -> Option<(&'a Path, PathBuf)> {
    let rel = relative(dest);
    for m in earlier.iter().rev() {
        let on = relative(&m.dest);
        let rest = if on == Path::new(".") {
            Some(rel.clone())
        } else {
            rel.strip_prefix(&on).ok().map(Path::to_path_buf)
        };
        if let Some(rest) = rest {
            if !m.is_bind() {
                return None;
            }
            let rest = if rest.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                rest
            };
            return Some((m.source.as_path(), rest));
        }
    }
    Some((root, rel))
}

/// Check that `dest` will exist inside the root and not be a symlink.
fn check_dest(
    what: &'static str,
    root: &Path,
    earlier: &[MountSpec],
    dest: &Path,
    create: bool,
) -> Result<(), LaunchError> {
    let Some((base, rest)) = landing(root, earlier, dest) else {
        return Ok(());
    };
    match resolve_in(base, &rest)? {
        Ok(libc::S_IFLNK) => Err(LaunchError::path(
            what,
            dest,
            "is a symlink; mount destinations must not be symlinks (they could point out of the jail): mount on the real path",
        )),
        Ok(_) => Ok(()),
        // Created inside the root when the mount is made.
        Err(libc::ENOENT) if create => Ok(()),
        Err(e) => {
            let todo = match e {
                libc::ENOENT => "; create it there first",
                libc::ENOTDIR => "; every directory on the way must be a directory",
                libc::EACCES => "; this process may not search a directory on the way",
                libc::ELOOP => "; the path has too many symlinks",
                _ => "",
            };
            Err(LaunchError::path(
                what,
                dest,
                format!(
                    "cannot be resolved inside the root {}: {}{todo}",
                    root.display(),
                    std::io::Error::from_raw_os_error(e)
                ),
            ))
        }
    }
}

/// The path of `dest` inside /dev, when it is in the minimal /dev.
fn inside_dev(jail: &Jail, dest: &Path) -> Option<PathBuf> {
    if !jail.mount_dev {
        return None;
    }
    let rel = relative(dest);
    let inside = rel.strip_prefix("dev").ok()?;
    (!inside.as_os_str().is_empty()).then(|| inside.to_path_buf())
}

/// Prepare every mount of `jail` with `root` as the new root ("/" if none).
pub fn plan(jail: &Jail, root: &Path) -> Result<Vec<MountOp>, LaunchError> {
    let root_fd = open_dir("root directory", root)?;
    sys::close(root_fd);
    let ops = jail
        .mounts
        .iter()
        .enumerate()
        .map(|(i, m)| plan_mount(jail, root, &jail.mounts[..i], m))
        .collect::<Result<Vec<_>, _>>()?;
    check_fixed_mount_points(jail, root)?;
    Ok(ops)
}

/// One mount, checked and turned into what the child needs; `earlier`
/// are the mounts made before it.
fn plan_mount(
    jail: &Jail,
    root: &Path,
    earlier: &[MountSpec],
    m: &MountSpec,
) -> Result<MountOp, LaunchError> {
    check_mount_paths(m)?;
    let (in_dev, create_in_dev) = match inside_dev(jail, &m.dest) {
        Some(inside) => (true, dev_creation_steps(m, &inside)?),
        None => {
            check_dest("mount destination", root, earlier, &m.dest, true)?;
            (false, Vec::new())
        }
    };
    let bind_attr = if m.is_bind() {
        bind_attr(m.flags).ok_or_else(|| LaunchError::BindFlags {
            source_path: m.source.clone(),
            dest: m.dest.clone(),
            flags: m.flags,
        })?
    } else {
        MountAttr::default()
    };
    Ok(MountOp {
        source: cstring("mount source", &m.source)?,
        dest: cstring("mount destination", &relative(&m.dest))?,
        fstype: m
            .fstype
            .as_deref()
            .map(|t| text_cstring("filesystem type", t.as_bytes()))
            .transpose()?,
        flags: m.flags,
        data: m
            .data
            .as_deref()
            .map(|d| text_cstring("mount data", d.as_bytes()))
            .transpose()?,
        bind_attr,
        in_dev,
        create_in_dev,
        on_root: relative(&m.dest) == Path::new("."),
        recursive: m.flags & libc::MS_REC != 0,
        create: if in_dev { Vec::new() } else { create_steps(m)? },
    })
}

/// The destination is absolute; a bind's source is absolute and exists.
fn check_mount_paths(m: &MountSpec) -> Result<(), LaunchError> {
    if !m.dest.is_absolute() {
        return Err(LaunchError::path(
            "mount destination",
            &m.dest,
            "must be an absolute path (inside the jail's root)",
        ));
    }
    if !m.is_bind() {
        return Ok(());
    }
    if !m.source.is_absolute() {
        return Err(LaunchError::path(
            "bind mount source",
            &m.source,
            "must be an absolute path",
        ));
    }
    if !m.source.exists() {
        return Err(LaunchError::path(
            "bind mount source",
            &m.source,
            "does not exist; check the path",
        ));
    }
    Ok(())
}

/// The paths to create inside the minimal /dev for a mount on `inside`
/// (its destination relative to /dev), each with whether it is a
/// directory; a destination through one of its symlinks is refused.
fn dev_creation_steps(m: &MountSpec, inside: &Path) -> Result<Vec<(CString, bool)>, LaunchError> {
    let parts: Vec<_> = inside.components().collect();
    if let Some(Component::Normal(first)) = parts.first() {
        if DEV_LINK_NAMES
            .iter()
            .any(|n| first.as_bytes() == n.as_bytes())
        {
            return Err(LaunchError::path(
                "mount destination",
                &m.dest,
                "is (or is under) a symlink of the minimal /dev; mount destinations must not be symlinks",
            ));
        }
    }
    let mut steps = Vec::new();
    let mut path = PathBuf::new();
    for (n, part) in parts.iter().enumerate() {
        path.push(part);
        let last = n + 1 == parts.len();
        let is_dir = !last || mount_point_is_dir(m);
        steps.push((cstring("mount destination", &path)?, is_dir));
    }
    Ok(steps)
}

/// /dev, /tmp and /proc, where the jail mounts its own, can be reached
/// inside the root past every mount made outside the minimal /dev.
fn check_fixed_mount_points(jail: &Jail, root: &Path) -> Result<(), LaunchError> {
    let non_dev: Vec<MountSpec> = jail
        .mounts
        .iter()
        .filter(|m| inside_dev(jail, &m.dest).is_none())
        .cloned()
        .collect();
    for (wanted, what, dest) in [
        (jail.mount_dev, "/dev for the minimal /dev (-d)", "/dev"),
        (jail.mount_tmp.is_some(), "/tmp for the tmpfs (-t)", "/tmp"),
        (
            jail.proc_mount().is_some(),
            "/proc for the new /proc",
            "/proc",
        ),
    ] {
        if wanted {
            check_dest(what, root, &non_dev, Path::new(dest), false)?;
        }
    }
    Ok(())
}

/// How paths inside the jail map to the host before fork: the new root
/// and the binds (for finding the program and its interpreter).
/// Where the jail mounts something other than a bind (tmpfs, proc, a new
/// /dev, any filesystem): what lies beneath is not on the host to look at
/// before fork.
pub fn fresh_mount_points(jail: &Jail) -> Vec<PathBuf> {
    let mut points: Vec<PathBuf> = jail
        .mounts
        .iter()
        .filter(|m| !m.is_bind())
        .map(|m| Path::new("/").join(relative(&m.dest)))
        .collect();
    if jail.mount_dev {
        points.push("/dev".into());
    }
    if jail.mount_tmp.is_some() {
        points.push("/tmp".into());
    }
    if jail.proc_mount().is_some() {
        points.push("/proc".into());
    }
    points
}

pub fn host_view(jail: &Jail, root: Option<&Path>) -> crate::program::HostView {
    let binds = jail
        .mounts
        .iter()
        .filter(|m| m.is_bind())
        .map(|m| (Path::new("/").join(relative(&m.dest)), m.source.clone()))
        .collect();
    crate::program::HostView::new(root, binds)
}

/// The mount_setattr attributes for a bind's MS_* flags; None when a flag
/// has no attribute equivalent.
pub fn bind_attr(flags: libc::c_ulong) -> Option<MountAttr> {
    use sys::mnt::*;
    let mut attr = MountAttr::default();
    let mut rest = flags & !(libc::MS_BIND | libc::MS_REC);
    for (ms, a) in [
        (libc::MS_RDONLY, ATTR_RDONLY),
        (libc::MS_NOSUID, ATTR_NOSUID),
        (libc::MS_NODEV, ATTR_NODEV),
        (libc::MS_NOEXEC, ATTR_NOEXEC),
        (libc::MS_NODIRATIME, ATTR_NODIRATIME),
        (libc::MS_NOSYMFOLLOW, ATTR_NOSYMFOLLOW),
    ] {
        if rest & ms != 0 {
            attr.attr_set |= a;
            rest &= !ms;
        }
    }
    for (ms, a) in [
        (libc::MS_NOATIME, ATTR_NOATIME),
        (libc::MS_STRICTATIME, ATTR_STRICTATIME),
        (libc::MS_RELATIME, 0),
    ] {
        if rest & ms != 0 {
            attr.attr_set |= a;
            attr.attr_clr |= ATTR_ATIME_MASK;
            rest &= !ms;
        }
    }
    (rest == 0).then_some(attr)
}
