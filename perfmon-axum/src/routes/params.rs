//! Query parameters: each type parses and bounds-checks one parameter, and
//! its error names it (see [`param_error`]).

use super::error::{param_error, ApiError};
use perfmon_analysis::export::Format;
use perfmon_analysis::Severity;
use serde::{Deserialize, Deserializer};

/// The longest window of hours accepted (a week).
pub(crate) const MAX_HOURS: u32 = 24 * 7;
/// The most rows a `top_n` can ask for.
pub(crate) const MAX_TOP_N: usize = 1000;

fn raw<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d)
}

/// A whole number in `1..=max`, or an error naming `name`.
fn whole<E: serde::de::Error>(name: &str, value: &str, max: u64) -> Result<u64, E> {
    match value.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(param_error(
            name,
            value,
            format!("{name} must be a whole number from 1 to {max}"),
        )),
    }
}

/// `minutes` as received: its bound is the router's registry's retention
/// (per-minute buckets older than that are gone), so it is checked by
/// [`check_minutes`] once the handler knows that registry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub(crate) struct Minutes(String);

/// `minutes`: a whole number from 1 to `retention`, or a 400 naming the
/// parameter, its value and the bound.
pub(crate) fn check_minutes(minutes: &Minutes, retention: u32) -> Result<u32, ApiError> {
    let max = retention.max(1);
    match minutes.0.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_parameter(
            "minutes",
            &minutes.0,
            format!("minutes must be a whole number from 1 to {max}"),
        )),
    }
}

/// `hours`: 1 to a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hours(pub u32);

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = raw(d)?;
        whole("hours", &v, u64::from(MAX_HOURS)).map(|n| Hours(n as u32))
    }
}

/// `top_n`: 1 to [`MAX_TOP_N`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TopN(pub usize);

impl<'de> Deserialize<'de> for TopN {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = raw(d)?;
        whole("top_n", &v, MAX_TOP_N as u64).map(|n| TopN(n as usize))
    }
}

/// A minimum severity (`severity`) or priority (`priority`): `low`,
/// `medium`, `high` or `critical`, in any case.
fn severity<E: serde::de::Error>(name: &str, value: &str) -> Result<Severity, E> {
    Severity::ALL
        .into_iter()
        .find(|s| s.name().eq_ignore_ascii_case(value))
        .ok_or_else(|| {
            param_error(
                name,
                value,
                format!("{name} must be one of low, medium, high, critical"),
            )
        })
}

/// `severity`: the least severity shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MinSeverity(pub Severity);

impl<'de> Deserialize<'de> for MinSeverity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        severity("severity", &raw(d)?).map(MinSeverity)
    }
}

/// `priority`: the least priority shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MinPriority(pub Severity);

impl<'de> Deserialize<'de> for MinPriority {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        severity("priority", &raw(d)?).map(MinPriority)
    }
}

/// `format` of `/report`: `full` (the whole report) or `summary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ReportFormat {
    /// The whole [`perfmon_analysis::Report`].
    #[default]
    Full,
    /// Headline figures, slow operations, active alerts, recommendations.
    Summary,
    /// What the dashboard renders: headline figures, compliance, active and
    /// recent alerts, slow operations and recommendations (20 of each at
    /// most), without per-operation tables or snapshots.
    Dashboard,
}

impl<'de> Deserialize<'de> for ReportFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = raw(d)?;
        match v.to_ascii_lowercase().as_str() {
            "full" => Ok(ReportFormat::Full),
            "summary" => Ok(ReportFormat::Summary),
            "dashboard" => Ok(ReportFormat::Dashboard),
            _ => Err(param_error(
                "format",
                &v,
                "format must be full, summary or dashboard".into(),
            )),
        }
    }
}

/// `format` of `/prometheus`: `prometheus` (text 0.0.4) or `openmetrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ExportFormat(pub Format);

impl<'de> Deserialize<'de> for ExportFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = raw(d)?;
        match v.to_ascii_lowercase().as_str() {
            "prometheus" | "text" => Ok(ExportFormat(Format::Prometheus)),
            "openmetrics" => Ok(ExportFormat(Format::OpenMetrics)),
            _ => Err(param_error(
                "format",
                &v,
                "format must be prometheus or openmetrics".into(),
            )),
        }
    }
}

/// The window of a `minutes` parameter within `retention` (the registry's
/// reach, for the routes that read the day of history): the last N
/// minutes, or every call.
pub(crate) fn window_of_minutes(
    minutes: Option<Minutes>,
    retention: u32,
) -> Result<perfmon_core::Window, ApiError> {
    Ok(match minutes {
        None => perfmon_core::Window::All,
        Some(m) => perfmon_core::Window::LastMinutes(check_minutes(&m, retention)?),
    })
}

/// The window of an `hours` parameter, capped to how far the registry's
/// windows reach (a day of history by default): the last
/// `min(hours * 60, reach)` minutes, or every call.
pub(crate) fn window_of_hours(hours: Option<Hours>, retention: u32) -> perfmon_core::Window {
    hours.map_or(perfmon_core::Window::All, |h| {
        perfmon_core::Window::LastMinutes(h.0.saturating_mul(60).min(retention.max(1)))
    })
}
