//! Throughput of the normalizer's pure path, per record: the SQS body (raw or in its SNS
//! envelope) -> EC2 state change -> ignore-or-publish decision -> the JSON body and routing
//! attributes published to the normalized topic. The EC2 lookup is the one step left out: its
//! answer is the instance of the committed standard message, as `DescribeInstances` would give it.
//! One element = one record on one core; `cargo bench -p normalizer`.

use ore_model::{from_sqs_body, Payload};
use std::hint::black_box;

use chrono::{SubsecRound, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use normalizer::{decide, Decision, IgnoreRule};
use ore_model::ec2::Ec2StateChange;
use ore_model::standard::{InstanceDetails, StandardMessage};
use test_support::{json_files, load_json, load_sqs_event};

/// Every sample record body of one delivery mode, one per instance state.
fn bodies(delivery: &str) -> Vec<String> {
    let bodies: Vec<String> = json_files("events/sqs")
        .into_iter()
        .filter(|f| f.contains("/normalizer-") && f.ends_with(&format!("-{delivery}.json")))
        .flat_map(|f| load_sqs_event(&f).records)
        .filter_map(|record| record.body)
        .collect();
    assert_eq!(bodies.len(), 6, "one {delivery} sample per state");
    bodies
}

fn enriched_instance() -> InstanceDetails {
    StandardMessage::from_payload(load_json("events/standard/message-stopped.json"))
        .expect("the committed standard message parses")
        .data
        .instance
}

/// What the handler does for one record, minus the EC2 call and the SNS call.
fn normalize(body: &str, instance: &InstanceDetails, rule: &IgnoreRule) -> Option<String> {
    let change = from_sqs_body::<Ec2StateChange>(body).ok()?;
    match decide(
        &change,
        Some(instance.clone()),
        rule,
        Utc::now().trunc_subsecs(3),
    ) {
        Decision::Publish(message) => {
            black_box(message.routing_attributes());
            serde_json::to_string(&message).ok()
        }
        Decision::Ignore { .. } => None,
    }
}

fn bench_normalize(c: &mut Criterion) {
    let instance = enriched_instance();
    let rule = IgnoreRule::new("ore:ignore", "true");
    let mut group = c.benchmark_group("normalizer");
    group.throughput(Throughput::Elements(1));
    for delivery in ["sns-envelope", "raw-delivery"] {
        let bodies = bodies(delivery);
        for body in &bodies {
            assert!(
                normalize(body, &instance, &rule).is_some(),
                "every sample normalizes to a published message"
            );
        }
        let mut next = bodies.iter().cycle();
        group.bench_function(format!("sqs-body-to-standard-message/{delivery}"), |b| {
            b.iter(|| {
                normalize(
                    black_box(next.next().map_or("", String::as_str)),
                    &instance,
                    &rule,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_normalize);
criterion_main!(benches);
