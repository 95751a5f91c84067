//! The `#[monitor_performance]` attribute of perfmon.
//!
//! Use it through the `perfmon` crate (`use perfmon::monitor_performance;`),
//! which re-exports it next to the runtime the expanded code calls. This
//! crate holds no runtime logic: it parses the attribute into typed
//! arguments (`args`), checks the captured parameters (`params`) and emits
//! calls into `perfmon::__private{PATCH}` (`expand`), versioned so that
//! mismatched crate versions fail clearly,. Every mistake is a compile
//! error underlining the token at fault, all reported at once.
//!
//! ```ignore
//! use perfmon::monitor_performance;
//!
//! #[monitor_performance(kind = "database_query", params(part_id))]
//! async fn get_part(db: &Db, part_id: u64) -> Result<Part, DbError> {
//!     db.fetch(part_id).await
//! }
//! ```
#![deny(missing_docs)]

mod args;
mod expand;
mod params;

use proc_macro::TokenStream;

/// Times every call of the function it is applied to, and records how the
/// call ended into perfmon's registry (read back with `perfmon::summary`).
///
/// ```ignore
/// use perfmon::monitor_performance;
///
/// #[monitor_performance(kind = "authentication", name = "auth.login", params(user_id))]
/// async fn login(user_id: u64, password: &str) -> Result<Session, AuthError> {
///     // ...
/// }
/// ```
///
/// # Arguments
///
/// All are optional; `#[monitor_performance]` alone times the function as
/// an operation of kind `custom` named after it.
///
/// - `kind = "..."`: the operation's kind, a string literal. The built-in
///   kinds are `authentication`, `authorization`, `database_query`, `cache`,
///   `api_response`, `processing` and `custom` (the default); any other
///   string is a custom kind of that name. The kind picks the operation's
///   targets and level boundaries.
///
///   ```ignore
///   #[monitor_performance(kind = "cache")]
///   fn lookup(key_hash: u64) -> Option<Vec<u8>> { /* ... */ }
///   ```
///
/// - `name = "..."`: the operation's name, a string literal. By default it
///   is `concat!(module_path!(), "::", fn_name)`, e.g. `my_app::parts::get_part`
///   (for methods too: the type's name is not part of it).
///
///   ```ignore
///   #[monitor_performance(name = "parts.get_part")]
///   fn get_part(id: u64) -> Part { /* ... */ }
///   ```
///
/// - `params(a, b, ...)`: parameters whose `Debug` text is kept with the
///   call's record when it fails or is among the slowest (cut to 128 bytes,
///   marked with `…` when cut). Nothing is captured unless named here. Only
///   parameters written `name: Type` can be named, and `self` (its `Debug`).
///   Capturing formats into a fixed buffer on the stack: no allocation.
///
///   A name that looks like a secret is refused at compile time: the name is
///   split into its snake_case (or camelCase) words, and it is refused when
///   a word is one of `password`, `passwd`, `pwd`, `secret`, `token`, `key`,
///   `credential`, `credentials`, `authorization`, `cookie`, `session`,
///   `ssn`, `cvv`, `pin`, `otp`, `private`. So `api_key`, `user_password`
///   and `session_id` are refused, while `keyword` and `spinner` are not.
///   When such a name is not a secret, opt in next to it with
///   `allow_secret(...)`:
///
///   ```ignore
///   #[monitor_performance(params(skip, limit))]
///   fn list_parts(skip: usize, limit: usize) -> Vec<Part> { /* ... */ }
///
///   // `pin_code` would be refused; here it is the pin of a part drawing.
///   #[monitor_performance(params(allow_secret(pin_code), revision))]
///   fn drawing(pin_code: u32, revision: u8) -> Drawing { /* ... */ }
///   ```
///
/// - `cache = "L1"`: for a function returning `Option`, a `Some` counts as a
///   hit of the named cache and a `None` as a miss (read with
///   `perfmon::registry().cache_snapshot("L1")`). On any other return type
///   it is a compile error.
///
///   ```ignore
///   #[monitor_performance(kind = "cache", cache = "L1")]
///   fn l1_get(key: &str) -> Option<Session> { /* ... */ }
///   ```
///
/// - `crate = path`: where perfmon is reachable, for crates that re-export
///   it (default `::perfmon`). The expansion calls `path::__private{PATCH}::...` (`__private0` for
///   perfmon 0.1.0).
///
///   ```ignore
///   #[monitor_performance(crate = my_framework::perfmon)]
///   fn handle() { /* ... */ }
///   ```
///
/// # What is recorded
///
/// - The call's duration and outcome: ok; error, for a return type whose
///   last path segment is `Result` (`Result`, `io::Result`,
///   `anyhow::Result`...) holding `Err`, with the error's `Display` text
///   (cut to 256 bytes) or, without `Display`, its type name; panicked, when
///   the body unwinds (the panic then propagates unchanged); cancelled, when
///   an async call's future is dropped before it completes.
/// - `async fn`s are timed from their first poll to their completion, their
///   awaits included. Under `#[async_trait]`, the boxed future is timed, not
///   the call that boxes it.
///
/// # Where it applies
///
/// Functions, async functions, methods (`&self`, `&mut self`, `self`),
/// generic functions, functions returning references or `impl Trait`,
/// `async fn` in trait impls and trait default methods, and methods of an
/// `#[async_trait]` impl. The signature, attributes, docs and visibility
/// stay as written; `return` and `?` in the body keep their meaning.
///
/// It is a compile error on a `const fn`, on a function without a body (in
/// an `extern` block, or a trait method without a default body) and on any
/// item that is not a function.
///
/// # Expansion
///
/// A `static` call site in the body (registered on its first call), a guard
/// entered with the captured parameters, then the original body: in a
/// closure for a sync function, as an inner future for an async one; the
/// result is classified and returned. Roughly, for a sync function:
///
/// ```text
/// fn f(a: A) -> Result<T, E> {
///     static __PERFMON_CALLSITE: Callsite = Callsite::new(CallsiteMeta { name, kind, params: &["a"] });
///     let guard = __PERFMON_CALLSITE.enter::<1>(|p| { p.capture(0, &a); });
///     let ret = call_once(move || -> Result<T, E> { /* body */ });
///     match &ret { Ok(_) => guard.finish(), Err(e) => guard.finish_err(describe(e)) }
///     ret
/// }
/// ```
#[proc_macro_attribute]
pub fn monitor_performance(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::monitor_performance(args.into(), item.into()).into()
}
