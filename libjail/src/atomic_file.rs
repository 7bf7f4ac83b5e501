//! Files the launcher writes for others to read (the pid file, minijail0
//! `--gen-config` output): written whole under a temporary name in the
//! same directory, then renamed into place, so a reader never
//! sees a partial file and a failure (a full disk) leaves nothing behind.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// What to do when the file already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (a pid file).
    Replace,
    /// Fail with `AlreadyExists` and leave it alone (`--gen-config`).
    Keep,
}

/// A temporary name next to `path`, unique to this process and call.
fn temporary_name(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Write `bytes` as the file `path` (mode 0644 before the umask), all or
/// nothing. With [`Existing::Replace`], a path that is already something
/// other than a regular file (a FIFO, a symlink such as /dev/stdout) is
/// written into, as before, not replaced.
pub fn write(path: &Path, bytes: &[u8], existing: Existing) -> std::io::Result<()> {
    let in_place = existing == Existing::Replace
        && std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file());
    if in_place {
        return std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes));
    }
    let tmp = temporary_name(path);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)?;
        // No fsync: a full disk shows at write (file systems reserve the
        // blocks then), and this is about readers, not crashes.
        file.write_all(bytes)?;
        drop(file);
        match existing {
            Existing::Replace => std::fs::rename(&tmp, path),
            // link(2) never replaces: the atomic "create if absent".
            Existing::Keep => {
                std::fs::hard_link(&tmp, path).and_then(|()| std::fs::remove_file(&tmp))
            }
        }
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_or_keeps_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("jail-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pid");
        write(&f, b"1\n", Existing::Replace).unwrap();
        write(&f, b"2\n", Existing::Replace).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"2\n");
        let e = write(&f, b"3\n", Existing::Keep).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&f).unwrap(), b"2\n");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["pid"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
