//! Throughput of the normalizer's pure path, per record: the SQS body (raw or in its SNS
//! envelope) -> EC2 state change -> ignore-or-publish decision -> the JSON body and routing
//! attributes published to the normalized topic. The EC2 lookup is the one step left out: its
//! answer is the instance of the committed standard message, as `DescribeInstances` would give it.
//! The timing decision (previous state, late, duplicate, flapping) is on that path too: it is
//! measured on its own against a resource with a busy history, and so is each notice kind's
//! adapter (AWS Health scheduled change, Spot warning, rebalance recommendation) through to its
//! published body. One element = one record on one core; `cargo bench -p normalizer`.

use ore_model::{from_sqs_body, Payload};
use std::hint::black_box;

use chrono::{SubsecRound, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use normalizer::decide::decide_notice;
use normalizer::timing::Event;
use normalizer::{assess, decide, Assessment, Decision, FlappingRule, IgnoreRule};
use ore_model::adapters::RawEvent;
use ore_model::ec2::Ec2StateChange;
use ore_model::ec2::InstanceState;
use ore_model::resource::{InstanceDetails, Lookup};
use ore_model::standard::StandardMessage;
use ore_model::timing::{CurrentState, HistoryEntry, Snapshot, Timing};
use test_support::{json_files, load_json, load_sqs_event};

/// Every sample record body of one delivery mode, one per instance state.
fn bodies(delivery: &str) -> Vec<String> {
    let bodies: Vec<String> = json_files("events/sqs")
        .into_iter()
        .filter(|f| {
            InstanceState::ALL
                .iter()
                .any(|state| f.ends_with(&format!("/normalizer-{state}-{delivery}.json")))
        })
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
        .resource
        .instance
        .expect("an instance's message has its instance")
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

/// A resource that changed state every minute for the last half hour: 30 entries in the window,
/// the most the flapping rule reads with its defaults.
fn busy_history(now: chrono::DateTime<Utc>) -> Snapshot {
    let states = [InstanceState::Running, InstanceState::Stopped];
    let history: Vec<HistoryEntry> = (0..30)
        .map(|i| HistoryEntry {
            event_id: format!("event-{i:04}"),
            event_time: now - chrono::Duration::minutes(30 - i),
            state: states[(i % 2) as usize],
            message_id: format!("message-{i:04}"),
            timing: Timing::default(),
            published: true,
        })
        .collect();
    let last = history.last().cloned();
    Snapshot {
        current: last.map(|e| CurrentState {
            state: e.state,
            since: e.event_time,
            event_time: e.event_time,
            event_id: e.event_id,
            flapping_flagged_at: None,
        }),
        history,
        unreadable: 0,
    }
}

fn bench_timing(c: &mut Criterion) {
    let now = Utc::now().trunc_subsecs(0);
    let snapshot = busy_history(now);
    let rule = FlappingRule::default();
    let mut group = c.benchmark_group("normalizer");
    group.throughput(Throughput::Elements(1));
    let cases = [
        ("new", "event-new", now),
        ("late", "event-late", now - chrono::Duration::minutes(10)),
        (
            "duplicate",
            "event-0029",
            now - chrono::Duration::minutes(1),
        ),
    ];
    for (case, id, time) in cases {
        let event = Event {
            id,
            time,
            state: InstanceState::Stopping,
            message_id: "message-new",
        };
        let assessment = assess(&event, &snapshot, rule);
        match case {
            "duplicate" => assert!(matches!(assessment, Assessment::Recorded(_))),
            "late" => assert!(matches!(assessment, Assessment::New { current: None, .. })),
            _ => assert!(matches!(
                assessment,
                Assessment::New {
                    current: Some(_),
                    ..
                }
            )),
        }
        group.bench_function(format!("timing-decision/{case}-30-in-window"), |b| {
            b.iter(|| assess(black_box(&event), black_box(&snapshot), rule))
        });
    }
    group.finish();
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

/// A notice's record: the adapter picked by source and detail-type, one notice per instance,
/// the ignore decision and the published body.
fn notice(body: &str, instance: &InstanceDetails, rule: &IgnoreRule) -> Option<usize> {
    let RawEvent::Notices(notices) = from_sqs_body::<RawEvent>(body).ok()? else {
        return None;
    };
    let at = Utc::now().trunc_subsecs(3);
    let mut published = 0;
    for notice in &notices {
        // EC2's answer for an instance, the Tagging API's (the same tags) for any other resource.
        let lookup = match notice.target.instance_id() {
            Some(_) => Lookup::Found(instance.clone()),
            None => Lookup::Tagged(instance.tags.clone()),
        };
        if let Decision::Publish(message) = decide_notice(notice, lookup, rule, at) {
            black_box(message.routing_attributes());
            published += serde_json::to_string(&message).ok()?.len();
        }
    }
    Some(published)
}

fn bench_adapters(c: &mut Criterion) {
    let instance = enriched_instance();
    let rule = IgnoreRule::new("ore:ignore", "true");
    let mut group = c.benchmark_group("normalizer");
    group.throughput(Throughput::Elements(1));
    for kind in test_support::notice_sample_names() {
        let event = load_sqs_event(&format!("events/sqs/normalizer-{kind}-sns-envelope.json"));
        let body = event.records[0].body.clone().expect("a body");
        assert!(
            notice(&body, &instance, &rule).is_some(),
            "{kind} publishes"
        );
        group.bench_function(format!("sqs-body-to-notice/{kind}"), |b| {
            b.iter(|| notice(black_box(&body), &instance, &rule))
        });
    }
    group.finish();
}

/// A batch of 100 state changes over 10 instances through the whole handler (lanes, timing,
/// the state store's conditional writes, publishing) with the in-memory ports: what ordering a
/// resource's records one after the other costs, that none is deferred, and how many EC2 calls
/// the batch makes (printed, per event).
fn bench_batch_lanes(c: &mut Criterion) {
    use normalizer::enrich::memory::FakeDescriber;
    use normalizer::store::memory::MemoryStateStore;
    use normalizer::{Normalizer, Settling};
    use ore_lambda::batch::{Record, RecordHandler};
    use ore_lambda::fakes::RecordingPublisher;

    let states = ["pending", "running", "stopping", "stopped"];
    let events = |round: usize| -> Vec<Record<RawEvent>> {
        (0..100usize)
            .map(|n| {
                let instance = format!("i-0abc1234def5678{:02x}", n % 10);
                let seconds = round * 100 + n;
                let body = serde_json::json!({
                    "version": "0", "id": format!("bench-{round}-{n}"),
                    "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
                    "account": "123456789012", "region": "eu-west-1",
                    "time": format!("2026-11-26T{:02}:{:02}:{:02}Z", 9 + seconds / 3600, seconds / 60 % 60, seconds % 60),
                    "resources": [format!("arn:aws:ec2:eu-west-1:123456789012:instance/{instance}")],
                    "detail": {"instance-id": instance, "state": states[(n / 10) % 4]}
                })
                .to_string();
                Record {
                    message_id: format!("m-{n}"),
                    input: from_sqs_body::<RawEvent>(&body).expect("a valid state change"),
                }
            })
            .collect()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let fresh = || {
        Normalizer::new(
            FakeDescriber::knows(enriched_instance()),
            RecordingPublisher::default(),
            MemoryStateStore::default(),
            IgnoreRule::new("ore:ignore", "true"),
            Settling::default(),
        )
    };
    // The EC2 calls per event, reported beside the time: one DescribeInstances per account and
    // region a batch names, however many records name them.
    let counted = fresh();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let results = runtime.block_on(counted.handle_records(events(0), deadline));
    let calls = counted.describer().calls();
    println!(
        "normalizer-batch: {} events, {calls} DescribeInstances call(s), {:.2} per event",
        results.len(),
        f64::from(calls) / results.len() as f64
    );
    assert_eq!(calls, 1, "one account and region: one call");
    let mut group = c.benchmark_group("normalizer-batch");
    group.throughput(Throughput::Elements(100));
    group.bench_function("100-records-over-10-instances", |b| {
        b.iter_batched(
            || (fresh(), events(0)),
            |(normalizer, batch)| {
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
                let results = runtime.block_on(normalizer.handle_records(batch, deadline));
                assert!(results.iter().all(Result::is_ok), "nothing deferred");
                black_box(results)
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// A batch of 10 AWS Health events, each naming 10 databases of one account and region, through
/// the whole handler with in-memory ports: 100 notices, and the Tagging API calls the batch makes
/// (printed, per event: one `GetResources` for the batch's 100 ARNs).
fn bench_health_batch(c: &mut Criterion) {
    use normalizer::enrich::memory::FakeDescriber;
    use normalizer::store::memory::MemoryStateStore;
    use normalizer::{Normalizer, Settling};
    use ore_lambda::batch::{Record, RecordHandler};
    use ore_lambda::fakes::RecordingPublisher;

    let sample = test_support::load_json("events/eventbridge/health-event.json");
    let events = || -> Vec<Record<RawEvent>> {
        (0..10usize)
            .map(|n| {
                let mut event = sample.clone();
                event["id"] = format!("bench-health-{n}").into();
                event["detail"]["communicationId"] = format!("bench{n}").into();
                event["detail"]["affectedEntities"] = (0..10)
                    .map(|d| {
                        serde_json::json!({
                            "entityValue": format!("arn:aws:rds:eu-west-1:123456789012:db:orders-{n}-{d}")
                        })
                    })
                    .collect();
                Record {
                    message_id: format!("h-{n}"),
                    input: from_sqs_body::<RawEvent>(&event.to_string()).expect("a Health event"),
                }
            })
            .collect()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let fresh = || {
        Normalizer::new(
            FakeDescriber::knows(enriched_instance()).with_tags(enriched_instance().tags),
            RecordingPublisher::default(),
            MemoryStateStore::default(),
            IgnoreRule::new("ore:ignore", "true"),
            Settling::default(),
        )
    };
    let counted = fresh();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let results = runtime.block_on(counted.handle_records(events(), deadline));
    assert!(results.iter().all(Result::is_ok), "every notice published");
    let calls = counted.describer().tag_calls();
    println!(
        "normalizer-health-batch: {} events, {} notices, {calls} GetResources call(s), {:.2} per event",
        results.len(),
        counted.publisher().bodies().len(),
        f64::from(calls) / results.len() as f64
    );
    assert_eq!(
        calls, 1,
        "one account and region: one call for its 100 ARNs"
    );
    let mut group = c.benchmark_group("normalizer-health-batch");
    group.throughput(Throughput::Elements(100));
    group.bench_function("10-events-naming-100-resources", |b| {
        b.iter_batched(
            || (fresh(), events()),
            |(normalizer, batch)| {
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
                black_box(runtime.block_on(normalizer.handle_records(batch, deadline)))
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_normalize,
    bench_timing,
    bench_adapters,
    bench_batch_lanes,
    bench_health_batch
);
criterion_main!(benches);
