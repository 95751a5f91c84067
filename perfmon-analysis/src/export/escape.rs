//! Names, label values, help text and numbers as the text formats spell them.
//!
//! Metric names match `[a-zA-Z_:][a-zA-Z0-9_:]*` and label names
//! `[a-zA-Z_][a-zA-Z0-9_]*`: any other character becomes `_`, and a name
//! starting with a digit (or empty) gets a leading `_`. Label values escape
//! `\`, `"` and newline; help text escapes `\` and newline (and `"` in
//! OpenMetrics, whose grammar uses one escaping for both).

use super::Format;
use std::borrow::Cow;
use std::fmt::Write as _;

fn sanitize(name: &str, allowed: impl Fn(char) -> bool) -> Cow<'_, str> {
    let starts_ok = name
        .chars()
        .next()
        .is_some_and(|c| allowed(c) && !c.is_ascii_digit());
    if starts_ok && name.chars().all(&allowed) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 1);
    if name.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.push('_');
    }
    out.extend(name.chars().map(|c| if allowed(c) { c } else { '_' }));
    Cow::Owned(out)
}

/// A valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
///
/// ```
/// use perfmon_analysis::export::sanitize_metric_name;
/// assert_eq!(sanitize_metric_name("http.requests-total"), "http_requests_total");
/// assert_eq!(sanitize_metric_name("5xx"), "_5xx");
/// ```
pub fn sanitize_metric_name(name: &str) -> Cow<'_, str> {
    sanitize(name, |c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
///
/// ```
/// use perfmon_analysis::export::sanitize_label_name;
/// assert_eq!(sanitize_label_name("tenant:id"), "tenant_id");
/// ```
pub fn sanitize_label_name(name: &str) -> Cow<'_, str> {
    sanitize(name, |c| c.is_ascii_alphanumeric() || c == '_')
}

/// Appends `value` with `\`, `"` and newline escaped (for inside quotes).
pub(crate) fn push_label_value(out: &mut String, value: &str) {
    let mut rest = value;
    while let Some(i) = rest.find(['\\', '"', '\n']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            _ => "\\n",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// Label pairs as they stand between the braces of a sample line, names
/// sanitized and values escaped: `operation="db.get",kind="database_query"`.
/// An operation's pairs are escaped once for all of its lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Labels(String);

impl Labels {
    /// `pairs` as `(name, value)`, in order.
    pub(crate) fn new(pairs: &[(&str, &str)]) -> Self {
        // `name="value"` and a comma each, before escapes.
        let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 4).sum());
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&sanitize_label_name(k));
            out.push_str("=\"");
            push_label_value(&mut out, v);
            out.push('"');
        }
        Labels(out)
    }

    /// The escaped text (empty for no pairs).
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Appends help text, escaped as `format` requires.
pub(crate) fn push_help(out: &mut String, help: &str, format: Format) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if format == Format::OpenMetrics => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

fn special(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v == f64::INFINITY {
        Some("+Inf")
    } else if v == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// Appends a sample value: integers without a fraction (`42`), other numbers
/// in their shortest round-trip form (`0.0125`, `1e-7`), and `+Inf`, `-Inf`,
/// `NaN`.
pub(crate) fn push_value(out: &mut String, v: f64) {
    if let Some(s) = special(v) {
        out.push_str(s);
    } else if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        out.push_str(itoa::Buffer::new().format(v as i64));
    } else {
        write!(out, "{v:?}").expect("writing to a String cannot fail");
    }
}

/// Appends a count (a histogram bucket, `_count`).
pub(crate) fn push_count(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// An `le` bound: always a float spelling (`1.0`, `0.0025`), the canonical
/// form OpenMetrics asks for and one that Prometheus text parses alike.
pub(crate) fn format_bound(v: f64) -> String {
    special(v).map_or_else(|| format!("{v:?}"), str::to_owned)
}

#[cfg(test)]
pub(crate) fn unescape_label_value(escaped: &str) -> Option<String> {
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                'n' => out.push('\n'),
                _ => return None,
            },
            '"' | '\n' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_are_borrowed_and_invalid_ones_replaced() {
        assert!(matches!(
            sanitize_metric_name("perfmon_ops:rate"),
            Cow::Borrowed(_)
        ));
        assert_eq!(sanitize_metric_name("db.get user"), "db_get_user");
        assert_eq!(sanitize_metric_name("9lives"), "_9lives");
        assert_eq!(sanitize_metric_name(""), "_");
        assert_eq!(sanitize_metric_name("é"), "_");
        assert_eq!(sanitize_label_name("a:b"), "a_b");
        assert_eq!(sanitize_label_name("0"), "_0");
        assert_eq!(sanitize_label_name(":x"), "_x");
    }

    #[test]
    fn label_values_round_trip_through_the_unescaper() {
        for v in ["plain", "weird \"name\"\nwith\\slashes", "\\n", "", "ünï"] {
            let mut out = String::new();
            push_label_value(&mut out, v);
            assert!(!out.contains('\n'));
            assert_eq!(unescape_label_value(&out).as_deref(), Some(v), "{out}");
        }
    }

    #[test]
    fn label_sets_are_sanitized_escaped_and_joined_once() {
        let labels = Labels::new(&[("operation", "say \"hi\"\n"), ("tenant:id", "a\\b")]);
        assert_eq!(
            labels.as_str(),
            "operation=\"say \\\"hi\\\"\\n\",tenant_id=\"a\\\\b\""
        );
        assert_eq!(Labels::new(&[]).as_str(), "");
    }

    #[test]
    fn help_escapes_quotes_only_in_openmetrics() {
        let mut p = String::new();
        push_help(&mut p, "a \"b\"\\\nc", Format::Prometheus);
        assert_eq!(p, "a \"b\"\\\\\\nc");
        let mut o = String::new();
        push_help(&mut o, "a \"b\"", Format::OpenMetrics);
        assert_eq!(o, "a \\\"b\\\"");
    }

    fn format_value(v: f64) -> String {
        let mut out = String::new();
        push_value(&mut out, v);
        out
    }

    #[test]
    fn numbers_use_the_spellings_prometheus_parses() {
        assert_eq!(format_value(42.0), "42");
        assert_eq!(format_value(-3.0), "-3");
        assert_eq!(format_value(9_007_199_254_740_992.0), "9007199254740992.0");
        assert_eq!(format_value(0.0125), "0.0125");
        assert_eq!(format_value(-0.0), "0");
        assert_eq!(format_value(1e-7), "1e-7");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_bound(1.0), "1.0");
        assert_eq!(format_bound(0.0025), "0.0025");
        assert_eq!(format_bound(f64::INFINITY), "+Inf");
        let mut counts = String::new();
        push_count(&mut counts, 0);
        push_count(&mut counts, u64::MAX);
        assert_eq!(counts, "018446744073709551615");
        for s in ["1e-7", "0.0125", "1.0", "42"] {
            s.parse::<f64>().unwrap();
        }
    }
}
