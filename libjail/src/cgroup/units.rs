//! The values resource limits take, typed and parsed once for every face:
//! sizes (`512M`, `2G`), CPU amounts (`0.5`, `50%` of the online CPUs).

use std::fmt;
use std::str::FromStr;

/// A number of bytes. Parses `4096`, `512K`, `512M`, `2G`, `1T` (powers of
/// 1024; a trailing `B` or `iB` is accepted: `512MiB`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// `n` bytes.
    pub const fn bytes(n: u64) -> ByteSize {
        ByteSize(n)
    }

    /// `n` MiB.
    pub const fn mib(n: u64) -> ByteSize {
        ByteSize(n << 20)
    }

    /// The number of bytes.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u32); 4] = [("T", 40), ("G", 30), ("M", 20), ("K", 10)];
        for (unit, shift) in UNITS {
            if self.0 >= 1 << shift && self.0.is_multiple_of(1 << shift) {
                return write!(f, "{}{unit}", self.0 >> shift);
            }
        }
        write!(f, "{}", self.0)
    }
}

/// Why a size or CPU amount did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not {expected}")]
pub struct ValueError {
    /// The text as given.
    pub text: String,
    /// What was expected, with an example.
    pub expected: &'static str,
}

const SIZE_EXPECTED: &str =
    "a size: a number of bytes, optionally with K, M, G or T (e.g. 512M, 2G)";

impl FromStr for ByteSize {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<ByteSize, ValueError> {
        let bad = || ValueError {
            text: text.to_owned(),
            expected: SIZE_EXPECTED,
        };
        let t = text.trim();
        let t = t
            .strip_suffix("iB")
            .or_else(|| t.strip_suffix('B'))
            .unwrap_or(t);
        let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let shift = match &t[digits.len()..] {
            "" => 0,
            "k" | "K" => 10,
            "m" | "M" => 20,
            "g" | "G" => 30,
            "t" | "T" => 40,
            _ => return Err(bad()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        n.checked_mul(1 << shift).map(ByteSize).ok_or_else(bad)
    }
}

/// An amount of CPU time per unit of wall time, in CPUs: 0.5 is half of one
/// CPU, 2.0 two whole CPUs. Parses `0.5`, `2`, or `50%` (of the CPUs online
/// now: 50% on a 4-CPU machine is 2.0).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Cpus(f64);

/// The smallest share the kernel accepts: cpu.max takes a quota of at least
/// 1 ms per 100 ms period.
const MIN_CPUS: f64 = 0.01;

// Cpus is never NaN (Cpus::new refuses it), so equality is total.
impl Eq for Cpus {}

impl Cpus {
    /// `n` CPUs; None unless `n` is finite and at least 0.01.
    pub fn new(n: f64) -> Option<Cpus> {
        (n.is_finite() && n >= MIN_CPUS).then_some(Cpus(n))
    }

    /// The number of CPUs.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The CFS quota for `period_us`: what cpu.max and cpu.cfs_quota_us take.
    pub fn quota_us(self, period_us: u64) -> u64 {
        (self.0 * period_us as f64).round() as u64
    }
}

impl fmt::Display for Cpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

const CPUS_EXPECTED: &str =
    "a CPU amount: a number of CPUs of at least 0.01 (e.g. 0.5, 2) or a percentage of the online CPUs (e.g. 50%)";

impl FromStr for Cpus {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Cpus, ValueError> {
        let bad = || ValueError {
            text: text.to_owned(),
            expected: CPUS_EXPECTED,
        };
        let t = text.trim();
        let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !s.is_empty();
        let n = match t.strip_suffix('%') {
            Some(pct) if plain(pct) => {
                let pct: f64 = pct.parse().map_err(|_| bad())?;
                pct / 100.0 * online_cpus() as f64
            }
            Some(_) => return Err(bad()),
            None if plain(t) => t.parse().map_err(|_| bad())?,
            None => return Err(bad()),
        };
        Cpus::new(n).ok_or_else(bad)
    }
}

/// The CPUs online now (at least 1).
pub fn online_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Parse a whole number of seconds or a decimal (`1.5`) as a duration.
pub fn parse_seconds(text: &str) -> Result<std::time::Duration, ValueError> {
    let bad = || ValueError {
        text: text.to_owned(),
        expected: "a time in seconds greater than 0 (e.g. 10, 0.5)",
    };
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad());
    }
    let secs: f64 = t.parse().map_err(|_| bad())?;
    if !(secs > 0.0 && secs < 1e9) {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!("4096".parse(), Ok(ByteSize(4096)));
        assert_eq!("512K".parse(), Ok(ByteSize(512 << 10)));
        assert_eq!("512M".parse(), Ok(ByteSize(512 << 20)));
        assert_eq!("2G".parse(), Ok(ByteSize(2 << 30)));
        assert_eq!("2GiB".parse(), Ok(ByteSize(2 << 30)));
        assert_eq!("1t".parse(), Ok(ByteSize(1 << 40)));
        for bad in [
            "",
            "M",
            "12X",
            "-1M",
            "1.5G",
            "99999999999999999999",
            "20000000T",
        ] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
        assert_eq!(ByteSize::mib(64).to_string(), "64M");
        assert_eq!(ByteSize(1000).to_string(), "1000");
    }

    #[test]
    fn cpus_parse_as_numbers_and_percentages() {
        assert_eq!("0.5".parse::<Cpus>().unwrap().get(), 0.5);
        assert_eq!("2".parse::<Cpus>().unwrap().get(), 2.0);
        let half = "50%".parse::<Cpus>().unwrap().get();
        assert_eq!(half, online_cpus() as f64 / 2.0);
        for bad in ["", "0", "0.001", "-1", "abc", "%", "1e3", "inf", "NaN"] {
            assert!(bad.parse::<Cpus>().is_err(), "{bad}");
        }
        assert_eq!(Cpus::new(0.2).unwrap().quota_us(100_000), 20_000);
    }

    #[test]
    fn seconds_parse() {
        assert_eq!(parse_seconds("10").unwrap().as_secs(), 10);
        assert_eq!(parse_seconds("0.5").unwrap().as_millis(), 500);
        for bad in ["", "0", "-1", "x", "1s"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
