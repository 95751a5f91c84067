//! Checks the names in `params(...)` against the function's signature, and
//! refuses names that look like secrets.

use crate::args::{Errors, ParamArg};
use syn::{FnArg, Ident, Pat, Signature, Type};

/// Words that mark a parameter name as a secret. A name is split into its
/// words (snake_case, camelCase, acronyms such as `APIKey`, and digits:
/// `password2` is `password`, `2`) and refused when any word is one of
/// these, so `api_key` and `user_password` are refused while `keyword` and
/// `spinner` are not.
pub(crate) const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "passcode",
    "secret",
    "token",
    "key",
    "apikey",
    "credential",
    "credentials",
    "authorization",
    "auth",
    "bearer",
    "jwt",
    "cookie",
    "session",
    "signature",
    "salt",
    "mnemonic",
    "ssn",
    "cvv",
    "pin",
    "otp",
    "private",
];

/// Types whose `Debug` text carries credentials wholesale (an
/// `Authorization` header, cookies), refused whatever the parameter is
/// called, with the same opt-in as secret names. Matched by the last
/// segment of the type's path, behind references.
pub(crate) const SECRET_TYPES: &[&str] = &[
    "HeaderMap",
    "Request",
    "Parts",
    "Authorization",
    "TypedHeader",
    "CookieJar",
    "PrivateCookieJar",
    "SignedCookieJar",
    "Cookies",
    "Cookie",
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

/// `user_password` -> `user`, `password`; `apiKey` -> `api`, `Key`;
/// `APIKey` -> `API`, `Key`; `token1` -> `token`, `1`.
fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split('_')
        .flat_map(split_words)
        .filter(|w| !w.is_empty())
}

/// What a character is, for word boundaries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Upper,
    Lower,
    Digit,
    Other,
}

fn class(c: char) -> Class {
    if c.is_uppercase() {
        Class::Upper
    } else if c.is_lowercase() {
        Class::Lower
    } else if c.is_ascii_digit() {
        Class::Digit
    } else {
        Class::Other
    }
}

/// Splits one `_`-free part into words: before an upper-case letter that
/// follows a lower-case one (`apiKey`), before the last upper-case letter
/// of an acronym followed by a lower-case one (`APIKey`, `JWTToken`), and
/// between letters and digits (`password2`, `2fa`).
fn split_words(part: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = part.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (prev, cur) = (class(chars[i - 1].1), class(chars[i].1));
        let next = chars.get(i + 1).map(|&(_, c)| class(c));
        let boundary = match (prev, cur) {
            (Class::Lower, Class::Upper) => true,
            (Class::Upper, Class::Upper) => next == Some(Class::Lower),
            (Class::Digit, Class::Upper | Class::Lower)
            | (Class::Upper | Class::Lower, Class::Digit) => true,
            _ => false,
        };
        if boundary {
            out.push(&part[start..chars[i].0]);
            start = chars[i].0;
        }
    }
    out.push(&part[start..]);
    out
}

/// The type name in [`SECRET_TYPES`] that `ty` is (behind references,
/// parentheses and groups), if any.
pub(crate) fn secret_type(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::Reference(r) => secret_type(&r.elem),
        Type::Paren(p) => secret_type(&p.elem),
        Type::Group(g) => secret_type(&g.elem),
        Type::Path(p) => {
            let last = p.path.segments.last()?.ident.to_string();
            SECRET_TYPES.iter().copied().find(|t| *t == last)
        }
        _ => None,
    }
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
        let ty = match find_in_signature(ident, sig) {
            Ok(ty) => ty,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if !param.allow_secret {
            if let Some(secret) = ty.and_then(secret_type) {
                errors.push(syn::Error::new_spanned(
                    ident,
                    format!(
                        "`{name}` is a `{secret}`, whose `Debug` text carries credentials \
                         (an `Authorization` header, cookies), so perfmon refuses to capture \
                         it: captured values are kept in reports and shown on dashboards. \
                         Capture the fields you need as parameters of their own, or opt in \
                         where it is named: `params(allow_secret({name}))`"
                    ),
                ));
                continue;
            }
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

/// The parameter `ident` of `sig`: its type (`None` for `self`), or an
/// error saying why it cannot be captured.
fn find_in_signature<'a>(ident: &Ident, sig: &'a Signature) -> syn::Result<Option<&'a Type>> {
    let fn_name = &sig.ident;
    let mut simple: Vec<String> = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(_) => {
                if ident == "self" {
                    return Ok(None);
                }
                simple.push("self".into());
            }
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(p) if p.ident == *ident => return Ok(Some(&typed.ty)),
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

    /// Every name, and the word that refuses it (`None`: accepted).
    const NAMES: &[(&str, Option<&str>)] = &[
        // Plain words, snake_case, camelCase, plurals.
        ("password", Some("password")),
        ("api_key", Some("key")),
        ("user_password", Some("password")),
        ("session_id", Some("session")),
        ("sessionId", Some("session")),
        ("apiKey", Some("key")),
        ("AUTH_TOKEN", Some("auth")),
        ("_pin", Some("pin")),
        ("db_credentials", Some("credential")),
        ("api_keys", Some("key")),
        ("tokens_used", Some("token")),
        ("passwords", Some("password")),
        ("sessions", Some("session")),
        // Digits split words.
        ("password2", Some("password")),
        ("token1", Some("token")),
        ("2fa_secret", Some("secret")),
        ("otp6", Some("otp")),
        // An acronym, then a word.
        ("APIKey", Some("key")),
        ("JWTToken", Some("jwt")),
        ("AWSSecretKey", Some("secret")),
        ("userJWT", Some("jwt")),
        // Words added after the review.
        ("pass", Some("pass")),
        ("db_pass", Some("pass")),
        ("passphrase", Some("passphrase")),
        ("apikey", Some("apikey")),
        ("bearer", Some("bearer")),
        ("bearer_value", Some("bearer")),
        ("jwt", Some("jwt")),
        ("auth", Some("auth")),
        ("auth_header", Some("auth")),
        ("signature", Some("signature")),
        ("request_signature", Some("signature")),
        ("salt", Some("salt")),
        ("mnemonic", Some("mnemonic")),
        ("wallet_mnemonic", Some("mnemonic")),
        // Look-alikes: the secret word is only part of another word.
        ("spinner", None),
        ("keyword", None),
        ("pinned", None),
        ("user_id", None),
        ("limit", None),
        ("monkey", None),
        ("status", None),
        ("author", None),
        ("passenger", None),
        ("bypass", None),
        ("salted_count", None),
        ("order_id2", None),
        ("HTTPStatus", None),
        ("retries", None),
    ];

    #[test]
    fn secret_names_table() {
        for (name, word) in NAMES {
            assert_eq!(secret_word(name), *word, "{name}");
        }
    }

    #[test]
    fn words_split_at_case_digits_and_acronyms() {
        fn split(s: &str) -> Vec<&str> {
            words(s).collect()
        }
        assert_eq!(split("APIKey"), ["API", "Key"]);
        assert_eq!(split("JWTToken"), ["JWT", "Token"]);
        assert_eq!(split("password2"), ["password", "2"]);
        assert_eq!(split("userPassword_v2"), ["user", "Password", "v", "2"]);
        assert_eq!(split("HTTP"), ["HTTP"]);
    }

    #[test]
    fn types_that_carry_credentials_are_refused() {
        let ty = |s: &str| -> Type { syn::parse_str(s).unwrap() };
        for (t, secret) in [
            ("HeaderMap", Some("HeaderMap")),
            ("&http::HeaderMap", Some("HeaderMap")),
            ("http::Request<Body>", Some("Request")),
            ("&mut axum::http::request::Parts", Some("Parts")),
            ("CookieJar", Some("CookieJar")),
            ("TypedHeader<Authorization<Bearer>>", Some("TypedHeader")),
            ("u64", None),
            ("&str", None),
            ("Vec<HeaderMap>", None),
            ("Requester", None),
        ] {
            assert_eq!(secret_type(&ty(t)), secret, "{t}");
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
