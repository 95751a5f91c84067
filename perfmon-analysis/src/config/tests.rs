use super::*;
use perfmon_core::{Level, Registry};

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn env(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_env_vars(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn defaults_are_the_documented_values() {
    let c = Config::default();
    assert!(c.enabled);
    assert_eq!(c.max_operations, perfmon_core::DEFAULT_MAX_OPERATIONS);
    assert_eq!(c.retention_minutes, 60);
    assert_eq!(c.slow_threshold, ms(3000));
    assert_eq!(c.cache_target, CacheTarget::DEFAULT);
    let a = c.alerts;
    assert_eq!((a.error_rate_high, a.error_rate_critical), (0.05, 0.20));
    assert_eq!(
        (a.latency_warning_factor, a.latency_critical_factor),
        (1.5, 2.0)
    );
    assert_eq!(
        (a.degradation, a.cpu_percent, a.memory_percent),
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
        .error_rate_high(0.1)
        .error_rate_critical(0.3)
        .latency_warning_factor(1.2)
        .latency_critical_factor(4.0)
        .degradation(0.25)
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
    assert_eq!((a.error_rate_high, a.error_rate_critical), (0.1, 0.3));
    assert_eq!(
        (a.latency_warning_factor, a.latency_critical_factor),
        (1.2, 4.0)
    );
    assert_eq!(
        (a.degradation, a.cpu_percent, a.memory_percent),
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
        (Config::builder().error_rate_high(0.0), r#"alerts.error_rate_high: expected a rate above 0, at most 1, got "0""#),
        (Config::builder().error_rate_critical(1.5), r#"alerts.error_rate_critical: expected a rate above 0, at most 1, got "1.5""#),
        (Config::builder().latency_warning_factor(0.9), r#"alerts.latency_warning_factor: expected a factor >= 1, got "0.9""#),
        (Config::builder().latency_critical_factor(f64::INFINITY), r#"alerts.latency_critical_factor: expected a factor >= 1, got "inf""#),
        (Config::builder().degradation(f64::NAN), r#"alerts.degradation: expected a number above 0, got "NaN""#),
        (Config::builder().cpu_percent(101.0), r#"alerts.cpu_percent: expected a percentage above 0, at most 100, got "101""#),
        (Config::builder().memory_percent(-1.0), r#"alerts.memory_percent: expected a percentage above 0, at most 100, got "-1""#),
        (Config::builder().error_rate_high(0.5), "alerts.error_rate_high: must not exceed alerts.error_rate_critical (0.2), got 0.5"),
        (Config::builder().latency_warning_factor(3.0), "alerts.latency_warning_factor: must not exceed alerts.latency_critical_factor (2), got 3"),
    ];
    for (builder, want) in cases {
        let got = builder.build().unwrap_err().to_string();
        assert!(got.starts_with(want), "got  {got}\nwant {want}");
    }
}

#[test]
fn apply_to_sets_cap_targets_bounds_cache_target_and_config() {
    let reg = Registry::new();
    reg.record("job.before", Kind::Processing, ms(2500)); // slow under the defaults
    let c = Config::builder()
        .max_operations(3)
        .retention_minutes(15)
        .history_minutes(120)
        .slow_threshold(ms(2000))
        .target(Kind::DatabaseQuery, Target::scaled(ms(10)))
        .level_bounds(Kind::DatabaseQuery, LevelBounds::from_millis(2, 4, 10, 20))
        .cache_target(CacheTarget {
            target: 0.9,
            warning: 0.8,
            critical: 0.7,
        })
        .degradation(0.2)
        .build()
        .unwrap();
    c.apply_to(&reg).unwrap();
    assert_eq!(reg.max_operations(), 3);
    assert_eq!(reg.retention_minutes(), 15);
    assert_eq!(reg.history_minutes(), 120);
    assert_eq!(reg.config().history_minutes, 120);
    assert_eq!(
        c.alerts.cache.target, 0.9,
        "alerts judge caches by the configured target"
    );
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
    assert_eq!(active.alerts.degradation, 0.2);
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
    assert_eq!(reg.max_operations(), perfmon_core::DEFAULT_MAX_OPERATIONS);
    assert_eq!(
        reg.config(),
        Config {
            enabled: perfmon_core::is_enabled(),
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

#[test]
fn slow_threshold_reaches_the_overflow_operation_too() {
    let reg = Registry::new();
    reg.set_max_operations(0);
    reg.record("refused", Kind::parse("billing"), ms(2500));
    Config::builder()
        .max_operations(1)
        .slow_threshold(ms(2000))
        .build()
        .unwrap()
        .apply_to(&reg)
        .unwrap();
    reg.record("refused.too", Kind::parse("billing"), ms(10)); // takes the one slot
    reg.record("refused.again", Kind::parse("billing"), ms(2500));
    let overflow = reg.summary(perfmon_core::OVERFLOW_OPERATION).unwrap();
    assert_eq!(overflow.levels.get(Level::Slow), 1);
    assert_eq!(overflow.levels.get(Level::Critical), 1);
}

#[test]
fn the_analysis_window_is_five_minutes_and_bad_values_name_key_and_value() {
    assert_eq!(Config::default().analysis_window_minutes, 5);
    let c = Config::builder()
        .analysis_window_minutes(15)
        .build()
        .unwrap();
    assert_eq!(c.analysis_window_minutes, 15);
    let err = Config::builder()
        .analysis_window_minutes(0)
        .build()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        r#"analysis_window_minutes: expected a whole number of minutes from 1 to 1440, got "0""#
    );
    let env = |v: &str| {
        Config::from_env_vars([("PERFMON_ANALYSIS_WINDOW_MINUTES".to_owned(), v.to_owned())])
    };
    assert_eq!(env("30").unwrap().analysis_window_minutes, 30);
    let err = env("soon").unwrap_err().to_string();
    assert!(
        err.contains("PERFMON_ANALYSIS_WINDOW_MINUTES") && err.contains("soon"),
        "{err}"
    );
}
