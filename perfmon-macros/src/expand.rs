//! The expansion: the user's function, unchanged outside its body, whose body
//! enters a `static` call site, runs the original body and records how it
//! ended. Everything the output calls lives in `#krate::__private{PATCH}`
//! (the patch version of this crate, which perfmon-core's matches).

use crate::args::{Args, Errors};
use crate::params;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::visit_mut::VisitMut;
use syn::{
    Block, Expr, ForeignItemFn, GenericArgument, Ident, Item, ItemFn, Path, PathArguments,
    ReturnType, Stmt, Type, TypeParamBound,
};

/// Expands `#[monitor_performance(args)] item`. On any mistake the item is
/// emitted unchanged, followed by every error, so that the user's other code
/// does not fail in turn.
pub(crate) fn monitor_performance(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = Args::parse(args, &mut errors);
    let func = function(item.clone()).map_err(|e| errors.push(e)).ok();
    let captured = match &func {
        Some(func) => {
            if let Some(constness) = &func.sig.constness {
                errors.push(syn::Error::new_spanned(constness, CONST_FN));
            }
            params::resolve(&args.params, &func.sig, &mut errors)
        }
        None => Vec::new(),
    };
    match (errors.into_result(), func) {
        (Ok(()), Some(func)) => Expansion::new(&args, captured, &func).expand(func),
        (result, _) => {
            let errors = result.err().map(|e| e.to_compile_error());
            quote!(#item #errors)
        }
    }
}

const CONST_FN: &str = "#[monitor_performance] cannot be applied to a `const fn`: timing a call \
    reads a clock and records into a registry, which a const context cannot do";

const NO_BODY: &str = "#[monitor_performance] needs a function body to time: it cannot be \
    applied to a foreign function (in an `extern` block) or a trait method without a default body";

const NOT_A_FN: &str =
    "#[monitor_performance] can only be applied to a function (`fn` or `async fn`)";

/// The item as a function with a body, or an error saying why it is not one.
fn function(item: TokenStream) -> syn::Result<ItemFn> {
    let parsed = syn::parse2::<Item>(item.clone());
    if let Ok(Item::Fn(func)) = parsed {
        return Ok(func);
    }
    // A signature without a body (`fn f();`) is not an `Item::Fn`.
    if let Ok(decl) = syn::parse2::<ForeignItemFn>(item) {
        return Err(syn::Error::new_spanned(&decl.sig, NO_BODY));
    }
    Err(match parsed {
        Ok(other) => syn::Error::new_spanned(item_head(&other), NOT_A_FN),
        Err(e) => e,
    })
}

/// The keyword and name of a non-function item, where its error is shown.
fn item_head(item: &Item) -> TokenStream {
    fn head(keyword: impl ToTokens, ident: &Ident) -> TokenStream {
        quote!(#keyword #ident)
    }
    match item {
        Item::Struct(i) => head(i.struct_token, &i.ident),
        Item::Enum(i) => head(i.enum_token, &i.ident),
        Item::Union(i) => head(i.union_token, &i.ident),
        Item::Trait(i) => head(i.trait_token, &i.ident),
        Item::Const(i) => head(i.const_token, &i.ident),
        Item::Static(i) => head(i.static_token, &i.ident),
        Item::Type(i) => head(i.type_token, &i.ident),
        Item::Mod(i) => head(i.mod_token, &i.ident),
        Item::Impl(i) => i.impl_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}

/// What the body returns, as far as the expansion cares.
enum Output {
    /// `()`, written or not.
    Unit,
    /// `!`: the body never returns normally.
    Never,
    /// Anything else (`_` when unknown).
    Value(Box<Type>),
}

impl Output {
    fn of(ret: &ReturnType) -> Output {
        match ret {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) => Output::of_type(ty),
        }
    }

    fn of_type(ty: &Type) -> Output {
        match ty {
            Type::Tuple(t) if t.elems.is_empty() => Output::Unit,
            Type::Never(_) => Output::Never,
            Type::Paren(p) => Output::of_type(&p.elem),
            Type::Group(g) => Output::of_type(&g.elem),
            ty => Output::Value(Box::new(ty.clone())),
        }
    }
}

/// The pieces shared by every shape of function.
struct Expansion {
    /// `#krate::__private{PATCH}`.
    private: TokenStream,
    /// The `static` call site.
    callsite: TokenStream,
    /// `let guard = CALLSITE.enter::<N>(|p| { p.capture(i, &name); ... });`
    enter: TokenStream,
    guard: Ident,
    ret: Ident,
    /// `cache = "..."`: the cache's name, spanned where it was written.
    cache: Option<syn::LitStr>,
}

/// A local of the expansion: its mixed-site span keeps it apart from the
/// user's own names, as a `macro_rules!` local would be.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

impl Expansion {
    fn new(args: &Args, captured: Vec<Ident>, func: &ItemFn) -> Expansion {
        let krate = args
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::perfmon));
        // Versioned like serde's and thiserror's private paths: a
        // perfmon-macros paired with a perfmon of another patch version
        // fails with "could not find `__private1` in `perfmon`" instead of a
        // confusing error inside the expansion.
        let private_mod = Ident::new(
            concat!("__private", env!("CARGO_PKG_VERSION_PATCH")),
            Span::call_site(),
        );
        let private = quote!(#krate::#private_mod);
        let name = match &args.name {
            Some(name) => name.to_token_stream(),
            None => {
                let fn_name = func.sig.ident.unraw().to_string();
                quote!(::core::concat!(::core::module_path!(), "::", #fn_name))
            }
        };
        let kind = args
            .kind
            .as_ref()
            .map_or_else(|| "custom".to_owned(), |k| k.value());
        let names = captured.iter().map(|c| c.to_string());
        let callsite = quote! {
            static __PERFMON_CALLSITE: #private::Callsite =
                #private::Callsite::new(#private::CallsiteMeta {
                    name: #name,
                    kind: #kind,
                    params: &[#(#names),*],
                });
        };
        let guard = local("__perfmon_guard");
        let n = captured.len();
        let capture = if captured.is_empty() {
            quote!(|_| {})
        } else {
            let p = local("__perfmon_params");
            // Spanned at each name, so a type without `Debug` is reported there.
            let captures = captured
                .iter()
                .enumerate()
                .map(|(i, ident)| quote_spanned!(ident.span()=> #p.capture(#i, &#ident);));
            quote!(|#p| { #(#captures)* })
        };
        let enter = quote! {
            let #guard = __PERFMON_CALLSITE.enter::<#n>(#capture);
        };
        Expansion {
            private,
            callsite,
            enter,
            guard,
            ret: local("__perfmon_ret"),
            cache: args.cache.clone(),
        }
    }

    fn expand(self, func: ItemFn) -> TokenStream {
        let ItemFn {
            attrs,
            vis,
            sig,
            block,
        } = func;
        let body = if sig.asyncness.is_some() {
            self.async_fn(&sig.output, &block)
        } else if let Some(boxed) = AsyncTraitBody::recognise(&block) {
            self.async_trait_fn(&sig.output, boxed)
        } else {
            self.sync_fn(&sig.output, &block)
        };
        let mut out = quote!(#(#attrs)* #vis #sig);
        block.brace_token.surround(&mut out, |out| out.extend(body));
        out
    }

    /// The body runs in a closure, so `return` and `?` keep their meaning,
    /// and its value is classified before it is returned.
    fn sync_fn(&self, output: &ReturnType, block: &Block) -> TokenStream {
        let Expansion {
            private,
            callsite,
            enter,
            guard,
            ret,
            ..
        } = self;
        match Output::of(output) {
            Output::Unit => quote! {
                #callsite
                #enter
                #private::call_once(move || #block);
                #guard.finish();
            },
            // Nothing to record unless it unwinds, which the guard's drop does.
            Output::Never => quote! {
                #callsite
                #enter
                #private::call_once(move || -> ! #block)
            },
            Output::Value(ty) => {
                let closure_ty = infer_impl_trait(&ty);
                let classify = self.classify(&ty);
                quote! {
                    #callsite
                    #enter
                    let #ret = #private::call_once(move || -> #closure_ty #block);
                    #classify
                    #ret
                }
            }
        }
    }

    /// The guard is entered when the function's future is first polled; the
    /// body becomes an inner future whose completion stops the clock.
    fn async_fn(&self, output: &ReturnType, block: &Block) -> TokenStream {
        let Expansion {
            callsite, enter, ..
        } = self;
        let output = Output::of(output);
        let future = typed_async_block(&output, block);
        let awaited = self.await_and_classify(output, future);
        quote! {
            #callsite
            #enter
            #awaited
        }
    }

    /// `#[async_trait]` already turned the `async fn` into a function
    /// returning `Box::pin(async move { body })`: the boxed future is timed,
    /// from its first poll, rather than the call that boxes it.
    fn async_trait_fn(&self, output: &ReturnType, boxed: AsyncTraitBody) -> TokenStream {
        let Expansion {
            callsite, enter, ..
        } = self;
        let AsyncTraitBody {
            before,
            box_pin,
            future,
        } = boxed;
        let output = match async_trait_output(output) {
            Some(ty) => Output::of_type(ty),
            None => Output::Value(Box::new(Type::Infer(syn::parse_quote!(_)))),
        };
        let awaited = self.await_and_classify(output, future.to_token_stream());
        quote! {
            #callsite
            #(#before)*
            #box_pin(async move {
                #enter
                #awaited
            })
        }
    }

    /// Awaits `future` wrapped in `Instrumented`, then records the outcome
    /// and yields the output.
    fn await_and_classify(&self, output: Output, future: TokenStream) -> TokenStream {
        let Expansion {
            private,
            guard,
            ret,
            ..
        } = self;
        match output {
            Output::Unit => quote! {
                let ((), #guard) = #private::Instrumented::new(#guard, #future).await;
                #guard.finish();
            },
            Output::Never => quote! {
                #private::Instrumented::new(#guard, #future).await.0
            },
            Output::Value(ty) => {
                let classify = self.classify(&ty);
                quote! {
                    let (#ret, #guard) = #private::Instrumented::new(#guard, #future).await;
                    #classify
                    #ret
                }
            }
        }
    }

    /// A `Result` ends the call as ok or error (with the error's text);
    /// anything else as ok.
    fn classify(&self, ty: &Type) -> TokenStream {
        let Expansion {
            private,
            guard,
            ret,
            ..
        } = self;
        if let Some(cache) = &self.cache {
            if !is_named(ty, "Option") {
                return quote_spanned!(cache.span()=> ::core::compile_error!(
                    "`cache` counts a `Some` as a hit and a `None` as a miss, so the function must return `Option<...>`"
                ););
            }
            return quote! {
                static __PERFMON_CACHE: #private::CacheSite = #private::CacheSite::new(#cache);
                __PERFMON_CACHE.record(::core::option::Option::is_some(&#ret));
                #guard.finish();
            };
        }
        if !is_result(ty) {
            return quote!(#guard.finish(););
        }
        let err = local("__perfmon_err");
        quote! {
            match &#ret {
                ::core::result::Result::Ok(_) => #guard.finish(),
                ::core::result::Result::Err(#err) => {
                    use #private::{DescribeDisplay as _, DescribeFallback as _};
                    #guard.finish_err((&&#private::ErrorRef(#err)).perfmon_describe())
                }
            }
        }
    }
}

/// `async move { body }`, its output typed as the function's: a never-taken
/// `return` of that type comes first, so the body's `return`s, `?`s and tail
/// are coerced to it as they are in the `async fn` itself (an async block
/// otherwise takes the type of its first `return`).
fn typed_async_block(output: &Output, block: &Block) -> TokenStream {
    let typed = match output {
        Output::Value(ty) => {
            let ty = infer_impl_trait(ty);
            if matches!(ty, Type::Infer(_)) {
                None
            } else {
                let r = local("__perfmon_typed");
                Some(quote! {
                    if let ::core::option::Option::Some(#r) = ::core::option::Option::None::<#ty> {
                        return #r;
                    }
                })
            }
        }
        Output::Unit | Output::Never => None,
    };
    let stmts = &block.stmts;
    let mut body = quote!(#typed #(#stmts)*);
    let mut future = quote!(async move);
    block
        .brace_token
        .surround(&mut future, |out| out.extend(body.clone()));
    body = future;
    body
}

/// Whether the type's last path segment is `Result` (`Result<T, E>`,
/// `io::Result<T>`, `anyhow::Result<T>`...).
fn is_result(ty: &Type) -> bool {
    is_named(ty, "Result")
}

/// Whether the type's last path segment is `name`.
fn is_named(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == name),
        Type::Paren(p) => is_named(&p.elem, name),
        Type::Group(g) => is_named(&g.elem, name),
        _ => false,
    }
}

/// The type with every `impl Trait` replaced by `_`, for positions (a
/// closure's or a future's output) where `impl Trait` cannot be written.
fn infer_impl_trait(ty: &Type) -> Type {
    struct Infer;
    impl VisitMut for Infer {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(it) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: syn::Token![_](syn::spanned::Spanned::span(it)),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    let mut ty = ty.clone();
    Infer.visit_type_mut(&mut ty);
    ty
}

/// A body shaped as `#[async_trait]` leaves it: statements, then
/// `Box::pin(async move { ... })` as the tail expression.
struct AsyncTraitBody<'a> {
    before: &'a [Stmt],
    box_pin: &'a Expr,
    future: &'a Expr,
}

impl<'a> AsyncTraitBody<'a> {
    fn recognise(block: &'a Block) -> Option<AsyncTraitBody<'a>> {
        let (last, before) = block.stmts.split_last()?;
        let Stmt::Expr(Expr::Call(call), None) = last else {
            return None;
        };
        let Expr::Path(func) = &*call.func else {
            return None;
        };
        if !ends_with(&func.path, &["Box", "pin"]) || call.args.len() != 1 {
            return None;
        }
        let future = call.args.first()?;
        matches!(future, Expr::Async(_)).then_some(AsyncTraitBody {
            before,
            box_pin: &call.func,
            future,
        })
    }
}

fn ends_with(path: &Path, tail: &[&str]) -> bool {
    path.segments.len() >= tail.len()
        && path
            .segments
            .iter()
            .rev()
            .zip(tail.iter().rev())
            .all(|(seg, name)| seg.ident == name && seg.arguments.is_empty())
}

/// `R` in `Pin<Box<dyn Future<Output = R> + Send + 'async_trait>>`.
fn async_trait_output(ret: &ReturnType) -> Option<&Type> {
    let ReturnType::Type(_, ty) = ret else {
        return None;
    };
    let boxed = only_type_argument(ty, "Pin")?;
    let Type::TraitObject(object) = only_type_argument(boxed, "Box")? else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(t) = bound else {
            return None;
        };
        let last = t.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// `T` in `...::Name<T>`.
fn only_type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_result_types() {
        for ty in [
            quote!(Result<u8, E>),
            quote!(std::io::Result<()>),
            quote!(anyhow::Result<Vec<u8>>),
        ] {
            assert!(is_result(&syn::parse2(ty.clone()).unwrap()), "{ty}");
        }
        for ty in [
            quote!(Option<u8>),
            quote!(&Result<u8, E>),
            quote!(impl Fn()),
        ] {
            assert!(!is_result(&syn::parse2(ty.clone()).unwrap()), "{ty}");
        }
    }

    #[test]
    fn replaces_impl_trait_with_infer() {
        let ty: Type = syn::parse_quote!(Result<impl Iterator<Item = &'a u8> + 'a, E>);
        let out = infer_impl_trait(&ty);
        assert_eq!(
            out.to_token_stream().to_string(),
            quote!(Result<_, E>).to_string()
        );
    }

    #[test]
    fn finds_the_output_of_an_async_trait_future() {
        let ret: ReturnType = syn::parse_quote!(
            -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u8, E>>
                + ::core::marker::Send + 'async_trait>>
        );
        let out = async_trait_output(&ret).unwrap();
        assert_eq!(
            out.to_token_stream().to_string(),
            quote!(Result<u8, E>).to_string()
        );
    }

    #[test]
    fn recognises_the_async_trait_body_only() {
        let boxed: Block = syn::parse_quote!({
            let x = 1;
            Box::pin(async move { x })
        });
        let found = AsyncTraitBody::recognise(&boxed).unwrap();
        assert_eq!(found.before.len(), 1);
        let plain: Block = syn::parse_quote!({ Box::pin(make_future()) });
        assert!(AsyncTraitBody::recognise(&plain).is_none());
        let stmt: Block = syn::parse_quote!({
            Box::pin(async move { 1 });
        });
        assert!(AsyncTraitBody::recognise(&stmt).is_none());
    }
}
