//! The attribute's arguments, parsed into [`Args`].
//!
//! Each argument is parsed on its own, and a mistake in one does not stop the
//! others from being read: every error is collected (spanned at the token at
//! fault) so the user sees all of them at once.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Path, Token};

mod kw {
    syn::custom_keyword!(kind);
    syn::custom_keyword!(name);
    syn::custom_keyword!(params);
    syn::custom_keyword!(allow_secret);
}

/// The names a user may write, for messages and suggestions.
const ARGUMENTS: &[&str] = &["kind", "name", "params", "crate"];

/// What was written in `#[monitor_performance(...)]`.
#[derive(Default)]
pub(crate) struct Args {
    /// `kind = "..."`.
    pub kind: Option<LitStr>,
    /// `name = "..."`.
    pub name: Option<LitStr>,
    /// `params(...)`, in the order written.
    pub params: Vec<ParamArg>,
    /// `crate = path`.
    pub krate: Option<Path>,
}

/// One name in `params(...)`.
pub(crate) struct ParamArg {
    /// The parameter's name (`self` included), spanned where it was written.
    pub ident: Ident,
    /// Written inside `allow_secret(...)`: the user vouches that the name,
    /// although it looks like a secret, is not one.
    pub allow_secret: bool,
}

/// Collects errors so that all of them are reported together.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn into_result(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

impl Args {
    /// Parses the attribute's tokens; mistakes go to `errors`, and whatever
    /// was understood is returned anyway.
    pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        let parser = |input: ParseStream| {
            while !input.is_empty() {
                if let Err(e) = args.parse_one(input) {
                    errors.push(e);
                    skip_to_next_argument(input)?;
                }
                if input.is_empty() {
                    break;
                }
                if let Err(e) = input.parse::<Token![,]>() {
                    errors.push(e);
                    skip_to_next_argument(input)?;
                    // The separator itself, when there is one.
                    let _: Option<Token![,]> = input.parse()?;
                }
            }
            Ok(())
        };
        if let Err(e) = parser.parse2(tokens) {
            errors.push(e);
        }
        args
    }

    fn parse_one(&mut self, input: ParseStream) -> syn::Result<()> {
        let look = input.lookahead1();
        if look.peek(kw::kind) {
            let key: kw::kind = input.parse()?;
            let value = string_value(input, key.span, "kind", "database_query")?;
            if value.value().is_empty() {
                return Err(syn::Error::new_spanned(&value, "`kind` must not be empty"));
            }
            set_once(&mut self.kind, value, key, "kind")
        } else if look.peek(kw::name) {
            let key: kw::name = input.parse()?;
            let value = string_value(input, key.span, "name", "orders.create")?;
            if value.value().is_empty() {
                return Err(syn::Error::new_spanned(&value, "`name` must not be empty"));
            }
            set_once(&mut self.name, value, key, "name")
        } else if look.peek(Token![crate]) {
            let key: Token![crate] = input.parse()?;
            expect_eq(input, key.span, "crate", "my_reexport::perfmon")?;
            let value = take_value(input);
            let path = Path::parse_mod_style.parse2(value.clone()).map_err(|_| {
                syn::Error::new_spanned(
                    value,
                    "`crate` takes the path where perfmon is reachable, e.g. `crate = my_reexport::perfmon`",
                )
            })?;
            set_once(&mut self.krate, path, key, "crate")
        } else if look.peek(kw::params) {
            let key: kw::params = input.parse()?;
            if !input.peek(syn::token::Paren) {
                let value = take_value(input);
                let at = if value.is_empty() {
                    syn::Error::new_spanned(key, PARAMS_USAGE)
                } else {
                    syn::Error::new_spanned(value, PARAMS_USAGE)
                };
                return Err(at);
            }
            if !self.params.is_empty() {
                return Err(syn::Error::new_spanned(
                    key,
                    "duplicate `params` argument: name every parameter in one `params(...)`",
                ));
            }
            let content;
            syn::parenthesized!(content in input);
            self.params = parse_param_list(&content)?;
            if self.params.is_empty() {
                return Err(syn::Error::new_spanned(
                    key,
                    "`params()` is empty: name the parameters to capture, or leave `params` out",
                ));
            }
            Ok(())
        } else if input.peek(Ident::peek_any) {
            let unknown = Ident::parse_any(input)?;
            Err(unknown_argument(&unknown))
        } else {
            Err(look.error())
        }
    }
}

const PARAMS_USAGE: &str = "`params` takes a list of parameter names: `params(user_id, limit)`";

fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    key: impl quote::ToTokens,
    what: &str,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new_spanned(
            key,
            format!("duplicate `{what}` argument"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn expect_eq(input: ParseStream, key_span: Span, key: &str, example: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        return Ok(());
    }
    let message = format!("expected `=` after `{key}`, e.g. `{key} = {example}`");
    if input.is_empty() || input.peek(Token![,]) {
        // Nothing follows the key: point at the key itself.
        Err(syn::Error::new(key_span, message))
    } else {
        Err(input.error(message))
    }
}

/// `= "text"`: anything else is an error spanned over the whole value.
fn string_value(
    input: ParseStream,
    key_span: Span,
    key: &str,
    example: &str,
) -> syn::Result<LitStr> {
    expect_eq(input, key_span, key, &format!("\"{example}\""))?;
    let value = take_value(input);
    let message = format!("`{key}` takes a string literal, e.g. `{key} = \"{example}\"`");
    if value.is_empty() {
        return Err(syn::Error::new(key_span, message));
    }
    syn::parse2::<LitStr>(value.clone()).map_err(|_| syn::Error::new_spanned(value, message))
}

/// The tokens up to the next top-level comma (not consumed).
fn take_value(input: ParseStream) -> TokenStream {
    input
        .step(|cursor| {
            let mut rest = *cursor;
            let mut taken = TokenStream::new();
            while let Some((tt, next)) = rest.token_tree() {
                if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                    break;
                }
                taken.extend([tt]);
                rest = next;
            }
            Ok((taken, rest))
        })
        .unwrap_or_default()
}

fn skip_to_next_argument(input: ParseStream) -> syn::Result<()> {
    take_value(input);
    Ok(())
}

/// `a, allow_secret(b, c), self`.
fn parse_param_list(input: ParseStream) -> syn::Result<Vec<ParamArg>> {
    let mut out = Vec::new();
    let items = Punctuated::<ParamItem, Token![,]>::parse_terminated(input)?;
    for item in items {
        match item {
            ParamItem::Plain(ident) => out.push(ParamArg {
                ident,
                allow_secret: false,
            }),
            ParamItem::AllowSecret(key, idents) => {
                if idents.is_empty() {
                    return Err(syn::Error::new_spanned(
                        key,
                        "`allow_secret()` is empty: write `allow_secret(name)`",
                    ));
                }
                out.extend(idents.into_iter().map(|ident| ParamArg {
                    ident,
                    allow_secret: true,
                }));
            }
        }
    }
    Ok(out)
}

enum ParamItem {
    Plain(Ident),
    AllowSecret(kw::allow_secret, Vec<Ident>),
}

impl syn::parse::Parse for ParamItem {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(kw::allow_secret) && input.peek2(syn::token::Paren) {
            let key: kw::allow_secret = input.parse()?;
            let content;
            syn::parenthesized!(content in input);
            let names =
                Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, parse_param_name)?;
            Ok(ParamItem::AllowSecret(key, names.into_iter().collect()))
        } else {
            parse_param_name(input).map(ParamItem::Plain)
        }
    }
}

fn parse_param_name(input: ParseStream) -> syn::Result<Ident> {
    if input.peek(Token![self]) {
        return Ident::parse_any(input);
    }
    if input.peek(Ident) {
        return input.parse();
    }
    Err(input.error(
        "expected a parameter name, e.g. `params(user_id)` (a secret-looking name that is not a secret: `params(allow_secret(pin_code))`)",
    ))
}

fn unknown_argument(unknown: &Ident) -> syn::Error {
    let written = unknown.unraw().to_string();
    let mut message = format!(
        "unknown argument `{written}`; expected one of {}",
        ARGUMENTS
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(close) = ARGUMENTS
        .iter()
        .filter(|a| edit_distance(a, &written) <= 2.max(a.len() / 3))
        .min_by_key(|a| edit_distance(a, &written))
    {
        message.push_str(&format!(" (did you mean `{close}`?)"));
    }
    syn::Error::new_spanned(unknown, message)
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (Args, Result<(), syn::Error>) {
        let mut errors = Errors::default();
        let args = Args::parse(tokens, &mut errors);
        (args, errors.into_result())
    }

    fn messages(tokens: TokenStream) -> Vec<String> {
        match parse(tokens).1 {
            Ok(()) => vec![],
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn parses_every_argument() {
        let (args, res) = parse(quote!(
            kind = "cache",
            name = "a.b",
            params(x, allow_secret(pin, otp), self),
            crate = my::perfmon,
        ));
        res.unwrap();
        assert_eq!(args.kind.unwrap().value(), "cache");
        assert_eq!(args.name.unwrap().value(), "a.b");
        let names: Vec<_> = args
            .params
            .iter()
            .map(|p| (p.ident.to_string(), p.allow_secret))
            .collect();
        assert_eq!(
            names,
            [
                ("x".into(), false),
                ("pin".into(), true),
                ("otp".into(), true),
                ("self".into(), false)
            ]
        );
        let krate = args.krate.unwrap();
        assert_eq!(quote!(#krate).to_string(), quote!(my::perfmon).to_string());
    }

    #[test]
    fn reports_every_mistake_at_once() {
        let m = messages(quote!(
            kind = 5,
            nmae = "x",
            name = foo,
            kind = "a",
            kind = "b"
        ));
        assert_eq!(m.len(), 4, "{m:?}");
        assert!(m[0].contains("`kind` takes a string literal"));
        assert!(m[1].contains("did you mean `name`?"));
        assert!(m[2].contains("`name` takes a string literal"));
        assert!(m[3].contains("duplicate `kind`"));
    }

    #[test]
    fn suggests_only_close_names() {
        assert!(messages(quote!(parms(a)))[0].contains("did you mean `params`?"));
        assert!(!messages(quote!(level = "x"))[0].contains("did you mean"));
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("params", "parms"), 1);
        assert_eq!(edit_distance("kind", "kidn"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
