//! The `#[monitor_performance]` attribute of perfmon (placeholder docs).
#![deny(missing_docs)]

mod args;
mod expand;
mod params;

use proc_macro::TokenStream;

/// Times every call of the function it is applied to (placeholder docs).
#[proc_macro_attribute]
pub fn monitor_performance(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::monitor_performance(args.into(), item.into()).into()
}
