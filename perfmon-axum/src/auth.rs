//! Who may read the monitoring routes: a bearer token, a guard closure, or
//! everyone (a deliberate choice: see [`RouterOptions`](crate::RouterOptions)).
//!
//! A refused request gets a 401 with a JSON body and
//! `WWW-Authenticate: Bearer realm="perfmon"`, whatever the reason (no
//! header, another scheme, a wrong token, a guard that said no), so a caller
//! learns nothing about why.

use crate::routes::ErrorBody;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use subtle::{Choice, ConstantTimeEq};

/// The shortest token [`RouterOptions::with_token`](crate::RouterOptions::with_token)
/// accepts, in bytes: 16 random visible-ASCII bytes are about 100 bits.
pub const MIN_TOKEN_BYTES: usize = 16;

/// The `WWW-Authenticate` challenge of a 401.
pub const CHALLENGE: &str = r#"Bearer realm="perfmon""#;

/// A guard deciding from the request head whether it may see the routes.
pub type Guard = Arc<dyn Fn(&Parts) -> bool + Send + Sync + 'static>;

/// Why a token was refused by
/// [`RouterOptions::with_token`](crate::RouterOptions::with_token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is empty: every request would need `Bearer ` and nothing.
    Empty,
    /// The token is shorter than [`MIN_TOKEN_BYTES`]: short enough to guess.
    TooShort {
        /// Its length in bytes.
        len: usize,
    },
    /// The token has a character other than visible ASCII (`!` to `~`): a
    /// header could not carry it, so no request could ever match.
    NotVisibleAscii,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Empty => f.write_str("the monitoring token is empty"),
            TokenError::TooShort { len } => write!(
                f,
                "the monitoring token is {len} bytes long; use at least {MIN_TOKEN_BYTES} \
                 random characters (for example `openssl rand -hex 16`)"
            ),
            TokenError::NotVisibleAscii => f.write_str(
                "the monitoring token must be visible ASCII (no spaces or control characters)",
            ),
        }
    }
}

impl std::error::Error for TokenError {}

/// How access is checked.
#[derive(Clone)]
pub(crate) enum Access {
    /// `Authorization: Bearer <token>` with this token.
    Token(Arc<[u8]>),
    /// The guard says yes.
    Guard(Guard),
    /// Everyone.
    Public,
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the token.
        f.write_str(match self {
            Access::Token(_) => "Token(..)",
            Access::Guard(_) => "Guard(..)",
            Access::Public => "Public",
        })
    }
}

impl Access {
    /// A token access, if the token is usable.
    pub(crate) fn token(token: &str) -> Result<Access, TokenError> {
        if token.is_empty() {
            return Err(TokenError::Empty);
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TokenError::NotVisibleAscii);
        }
        if token.len() < MIN_TOKEN_BYTES {
            return Err(TokenError::TooShort { len: token.len() });
        }
        Ok(Access::Token(token.as_bytes().into()))
    }

    /// Whether the request head is allowed.
    fn allows(&self, parts: &Parts) -> bool {
        match self {
            Access::Public => true,
            // A guard that panics denies: the request gets a 401, not a
            // dropped connection.
            Access::Guard(guard) => {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| guard(parts)))
                    .unwrap_or(false)
            }
            Access::Token(expected) => bearer(parts)
                .is_some_and(|given| bool::from(token_matches(expected, given.as_bytes()))),
        }
    }
}

/// The credentials of `Authorization: Bearer <token>` (the scheme in any
/// case, as RFC 7235 says).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_matches(' '))
}

/// Compares in time that depends only on the length of `expected` (the
/// configured token), never on where `given` first differs nor on its
/// length: every byte of `expected` is compared with the byte of `given` at
/// the same place (or 0 past its end), and the lengths are compared as
/// whole numbers, with `subtle`'s constant-time operations. What an
/// attacker can learn from timing is at most the configured token's
/// length, which a long random token makes worthless.
pub(crate) fn token_matches(expected: &[u8], given: &[u8]) -> Choice {
    let same_len = (expected.len() as u64).ct_eq(&(given.len() as u64));
    let mut same_bytes = Choice::from(1);
    for (i, e) in expected.iter().enumerate() {
        let g = given.get(i).copied().unwrap_or(0);
        same_bytes &= e.ct_eq(&g);
    }
    same_len & same_bytes
}

/// The 401 response.
pub(crate) fn unauthorized() -> Response {
    let body = ErrorBody {
        error: "missing or invalid credentials: send Authorization: Bearer <token>".to_owned(),
        parameter: None,
        value: None,
    };
    let mut response = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(CHALLENGE),
    );
    response
}

/// A router's access and its refusals.
#[derive(Debug)]
pub(crate) struct Gate {
    access: Access,
    refused: AtomicU64,
}

impl Gate {
    pub(crate) fn new(access: Access) -> Arc<Gate> {
        Arc::new(Gate {
            access,
            refused: AtomicU64::new(0),
        })
    }

    /// Whether the request head may see the protected routes (not counted:
    /// for routes that answer everyone, with more for those who may).
    pub(crate) fn allows(&self, parts: &Parts) -> bool {
        self.access.allows(parts)
    }

    /// Requests refused with a 401 so far (counted, never logged: the
    /// credentials they carried are not kept anywhere).
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Relaxed)
    }
}

/// Middleware: lets the request through when the gate's access allows it,
/// else counts the refusal and answers 401.
pub(crate) async fn require(
    State(gate): State<Arc<Gate>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    if !gate.access.allows(&parts) {
        gate.refused.fetch_add(1, Relaxed);
        return unauthorized();
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_matches_only_the_same_bytes() {
        let m = |a: &str, b: &str| bool::from(token_matches(a.as_bytes(), b.as_bytes()));
        assert!(m("s3cret", "s3cret"));
        assert!(!m("s3cret", "s3cre"));
        assert!(!m("s3cret", "s3cret!"));
        assert!(!m("s3cret", "S3cret"));
        assert!(!m("s3cret", ""));
        // A given token padded with zeros is not the expected one.
        assert!(!m("ab", "ab\0"));
    }

    #[test]
    fn empty_short_and_unprintable_tokens_are_refused() {
        assert_eq!(Access::token("").unwrap_err(), TokenError::Empty);
        assert_eq!(
            Access::token("a b").unwrap_err(),
            TokenError::NotVisibleAscii
        );
        assert_eq!(
            Access::token("fifteen-bytes!!").unwrap_err(),
            TokenError::TooShort { len: 15 }
        );
        let message = TokenError::TooShort { len: 15 }.to_string();
        assert!(
            message.contains("15 bytes") && message.contains("at least 16"),
            "{message}"
        );
        assert!(Access::token("sixteen-bytes!!!").is_ok());
    }
}
