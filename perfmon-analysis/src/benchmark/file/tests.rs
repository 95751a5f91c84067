use super::*;
use std::error::Error as _;

const TOML: &str = r#"
[[benchmarks]]
operation = "parts.get_part"
threshold_ms = 100

[[benchmarks]]
operation = "parts.create_part"
threshold_ms = 300.5
statistic = "mean"
min_samples = 10
"#;

const JSON: &str = r#"{ "benchmarks": [
  { "operation": "parts.get_part", "threshold_ms": 100 },
  { "operation": "parts.create_part", "threshold_ms": 300.5, "statistic": "mean", "min_samples": 10 }
] }"#;

fn expected() -> Benchmarks {
    Benchmarks::new(vec![
        Benchmark::new("parts.get_part", Duration::from_millis(100)),
        Benchmark::new("parts.create_part", Duration::from_micros(300_500))
            .mean()
            .min_samples(10),
    ])
}

/// The error message of `toml`, which must fail.
fn toml_err(toml: &str) -> String {
    Benchmarks::from_toml_str(toml).unwrap_err().to_string()
}

/// The error message of `json`, which must fail.
fn json_err(json: &str) -> String {
    Benchmarks::from_json_str(json).unwrap_err().to_string()
}

/// One TOML entry made of `keys`.
fn entry(keys: &str) -> String {
    format!("[[benchmarks]]\n{keys}\n")
}

#[test]
fn toml_and_json_read_the_same_benchmarks() {
    assert_eq!(Benchmarks::from_toml_str(TOML).unwrap(), expected());
    assert_eq!(Benchmarks::from_json_str(JSON).unwrap(), expected());
}

#[test]
fn an_inline_toml_array_works_too() {
    let b = Benchmarks::from_toml_str(
        r#"benchmarks = [ { operation = "a", threshold_ms = 1, statistic = "max" } ]"#,
    )
    .unwrap();
    assert_eq!(
        b.as_slice(),
        [Benchmark::new("a", Duration::from_millis(1)).max()]
    );
}

#[test]
fn every_statistic_name_parses() {
    for s in Statistic::ALL {
        let b = Benchmarks::from_toml_str(&entry(&format!(
            "operation = \"a\"\nthreshold_ms = 1\nstatistic = \"{s}\""
        )))
        .unwrap();
        assert_eq!(b.as_slice()[0].statistic, s);
    }
}

#[test]
fn a_json_null_statistic_or_min_samples_means_the_default() {
    let b = Benchmarks::from_json_str(
        r#"{"benchmarks":[{"operation":"a","threshold_ms":1,"statistic":null,"min_samples":null}]}"#,
    )
    .unwrap();
    assert_eq!(
        b.as_slice(),
        [Benchmark::new("a", Duration::from_millis(1))]
    );
}

#[test]
fn a_negative_threshold_names_entry_key_and_value() {
    let text = format!(
        "{}{}{}",
        entry("operation = \"a\"\nthreshold_ms = 1"),
        entry("operation = \"b\"\nthreshold_ms = 2"),
        entry("operation = \"c\"\nthreshold_ms = -5"),
    );
    assert_eq!(
        toml_err(&text),
        "benchmarks[2].threshold_ms: expected a finite, non-negative number of milliseconds, got -5"
    );
    assert_eq!(
        json_err(r#"{"benchmarks":[{"operation":"a","threshold_ms":-5}]}"#),
        "benchmarks[0].threshold_ms: expected a finite, non-negative number of milliseconds, got -5"
    );
}

#[test]
fn non_finite_and_mistyped_thresholds_are_refused_with_their_value() {
    for (value, shown) in [
        ("nan", "got NaN"),
        ("inf", "got inf"),
        ("-0.5", "got -0.5"),
        ("\"100\"", "got \"100\""),
        ("true", "got true"),
        ("[1]", "got a list"),
    ] {
        assert_eq!(
            toml_err(&entry(&format!("operation = \"a\"\nthreshold_ms = {value}"))),
            format!(
                "benchmarks[0].threshold_ms: expected a finite, non-negative number of milliseconds, {shown}"
            )
        );
    }
}

#[test]
fn a_threshold_too_large_for_a_duration_is_an_error_not_a_panic() {
    let msg = json_err(r#"{"benchmarks":[{"operation":"a","threshold_ms":1e300}]}"#);
    assert!(
        msg.starts_with("benchmarks[0].threshold_ms: expected") && msg.ends_with("got 1e300"),
        "{msg}"
    );
}

#[test]
fn an_unknown_statistic_lists_the_valid_ones() {
    let msg = toml_err(&entry(
        "operation = \"a\"\nthreshold_ms = 1\nstatistic = \"p96\"",
    ));
    assert_eq!(
        msg,
        "benchmarks[0].statistic: expected one of mean, p50, p95, p99, max, got \"p96\""
    );
    let msg = json_err(r#"{"benchmarks":[{"operation":"a","threshold_ms":1,"statistic":95}]}"#);
    assert!(msg.ends_with("got 95"), "{msg}");
}

#[test]
fn min_samples_must_be_a_whole_non_negative_number() {
    for (value, shown) in [("-1", "-1"), ("2.5", "2.5"), ("\"ten\"", "\"ten\"")] {
        let msg = toml_err(&entry(&format!(
            "operation = \"a\"\nthreshold_ms = 1\nmin_samples = {value}"
        )));
        assert_eq!(
            msg,
            format!(
                "benchmarks[0].min_samples: expected a whole number of calls, 0 or more, got {shown}"
            )
        );
    }
    let ok = Benchmarks::from_json_str(
        r#"{"benchmarks":[{"operation":"a","threshold_ms":1,"min_samples":10.0}]}"#,
    )
    .unwrap();
    assert_eq!(ok.as_slice()[0].min_samples, Some(10));
}

#[test]
fn operation_must_be_a_non_empty_name() {
    assert_eq!(
        toml_err(&entry("operation = \"  \"\nthreshold_ms = 1")),
        "benchmarks[0].operation: expected a non-empty operation name, got \"  \""
    );
    assert_eq!(
        toml_err(&entry("operation = 7\nthreshold_ms = 1")),
        "benchmarks[0].operation: expected a non-empty operation name, got 7"
    );
}

#[test]
fn missing_required_keys_are_named() {
    assert_eq!(
        toml_err(&entry("threshold_ms = 1")),
        "benchmarks[0]: missing required key `operation`"
    );
    assert_eq!(
        json_err(r#"{"benchmarks":[{"operation":"a","threshold_ms":1},{"operation":"b"}]}"#),
        "benchmarks[1]: missing required key `threshold_ms`"
    );
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let msg = toml_err(&entry("operation = \"a\"\nthresold_ms = 1"));
    assert!(msg.contains("unknown field `thresold_ms`"), "{msg}");
    assert!(msg.contains("threshold_ms"), "lists the valid keys: {msg}");
    let msg = json_err(r#"{"benchmarks":[{"operation":"a","threshold_ms":1,"stat":"p95"}]}"#);
    assert!(msg.contains("unknown field `stat`"), "{msg}");
    let msg = json_err(r#"{"benchmark":[]}"#);
    assert!(msg.contains("unknown field `benchmark`"), "{msg}");
}

#[test]
fn a_missing_benchmarks_list_and_bad_syntax_are_errors() {
    assert!(toml_err("").contains("missing field `benchmarks`"));
    assert!(json_err("{").starts_with("invalid JSON for benchmarks: "));
    assert!(toml_err("[[benchmarks]\n").starts_with("invalid TOML for benchmarks: "));
    assert!(json_err(r#"{"benchmarks": 3}"#).starts_with("invalid JSON"));
}

#[test]
fn an_empty_list_parses_and_is_empty() {
    assert!(Benchmarks::from_toml_str("benchmarks = []")
        .unwrap()
        .is_empty());
}

#[test]
fn load_picks_the_format_by_extension_and_names_the_file_in_errors() {
    let dir = std::env::temp_dir().join(format!("perfmon-bench-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("b.TOML");
    let json = dir.join("b.json");
    let bad = dir.join("bad.json");
    std::fs::write(&toml, TOML).unwrap();
    std::fs::write(&json, JSON).unwrap();
    std::fs::write(
        &bad,
        r#"{"benchmarks":[{"operation":"a","threshold_ms":-5}]}"#,
    )
    .unwrap();

    assert_eq!(Benchmarks::load(&toml).unwrap(), expected());
    assert_eq!(Benchmarks::load(&json).unwrap(), expected());

    let err = Benchmarks::load(&bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: benchmarks[0].threshold_ms: expected a finite, non-negative number of milliseconds, got -5",
            bad.display()
        )
    );
    assert!(matches!(
        err.source()
            .and_then(|s| s.downcast_ref::<BenchmarkFileError>()),
        Some(BenchmarkFileError::InvalidValue {
            index: 0,
            key: "threshold_ms",
            ..
        })
    ));

    let yaml = dir.join("b.yaml");
    let err = Benchmarks::load(&yaml).unwrap_err();
    assert!(matches!(
        err,
        BenchmarkFileError::UnsupportedExtension { .. }
    ));
    assert!(err.to_string().contains("b.yaml"), "{err}");

    let absent = dir.join("absent.toml");
    let err = Benchmarks::load(&absent).unwrap_err();
    assert!(matches!(err, BenchmarkFileError::Io { .. }));
    assert!(err.to_string().contains("absent.toml"), "{err}");
    assert!(err.source().is_some());

    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn serialized_benchmarks_read_back_unchanged() {
    let b = expected();
    let json = serde_json::to_string(&b).unwrap();
    assert_eq!(Benchmarks::from_json_str(&json).unwrap(), b);
    let toml = toml::to_string(&b).unwrap();
    assert_eq!(Benchmarks::from_toml_str(&toml).unwrap(), b);
}

#[test]
fn operation_names_over_256_bytes_are_refused_by_length() {
    let long = "x".repeat(MAX_OPERATION_NAME_BYTES + 1);
    let msg = json_err(&format!(
        r#"{{"benchmarks":[{{"operation":"{long}","threshold_ms":1}}]}}"#
    ));
    assert!(
        msg.starts_with("benchmarks[0].operation:") && msg.contains("at most 256 bytes"),
        "{msg}"
    );
    assert!(
        msg.contains("a name of 257 bytes") && msg.len() < 200,
        "{msg}"
    );
    let ok = "y".repeat(MAX_OPERATION_NAME_BYTES);
    let b = Benchmarks::from_json_str(&format!(
        r#"{{"benchmarks":[{{"operation":"{ok}","threshold_ms":1}}]}}"#
    ))
    .unwrap();
    assert_eq!(b.as_slice()[0].operation.len(), 256);
}
