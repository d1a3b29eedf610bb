//! Throughput of the emailer's pure path, per message: a standard message -> subject, plain-text
//! and HTML bodies from the compiled-in templates. One element = one email on one core;
//! `cargo bench -p emailer`.

use ore_model::Payload;
use std::hint::black_box;

use chrono::{TimeDelta, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emailer::Renderer;
use ore_model::standard::StandardMessage;
use test_support::{json_files, load_json};

fn bench_render(c: &mut Criterion) {
    let renderer = Renderer::new().expect("the templates compile");
    let messages: Vec<StandardMessage> = json_files("events/standard")
        .iter()
        .map(|f| StandardMessage::from_payload(load_json(f)).expect("committed message parses"))
        .collect();
    assert_eq!(messages.len(), 6, "one sample message per state");
    let now = messages[0].time + TimeDelta::minutes(3);
    for message in &messages {
        let email = renderer.render(message, now).expect("every sample renders");
        assert!(!email.text.is_empty() && email.html.contains("</html>"));
    }

    let mut group = c.benchmark_group("emailer");
    group.throughput(Throughput::Elements(1));
    let mut next = messages.iter().cycle();
    group.bench_function("standard-message-to-email", |b| {
        b.iter(|| {
            next.next()
                .map(|m| renderer.render(black_box(m), Utc::now()))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
