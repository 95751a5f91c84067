//! Checks the names in `params(...)` against the function's signature, and
//! refuses names that look like secrets.

use crate::args::{Errors, ParamArg};
use syn::{FnArg, Ident, Pat, Signature};

/// Words that mark a parameter name as a secret. A name is split into its
/// snake_case (and camelCase) words and refused when any word is one of these,
/// so `api_key` and `user_password` are refused while `keyword` and `spinner`
/// are not.
pub(crate) const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "credentials",
    "authorization",
    "cookie",
    "session",
    "ssn",
    "cvv",
    "pin",
    "otp",
    "private",
];

/// The secret word found in `name`, if any. A plural counts as the word
/// (`api_keys`, `tokens`): refusing a harmless name costs one visible opt-in,
/// capturing a secret costs a leak.
pub(crate) fn secret_word(name: &str) -> Option<&'static str> {
    words(name).find_map(|word| {
        let singular = word
            .strip_suffix('s')
            .or_else(|| word.strip_suffix('S'))
            .unwrap_or(word);
        SECRET_WORDS.iter().copied().find(|secret| {
            word.eq_ignore_ascii_case(secret) || singular.eq_ignore_ascii_case(secret)
        })
    })
}

/// `user_password` -> `user`, `password`; `apiKey` -> `api`, `Key`.
fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split('_')
        .flat_map(split_camel)
        .filter(|w| !w.is_empty())
}

fn split_camel(part: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_lower = false;
    for (i, c) in part.char_indices() {
        if c.is_uppercase() && prev_lower {
            out.push(&part[start..i]);
            start = i;
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    out.push(&part[start..]);
    out
}

/// The identifiers to capture, in the order written. Every mistake is pushed
/// to `errors`, spanned at the name in `params(...)`.
pub(crate) fn resolve(params: &[ParamArg], sig: &Signature, errors: &mut Errors) -> Vec<Ident> {
    let mut captured: Vec<Ident> = Vec::with_capacity(params.len());
    for param in params {
        let ident = &param.ident;
        let name = ident.to_string();
        if captured.iter().any(|c| *c == name) {
            errors.push(syn::Error::new_spanned(
                ident,
                format!("`{name}` is named twice in `params(...)`"),
            ));
            continue;
        }
        if let Err(e) = find_in_signature(ident, sig) {
            errors.push(e);
            continue;
        }
        if !param.allow_secret {
            if let Some(word) = secret_word(name.trim_start_matches("r#")) {
                errors.push(syn::Error::new_spanned(
                    ident,
                    format!(
                        "`{name}` looks like a secret (it contains the word `{word}`), so perfmon \
                         refuses to capture it: captured values are kept in reports and shown on \
                         dashboards. If it is not a secret, opt in where it is named: \
                         `params(allow_secret({name}))`"
                    ),
                ));
                continue;
            }
        }
        captured.push(ident.clone());
    }
    captured
}

fn find_in_signature(ident: &Ident, sig: &Signature) -> syn::Result<()> {
    let fn_name = &sig.ident;
    let mut simple: Vec<String> = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(_) => {
                if ident == "self" {
                    return Ok(());
                }
                simple.push("self".into());
            }
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(p) if p.ident == *ident => return Ok(()),
                Pat::Ident(p) => simple.push(p.ident.to_string()),
                pattern => {
                    if binds(pattern, ident) {
                        return Err(syn::Error::new_spanned(
                            ident,
                            format!(
                                "`{ident}` is bound inside a pattern parameter of `{fn_name}`; \
                                 only parameters written `name: Type` can be captured"
                            ),
                        ));
                    }
                }
            },
        }
    }
    let hint = if ident == "self" {
        format!("`{fn_name}` takes no `self`")
    } else if simple.is_empty() {
        format!("`{fn_name}` has no parameter that can be captured")
    } else {
        format!(
            "its parameters are {}",
            simple
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(syn::Error::new_spanned(
        ident,
        format!("`{ident}` is not a parameter of `{fn_name}`; {hint}"),
    ))
}

/// Whether `pat` binds `ident` somewhere inside it.
fn binds(pat: &Pat, ident: &Ident) -> bool {
    match pat {
        Pat::Ident(p) => {
            p.ident == *ident || p.subpat.as_ref().is_some_and(|(_, s)| binds(s, ident))
        }
        Pat::Tuple(t) => t.elems.iter().any(|p| binds(p, ident)),
        Pat::TupleStruct(t) => t.elems.iter().any(|p| binds(p, ident)),
        Pat::Struct(s) => s.fields.iter().any(|f| binds(&f.pat, ident)),
        Pat::Slice(s) => s.elems.iter().any(|p| binds(p, ident)),
        Pat::Reference(r) => binds(&r.pat, ident),
        Pat::Paren(p) => binds(&p.pat, ident),
        Pat::Type(t) => binds(&t.pat, ident),
        Pat::Or(o) => o.cases.iter().any(|p| binds(p, ident)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_names_with_a_secret_word() {
        for name in [
            "password",
            "api_key",
            "user_password",
            "session_id",
            "apiKey",
            "AUTH_TOKEN",
            "_pin",
            "db_credentials",
            "api_keys",
            "tokens_used",
            "passwords",
            "sessions",
        ] {
            assert!(secret_word(name).is_some(), "{name} should be refused");
        }
        assert_eq!(secret_word("api_key"), Some("key"));
        assert_eq!(secret_word("sessionId"), Some("session"));
    }

    #[test]
    fn accepts_lookalikes() {
        for name in [
            "spinner", "keyword", "pinned", "user_id", "limit", "monkey", "status",
        ] {
            assert_eq!(secret_word(name), None, "{name} should be accepted");
        }
    }

    #[test]
    fn finds_names_in_signatures() {
        let sig: Signature = syn::parse_quote!(fn f(&self, a: u8, (b, c): (u8, u8), mut d: u8));
        let id = |s: &str| Ident::new(s, proc_macro2::Span::call_site());
        assert!(find_in_signature(&id("a"), &sig).is_ok());
        assert!(find_in_signature(&id("d"), &sig).is_ok());
        assert!(
            find_in_signature(&Ident::new("self", proc_macro2::Span::call_site()), &sig).is_ok()
        );
        let pattern = find_in_signature(&id("b"), &sig).unwrap_err().to_string();
        assert!(pattern.contains("inside a pattern"), "{pattern}");
        let missing = find_in_signature(&id("z"), &sig).unwrap_err().to_string();
        assert!(
            missing.contains("its parameters are `self`, `a`, `d`"),
            "{missing}"
        );
    }
}
