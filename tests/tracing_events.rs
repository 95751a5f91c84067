//! With the `tracing` feature, recorded calls become `tracing` events at a
//! level that matches how they went.
#![cfg(feature = "tracing")]

use perfmon::{Kind, Outcome, Registry};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<(tracing::Level, String)>>>);

struct OperationField(String);

impl Visit for OperationField {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "operation" {
            self.0 = value.to_owned();
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut op = OperationField(String::new());
        event.record(&mut op);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), op.0));
    }
}

fn level_of(events: &Events, op: &str) -> Vec<tracing::Level> {
    let all = events.0.lock().unwrap();
    all.iter()
        .filter(|(_, o)| o == op)
        .map(|(l, _)| *l)
        .collect()
}

#[test]
fn levels_map_to_tracing_levels() {
    let events = Events::default();
    let subscriber = tracing_subscriber::registry().with(events.clone());
    tracing::subscriber::with_default(subscriber, || {
        let reg = Registry::new();
        let ms = Duration::from_millis;
        // Slow calls are only offered once the slowest-call buffer is full, so
        // record a few fast calls first to be sure events do not depend on it.
        for _ in 0..10 {
            reg.record("ev.fast", Kind::Processing, ms(1));
        }
        reg.record("ev.acceptable", Kind::Processing, ms(600));
        reg.record("ev.slow", Kind::Processing, ms(1500));
        reg.record("ev.critical", Kind::Processing, ms(5000));
        reg.record_outcome(
            "ev.failed",
            Kind::Processing,
            ms(1),
            Outcome::Error,
            Some("nope"),
        );
        reg.record_outcome(
            "ev.panicked",
            Kind::Processing,
            ms(1),
            Outcome::Panicked,
            None,
        );
        // A client that went away: not an error of the service.
        reg.record_outcome(
            "ev.cancelled",
            Kind::Processing,
            ms(1),
            Outcome::Cancelled,
            None,
        );
        reg.record_outcome(
            "ev.cancelled",
            Kind::Processing,
            ms(1),
            Outcome::Cancelled,
            None,
        );
    });
    use tracing::Level as L;
    assert_eq!(level_of(&events, "ev.fast"), vec![L::DEBUG; 10]);
    assert_eq!(level_of(&events, "ev.acceptable"), vec![L::INFO]);
    assert_eq!(level_of(&events, "ev.slow"), vec![L::WARN]);
    assert_eq!(level_of(&events, "ev.critical"), vec![L::WARN]);
    assert_eq!(level_of(&events, "ev.failed"), vec![L::ERROR]);
    assert_eq!(level_of(&events, "ev.panicked"), vec![L::ERROR]);
    assert_eq!(level_of(&events, "ev.cancelled"), vec![L::DEBUG; 2]);
}
