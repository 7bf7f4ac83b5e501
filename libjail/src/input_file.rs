//! Reading the files a jail is configured from (seccomp policies and their
//! `@include`/`@frequency` files, minijail0 config files, compiled BPF):
//! regular files only, and no larger than [`MAX_BYTES`]. `/dev/zero`,
//! `/dev/urandom` or a FIFO would otherwise be read forever (or block the
//! launcher until someone writes).

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::log::Escaped;

/// The largest configuration file read: far above any real policy or
/// config file (upstream's largest policies are a few KiB).
pub const MAX_BYTES: u64 = 1 << 20;

/// Why a configuration file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    /// Opening or reading the file failed.
    #[error("cannot read '{}': {source}", Escaped(.path))]
    Io {
        /// The file as named.
        path: String,
        /// The error of open or read.
        source: std::io::Error,
    },
    /// The path names something other than a regular file.
    #[error("cannot read '{}': {}", Escaped(.path), self.reason())]
    NotRegular {
        /// The file as named.
        path: String,
        /// What it is instead ("a directory", "a FIFO").
        kind: &'static str,
    },
    /// The file is larger than [`MAX_BYTES`].
    #[error("cannot read '{}': {}", Escaped(.path), self.reason())]
    TooLarge {
        /// The file as named.
        path: String,
        /// The limit it is above, in bytes.
        max: u64,
    },
}

impl InputFileError {
    /// Why the file was refused, without its name.
    fn reason(&self) -> String {
        match self {
            InputFileError::Io { source, .. } => source.to_string(),
            InputFileError::NotRegular { kind, .. } => {
                format!("it is {kind}, not a regular file: give the path of a regular file")
            }
            InputFileError::TooLarge { max, .. } => {
                format!("it is larger than {max} bytes, the limit for configuration files")
            }
        }
    }
}

/// For readers whose errors already name the file: the reason alone.
impl From<InputFileError> for std::io::Error {
    fn from(e: InputFileError) -> std::io::Error {
        match e {
            InputFileError::Io { source, .. } => source,
            other => std::io::Error::new(std::io::ErrorKind::InvalidInput, other.reason()),
        }
    }
}

fn kind_name(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// The bytes of the regular file at `path`, at most [`MAX_BYTES`].
pub fn read(path: &Path) -> Result<Vec<u8>, InputFileError> {
    let name = || path.to_string_lossy().into_owned();
    let io = |source| InputFileError::Io {
        path: name(),
        source,
    };
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
    // writer. The type is checked on the open file, so it cannot change
    // between the check and the read.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.file_type().is_file() {
        return Err(InputFileError::NotRegular {
            path: name(),
            kind: kind_name(meta.file_type()),
        });
    }
    let too_large = || InputFileError::TooLarge {
        path: name(),
        max: MAX_BYTES,
    };
    if meta.len() > MAX_BYTES {
        return Err(too_large());
    }
    // A file that grows while read is still cut at the cap.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub fn read_to_string(path: &Path) -> Result<String, InputFileError> {
    String::from_utf8(read(path)?).map_err(|_| InputFileError::Io {
        path: path.to_string_lossy().into_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ),
    })
}

/// At most [`MAX_BYTES`] from an open stream (`what` names it in the
/// error), for callers that hand over a file descriptor.
pub fn read_stream(mut stream: impl Read, what: &str) -> Result<Vec<u8>, InputFileError> {
    let mut bytes = Vec::new();
    (&mut stream)
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputFileError::Io {
            path: what.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(InputFileError::TooLarge {
            path: what.to_owned(),
            max: MAX_BYTES,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_and_devices_refused() {
        let dir = std::env::temp_dir().join(format!("jail-input-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = dir.join("small");
        std::fs::write(&small, "read_exit: 1\n").unwrap();
        assert_eq!(read_to_string(&small).unwrap(), "read_exit: 1\n");
        let big = dir.join("big");
        std::fs::write(&big, vec![b'#'; MAX_BYTES as usize + 1]).unwrap();
        let e = read(&big).unwrap_err().to_string();
        assert!(e.contains("larger than 1048576 bytes"), "{e}");
        let e = read(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(e, "cannot read '/dev/zero': it is a character device, not a regular file: give the path of a regular file");
        let e = read(&dir).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let e = read_stream(std::io::repeat(0), "fd 5")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read 'fd 5': it is larger than"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
