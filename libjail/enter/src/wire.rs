//! The handoff wire format: `MAGIC`, format version (u32 LE), payload length
//! (u32 LE), then the bincode payload of a [`Stage2`].
//!
//! The decoder is strict because its input crosses a trust boundary into the
//! jailed process: a wrong magic or version, a length over [`MAX_PAYLOAD`], a
//! short read, trailing bytes or a payload that does not decode are all
//! refused, and the preload then refuses to run the program.

use std::fmt;
use std::io::Read;

use crate::config::Stage2;

/// The environment variable naming the inherited read end of the handoff pipe.
pub const HANDOFF_FD_ENV: &str = "__JAIL_HANDOFF_FD";

/// How the LD_PRELOAD entry starts when the launcher hands the preload
/// library over as an inherited fd (its path holds a space or a colon,
/// which the loader would split at); the preload closes that fd.
pub const PRELOAD_FD_PREFIX: &str = "/proc/self/fd/";
/// First bytes of every handoff.
pub const MAGIC: [u8; 8] = *b"JAILCFG\x01";
/// Bumped whenever [`Stage2`] changes shape; parent and preload must agree.
pub const VERSION: u32 = 2;
/// The largest payload accepted: a 4096-instruction BPF program is 32 KiB,
/// so 4 MiB leaves room for Landlock rules without letting a bad length
/// make the preload allocate without bound.
pub const MAX_PAYLOAD: u32 = 4 << 20;
/// Size of the fixed header.
pub const HEADER_LEN: usize = 16;

/// Why a handoff was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum WireError {
    /// The read failed (errno).
    Read(i32),
    /// End of input before the header or payload was complete.
    Truncated {
        /// The bytes the header or payload needed.
        expected: usize,
        /// The bytes there were.
        got: usize,
    },
    /// The input does not start with [`MAGIC`]: not a handoff.
    BadMagic,
    /// A format version other than [`VERSION`]: launcher and preload
    /// were built from different sources.
    BadVersion(u32),
    /// The header announces a payload above [`MAX_PAYLOAD`].
    TooLong(u32),
    /// Bytes after the payload.
    TrailingBytes,
    /// The payload is not a valid encoded config.
    Decode(String),
    /// Encoding failed (parent side).
    Encode(String),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Read(errno) => write!(
                f,
                "reading the handoff failed: {}",
                std::io::Error::from_raw_os_error(*errno)
            ),
            WireError::Truncated { expected, got } => write!(
                f,
                "handoff truncated: expected {expected} bytes, got {got}"
            ),
            WireError::BadMagic => write!(f, "handoff has a wrong magic (not sent by this jail)"),
            WireError::BadVersion(v) => write!(
                f,
                "handoff format version {v}, this preload reads version {VERSION}: use the preload library built with the launcher"
            ),
            WireError::TooLong(n) => write!(
                f,
                "handoff payload length {n} is over the {MAX_PAYLOAD}-byte limit"
            ),
            WireError::TrailingBytes => write!(f, "handoff has bytes after its payload"),
            WireError::Decode(e) => write!(f, "handoff payload does not decode: {e}"),
            WireError::Encode(e) => write!(f, "encoding the handoff failed: {e}"),
        }
    }
}

impl std::error::Error for WireError {}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ MAX_PAYLOAD as usize }>()
}

/// Frame `stage2` for the pipe.
pub fn encode(stage2: &Stage2) -> Result<Vec<u8>, WireError> {
    let payload = bincode::serde::encode_to_vec(stage2, bincode_config())
        .map_err(|e| WireError::Encode(e.to_string()))?;
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&n| n <= MAX_PAYLOAD)
        .ok_or(WireError::TooLong(
            payload.len().min(u32::MAX as usize) as u32
        ))?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Read exactly `buf.len()` bytes, retrying on EINTR.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> Result<(), WireError> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => {
                return Err(WireError::Truncated {
                    expected: buf.len(),
                    got,
                })
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(WireError::Read(e.raw_os_error().unwrap_or(0))),
        }
    }
    Ok(())
}

/// Read one framed [`Stage2`] from `input`, which must then be at its end.
pub fn decode(input: &mut impl Read) -> Result<Stage2, WireError> {
    let mut header = [0u8; HEADER_LEN];
    read_full(input, &mut header)?;
    if header[..8] != MAGIC {
        return Err(WireError::BadMagic);
    }
    let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(WireError::BadVersion(version));
    }
    let len = u32::from_le_bytes(header[12..16].try_into().expect("4 bytes"));
    if len > MAX_PAYLOAD {
        return Err(WireError::TooLong(len));
    }
    let mut payload = vec![0u8; len as usize];
    read_full(input, &mut payload)?;
    let mut extra = [0u8; 1];
    loop {
        match input.read(&mut extra) {
            Ok(0) => break,
            Ok(_) => return Err(WireError::TrailingBytes),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(WireError::Read(e.raw_os_error().unwrap_or(0))),
        }
    }
    let (stage2, used) = bincode::serde::decode_from_slice::<Stage2, _>(&payload, bincode_config())
        .map_err(|e| WireError::Decode(e.to_string()))?;
    if used != payload.len() {
        return Err(WireError::TrailingBytes);
    }
    Ok(stage2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Caps, Groups, Seccomp, SockFilter};

    fn sample() -> Stage2 {
        Stage2 {
            groups: Groups::Set(vec![1, 2, 3]),
            gid: Some(65534),
            uid: Some(65534),
            caps: Some(Caps {
                mask: 1 << 10,
                ambient: true,
                ..Caps::default()
            }),
            no_new_privs: true,
            seccomp: Some(Seccomp {
                program: vec![SockFilter {
                    code: 6,
                    jt: 0,
                    jf: 0,
                    k: 0x7fff_0000,
                }],
                tsync: true,
                allow_speculation: true,
                log_names: None,
            }),
            preload_entry: Some("/lib/libjailpreload.so".into()),
            ..Stage2::default()
        }
    }

    #[test]
    fn round_trip() {
        let bytes = encode(&sample()).unwrap();
        assert_eq!(decode(&mut bytes.as_slice()).unwrap(), sample());
    }

    #[test]
    fn refuses_bad_frames() {
        let good = encode(&sample()).unwrap();

        let mut bad = good.clone();
        bad[0] ^= 1;
        assert_eq!(decode(&mut bad.as_slice()), Err(WireError::BadMagic));

        let mut bad = good.clone();
        bad[8] = 99;
        assert_eq!(decode(&mut bad.as_slice()), Err(WireError::BadVersion(99)));

        let mut bad = good.clone();
        bad[12..16].copy_from_slice(&(MAX_PAYLOAD + 1).to_le_bytes());
        assert_eq!(
            decode(&mut bad.as_slice()),
            Err(WireError::TooLong(MAX_PAYLOAD + 1))
        );

        let short = &good[..good.len() - 1];
        assert!(matches!(
            decode(&mut &short[..]),
            Err(WireError::Truncated { .. })
        ));
        assert!(matches!(
            decode(&mut &good[..5]),
            Err(WireError::Truncated { .. })
        ));

        let mut long = good.clone();
        long.push(0);
        assert_eq!(decode(&mut long.as_slice()), Err(WireError::TrailingBytes));

        let mut garbage = good[..HEADER_LEN].to_vec();
        garbage.extend(std::iter::repeat_n(0xff, good.len() - HEADER_LEN));
        assert!(matches!(
            decode(&mut garbage.as_slice()),
            Err(WireError::Decode(_))
        ));
    }
}
