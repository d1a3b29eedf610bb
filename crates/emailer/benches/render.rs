//! Throughput of the emailer's pure path, per message: a standard message (or a notice) ->
//! subject, plain-text and HTML bodies from the compiled-in templates (and a scheduled change's
//! calendar and MIME message), and a burst's digest (one element = one change in it). One
//! element = one email on one core;
//! `cargo bench -p emailer`.

use ore_model::Payload;
use std::hint::black_box;

use chrono::{TimeDelta, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emailer::mail::ses::raw_mime;
use emailer::{Renderer, RoutingTable};
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
    for kind in test_support::notice_sample_names() {
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

/// A burst's digest: 30 state changes for one team in one mail (throughput per change).
fn bench_digest(c: &mut Criterion) {
    let renderer = Renderer::new().expect("the templates compile");
    let messages: Vec<StandardMessage> = test_support::team_burst("payments", 0, 30)
        .into_iter()
        .map(|(_, body)| {
            let value = serde_json::from_str(&body).expect("JSON");
            StandardMessage::from_payload(value).expect("the burst's messages parse")
        })
        .collect();
    let members: Vec<&StandardMessage> = messages.iter().collect();
    let routing = RoutingTable::everyone(vec!["payments@example.com".to_owned()]);
    let recipients = routing.recipient_sets().next().expect("the default list");
    let now = messages[0].time + TimeDelta::minutes(3);
    let email = renderer
        .render_digest(&members, &[], recipients, now)
        .expect("the digest renders");
    assert_eq!(email.text.matches("ORE message ").count(), 30);
    let mut group = c.benchmark_group("emailer");
    group.throughput(Throughput::Elements(members.len() as u64));
    group.bench_function("digest-of-30-changes", |b| {
        b.iter(|| renderer.render_digest(black_box(&members), &[], recipients, Utc::now()))
    });
    group.finish();
}

criterion_group!(benches, bench_render, bench_notices, bench_digest);
criterion_main!(benches);
