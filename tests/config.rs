//! `install()` through the facade: the one test that configures the global
//! registry (its own binary, so no other test sees the change).

use perfmon::RegistryExt;
use perfmon::{Config, Kind, Target};
use std::time::Duration;

#[test]
fn install_applies_the_config_to_the_global_registry() {
    let vars = [
        ("PERFMON_MAX_OPERATIONS", "1234"),
        ("PERFMON_TARGET_BILLING_MS", "40"),
        ("PERFMON_ENABLED", "off"),
        ("PERFMON_ALERT_CPU_PERCENT", "70"),
    ];
    let config = Config::builder()
        .target(
            Kind::DatabaseQuery,
            Target::scaled(Duration::from_millis(10)),
        )
        .with_env_vars(vars.map(|(k, v)| (k.to_owned(), v.to_owned())))
        .unwrap()
        .install()
        .unwrap();
    let reg = perfmon::registry();
    assert!(!perfmon::is_enabled());
    perfmon::record(
        "billing.charge",
        Kind::parse("billing"),
        Duration::from_millis(5),
    );
    assert!(
        perfmon::summary("billing.charge").is_none(),
        "recorded while disabled"
    );
    assert_eq!(reg.max_operations(), 1234);
    assert_eq!(
        reg.target(&Kind::parse("billing")).target,
        Duration::from_millis(40)
    );
    assert_eq!(
        reg.target(&Kind::DatabaseQuery).target,
        Duration::from_millis(10)
    );
    assert_eq!(reg.config(), config);
    assert_eq!(reg.config().alerts.cpu_percent, 70.0);

    Config {
        enabled: true,
        ..config
    }
    .install()
    .unwrap();
    assert!(perfmon::is_enabled());
    perfmon::record(
        "billing.charge",
        Kind::parse("billing"),
        Duration::from_millis(5),
    );
    let report = reg.compliance();
    assert_eq!(report.kinds[0].kind, Kind::parse("billing"));
    assert_eq!(report.kinds[0].within_target, 1);
    assert_eq!(reg.health().status, perfmon::HealthStatus::Healthy);
}
