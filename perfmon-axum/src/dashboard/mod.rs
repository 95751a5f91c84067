//! The live dashboard: one self-contained HTML page (styles and script
//! inline, no CDN, works offline) that reads the router's `report` and
//! `endpoints` routes and refreshes every 30 seconds.
//!
//! The page is meant to be served at the router's `/`: it computes the base
//! of its JSON requests from `location.pathname`, so it works at
//! `/performance` and `/performance/` alike. It asks for the bearer token
//! once (kept in the tab's `sessionStorage`; `#token=...` in the address
//! prefills it and is then removed from the address bar) and asks again
//! when the server answers 401. Without a stored token it first asks without
//! one, so a router with a guard or public access needs no token at all.
//!
//! ```
//! use axum::{routing::get, Router};
//!
//! let monitoring: Router = Router::new().route("/", get(perfmon_axum::dashboard::page));
//! let app: Router = Router::new().nest("/performance", monitoring);
//! # let _ = app;
//! ```

use crate::MonitoringResponse;
use axum::response::{Html, IntoResponse};
use axum::Extension;
use http::header;
use once_cell::sync::Lazy;

const TEMPLATE: &str = include_str!("index.html");
const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("app.js");

/// Content security policy of the page: nothing is loaded from elsewhere;
/// the inline style and script are the only code, and requests go back to
/// the same origin only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

static PAGE: Lazy<String> = Lazy::new(|| {
    TEMPLATE
        .replacen("/*PERFMON_STYLE*/", STYLE, 1)
        .replacen("/*PERFMON_SCRIPT*/", SCRIPT, 1)
});

/// The whole dashboard page: `index.html` with `style.css` and `app.js`
/// inlined.
pub fn dashboard_html() -> &'static str {
    &PAGE
}

/// The axum handler of the dashboard (mount it at the monitoring router's
/// `GET /`). The response is never cached (`Cache-Control: no-store`), is
/// marked with [`MonitoringResponse`] so the request layer leaves it out of
/// its statistics, and carries a strict [`CONTENT_SECURITY_POLICY`].
pub async fn page() -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Extension(MonitoringResponse),
        Html(dashboard_html()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_inlined_once_and_cannot_close_their_tags() {
        let html = dashboard_html();
        assert!(!html.contains("/*PERFMON_STYLE*/"));
        assert!(!html.contains("/*PERFMON_SCRIPT*/"));
        assert_eq!(html.matches("<script").count(), 1);
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
        // Nothing is loaded from elsewhere (the SVG namespace is a name, not a load).
        assert!(!html.contains("<link") && !html.contains(" src="));
    }

    #[tokio::test]
    async fn page_is_html_uncached_and_marked() {
        let res = page().await.into_response();
        assert_eq!(res.status(), 200);
        let h = res.headers();
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        assert!(h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(res.extensions().get::<MonitoringResponse>().is_some());
    }
}
