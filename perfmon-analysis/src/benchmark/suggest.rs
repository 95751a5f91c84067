//! Why a benchmark found no data, and which recorded names it probably meant.

use crate::suggest::closest;
use perfmon_core::Registry;

/// "Did you mean" for the no-data rows of one validation: the registered
/// names are read once, and only the first `budget` unknown names are
/// compared with them (each comparison is an edit distance against every
/// registered name).
pub(crate) struct Suggestions {
    names: Option<Vec<String>>,
    budget: usize,
}

impl Suggestions {
    pub(crate) fn new(budget: usize) -> Self {
        Suggestions {
            names: None,
            budget,
        }
    }

    /// The reason of a no-data row for `operation`; `registered` says
    /// whether the name exists with zero calls (rather than not at all).
    pub(crate) fn no_data_reason(
        &mut self,
        registry: &Registry,
        operation: &str,
        registered: bool,
    ) -> String {
        let reason = if registered {
            format!("`{operation}` is registered but has no calls recorded (reset since?)")
        } else if self.budget == 0 {
            format!(
                "no calls recorded for `{operation}` (names are suggested for the first {} \
                 unknown operations only)",
                super::MAX_SUGGESTED_ROWS
            )
        } else {
            self.budget -= 1;
            let names = self.names.get_or_insert_with(|| registry.names());
            unknown_reason(operation, names)
        };
        with_refusals(registry, reason, registered)
    }
}

fn unknown_reason(operation: &str, names: &[String]) -> String {
    {
        let near = closest(operation, names.iter().map(String::as_str));
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
    }
}

fn with_refusals(registry: &Registry, mut reason: String, registered: bool) -> String {
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

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(either_list(&["a"]), "`a`");
        assert_eq!(either_list(&["a", "b"]), "`a` or `b`");
        assert_eq!(either_list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
