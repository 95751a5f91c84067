//! The peers' setup: what each one needs installed to record a duration a
//! user can read back.

use super::*;

/// Spans timed by [`SpanTimingLayer`]: count and total nanoseconds.
pub(crate) static TRACING_SPANS: AtomicU64 = AtomicU64::new(0);
pub(crate) static TRACING_NANOS: AtomicU64 = AtomicU64::new(0);

/// A minimal timing layer: the start of each entry is kept in the span's
/// extensions and the elapsed time added up on exit.
pub(crate) struct SpanTimingLayer;

pub(crate) struct Entered(Instant);

impl<S> tracing_subscriber::Layer<S> for SpanTimingLayer
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_enter(&self, id: &tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().replace(Entered(Instant::now()));
        }
    }

    fn on_exit(&self, id: &tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(Entered(at)) = span.extensions_mut().remove::<Entered>() {
                TRACING_NANOS.fetch_add(at.elapsed().as_nanos() as u64, Relaxed);
                TRACING_SPANS.fetch_add(1, Relaxed);
            }
        }
    }
}

/// Spans handed to the fastrace reporter.
pub(crate) static FASTRACE_REPORTED: AtomicU64 = AtomicU64::new(0);

pub(crate) struct CountingReporter;

impl fastrace::collector::Reporter for CountingReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        FASTRACE_REPORTED.fetch_add(spans.len() as u64, Relaxed);
    }
}

pub(crate) fn metrics_handle() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).expect("no other metrics recorder");
        handle
    })
}

pub(crate) fn autometrics_settings() -> &'static autometrics::settings::AutometricsSettings {
    static SETTINGS: OnceLock<&'static autometrics::settings::AutometricsSettings> =
        OnceLock::new();
    SETTINGS.get_or_init(|| autometrics::settings::AutometricsSettings::builder().init())
}

pub(crate) fn install_peers() {
    use tracing_subscriber::layer::SubscriberExt;
    tracing::subscriber::set_global_default(
        tracing_subscriber::Registry::default().with(SpanTimingLayer),
    )
    .expect("no other tracing subscriber");
    // The benchmark flushes the collector itself; the background collector's
    // own period is made long so the collection work happens in those flushes.
    fastrace::set_reporter(
        CountingReporter,
        fastrace::collector::Config::default().report_interval(Duration::from_secs(3600)),
    );
    metrics_handle();
    autometrics_settings();
}
