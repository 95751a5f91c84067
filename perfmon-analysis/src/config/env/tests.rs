//! Tests of the `PERFMON_*` variables.

use super::*;
use crate::config::*;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn env(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_env_vars(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn env_err(key: &str, value: &str) -> String {
    env(&[(key, value)]).unwrap_err().to_string()
}

#[test]
fn every_variable_is_read() {
    let c = env(&[
        ("PERFMON_ENABLED", " Off "),
        ("PERFMON_MAX_OPERATIONS", "100"),
        ("PERFMON_RETENTION_MINUTES", "15"),
        ("PERFMON_HISTORY_MINUTES", "0"),
        ("PERFMON_SLOW_THRESHOLD_MS", "1500.5"),
        ("PERFMON_TARGET_AUTHENTICATION_MS", "40"),
        ("PERFMON_TARGET_DATABASE_QUERY_MS", "10"),
        ("PERFMON_TARGET_BILLING_MS", "200"),
        ("PERFMON_LEVELS_BILLING_MS", "10, 20,30,40"),
        ("PERFMON_CACHE_TARGET", "0.8"),
        ("PERFMON_ALERT_ERROR_RATE_HIGH", "0.01"),
        ("PERFMON_ALERT_ERROR_RATE_CRITICAL", "0.1"),
        ("PERFMON_ALERT_LATENCY_WARNING_FACTOR", "2"),
        ("PERFMON_ALERT_LATENCY_CRITICAL_FACTOR", "3"),
        ("PERFMON_OBJECTIVE_DATABASE_QUERY", "0.995"),
        ("PERFMON_ALERT_P95_WARNING_FACTOR", "2.5"),
        ("PERFMON_ALERT_P95_CRITICAL_FACTOR", "5"),
        ("PERFMON_ALERT_HYSTERESIS", "0"),
        ("PERFMON_ALERT_MIN_ITEMS_PER_SECOND", "250"),
        ("PERFMON_ALERT_DEGRADATION", "0.3"),
        ("PERFMON_ALERT_CPU_PERCENT", "70"),
        ("PERFMON_ALERT_MEMORY_PERCENT", "75.5"),
        ("PATH", "/bin"),
    ])
    .unwrap();
    assert!(!c.enabled);
    assert_eq!((c.max_operations, c.retention_minutes), (100, 15));
    assert_eq!(c.history_minutes, 0);
    assert_eq!(c.slow_threshold, Duration::from_micros(1_500_500));
    // Warning and critical from the factors, whatever the variables' order.
    assert_eq!(
        c.target(&Kind::Authentication),
        Target::from_micros(40_000, 80_000, 120_000)
    );
    assert_eq!(c.target(&Kind::DatabaseQuery).target, ms(10));
    assert_eq!(c.target(&Kind::parse("billing")).target, ms(200));
    assert_eq!(
        c.level_bounds[&Kind::parse("billing")],
        LevelBounds::from_millis(10, 20, 30, 40)
    );
    let ct = c.cache_target;
    assert_eq!(ct.target, 0.8);
    assert!((ct.warning - 0.75).abs() < 1e-12 && (ct.critical - 0.7).abs() < 1e-12);
    let a = c.alerts;
    assert_eq!((a.error_rate_high, a.error_rate_critical), (0.01, 0.1));
    assert_eq!(
        (a.latency_warning_factor, a.latency_critical_factor),
        (2.0, 3.0)
    );
    assert_eq!(
        (a.degradation, a.cpu_percent, a.memory_percent),
        (0.3, 70.0, 75.5)
    );
    assert_eq!(
        (a.p95_warning_factor, a.p95_critical_factor, a.hysteresis),
        (2.5, 5.0, 0.0)
    );
    assert_eq!(c.objectives[&Kind::DatabaseQuery], 0.995);
    assert_eq!(a.min_items_per_second, 250.0);
}

#[test]
fn booleans_accept_every_documented_spelling() {
    for (v, want) in [("true", true), ("1", true), ("YES", true), ("on", true)]
        .into_iter()
        .chain([
            ("false", false),
            ("0", false),
            ("No", false),
            ("OFF", false),
        ])
    {
        assert_eq!(env(&[("PERFMON_ENABLED", v)]).unwrap().enabled, want, "{v}");
    }
}

#[test]
fn bad_values_name_the_variable_the_value_and_what_was_expected() {
    let cases = [
        (
            "PERFMON_ENABLED",
            "maybe",
            "true/false, 1/0, yes/no or on/off",
        ),
        ("PERFMON_MAX_OPERATIONS", "lots", "a whole number >= 1"),
        ("PERFMON_MAX_OPERATIONS", "0", "a whole number >= 1"),
        ("PERFMON_MAX_OPERATIONS", "-3", "a whole number >= 1"),
        (
            "PERFMON_RETENTION_MINUTES",
            "0",
            "a whole number of minutes from 1 to 1440",
        ),
        (
            "PERFMON_RETENTION_MINUTES",
            "1441",
            "a whole number of minutes from 1 to 1440",
        ),
        ("PERFMON_SLOW_THRESHOLD_MS", "999", EXPECT_SLOW),
        ("PERFMON_SLOW_THRESHOLD_MS", "1e300", EXPECT_SLOW),
        (
            "PERFMON_TARGET_AUTHENTICATION_MS",
            "0",
            "milliseconds above 0",
        ),
        ("PERFMON_TARGET_BILLING_MS", "-1", "milliseconds above 0"),
        ("PERFMON_TARGET_BILLING_MS", "", "milliseconds above 0"),
        ("PERFMON_LEVELS_BILLING_MS", "1,2,3", EXPECT_LEVELS),
        ("PERFMON_LEVELS_BILLING_MS", "1,2,2,3", EXPECT_LEVELS),
        ("PERFMON_LEVELS_BILLING_MS", "1,2,x,3", EXPECT_LEVELS),
        ("PERFMON_CACHE_TARGET", "95", "a hit rate from 0 to 1"),
        (
            "PERFMON_ALERT_ERROR_RATE_HIGH",
            "5%",
            "a rate above 0, at most 1",
        ),
        (
            "PERFMON_ALERT_ERROR_RATE_CRITICAL",
            "2",
            "a rate above 0, at most 1",
        ),
        (
            "PERFMON_ALERT_LATENCY_WARNING_FACTOR",
            "0.5",
            "a factor >= 1",
        ),
        (
            "PERFMON_ALERT_LATENCY_CRITICAL_FACTOR",
            "NaN",
            "a factor >= 1",
        ),
        ("PERFMON_ALERT_P95_WARNING_FACTOR", "0.9", "a factor >= 1"),
        ("PERFMON_ALERT_P95_CRITICAL_FACTOR", "inf", "a factor >= 1"),
        (
            "PERFMON_ALERT_MIN_ITEMS_PER_SECOND",
            "-1",
            "items per second, 0 (off) or more",
        ),
        (
            "PERFMON_HISTORY_MINUTES",
            "10081",
            "a whole number of minutes from 0 to 10080",
        ),
        (
            "PERFMON_ALERT_HYSTERESIS",
            "0.6",
            "a fraction from 0 to 0.5",
        ),
        (
            "PERFMON_OBJECTIVE_API_RESPONSE",
            "99",
            "a share above 0 and below 1, such as 0.99",
        ),
        ("PERFMON_ALERT_DEGRADATION", "0", "a number above 0"),
        (
            "PERFMON_ALERT_CPU_PERCENT",
            "0",
            "a percentage above 0, at most 100",
        ),
        (
            "PERFMON_ALERT_MEMORY_PERCENT",
            "200",
            "a percentage above 0, at most 100",
        ),
    ];
    for (key, value, expected) in cases {
        let got = env_err(key, value);
        assert_eq!(got, format!("{key}: expected {expected}, got {value:?}"));
    }
    let err = env(&[("PERFMON_MAX_OPERATIONS", "lots")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"PERFMON_MAX_OPERATIONS: expected a whole number >= 1, got "lots""#
    );
}

const EXPECT_SLOW: &str =
    "milliseconds above 1000 (the acceptable bound of kinds without a level table)";
const EXPECT_LEVELS: &str = "four increasing milliseconds: excellent,good,acceptable,slow";

#[test]
fn unknown_variables_are_errors_with_a_suggestion() {
    let cases = [
        ("PERFMON_MAX_OPERATION", Some("PERFMON_MAX_OPERATIONS")),
        (
            "PERFMON_ALERT_CPU_PERCNT",
            Some("PERFMON_ALERT_CPU_PERCENT"),
        ),
        ("PERFMON_TARGET_BILLING", Some("PERFMON_TARGET_BILLING_MS")),
        ("PERFMON_TARGET_MS", Some("PERFMON_TARGET_<KIND>_MS")),
        ("PERFMON_LEVELS_", Some("PERFMON_LEVELS_<KIND>_MS")),
        ("PERFMON_SOMETHING_ELSE_ENTIRELY", None),
    ];
    for (key, suggestion) in cases {
        let err = env(&[(key, "1")]).unwrap_err();
        assert_eq!(
            err,
            ConfigError::UnknownKey {
                key: key.into(),
                suggestion: suggestion.map(Into::into)
            }
        );
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("{key}: not a perfmon setting")),
            "{text}"
        );
        if let Some(s) = suggestion {
            assert!(text.ends_with(&format!("(did you mean {s}?)")), "{text}");
        }
    }
}

#[test]
fn contradictions_found_at_build_name_the_variable_that_set_them() {
    let err = env(&[("PERFMON_ALERT_ERROR_RATE_HIGH", "0.5")]).unwrap_err();
    assert_eq!(err.key(), "PERFMON_ALERT_ERROR_RATE_HIGH");
    assert_eq!(
        err.to_string(),
        "PERFMON_ALERT_ERROR_RATE_HIGH: must not exceed alerts.error_rate_critical (0.2), got 0.5"
    );
    // The environment overrides what the code set.
    let c = Config::builder()
        .max_operations(5)
        .retention_minutes(5)
        .with_env_vars([("PERFMON_MAX_OPERATIONS".to_owned(), "9".to_owned())])
        .unwrap()
        .build()
        .unwrap();
    assert_eq!((c.max_operations, c.retention_minutes), (9, 5));
}

#[cfg(unix)]
#[test]
fn a_value_that_is_not_utf8_is_an_error_not_a_panic() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let vars = [
        (OsString::from("HOME"), OsString::from_vec(vec![0xff])),
        (
            OsString::from("PERFMON_MAX_OPERATIONS"),
            OsString::from("7"),
        ),
    ];
    assert_eq!(
        ConfigBuilder::from_os_vars(vars)
            .unwrap()
            .build()
            .unwrap()
            .max_operations,
        7
    );
    let bad = [(
        OsString::from("PERFMON_ENABLED"),
        OsString::from_vec(b"on\xff".to_vec()),
    )];
    let err = ConfigBuilder::from_os_vars(bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "PERFMON_ENABLED: expected UTF-8 text, got \"on\u{fffd}\""
    );
}
