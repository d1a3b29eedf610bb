//! Throughput of the csv-formatter's pure path, per record: a standard message -> its CSV record
//! (formula guard included), and the whole path from the SQS body in its SNS envelope.
//! One element = one record on one core; `cargo bench -p csv-formatter`.

use ore_model::{from_sqs_body, Payload};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use csv_formatter::csv_record;
use ore_model::standard::StandardMessage;
use test_support::{json_files, load_json, load_sqs_event};

/// The committed standard messages, one per instance state.
fn messages() -> Vec<StandardMessage> {
    json_files("events/standard")
        .iter()
        .map(|f| StandardMessage::from_payload(load_json(f)).expect("committed message parses"))
        .collect()
}

fn envelope_body() -> String {
    load_sqs_event("events/sqs/csv-formatter-stopped-sns-envelope.json").records[0]
        .body
        .clone()
        .expect("the sample record has a body")
}

fn bench_csv(c: &mut Criterion) {
    let messages = messages();
    assert_eq!(messages.len(), 6, "one sample message per state");
    let mut group = c.benchmark_group("csv-formatter");
    group.throughput(Throughput::Elements(1));

    let mut next = messages.iter().cycle();
    group.bench_function("standard-message-to-csv-record", |b| {
        b.iter(|| next.next().map(|m| csv_record(black_box(m))))
    });

    let body = envelope_body();
    let record = |body: &str| csv_record(&from_sqs_body::<StandardMessage>(body).ok()?).ok();
    assert!(record(&body).is_some(), "the sample body becomes a record");
    group.bench_function("sqs-body-to-csv-record", |b| {
        b.iter(|| record(black_box(&body)))
    });
    group.finish();
}

criterion_group!(benches, bench_csv);
criterion_main!(benches);
