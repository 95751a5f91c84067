//! A small parser of the text formats, checking what a scraper relies on:
//! every line is a `# HELP`, `# TYPE`, `# EOF` or a sample; names and label
//! names are valid; values are floats; each family is declared once (HELP
//! then TYPE) and its samples follow it contiguously; histogram buckets are
//! cumulative and end with `le="+Inf"` equal to `_count`.

use perfmon::export::Format;
use std::collections::{BTreeMap, HashSet};

pub type Labels = BTreeMap<String, String>;

#[derive(Debug)]
pub struct Sample {
    pub name: String,
    pub labels: Labels,
    pub value: f64,
}

#[derive(Debug)]
pub struct Family {
    pub name: String,
    pub kind: String,
    pub samples: Vec<Sample>,
}

fn valid_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

fn valid_label_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn parse_value(s: &str) -> f64 {
    match s {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => s
            .parse()
            .unwrap_or_else(|_| panic!("value `{s}` is not a float")),
    }
}

/// Parses `{a="x",b="y"}` (the braces included), unescaping values;
/// returns the labels and the rest of the line.
fn parse_labels(s: &str) -> (Labels, &str) {
    let mut labels = Labels::new();
    let mut rest = s.strip_prefix('{').unwrap();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return (labels, r);
        }
        let (name, r) = rest.split_once("=\"").expect("label name then =\"");
        assert!(valid_label_name(name), "label name `{name}`");
        let mut value = String::new();
        let mut chars = r.char_indices();
        let end = loop {
            match chars.next().expect("unterminated label value") {
                (_, '\\') => match chars.next().expect("dangling backslash").1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    c => panic!("unknown escape \\{c}"),
                },
                (i, '"') => break i,
                (_, '\n') => panic!("raw newline in label value"),
                (_, c) => value.push(c),
            }
        };
        assert!(
            labels.insert(name.to_owned(), value).is_none(),
            "label `{name}` twice"
        );
        rest = &r[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// The family a sample named `sample` belongs to, given the family's type.
fn belongs(sample: &str, family: &str, kind: &str, format: Format) -> bool {
    match (kind, format) {
        ("counter", Format::OpenMetrics) => sample == format!("{family}_total"),
        ("histogram", _) => ["_bucket", "_sum", "_count"]
            .iter()
            .any(|s| sample == format!("{family}{s}")),
        _ => sample == family,
    }
}

/// Parses and checks the whole text; returns the families in order.
pub fn parse(text: &str, format: Format) -> Vec<Family> {
    assert!(text.ends_with('\n'), "text ends with a newline");
    let mut lines: Vec<&str> = text.lines().collect();
    if format == Format::OpenMetrics {
        assert_eq!(lines.pop(), Some("# EOF"), "OpenMetrics ends with # EOF");
    }
    let mut families: Vec<Family> = Vec::new();
    let mut declared = HashSet::new();
    let mut help: Option<String> = None;
    for line in lines {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').expect("HELP name text");
            assert!(help.is_none(), "two HELP lines in a row: {line}");
            help = Some(name.to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name type");
            assert!(valid_metric_name(name), "family name `{name}`");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert_eq!(help.take().as_deref(), Some(name), "HELP before TYPE");
            assert!(
                declared.insert(name.to_owned()),
                "family `{name}` declared twice"
            );
            if format == Format::OpenMetrics && kind == "counter" {
                assert!(
                    !name.ends_with("_total"),
                    "OpenMetrics counter family {name}"
                );
            }
            if format == Format::Prometheus && kind == "counter" {
                assert!(name.ends_with("_total"), "Prometheus counter family {name}");
            }
            families.push(Family {
                name: name.to_owned(),
                kind: kind.to_owned(),
                samples: Vec::new(),
            });
        } else {
            assert!(!line.starts_with('#'), "unexpected comment `{line}`");
            assert!(help.is_none(), "HELP without TYPE");
            let end = line.find(['{', ' ']).expect("sample name");
            let name = &line[..end];
            assert!(valid_metric_name(name), "sample name `{name}`");
            let (labels, rest) = if line[end..].starts_with('{') {
                parse_labels(&line[end..])
            } else {
                (Labels::new(), &line[end..])
            };
            let value = parse_value(rest.strip_prefix(' ').expect("space before value"));
            let family = families.last_mut().expect("a sample before any TYPE");
            assert!(
                belongs(name, &family.name, &family.kind, format),
                "sample `{name}` outside its family (current: {} {})",
                family.kind,
                family.name
            );
            if family.kind == "counter" {
                assert!(value >= 0.0, "counter {name} = {value}");
            }
            family.samples.push(Sample {
                name: name.to_owned(),
                labels,
                value,
            });
        }
    }
    for f in families.iter().filter(|f| f.kind == "histogram") {
        check_histogram(f);
    }
    families
}

/// One histogram's `(le, cumulative count)` buckets, `_sum` and `_count`.
type Series = (Vec<(f64, f64)>, Option<f64>, Option<f64>);

fn check_histogram(f: &Family) {
    let mut series: BTreeMap<Labels, Series> = BTreeMap::new();
    for s in &f.samples {
        let mut labels = s.labels.clone();
        let le = labels.remove("le");
        let entry = series.entry(labels).or_default();
        match s.name.strip_prefix(f.name.as_str()).unwrap() {
            "_bucket" => entry.0.push((parse_value(&le.expect("le")), s.value)),
            "_sum" => entry.1 = Some(s.value),
            "_count" => entry.2 = Some(s.value),
            other => panic!("histogram sample suffix {other}"),
        }
    }
    for (labels, (buckets, sum, count)) in series {
        assert!(sum.is_some(), "{labels:?} has a _sum");
        let count = count.expect("a _count");
        for w in buckets.windows(2) {
            assert!(w[0].0 < w[1].0, "le increases: {labels:?}");
            assert!(w[0].1 <= w[1].1, "buckets are cumulative: {labels:?}");
        }
        let last = buckets.last().expect("buckets");
        assert_eq!(last.0, f64::INFINITY, "last bucket is +Inf");
        assert_eq!(last.1, count, "+Inf bucket equals _count: {labels:?}");
    }
}

/// The value of the sample `name` whose labels include `labels`.
#[allow(dead_code)] // not every test binary that includes this file calls it
pub fn value(families: &[Family], name: &str, labels: &[(&str, &str)]) -> f64 {
    families
        .iter()
        .flat_map(|f| &f.samples)
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
        .value
}

/// Runs `promtool check metrics` on `text` when promtool is installed (and
/// requires it when `PERFMON_REQUIRE_PROMTOOL` is set, as scripts/test.sh does).
#[allow(dead_code)] // not every test binary that includes this file calls it
pub fn promtool_check(text: &str) {
    let Ok(out) = std::process::Command::new("promtool")
        .arg("--version")
        .output()
    else {
        assert!(
            std::env::var_os("PERFMON_REQUIRE_PROMTOOL").is_none(),
            "promtool is required (PERFMON_REQUIRE_PROMTOOL is set) but not installed"
        );
        println!("SKIPPED: promtool is not installed; the Rust parser still ran");
        return;
    };
    assert!(out.status.success());
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics:\n{}{}\n--- input ---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
