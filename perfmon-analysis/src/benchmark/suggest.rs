//! Why a benchmark found no data, and which recorded names it probably meant.

use perfmon_core::Registry;

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
    let edit = strsim::normalized_damerau_levenshtein(&w, &k);
    let prefixed = |long: &str, short: &str| {
        !short.is_empty()
            && long
                .strip_suffix(short)
                .is_some_and(|head| head.ends_with(['.', ':', '/']))
    };
    if prefixed(&k, &w) || prefixed(&w, &k) {
        edit.max(0.9)
    } else {
        edit
    }
}

/// Up to [`MAX_SUGGESTIONS`] of `names` most like `wanted`, best first.
pub(crate) fn closest<'a>(wanted: &str, names: &'a [String]) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = names
        .iter()
        .filter(|n| n.as_str() != wanted)
        .map(|n| (similarity(wanted, n), n.as_str()))
        .filter(|(score, _)| *score >= CUTOFF)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, n)| n)
        .collect()
}

/// The reason of a no-data row for `operation`; `registered` says whether the
/// name exists with zero calls (rather than not at all).
pub(crate) fn no_data_reason(registry: &Registry, operation: &str, registered: bool) -> String {
    let mut reason = if registered {
        format!("`{operation}` is registered but has no calls recorded (reset since?)")
    } else {
        let names = registry.names();
        let near = closest(operation, &names);
        let mut r = format!("no calls recorded for `{operation}`");
        if names.is_empty() {
            r.push_str(": no operations recorded yet");
        } else if near.is_empty() {
            r.push_str(&format!(
                "; no recorded operation has a similar name ({} recorded)",
                names.len()
            ));
        } else {
            r.push_str("; did you mean ");
            r.push_str(&either_list(&near));
            r.push('?');
        }
        r
    };
    let refused = registry.refused();
    if refused > 0 && !registered {
        reason.push_str(&format!(
            " ({refused} registrations were refused by the operation cap of {}; \
             raise it with Registry::set_max_operations)",
            registry.max_operations()
        ));
    }
    reason
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
fn either_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_transposition_suggests_the_intended_name_first() {
        let known = names(&["api.search_parts", "parts.create_part", "parts.get_part"]);
        assert_eq!(closest("parts.get_prat", &known)[0], "parts.get_part");
    }

    #[test]
    fn a_missing_module_prefix_is_suggested() {
        let known = names(&["auth.login", "parts.get_part"]);
        assert_eq!(closest("get_part", &known), vec!["parts.get_part"]);
    }

    #[test]
    fn unrelated_names_are_not_suggested() {
        let known = names(&["auth.login", "billing.invoice"]);
        assert!(closest("parts.get_part", &known).is_empty());
    }

    #[test]
    fn at_most_three_names_are_suggested_best_first() {
        let known = names(&["op_a", "op_b", "op_c", "op_d", "op_ab"]);
        let near = closest("op_ab_", &known);
        assert_eq!(near.len(), MAX_SUGGESTIONS);
        assert_eq!(near[0], "op_ab");
    }

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(either_list(&["a"]), "`a`");
        assert_eq!(either_list(&["a", "b"]), "`a` or `b`");
        assert_eq!(either_list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
