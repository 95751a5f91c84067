use super::*;
use crate::{Level, Registry};

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
fn defaults_are_the_documented_values() {
    let c = Config::default();
    assert!(c.enabled);
    assert_eq!(c.max_operations, crate::DEFAULT_MAX_OPERATIONS);
    assert_eq!(c.retention_minutes, 60);
    assert_eq!(c.slow_threshold, ms(3000));
    assert_eq!(c.cache_target, CacheTarget::DEFAULT);
    let a = c.alerts;
    assert_eq!((a.error_rate_warning, a.error_rate_critical), (0.05, 0.20));
    assert_eq!(
        (a.latency_warning_factor, a.latency_critical_factor),
        (1.5, 2.0)
    );
    assert_eq!(
        (a.degradation_threshold, a.cpu_percent, a.memory_percent),
        (0.5, 80.0, 85.0)
    );
    assert_eq!(
        c.target(&Kind::DatabaseQuery),
        Target::for_kind(&Kind::DatabaseQuery)
    );
    c.validate().unwrap();
    assert_eq!(Config::builder().build().unwrap(), c);
    assert_eq!(env(&[]).unwrap(), c);
}

#[test]
fn every_setter_lands_in_its_field() {
    let bounds = LevelBounds::from_millis(1, 2, 3, 4);
    let cache = CacheTarget {
        target: 0.8,
        warning: 0.7,
        critical: 0.6,
    };
    let c = Config::builder()
        .enabled(false)
        .max_operations(7)
        .retention_minutes(1440)
        .slow_threshold(ms(2000))
        .target(Kind::Authentication, Target::scaled(ms(20)))
        .level_bounds(Kind::Processing, bounds)
        .cache_target(cache)
        .error_rate_warning(0.1)
        .error_rate_critical(0.3)
        .latency_warning_factor(1.2)
        .latency_critical_factor(4.0)
        .degradation_threshold(0.25)
        .cpu_percent(90.0)
        .memory_percent(95.0)
        .build()
        .unwrap();
    assert!(!c.enabled);
    assert_eq!(
        (c.max_operations, c.retention_minutes, c.slow_threshold),
        (7, 1440, ms(2000))
    );
    assert_eq!(c.target(&Kind::Authentication), Target::scaled(ms(20)));
    assert_eq!(c.level_bounds[&Kind::Processing], bounds);
    assert_eq!(c.cache_target, cache);
    let a = c.alerts;
    assert_eq!((a.error_rate_warning, a.error_rate_critical), (0.1, 0.3));
    assert_eq!(
        (a.latency_warning_factor, a.latency_critical_factor),
        (1.2, 4.0)
    );
    assert_eq!(
        (a.degradation_threshold, a.cpu_percent, a.memory_percent),
        (0.25, 90.0, 95.0)
    );
    let back: Config = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn builder_errors_name_the_field_and_value() {
    let cases: Vec<(ConfigBuilder, &str)> = vec![
        (Config::builder().max_operations(0), r#"max_operations: expected a whole number >= 1, got "0""#),
        (Config::builder().retention_minutes(1441), r#"retention_minutes: expected a whole number of minutes from 1 to 1440, got "1441""#),
        (Config::builder().slow_threshold(ms(1000)), r#"slow_threshold: expected milliseconds above 1000 (the acceptable bound of kinds without a level table), got "1000""#),
        (Config::builder().target(Kind::Cache, Target::scaled(Duration::ZERO)), r#"targets.cache: expected a target above zero, got "0ns""#),
        (Config::builder().target(Kind::Cache, Target::from_micros(10, 5, 20)), "targets.cache: a target must satisfy target <= warning <= critical, got 10µs / 5µs / 20µs"),
        (Config::builder().level_bounds(Kind::Cache, LevelBounds::from_millis(1, 1, 2, 3)), "level_bounds.cache: level bounds must strictly increase"),
        (Config::builder().cache_target(CacheTarget { target: 1.5, ..CacheTarget::DEFAULT }), r#"cache_target: expected hit rates from 0 to 1, got "1.5""#),
        (Config::builder().cache_target(CacheTarget { target: 0.5, ..CacheTarget::DEFAULT }), "cache_target: a cache target must satisfy target >= warning >= critical, got 0.5 / 0.9 / 0.85"),
        (Config::builder().error_rate_warning(0.0), r#"alerts.error_rate_warning: expected a rate above 0, at most 1, got "0""#),
        (Config::builder().error_rate_critical(1.5), r#"alerts.error_rate_critical: expected a rate above 0, at most 1, got "1.5""#),
        (Config::builder().latency_warning_factor(0.9), r#"alerts.latency_warning_factor: expected a factor >= 1, got "0.9""#),
        (Config::builder().latency_critical_factor(f64::INFINITY), r#"alerts.latency_critical_factor: expected a factor >= 1, got "inf""#),
        (Config::builder().degradation_threshold(f64::NAN), r#"alerts.degradation_threshold: expected a number above 0, got "NaN""#),
        (Config::builder().cpu_percent(101.0), r#"alerts.cpu_percent: expected a percentage above 0, at most 100, got "101""#),
        (Config::builder().memory_percent(-1.0), r#"alerts.memory_percent: expected a percentage above 0, at most 100, got "-1""#),
        (Config::builder().error_rate_warning(0.5), "alerts.error_rate_warning: must not exceed alerts.error_rate_critical (0.2), got 0.5"),
        (Config::builder().latency_warning_factor(3.0), "alerts.latency_warning_factor: must not exceed alerts.latency_critical_factor (2), got 3"),
    ];
    for (builder, want) in cases {
        let got = builder.build().unwrap_err().to_string();
        assert!(got.starts_with(want), "got  {got}\nwant {want}");
    }
}

#[test]
fn every_variable_is_read() {
    let c = env(&[
        ("PERFMON_ENABLED", " Off "),
        ("PERFMON_MAX_OPERATIONS", "100"),
        ("PERFMON_RETENTION_MINUTES", "15"),
        ("PERFMON_SLOW_THRESHOLD_MS", "1500.5"),
        ("PERFMON_TARGET_AUTHENTICATION_MS", "40"),
        ("PERFMON_TARGET_DATABASE_QUERY_MS", "10"),
        ("PERFMON_TARGET_BILLING_MS", "200"),
        ("PERFMON_LEVELS_BILLING_MS", "10, 20,30,40"),
        ("PERFMON_CACHE_TARGET", "0.8"),
        ("PERFMON_ALERT_ERROR_RATE_WARNING", "0.01"),
        ("PERFMON_ALERT_ERROR_RATE_CRITICAL", "0.1"),
        ("PERFMON_ALERT_LATENCY_WARNING_FACTOR", "2"),
        ("PERFMON_ALERT_LATENCY_CRITICAL_FACTOR", "3"),
        ("PERFMON_ALERT_DEGRADATION_THRESHOLD", "0.3"),
        ("PERFMON_ALERT_CPU_PERCENT", "70"),
        ("PERFMON_ALERT_MEMORY_PERCENT", "75.5"),
        ("PATH", "/bin"),
    ])
    .unwrap();
    assert!(!c.enabled);
    assert_eq!((c.max_operations, c.retention_minutes), (100, 15));
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
    assert_eq!((a.error_rate_warning, a.error_rate_critical), (0.01, 0.1));
    assert_eq!(
        (a.latency_warning_factor, a.latency_critical_factor),
        (2.0, 3.0)
    );
    assert_eq!(
        (a.degradation_threshold, a.cpu_percent, a.memory_percent),
        (0.3, 70.0, 75.5)
    );
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
            "PERFMON_ALERT_ERROR_RATE_WARNING",
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
        (
            "PERFMON_ALERT_DEGRADATION_THRESHOLD",
            "0",
            "a number above 0",
        ),
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
    let err = env(&[("PERFMON_ALERT_ERROR_RATE_WARNING", "0.5")]).unwrap_err();
    assert_eq!(err.key(), "PERFMON_ALERT_ERROR_RATE_WARNING");
    assert_eq!(
        err.to_string(),
        "PERFMON_ALERT_ERROR_RATE_WARNING: must not exceed alerts.error_rate_critical (0.2), got 0.5"
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

#[test]
fn apply_to_sets_cap_targets_bounds_cache_target_and_config() {
    let reg = Registry::new();
    reg.record("job.before", Kind::Processing, ms(2500)); // slow under the defaults
    let c = Config::builder()
        .max_operations(3)
        .slow_threshold(ms(2000))
        .target(Kind::DatabaseQuery, Target::scaled(ms(10)))
        .level_bounds(Kind::DatabaseQuery, LevelBounds::from_millis(2, 4, 10, 20))
        .cache_target(CacheTarget {
            target: 0.9,
            warning: 0.8,
            critical: 0.7,
        })
        .degradation_threshold(0.2)
        .build()
        .unwrap();
    c.apply_to(&reg).unwrap();
    assert_eq!(reg.max_operations(), 3);
    assert_eq!(reg.target(&Kind::DatabaseQuery), Target::scaled(ms(10)));
    assert_eq!(reg.cache_target().target, 0.9);
    reg.record("job.before", Kind::Processing, ms(2500));
    reg.record("job.after", Kind::parse("billing"), ms(2500));
    reg.record("db.q", Kind::DatabaseQuery, ms(15));
    assert_eq!(
        reg.summary("job.before").unwrap().levels.get(Level::Slow),
        1
    );
    assert_eq!(
        reg.summary("job.before")
            .unwrap()
            .levels
            .get(Level::Critical),
        1
    );
    assert_eq!(
        reg.summary("job.after")
            .unwrap()
            .levels
            .get(Level::Critical),
        1
    );
    assert_eq!(reg.summary("db.q").unwrap().levels.get(Level::Slow), 1);
    let active = reg.config();
    assert_eq!(active.alerts.degradation_threshold, 0.2);
    assert_eq!(active.slow_threshold, ms(2000));
    assert_eq!(active.targets, c.targets);
    assert_eq!(active.level_bounds, c.level_bounds);
    assert_eq!(
        (active.max_operations, active.cache_target),
        (3, c.cache_target)
    );
}

#[test]
fn an_invalid_config_changes_nothing() {
    let reg = Registry::new();
    let mut c = Config {
        max_operations: 9,
        ..Config::default()
    };
    c.alerts.cpu_percent = 0.0;
    assert_eq!(c.apply_to(&reg).unwrap_err().key(), "alerts.cpu_percent");
    assert_eq!(reg.max_operations(), crate::DEFAULT_MAX_OPERATIONS);
    assert_eq!(
        reg.config(),
        Config {
            enabled: crate::is_enabled(),
            ..Config::default()
        }
    );
}

#[test]
fn registry_targets_are_validated() {
    let reg = Registry::new();
    let err = reg
        .set_target(Kind::Cache, Target::from_micros(10, 5, 20))
        .unwrap_err();
    assert_eq!(err.key(), "targets.cache");
    assert_eq!(reg.target(&Kind::Cache), Target::DEFAULT);
    let bad = CacheTarget {
        target: 0.8,
        warning: 0.9,
        critical: 0.7,
    };
    assert_eq!(reg.set_cache_target(bad).unwrap_err().key(), "cache_target");
    assert_eq!(reg.cache_target(), CacheTarget::DEFAULT);
    reg.set_target(Kind::Cache, Target::scaled(ms(1))).unwrap();
    assert_eq!(reg.configured_targets().len(), 1);
}
