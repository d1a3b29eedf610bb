//! Throughput of the emailer's pure path, per message: a standard message (or a notice) ->
//! subject, plain-text and HTML bodies from the compiled-in templates (and a scheduled change's
//! calendar and MIME message). One element = one email on one core;
//! `cargo bench -p emailer`.

use ore_model::Payload;
use std::hint::black_box;

use chrono::{TimeDelta, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emailer::mail::raw_mime;
use emailer::Renderer;
use ore_model::notice::NoticeMessage;
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

/// A notice's mail; the scheduled change's includes its iCalendar entry and the raw MIME message
/// SES is sent (the other kinds go as simple content, SES builds their MIME).
fn bench_notices(c: &mut Criterion) {
    let renderer = Renderer::new().expect("the templates compile");
    let mut group = c.benchmark_group("emailer");
    group.throughput(Throughput::Elements(1));
    for kind in [
        "health-scheduled-change",
        "ec2-spot-interruption-warning",
        "ec2-rebalance-recommendation",
    ] {
        let message =
            NoticeMessage::from_payload(load_json(&format!("events/notices/{kind}.json")))
                .expect("committed notice parses");
        let recipients = ["ops@example.com".to_owned()];
        group.bench_function(format!("notice-to-email/{kind}"), |b| {
            b.iter(|| {
                let email = renderer
                    .render_notice(black_box(&message), Utc::now())
                    .ok()?;
                if email.attachments.is_empty() {
                    return Some(email.html.len());
                }
                raw_mime("ore@example.com", &recipients, &email)
                    .ok()
                    .map(|raw| raw.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_render, bench_notices);
criterion_main!(benches);
