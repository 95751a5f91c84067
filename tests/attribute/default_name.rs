//! Without `name = "..."`, an operation is named `module_path!()::fn_name`.

use perfmon::monitor_performance;

#[monitor_performance]
fn top_level() {}

mod billing {
    use perfmon::monitor_performance;

    #[monitor_performance]
    pub fn charge_card() {}

    pub struct Invoice;

    impl Invoice {
        #[monitor_performance]
        pub fn total(&self) -> u32 {
            7
        }
    }
}

#[monitor_performance]
fn r#type() {}

#[test]
fn default_name_is_module_path_and_fn_name() {
    top_level();
    let name = format!("{}::top_level", module_path!());
    assert_eq!(name, "attribute::default_name::top_level");
    assert_eq!(perfmon::summary(&name).unwrap().count, 1);
}

#[test]
fn default_name_follows_nested_modules() {
    billing::charge_card();
    let s = perfmon::summary("attribute::default_name::billing::charge_card").unwrap();
    assert_eq!(s.count, 1);
}

#[test]
fn methods_are_named_by_module_and_fn_name() {
    assert_eq!(billing::Invoice.total(), 7);
    assert_eq!(
        perfmon::summary("attribute::default_name::billing::total")
            .unwrap()
            .count,
        1
    );
}

#[test]
fn raw_identifiers_are_named_without_the_prefix() {
    r#type();
    assert_eq!(
        perfmon::summary("attribute::default_name::type")
            .unwrap()
            .count,
        1
    );
}
