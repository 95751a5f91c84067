//! `kind = "..."` sets the operation's kind: built-in names map to their
//! kinds, any other name is a custom kind.

use perfmon::{monitor_performance, Kind};

#[monitor_performance(kind = "authentication", name = "kind.login")]
fn login() {}

#[monitor_performance(kind = "database_query", name = "kind.query")]
fn query() {}

#[monitor_performance(kind = "billing", name = "kind.charge")]
fn charge() {}

#[test]
fn built_in_kind_names_map_to_their_kinds() {
    login();
    query();
    assert_eq!(
        perfmon::summary("kind.login").unwrap().kind,
        Kind::Authentication
    );
    assert_eq!(
        perfmon::summary("kind.query").unwrap().kind,
        Kind::DatabaseQuery
    );
}

#[test]
fn any_other_kind_name_is_a_custom_kind() {
    charge();
    let kind = perfmon::summary("kind.charge").unwrap().kind;
    assert_eq!(kind, Kind::from_static("billing"));
    assert_eq!(kind.name(), "billing");
}
