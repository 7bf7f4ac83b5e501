//! uid_map/gid_map text for a new user namespace: parsing, validation, and
//! the default for an unprivileged caller (its own ids mapped to root).

use crate::config::Jail;

/// A malformed uid or gid map; `which` is "uid map" or "gid map".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdMapError {
    /// A range that is not three numbers with a count above 0.
    #[error("{which} '{range}' is not 'inside outside count' with a count above 0 (ranges are separated by commas, e.g. '0 1000 1,1 100000 1000')")]
    Syntax {
        /// Which map.
        which: String,
        /// The range's text.
        range: String,
    },
    /// A range that runs past the largest id.
    #[error("{which} range '{} {} {}' runs past the largest id", .range.inside, .range.outside, .range.count)]
    PastLargestId {
        /// Which map.
        which: String,
        /// The range.
        range: IdRange,
    },
    /// Two ranges that overlap inside or outside.
    #[error("{which} ranges '{} {} {}' and '{} {} {}' overlap", .first.inside, .first.outside, .first.count, .second.inside, .second.outside, .second.count)]
    Overlap {
        /// Which map.
        which: String,
        /// The earlier range.
        first: IdRange,
        /// The later one.
        second: IdRange,
    },
}

/// One `inside outside count` range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdRange {
    /// The first id of the range as the jail sees it.
    pub inside: u32,
    /// The id it maps to in the parent user namespace.
    pub outside: u32,
    /// How many consecutive ids the range covers.
    pub count: u32,
}

/// Parse `inside outside count[,inside outside count...]` (the minijail0
/// `-m`/`-M` syntax) and check the ranges do not overlap.
pub fn parse(which: &str, text: &str) -> Result<Vec<IdRange>, IdMapError> {
    let mut ranges = Vec::new();
    for part in text.split(',') {
        let fields: Vec<&str> = part.split_whitespace().collect();
        let nums: Option<Vec<u32>> = fields.iter().map(|f| f.parse().ok()).collect();
        match nums.as_deref() {
            Some(&[inside, outside, count]) if count > 0 => ranges.push(IdRange {
                inside,
                outside,
                count,
            }),
            _ => {
                return Err(IdMapError::Syntax {
                    which: which.to_owned(),
                    range: part.to_owned(),
                })
            }
        }
    }
    let end = |start: u32, count: u32| u64::from(start) + u64::from(count);
    for (i, a) in ranges.iter().enumerate() {
        if end(a.inside, a.count) > 1 << 32 || end(a.outside, a.count) > 1 << 32 {
            return Err(IdMapError::PastLargestId {
                which: which.to_owned(),
                range: *a,
            });
        }
        for b in &ranges[i + 1..] {
            let overlap =
                |x: u32, y: u32| u64::from(x) < end(y, b.count) && u64::from(y) < end(x, a.count);
            if overlap(a.inside, b.inside) || overlap(a.outside, b.outside) {
                return Err(IdMapError::Overlap {
                    which: which.to_owned(),
                    first: *a,
                    second: *b,
                });
            }
        }
    }
    Ok(ranges)
}

/// The map as the kernel wants it: one range per line.
pub fn to_kernel_text(ranges: &[IdRange]) -> String {
    ranges
        .iter()
        .map(|r| format!("{} {} {}\n", r.inside, r.outside, r.count))
        .collect()
}

/// Whether the map text maps id 0 inside.
pub fn maps_inside_zero(text: &str) -> bool {
    text.lines()
        .any(|l| l.split_whitespace().next() == Some("0"))
}

/// The (uid_map, gid_map, deny setgroups) to write for a new user namespace.
/// A map not given is the caller's own id as root inside, unless the jail
/// asks for none ([`crate::Jail::no_default_id_maps`], upstream's behaviour).
pub fn maps_for(jail: &Jail) -> Result<(Option<String>, Option<String>, bool), IdMapError> {
    let (euid, egid) = crate::sys::effective_ids();
    let default = |id: u32| jail.default_id_maps.then(|| format!("0 {id} 1\n"));
    let uid_map = match &jail.uid_map {
        Some(text) => Some(to_kernel_text(&parse("uid map", text)?)),
        None => default(euid),
    };
    let gid_map = match &jail.gid_map {
        Some(text) => Some(to_kernel_text(&parse("gid map", text)?)),
        None => default(egid),
    };
    // An unprivileged writer of gid_map must deny setgroups first.
    let deny = jail.deny_setgroups || (euid != 0 && gid_map.is_some());
    Ok((uid_map, gid_map, deny))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            parse("uid map", "0 1000 1,1 100000 10").unwrap(),
            vec![
                IdRange {
                    inside: 0,
                    outside: 1000,
                    count: 1
                },
                IdRange {
                    inside: 1,
                    outside: 100000,
                    count: 10
                }
            ]
        );
        assert!(parse("uid map", "0 1000").is_err());
        assert!(parse("uid map", "0 x 1").is_err());
        assert!(parse("uid map", "0 1000 0").is_err());
        let e = parse("uid map", "0 1000 10,5 2000 1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("overlap"), "{e}");
        assert!(parse("uid map", "0 1000 1,1 1000 1").is_err());
    }
}
