//! The function's attributes, docs and visibility are kept as written (see
//! also tests/ui/attributes_are_kept.rs: `#[deprecated]` and `#[must_use]`
//! still warn).
#![deny(missing_docs)]

mod service {
    use perfmon::monitor_performance;

    /// Documented, crate-visible, inlined: all kept.
    #[inline]
    #[monitor_performance(name = "attributes_kept.visible")]
    pub(crate) fn visible() -> u8 {
        1
    }

    /// Deprecated stays deprecated.
    #[deprecated(note = "use visible")]
    #[monitor_performance(name = "attributes_kept.old")]
    pub fn old() -> u8 {
        2
    }

    #[cfg(any())]
    #[monitor_performance]
    pub fn compiled_out() -> u8 {
        3
    }

    /// `cfg` attributes keep working on the function.
    #[cfg(not(any()))]
    #[monitor_performance(name = "attributes_kept.compiled_in")]
    pub fn compiled_out() -> u8 {
        4
    }
}

#[test]
fn visibility_and_docs_are_kept() {
    assert_eq!(service::visible(), 1);
    assert_eq!(
        perfmon::summary("attributes_kept.visible").unwrap().count,
        1
    );
}

#[test]
#[allow(deprecated)]
fn deprecated_fn_still_runs() {
    assert_eq!(service::old(), 2);
    assert_eq!(perfmon::summary("attributes_kept.old").unwrap().count, 1);
}

#[test]
fn cfg_selects_the_function_as_written() {
    assert_eq!(service::compiled_out(), 4);
}
