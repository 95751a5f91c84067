//! "Did you mean": the one way the analysis suggests a known name for a
//! misspelled one (benchmark operations, `PERFMON_*` variables). The macro
//! crate keeps its own for attribute arguments (a proc-macro crate cannot
//! share this one).

/// The longest name compared for a suggestion, in bytes.
const MAX_COMPARED_BYTES: usize = 256;

/// Names suggested at most.
const MAX_SUGGESTIONS: usize = 3;

/// Similarity (0.0..=1.0) a recorded name needs to be suggested.
const CUTOFF: f64 = 0.6;

/// How alike `wanted` and `known` are, 0.0..=1.0: the normalized
/// Damerau-Levenshtein similarity ignoring case, or 0.9 when one is the other
/// with a module prefix (`get_part` for `parts.get_part`), a common slip that
/// edit distance alone scores low.
fn similarity(wanted: &str, known: &str) -> f64 {
    let (w, k) = (wanted.to_lowercase(), known.to_lowercase());
    let prefixed = |long: &str, short: &str| {
        !short.is_empty()
            && long
                .strip_suffix(short)
                .is_some_and(|head| head.ends_with(['.', ':', '/']))
    };
    if prefixed(&k, &w) || prefixed(&w, &k) {
        return 0.9_f64.max(strsim::normalized_damerau_levenshtein(&w, &k));
    }
    // The edit distance is at least the difference of the lengths, so a pair
    // whose lengths differ too much cannot reach CUTOFF: skip its O(n·m)
    // distance.
    let (lw, lk) = (w.chars().count(), k.chars().count());
    let longest = lw.max(lk).max(1) as f64;
    if 1.0 - lw.abs_diff(lk) as f64 / longest < CUTOFF {
        return 0.0;
    }
    strsim::normalized_damerau_levenshtein(&w, &k)
}

/// Up to [`MAX_SUGGESTIONS`] of `names` most like `wanted`, best first.
pub(crate) fn closest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    // Names longer than any a program registers get no suggestion: their
    // comparisons would cost the most and help the least.
    if wanted.len() > MAX_COMPARED_BYTES {
        return Vec::new();
    }
    let mut scored: Vec<(f64, &str)> = names
        .into_iter()
        .filter(|n| *n != wanted)
        .map(|n| (similarity(wanted, n), n))
        .filter(|(score, _)| *score >= CUTOFF)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, n)| n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transposition_suggests_the_intended_name_first() {
        let known = ["api.search_parts", "parts.create_part", "parts.get_part"];
        assert_eq!(
            closest("parts.get_prat", known.iter().copied())[0],
            "parts.get_part"
        );
    }

    #[test]
    fn a_missing_module_prefix_is_suggested() {
        let known = ["auth.login", "parts.get_part"];
        assert_eq!(
            closest("get_part", known.iter().copied()),
            vec!["parts.get_part"]
        );
    }

    #[test]
    fn unrelated_names_are_not_suggested() {
        let known = ["auth.login", "billing.invoice"];
        assert!(closest("parts.get_part", known.iter().copied()).is_empty());
    }

    #[test]
    fn at_most_three_names_are_suggested_best_first() {
        let known = ["op_a", "op_b", "op_c", "op_d", "op_ab"];
        let near = closest("op_ab_", known.iter().copied());
        assert_eq!(near.len(), MAX_SUGGESTIONS);
        assert_eq!(near[0], "op_ab");
    }
}
