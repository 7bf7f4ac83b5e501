//! What the program to run is, checked before fork: it exists, is
//! executable, and whether the loader will honour LD_PRELOAD for it.
//!
//! A static binary has no loader, a setuid/setgid or file-capability binary
//! makes the loader ignore LD_PRELOAD, and a 32-bit binary cannot load a
//! 64-bit preload library: in each case the jail would silently not apply,
//! so they are refused in preload mode or sent to no-preload mode.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::log::Escaped;

/// Why a program cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// No file at the program's path.
    #[error("program '{}' does not exist: check the path (with a new root, a dynamic program starts from the caller's filesystem and a static one from inside the root)", Escaped(.0))]
    NotFound(PathBuf),
    /// A name without `/` that no directory of PATH holds.
    #[error("program '{}' is not found in PATH: give a full path", Escaped(.0))]
    NotInPath(String),
    /// The file has no execute bit.
    #[error("program '{}' is not an executable file: check its mode bits", Escaped(.0))]
    NotExecutable(PathBuf),
    /// The path names something other than a regular file (a directory,
    /// a device); the second field says what.
    #[error("program '{}' is {}, not a program: give the path of an executable file", Escaped(.0), .1)]
    NotAFile(PathBuf, &'static str),
    /// The program's first bytes (ELF header, `#!` line) could not be read.
    #[error("cannot read program '{}': {source}", Escaped(.path))]
    Read {
        /// The program's path on the host.
        path: PathBuf,
        /// The read's error.
        source: std::io::Error,
    },
}

/// How the dynamic loader will treat the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linkage {
    /// A dynamically linked ELF of the launcher's own class.
    Dynamic,
    /// No PT_INTERP: nothing will load the preload library.
    Static,
    /// An ELF of another class or machine: a preload built for this
    /// architecture would be skipped by its loader.
    ForeignElf,
    /// A `#!` script whose interpreter has this linkage.
    Script(PathBuf, Box<Linkage>),
    /// Neither ELF nor script (the kernel may still run it via binfmt_misc).
    Unknown,
}

impl Linkage {
    /// Whether LD_PRELOAD will reach the code that finally runs.
    pub fn loads_preload(&self) -> bool {
        match self {
            Linkage::Dynamic => true,
            Linkage::Script(_, inner) => inner.loads_preload(),
            _ => false,
        }
    }
}

/// The facts about a program that decide how it can be jailed.
#[derive(Debug, Clone)]
pub struct ProgramInfo {
    /// The path as it will be passed to execve (inside the jail's root).
    pub path: PathBuf,
    /// Whether the loader runs, and so whether LD_PRELOAD can reach it.
    pub linkage: Linkage,
    /// setuid/setgid bits or a security.capability xattr: the loader runs
    /// it in secure mode and ignores LD_PRELOAD.
    pub privileged: bool,
}

/// How a path inside the jail maps to the host before the jail exists:
/// the new root and the bind mounts that will be made in it, as upstream's
/// `minijail_get_original_path`, with symlinks followed inside the jail.
#[derive(Debug, Clone, Default)]
pub struct HostView {
    root: Option<PathBuf>,
    /// (destination inside the jail, host source), in mount order.
    binds: Vec<(PathBuf, PathBuf)>,
}

impl HostView {
    /// The host itself: no new root, no binds.
    pub fn host() -> HostView {
        HostView::default()
    }

    /// A jail with `root` (if any) and these binds (destination, source).
    pub fn new(root: Option<&Path>, binds: Vec<(PathBuf, PathBuf)>) -> HostView {
        HostView {
            root: root.map(Path::to_owned),
            binds,
        }
    }

    /// The host path of a lexically normal absolute jail path, through
    /// the latest bind that covers it.
    fn translate(&self, path: &Path) -> PathBuf {
        for (dest, source) in self.binds.iter().rev() {
            if let Ok(rest) = path.strip_prefix(dest) {
                return if rest.as_os_str().is_empty() {
                    source.clone()
                } else {
                    source.join(rest)
                };
            }
        }
        match &self.root {
            Some(root) => root.join(path.strip_prefix("/").unwrap_or(path)),
            None => path.to_owned(),
        }
    }

    /// Where `path` (as the jailed program will see it) is on the host:
    /// symlinks are followed as the jail will see them, inside its root.
    pub fn host_path(&self, path: &Path) -> PathBuf {
        use std::path::Component;
        if self.root.is_none() && self.binds.is_empty() {
            return path.to_owned();
        }
        let mut todo: Vec<PathBuf> = path
            .components()
            .rev()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(PathBuf::from(n)),
                Component::ParentDir => Some(PathBuf::from("..")),
                _ => None,
            })
            .collect();
        let mut done = PathBuf::from("/");
        let mut links = 0;
        while let Some(part) = todo.pop() {
            if part == Path::new("..") {
                done.pop();
                continue;
            }
            let next = done.join(&part);
            let host = self.translate(&next);
            match std::fs::read_link(&host) {
                Ok(target) if links < 40 => {
                    links += 1;
                    if target.is_absolute() {
                        done = PathBuf::from("/");
                    }
                    for c in target.components().rev() {
                        match c {
                            Component::Normal(n) => todo.push(PathBuf::from(n)),
                            Component::ParentDir => todo.push(PathBuf::from("..")),
                            _ => {}
                        }
                    }
                }
                _ => done = next,
            }
        }
        self.translate(&done)
    }
}

/// Find `program` as execvp would: a name without `/` is looked up in PATH.
pub fn resolve(program: &Path, root: &HostView) -> Result<PathBuf, ProgramError> {
    if program.as_os_str().as_bytes().contains(&b'/') {
        return Ok(program.to_owned());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if root.host_path(&candidate).is_file() {
            return Ok(candidate);
        }
    }
    Err(ProgramError::NotInPath(
        program.to_string_lossy().into_owned(),
    ))
}

/// Check the program and classify it. `root` is the jail's new root, if any.
pub fn inspect(path: &Path, root: &HostView) -> Result<ProgramInfo, ProgramError> {
    inspect_depth(path, root, 0)
}

fn inspect_depth(path: &Path, root: &HostView, depth: u32) -> Result<ProgramInfo, ProgramError> {
    let host = root.host_path(path);
    let meta = std::fs::metadata(&host).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ProgramError::NotFound(path.to_owned()),
        _ => ProgramError::Read {
            path: path.to_owned(),
            source: e,
        },
    })?;
    if meta.is_dir() {
        return Err(ProgramError::NotAFile(path.to_owned(), "a directory"));
    }
    if !meta.is_file() {
        return Err(ProgramError::NotAFile(
            path.to_owned(),
            "not a regular file",
        ));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(ProgramError::NotExecutable(path.to_owned()));
    }
    let privileged = meta.mode() & (libc::S_ISUID | libc::S_ISGID) != 0 || has_file_caps(&host);
    let mut head = [0u8; 4096];
    let n = File::open(&host)
        .and_then(|mut f| read_up_to(&mut f, &mut head))
        .map_err(|e| ProgramError::Read {
            path: path.to_owned(),
            source: e,
        })?;
    let head = &head[..n];
    let linkage = if head.starts_with(b"\x7fELF") {
        elf_linkage(&host, head)
    } else if head.starts_with(b"#!") && depth < 4 {
        match shebang_interpreter(head) {
            Some(interp) => {
                let inner = inspect_depth(&interp, root, depth + 1)?;
                Linkage::Script(interp, Box::new(inner.linkage))
            }
            None => Linkage::Unknown,
        }
    } else {
        Linkage::Unknown
    };
    Ok(ProgramInfo {
        path: path.to_owned(),
        linkage,
        privileged,
    })
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

fn shebang_interpreter(head: &[u8]) -> Option<PathBuf> {
    let line = head[2..].split(|&b| b == b'\n').next()?;
    let word = line
        .split(|&b| b == b' ' || b == b'\t')
        .find(|w| !w.is_empty())?;
    Some(PathBuf::from(OsStr::from_bytes(word)))
}

/// Classify an ELF by its header and program headers.
fn elf_linkage(host: &Path, head: &[u8]) -> Linkage {
    const PT_INTERP: u32 = 3;
    let native_class = if cfg!(target_pointer_width = "64") {
        2
    } else {
        1
    };
    if head.len() < 64 || head[4] != native_class || head[5] != 1 {
        return Linkage::ForeignElf;
    }
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let machine = u16_at(head, 18);
    let native_machine: u16 = if cfg!(target_arch = "x86_64") {
        62
    } else if cfg!(target_arch = "aarch64") {
        183
    } else {
        machine
    };
    if machine != native_machine {
        return Linkage::ForeignElf;
    }
    let phoff = u64_at(head, 32) as usize;
    let phentsize = u16_at(head, 54) as usize;
    let phnum = u16_at(head, 56) as usize;
    let table_len = phentsize.saturating_mul(phnum);
    // Program headers normally follow the ELF header; read them if not.
    let table: Vec<u8> = if phoff + table_len <= head.len() {
        head[phoff..phoff + table_len].to_vec()
    } else {
        use std::io::{Seek, SeekFrom};
        let mut buf = vec![0u8; table_len.min(1 << 16)];
        let ok = File::open(host)
            .and_then(|mut f| {
                f.seek(SeekFrom::Start(phoff as u64))?;
                f.read_exact(&mut buf)
            })
            .is_ok();
        if !ok {
            return Linkage::Unknown;
        }
        buf
    };
    let has_interp = (0..phnum)
        .map(|i| i * phentsize)
        .filter(|&o| o + 4 <= table.len())
        .any(|o| u32_at(&table, o) == PT_INTERP);
    if has_interp {
        Linkage::Dynamic
    } else {
        Linkage::Static
    }
}

fn has_file_caps(path: &Path) -> bool {
    let Ok(cpath) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    crate::sys::has_xattr(&cpath, c"security.capability")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_system_programs() {
        let sh = inspect(Path::new("/bin/sh"), &HostView::host()).unwrap();
        assert!(sh.linkage.loads_preload(), "{:?}", sh.linkage);
        assert!(matches!(
            inspect(Path::new("/nonexistent/x"), &HostView::host()),
            Err(ProgramError::NotFound(_))
        ));
        assert!(matches!(
            inspect(Path::new("/etc/passwd"), &HostView::host()),
            Err(ProgramError::NotExecutable(_))
        ));
        let e = inspect(Path::new("/tmp"), &HostView::host()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "program '/tmp' is a directory, not a program: give the path of an executable file"
        );
    }

    #[test]
    fn resolves_names_in_path() {
        let p = resolve(Path::new("sh"), &HostView::host()).unwrap();
        assert!(p.is_absolute());
    }
}
