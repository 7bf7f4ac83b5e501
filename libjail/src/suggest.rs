//! "Did you mean" suggestions for mistyped names.

/// Edit distance between two strings (insertions, deletions, substitutions,
/// and adjacent transpositions count one each): the one measure every
/// suggestion uses.
pub fn distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// `distance(given, candidate)` when it is at most `limit`; `given` is the
/// name as chars, split once by the caller. A distance is at least the
/// difference in length, so a candidate too long or too short is skipped
/// without the table: a hostile name of a megabyte then costs one count,
/// not its length times every candidate's. Otherwise only the band of the
/// table within `limit` of its diagonal is filled, and the search stops
/// once a whole row is past `limit`: every suggestion compares one name
/// against thousands, nearly all of them far off.
pub fn distance_within(given: &[char], candidate: &str, limit: usize) -> Option<usize> {
    const MAX: usize = 64;
    let b = candidate.as_bytes();
    if given.len().abs_diff(candidate.chars().count()) > limit {
        return None;
    }
    if !candidate.is_ascii() || b.len() >= MAX || limit >= MAX {
        let given: String = given.iter().collect();
        return Some(distance(&given, candidate)).filter(|&d| d <= limit);
    }
    let far = limit + 1;
    let m = b.len();
    // Rows i-2, i-1 and i of the table, each value capped at `far`.
    let mut rows = [[far; MAX]; 3];
    for (j, cell) in rows[1].iter_mut().enumerate().take(m + 1) {
        *cell = j.min(far);
    }
    for (i, &a) in given.iter().enumerate().map(|(i, a)| (i + 1, a)) {
        let [two, one, cur] = &mut rows;
        cur[..=m].fill(far);
        let lo = i.saturating_sub(limit);
        let hi = (i + limit).min(m);
        if lo == 0 {
            cur[0] = i.min(far);
        }
        let mut best = cur[0];
        for j in lo.max(1)..=hi {
            let bj = char::from(b[j - 1]);
            let cost = usize::from(a != bj);
            let mut d = (one[j - 1] + cost).min(one[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a == char::from(b[j - 2]) && given[i - 2] == bj {
                d = d.min(two[j - 2] + 1);
            }
            cur[j] = d.min(far);
            best = best.min(cur[j]);
        }
        if best >= far {
            return None;
        }
        rows.rotate_left(1);
    }
    Some(rows[1][m]).filter(|&d| d <= limit)
}

/// The candidate closest to `given`, if it is close enough to be a typo.
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let given: Vec<char> = given.to_ascii_lowercase().chars().collect();
    let limit = (given.len() / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|c| distance_within(&given, &c.to_ascii_lowercase(), limit).map(|d| (d, c)))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The banded, early-stopping distance says what the full table says,
    /// for every limit, on names near each other and far apart.
    #[test]
    fn distance_within_agrees_with_the_full_table() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "read",
            "raed",
            "rade",
            "write",
            "wirte",
            "PROT_EXEC",
            "PROT_EXCE",
            "PORT_EXEC",
            "prot_exec",
            "O_RDONLY",
            "O_RDWR",
            "MAP_PRIVATE",
            "MAP_PIRVATE",
            "MAP_SHARED",
            "ca",
            "abcdefghij",
            "bacdfeghji",
            "zzzzzzzzzz",
            "été",
            "ioctl",
            "iocl",
            "clone3",
            "clone",
            "AAAAAAAAAAAAAAAAAAAAA",
        ];
        for a in words {
            let chars: Vec<char> = a.chars().collect();
            for b in words {
                let full = distance(a, b);
                for limit in 0..12 {
                    let want = Some(full).filter(|&d| d <= limit);
                    assert_eq!(
                        distance_within(&chars, b, limit),
                        want,
                        "{a:?} {b:?} {limit}"
                    );
                }
            }
        }
    }
}
