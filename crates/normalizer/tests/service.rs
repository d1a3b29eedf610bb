//! Every branch of the normalizer with the in-memory ports from `test-support`, no emulator:
//! published (enriched or not), ignored, EC2's eventual consistency (an instance not known yet,
//! then known) and the settle time, EC2 or SNS throttled, failing or refusing, the heartbeat,
//! and the state store: timing on the message, redelivery, late events, store faults.

use std::cell::Cell;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use normalizer::enrich::memory::FakeDescriber;
use normalizer::store::memory::{MemoryStateStore, StoreFault};
use normalizer::{IgnoreRule, Normalizer, Settling, StateStore};
use ore_lambda::batch::{Outcome, RecordHandler};
use ore_lambda::fakes::{Fault, RecordingPublisher};
use ore_lambda::RecordError;
use ore_model::accounts::AccountNames;
use ore_model::adapters::RawEvent;
use ore_model::from_sqs_body;
use ore_model::heartbeat::HEARTBEAT_TYPE;
use ore_model::resource::InstanceDetails;
use serde_json::json;
use test_support::StandardSchema;

const EVENT_TIME: &str = "2026-11-26T09:10:00Z";

thread_local! {
    /// Seconds after the event's time that the normalizer's clock reads (tests run on their
    /// own thread, on a current-thread runtime).
    static SECONDS_AFTER_EVENT: Cell<i64> = const { Cell::new(0) };
}

fn clock() -> DateTime<Utc> {
    let event: DateTime<Utc> = EVENT_TIME.parse().unwrap();
    event + chrono::Duration::seconds(SECONDS_AFTER_EVENT.with(Cell::get))
}

fn at(seconds: i64) {
    SECONDS_AFTER_EVENT.with(|s| s.set(seconds));
}

fn pending_event() -> RawEvent {
    state_event(
        "0b4e4d5a-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        EVENT_TIME,
        "pending",
    )
}

const INSTANCE_ARN: &str = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890";

fn state_event(id: &str, time: &str, state: &str) -> RawEvent {
    from_sqs_body(
        &json!({
            "version": "0", "id": id,
            "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
            "account": "123456789012", "time": time, "region": "eu-west-1",
            "resources": [INSTANCE_ARN],
            "detail": {"instance-id": "i-0abc1234def567890", "state": state}
        })
        .to_string(),
    )
    .expect("a valid state change")
}

fn tagged(tags: &[(&str, &str)]) -> InstanceDetails {
    InstanceDetails {
        name: Some("fresh".into()),
        launch_time: Some(Utc.with_ymd_and_hms(2026, 11, 26, 9, 9, 59).unwrap()),
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..InstanceDetails::default()
    }
}

type Subject = Normalizer<FakeDescriber, RecordingPublisher, MemoryStateStore>;

fn normalizer(describer: FakeDescriber, settling: Settling) -> Subject {
    normalizer_publishing_to(describer, RecordingPublisher::default(), settling)
}

fn normalizer_publishing_to(
    describer: FakeDescriber,
    publisher: RecordingPublisher,
    settling: Settling,
) -> Subject {
    normalizer_with(describer, publisher, MemoryStateStore::default(), settling)
}

fn normalizer_with(
    describer: FakeDescriber,
    publisher: RecordingPublisher,
    store: MemoryStateStore,
    settling: Settling,
) -> Subject {
    Normalizer::new(
        describer,
        publisher,
        store,
        IgnoreRule::new("ore:ignore", "true"),
        settling,
    )
    .with_clock(clock)
}

fn deadline() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(20)
}

/// The instance's `pending` event through `normalizer`.
async fn pending(normalizer: &Subject) -> Result<Outcome, RecordError> {
    normalizer.handle_record(pending_event(), deadline()).await
}

fn deferred_for(result: Result<Outcome, RecordError>) -> Duration {
    match result {
        Err(RecordError::Deferred { retry_after, .. }) => retry_after,
        other => panic!("expected a deferral, got {other:?}"),
    }
}

#[tokio::test]
async fn not_found_then_found_with_the_ignore_tag_publishes_nothing() {
    let describer =
        FakeDescriber::scripted(vec![Ok(None), Ok(Some(tagged(&[("ore:ignore", "true")])))]);
    let normalizer = normalizer(describer, Settling::default());
    at(1);
    let retry = deferred_for(pending(&normalizer).await);
    assert!(retry <= Duration::from_secs(10), "{retry:?}");
    at(12);
    let outcome = pending(&normalizer).await.unwrap();
    assert_eq!(outcome, Outcome::Ignored { state: "pending" });
    assert!(normalizer_published(&normalizer).is_empty());
}

#[tokio::test]
async fn never_found_is_published_unenriched_once_the_settle_time_has_passed() {
    let normalizer = normalizer(FakeDescriber::unknown(), Settling::default());
    for seconds in [0, 10, 20, 30, 40, 50] {
        at(seconds);
        deferred_for(pending(&normalizer).await);
    }
    assert!(normalizer_published(&normalizer).is_empty());
    at(60);
    let outcome = pending(&normalizer).await.unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "pending" });
    let [message] = normalizer_published(&normalizer).try_into().unwrap();
    assert_eq!(message["data"]["enrichment"], "not_found");
}

#[tokio::test]
async fn an_account_that_cannot_be_asked_is_published_unavailable_with_the_reason_at_once() {
    let reason =
        "cannot assume arn:aws:iam::444455556666:role/ore-enrichment: AccessDenied: not authorized";
    let normalizer = normalizer(FakeDescriber::unavailable(reason), Settling::default());
    // A fresh event: EC2's lag is not waited out where EC2 cannot be asked at all.
    at(0);
    let outcome = pending(&normalizer).await.unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "pending" });
    let [message] = normalizer_published(&normalizer).try_into().unwrap();
    StandardSchema::load().assert_valid(&message);
    assert_eq!(message["data"]["enrichment"], "unavailable");
    assert_eq!(message["data"]["enrichment_reason"], reason);
    assert_eq!(message["data"]["instance"]["tags"], json!({}));
}

#[tokio::test]
async fn a_named_account_is_named_in_the_message_and_others_are_not() {
    let sample_account = pending_event_account();
    let names = AccountNames::parse(&format!(
        "{sample_account}=payments-prod,999988887777=other"
    ))
    .unwrap();
    let named = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default())
        .with_account_names(names);
    at(0);
    pending(&named).await.unwrap();
    let [message] = normalizer_published(&named).try_into().unwrap();
    StandardSchema::load().assert_valid(&message);
    assert_eq!(message["data"]["account_name"], "payments-prod");
    assert_eq!(message["data"]["account"], sample_account.as_str());

    let unnamed = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default())
        .with_account_names(AccountNames::parse("999988887777=other").unwrap());
    pending(&unnamed).await.unwrap();
    let [message] = normalizer_published(&unnamed).try_into().unwrap();
    assert!(message["data"].get("account_name").is_none(), "{message}");
}

fn pending_event_account() -> String {
    match pending_event() {
        RawEvent::StateChange(change) => change.account,
        other => panic!("the sample is a state change: {other:?}"),
    }
}

#[tokio::test]
async fn an_old_event_for_an_unknown_instance_is_published_unenriched_at_once() {
    let describer = FakeDescriber::unknown();
    let normalizer = normalizer(describer, Settling::default());
    at(3600);
    let outcome = pending(&normalizer).await.unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "pending" });
    assert_eq!(
        normalizer_published(&normalizer)[0]["data"]["enrichment"],
        "not_found"
    );
}

#[tokio::test]
async fn waiting_for_tags_is_off_by_default_and_waits_when_on() {
    let untagged_then_tagged = || {
        FakeDescriber::scripted(vec![
            Ok(Some(tagged(&[]))),
            Ok(Some(tagged(&[("ore:ignore", "true")]))),
        ])
    };
    at(2);
    let published_at_once = normalizer(untagged_then_tagged(), Settling::default());
    let outcome = pending(&published_at_once).await.unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "pending" });

    let waiting = normalizer(
        untagged_then_tagged(),
        Settling {
            wait_for_tags: true,
            ..Settling::default()
        },
    );
    deferred_for(pending(&waiting).await);
    at(13);
    let outcome = pending(&waiting).await.unwrap();
    assert_eq!(outcome, Outcome::Ignored { state: "pending" });
}

#[tokio::test]
async fn a_heartbeat_is_passed_on_without_asking_ec2() {
    let normalizer = normalizer(FakeDescriber::unknown(), Settling::default());
    let heartbeat: RawEvent = from_sqs_body(
        &json!({
            "version": "0", "id": "hb-42", "detail-type": "ORE Heartbeat", "source": "ore.canary",
            "account": "123456789012", "time": EVENT_TIME, "region": "eu-west-1", "resources": [],
            "detail": {"origin": "verify-deployment"}
        })
        .to_string(),
    )
    .unwrap();
    at(2);
    let outcome = normalizer
        .handle_record(heartbeat, deadline())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Heartbeat {
            id: "hb-42".into(),
            delay_ms: 2000
        }
    );
    let publisher = normalizer_publisher(&normalizer);
    let [message] = publisher.bodies().try_into().unwrap();
    assert_eq!(message["type"], HEARTBEAT_TYPE);
    assert_eq!(message["data"]["source_event_id"], "hb-42");
    assert_eq!(publisher.attributes()[0]["type"], HEARTBEAT_TYPE);
    assert!(!publisher.attributes()[0].contains_key("state"));
    test_support::HeartbeatSchema::load().assert_valid(&message);
    assert_eq!(normalizer.describer().calls(), 0);
}

fn normalizer_publisher(normalizer: &Subject) -> &RecordingPublisher {
    normalizer.publisher()
}

fn normalizer_published(normalizer: &Subject) -> Vec<serde_json::Value> {
    normalizer.publisher().bodies()
}

#[tokio::test]
async fn a_known_instance_is_published_enriched_with_its_routing_attributes() {
    let normalizer = normalizer(
        FakeDescriber::knows(tagged(&[("team", "payments")])),
        Settling::default(),
    );
    at(1);
    let outcome = pending(&normalizer).await.unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "pending" });
    let [message] = normalizer_published(&normalizer).try_into().unwrap();
    StandardSchema::load().assert_valid(&message);
    assert_eq!(message["data"]["enrichment"], "enriched");
    assert_eq!(message["data"]["instance"]["name"], "fresh");
    assert_eq!(message["data"]["instance"]["tags"]["team"], "payments");
    let [attributes] = normalizer_publisher(&normalizer)
        .attributes()
        .try_into()
        .unwrap();
    assert_eq!(attributes["state"], "pending");
    assert_eq!(attributes["resource_type"], "ec2:instance");
    assert_eq!(attributes["account"], "123456789012");
    assert_eq!(attributes["region"], "eu-west-1");
}

#[tokio::test]
async fn an_instance_tagged_to_be_ignored_publishes_nothing() {
    let normalizer = normalizer(
        FakeDescriber::knows(tagged(&[("ore:ignore", "true")])),
        Settling::default(),
    );
    at(1);
    let outcome = pending(&normalizer).await;
    assert_eq!(outcome.unwrap(), Outcome::Ignored { state: "pending" });
    assert!(normalizer_published(&normalizer).is_empty());
}

#[tokio::test]
async fn ec2_faults_fail_the_record_with_their_kind_and_publish_nothing() {
    for fault in Fault::ALL {
        let normalizer = normalizer(FakeDescriber::failing(fault), Settling::default());
        at(1);
        let result = pending(&normalizer).await;
        fault.assert_is(&result.unwrap_err(), "ec2:DescribeInstances");
        assert!(normalizer_published(&normalizer).is_empty());
    }
}

#[tokio::test]
async fn sns_faults_fail_the_record_with_their_kind() {
    for fault in Fault::ALL {
        let publisher = RecordingPublisher::failing(fault);
        let describer = FakeDescriber::knows(tagged(&[]));
        let normalizer = normalizer_publishing_to(describer, publisher, Settling::default());
        at(1);
        let result = pending(&normalizer).await;
        fault.assert_is(&result.unwrap_err(), "sns:Publish");
    }
}

/// An instance's day, in order, then redelivered, through one normalizer and one store.
#[tokio::test]
async fn the_message_carries_the_previous_state_and_how_long_it_lasted() {
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    at(3 * 3600);
    let day = [
        ("e1", "2026-11-26T09:10:00Z", "pending"),
        ("e2", "2026-11-26T09:10:30Z", "running"),
        ("e3", "2026-11-26T12:22:30Z", "stopping"),
    ];
    for (id, time, state) in day {
        normalizer
            .handle_record(state_event(id, time, state), deadline())
            .await
            .unwrap();
    }
    let published = normalizer_published(&normalizer);
    assert_eq!(published.len(), 3);
    for message in &published {
        StandardSchema::load().assert_valid(message);
    }
    let timing = &published[2]["data"]["timing"];
    assert_eq!(timing["previous_state"], "running");
    assert_eq!(timing["previous_state_since"], "2026-11-26T09:10:30Z");
    assert_eq!(timing["previous_state_seconds"], 3 * 3600 + 12 * 60);
    assert_eq!(timing["late"], false);
    assert_eq!(
        published[0]["data"]["timing"]["previous_state"],
        json!(null)
    );
    let stored = normalizer.store().snapshot(INSTANCE_ARN);
    assert_eq!(stored.history.len(), 3);
    assert!(stored.history.iter().all(|e| e.published));
    assert_eq!(stored.current.unwrap().event_id, "e3");

    // Every event again: nothing new is published.
    for (id, time, state) in day {
        let outcome = normalizer
            .handle_record(state_event(id, time, state), deadline())
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::Duplicate { .. }), "{outcome:?}");
    }
    assert_eq!(normalizer_published(&normalizer).len(), 3);
}

#[tokio::test]
async fn a_late_event_says_so_and_leaves_the_current_state() {
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    at(3600);
    for (id, time, state) in [
        ("e3", "2026-11-26T09:20:00Z", "stopped"),
        ("e2", "2026-11-26T09:15:00Z", "running"),
    ] {
        normalizer
            .handle_record(state_event(id, time, state), deadline())
            .await
            .unwrap();
    }
    let published = normalizer_published(&normalizer);
    let late = &published[1]["data"]["timing"];
    assert_eq!(late["late"], true);
    assert_eq!(late["current_state"], "stopped");
    StandardSchema::load().assert_valid(&published[1]);
    let current = normalizer.store().snapshot(INSTANCE_ARN).current.unwrap();
    assert_eq!(current.state, ore_model::ec2::InstanceState::Stopped);
}

#[tokio::test]
async fn a_publish_that_failed_after_recording_is_published_on_redelivery() {
    let normalizer = normalizer_publishing_to(
        FakeDescriber::knows(tagged(&[])),
        RecordingPublisher::failing(Fault::Transient),
        Settling::default(),
    );
    at(1);
    assert!(pending(&normalizer).await.is_err());
    let stored = normalizer.store().snapshot(INSTANCE_ARN);
    assert_eq!(stored.history.len(), 1);
    assert!(!stored.history[0].published);
    // The same store behind a publisher that works again: the entry goes out once.
    let recovered = normalizer_with(
        FakeDescriber::knows(tagged(&[])),
        RecordingPublisher::default(),
        MemoryStateStore::default(),
        Settling::default(),
    );
    // Move the recorded entry over, as the table would keep it.
    let entry = stored.history[0].clone();
    recovered
        .store()
        .record(
            INSTANCE_ARN,
            &entry,
            stored.current.as_ref().map(|c| (c, None)),
        )
        .await
        .unwrap();
    assert_eq!(
        pending(&recovered).await.unwrap(),
        Outcome::Delivered { state: "pending" }
    );
    assert_eq!(
        pending(&recovered).await.unwrap(),
        Outcome::Duplicate { state: "pending" }
    );
    assert_eq!(normalizer_published(&recovered).len(), 1);
}

#[tokio::test]
async fn store_faults_fail_the_record_and_publish_nothing_made_up() {
    for (fault, operation) in [
        (
            StoreFault::Load as fn(Fault) -> StoreFault,
            "dynamodb:Query",
        ),
        (StoreFault::Record, "dynamodb:TransactWriteItems"),
    ] {
        for kind in Fault::ALL {
            let normalizer = normalizer_with(
                FakeDescriber::knows(tagged(&[])),
                RecordingPublisher::default(),
                MemoryStateStore::failing(fault(kind)),
                Settling::default(),
            );
            at(1);
            kind.assert_is(&pending(&normalizer).await.unwrap_err(), operation);
            assert!(normalizer_published(&normalizer).is_empty());
        }
    }
}

#[tokio::test]
async fn concurrent_writers_are_retried_then_the_record_is_deferred() {
    let store = MemoryStateStore::default();
    store
        .conflicts
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let normalizer = normalizer_with(
        FakeDescriber::knows(tagged(&[])),
        RecordingPublisher::default(),
        store,
        Settling::default(),
    );
    at(1);
    assert_eq!(
        pending(&normalizer).await.unwrap(),
        Outcome::Delivered { state: "pending" }
    );
    let busy = MemoryStateStore::default();
    busy.conflicts
        .store(100, std::sync::atomic::Ordering::SeqCst);
    let normalizer = normalizer_with(
        FakeDescriber::knows(tagged(&[])),
        RecordingPublisher::default(),
        busy,
        Settling::default(),
    );
    deferred_for(pending(&normalizer).await);
    assert!(normalizer_published(&normalizer).is_empty());
}

/// The committed sample of a notice kind, as the normalizer reads it.
fn notice_event(name: &str) -> RawEvent {
    from_sqs_body(&test_support::load_json(&format!("events/eventbridge/{name}.json")).to_string())
        .expect("a valid notice")
}

const NOTICE_SAMPLES: [&str; 3] = [
    "health-scheduled-change",
    "ec2-spot-interruption-warning",
    "ec2-rebalance-recommendation",
];

#[tokio::test]
async fn every_notice_kind_is_enriched_and_published_with_its_own_type_and_no_timing() {
    for name in NOTICE_SAMPLES {
        let normalizer = normalizer(
            FakeDescriber::knows(tagged(&[("team", "ops")])),
            Settling::default(),
        );
        let outcome = normalizer
            .handle_record(notice_event(name), deadline())
            .await;
        let expected = test_support::load_json(&format!("events/notices/{name}.json"));
        let kind = expected["type"].as_str().unwrap();
        assert!(
            matches!(outcome, Ok(Outcome::Delivered { .. })),
            "{name}: {outcome:?}"
        );
        let bodies = normalizer.publisher().bodies();
        assert_eq!(bodies.len(), 1, "{name}");
        assert_eq!(bodies[0]["type"], kind);
        assert_eq!(
            bodies[0]["id"], expected["id"],
            "{name}: the id the samples derive"
        );
        assert_eq!(bodies[0]["data"]["instance"]["tags"]["team"], "ops");
        assert_eq!(bodies[0]["data"]["enrichment"], "enriched");
        assert!(
            bodies[0]["data"].get("timing").is_none(),
            "{name}: a notice has no timing"
        );
        let attributes = &normalizer.publisher().attributes()[0];
        assert_eq!(attributes["type"], kind);
        assert!(
            !attributes.contains_key("state"),
            "state filters never match a notice"
        );
        assert_eq!(
            normalizer.store().snapshot(INSTANCE_ARN).current,
            None,
            "{name}: a notice does not move the recorded state"
        );
    }
}

#[tokio::test]
async fn notices_follow_the_ignore_tag_and_publish_an_unknown_instance_unenriched() {
    for name in NOTICE_SAMPLES {
        let ignored = normalizer(
            FakeDescriber::knows(tagged(&[("ore:ignore", "true")])),
            Settling::default(),
        );
        let outcome = ignored.handle_record(notice_event(name), deadline()).await;
        assert!(
            matches!(outcome, Ok(Outcome::Ignored { .. })),
            "{name}: {outcome:?}"
        );
        assert!(ignored.publisher().bodies().is_empty());

        // No settle wait: a notice is about an instance that exists, or is gone for good.
        let unknown = normalizer(FakeDescriber::unknown(), Settling::default());
        let outcome = unknown.handle_record(notice_event(name), deadline()).await;
        assert!(
            matches!(outcome, Ok(Outcome::Delivered { .. })),
            "{name}: {outcome:?}"
        );
        assert_eq!(
            unknown.publisher().bodies()[0]["data"]["enrichment"],
            "not_found"
        );
    }
}

#[tokio::test]
async fn a_scheduled_change_naming_many_instances_publishes_one_notice_each() {
    let mut event = test_support::load_json("events/eventbridge/health-scheduled-change.json");
    event["detail"]["affectedEntities"] = (0..40)
        .map(|i| json!({"entityValue": format!("i-{i:017x}")}))
        .collect();
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    let raw: RawEvent = from_sqs_body(&event.to_string()).unwrap();
    let outcome = normalizer.handle_record(raw, deadline()).await;
    assert!(
        matches!(outcome, Ok(Outcome::Delivered { .. })),
        "{outcome:?}"
    );
    assert_eq!(
        normalizer.describer().calls(),
        1,
        "one DescribeInstances for the event's 40 instances"
    );
    let bodies = normalizer.publisher().bodies();
    let subjects: std::collections::BTreeSet<_> = bodies
        .iter()
        .map(|b| b["subject"].as_str().unwrap().to_owned())
        .collect();
    let ids: std::collections::BTreeSet<_> = bodies
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!((bodies.len(), subjects.len(), ids.len()), (40, 40, 40));
}

#[tokio::test]
async fn a_notice_that_cannot_be_enriched_or_published_fails_its_record_for_a_retry() {
    for fault in Fault::ALL {
        let normalizer = normalizer(FakeDescriber::failing(fault), Settling::default());
        let error = normalizer
            .handle_record(notice_event("ec2-spot-interruption-warning"), deadline())
            .await
            .unwrap_err();
        fault.assert_is(&error, "ec2:DescribeInstances");
        assert!(normalizer.publisher().bodies().is_empty());

        let normalizer = normalizer_publishing_to(
            FakeDescriber::knows(tagged(&[])),
            RecordingPublisher::failing(fault),
            Settling::default(),
        );
        let error = normalizer
            .handle_record(notice_event("health-scheduled-change"), deadline())
            .await
            .unwrap_err();
        fault.assert_is(&error, "sns:Publish");
    }
}

#[tokio::test]
async fn a_redelivered_notice_publishes_nothing_new() {
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    for name in NOTICE_SAMPLES {
        let first = normalizer
            .handle_record(notice_event(name), deadline())
            .await;
        assert!(
            matches!(first, Ok(Outcome::Delivered { .. })),
            "{name}: {first:?}"
        );
        let again = normalizer
            .handle_record(notice_event(name), deadline())
            .await;
        assert!(
            matches!(again, Ok(Outcome::Duplicate { .. })),
            "{name}: {again:?}"
        );
    }
    assert_eq!(
        normalizer.publisher().bodies().len(),
        3,
        "one message per notice"
    );
    assert_eq!(
        normalizer.describer().calls(),
        3,
        "a duplicate is recognised before EC2 is asked"
    );
}

#[tokio::test]
async fn a_store_failure_around_a_notice_fails_its_record() {
    for fault in Fault::ALL {
        for (store_fault, operation, published) in [
            (
                StoreFault::NoticeLookup as fn(Fault) -> StoreFault,
                "dynamodb:Query",
                0,
            ),
            (StoreFault::MarkNoticePublished, "dynamodb:PutItem", 1),
        ] {
            let normalizer = normalizer_with(
                FakeDescriber::knows(tagged(&[])),
                RecordingPublisher::default(),
                MemoryStateStore::failing(store_fault(fault)),
                Settling::default(),
            );
            let error = normalizer
                .handle_record(notice_event("ec2-spot-interruption-warning"), deadline())
                .await
                .unwrap_err();
            fault.assert_is(&error, operation);
            assert_eq!(
                normalizer.publisher().bodies().len(),
                published,
                "{operation}"
            );
        }
    }
}

/// AWS Health sends backup copies of a communication (`backupEvent`, a new EventBridge id, often
/// another delivery region) and long communications in pages: a copy publishes nothing new, a
/// new page or a new communication does.
#[tokio::test]
async fn a_backup_copy_of_a_health_notice_publishes_nothing_new_a_new_page_does() {
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    let original = test_support::load_json("events/eventbridge/health-scheduled-change.json");
    let event = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut event = original.clone();
        change(&mut event);
        from_sqs_body::<RawEvent>(&event.to_string()).expect("a valid notice")
    };
    let first = normalizer.handle_record(event(&|_| {}), deadline()).await;
    assert!(matches!(first, Ok(Outcome::Delivered { .. })), "{first:?}");
    let backup = event(&|e| {
        e["id"] = "0d4c8f1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f".into();
        e["region"] = "us-west-2".into();
        e["detail"]["backupEvent"] = "true".into();
    });
    let copy = normalizer.handle_record(backup, deadline()).await;
    assert!(matches!(copy, Ok(Outcome::Duplicate { .. })), "{copy:?}");
    let second_page = event(&|e| {
        e["id"] = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9".into();
        e["detail"]["page"] = "2".into();
        e["detail"]["totalPages"] = "2".into();
    });
    let page = normalizer.handle_record(second_page, deadline()).await;
    assert!(matches!(page, Ok(Outcome::Delivered { .. })), "{page:?}");
    assert_eq!(normalizer.publisher().bodies().len(), 2);
    assert_eq!(
        normalizer.describer().calls(),
        2,
        "a copy is recognised before EC2 is asked"
    );
}

/// A batch of `events` as the handler receives it (one record each, in this order).
fn batch(events: Vec<RawEvent>) -> Vec<ore_lambda::batch::Record<RawEvent>> {
    events
        .into_iter()
        .enumerate()
        .map(|(n, input)| ore_lambda::batch::Record {
            message_id: format!("m-{n}"),
            input,
        })
        .collect()
}

fn deferred(results: &[Result<Outcome, RecordError>]) -> usize {
    results
        .iter()
        .filter(|r| matches!(r, Err(RecordError::Deferred { .. })))
        .count()
}

/// Six state changes of one instance stamped in the same second (pending and running often are)
/// in one batch: handled one after the other, in the batch's order, none contends with another.
#[tokio::test]
async fn a_resources_records_in_one_batch_never_contend_for_its_state() {
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    let states = [
        "pending",
        "running",
        "stopping",
        "stopped",
        "shutting-down",
        "terminated",
    ];
    let events = states
        .iter()
        .enumerate()
        .map(|(n, state)| state_event(&format!("same-second-{n}"), EVENT_TIME, state))
        .collect();
    let results = normalizer.handle_records(batch(events), deadline()).await;
    assert_eq!(deferred(&results), 0, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(Outcome::Delivered { .. }))),
        "{results:?}"
    );
    let published: Vec<String> = normalizer
        .publisher()
        .bodies()
        .iter()
        .map(|b| b["data"]["state"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(published, states, "in the batch's order");
}

/// A hundred records of one instance, and the same hundred spread over ten instances: nothing
/// deferred, every record answered in its place.
#[tokio::test]
async fn a_hundred_records_of_one_resource_or_of_ten_defer_nothing() {
    let states = ["pending", "running", "stopping", "stopped"];
    for instances in [1usize, 10] {
        let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
        let events: Vec<RawEvent> = (0..100usize)
            .map(|n| {
                let instance = format!("i-0abc1234def5678{:02x}", n % instances);
                let time = format!("2026-11-26T09:{:02}:{:02}Z", 10 + n / 60, n % 60);
                from_sqs_body(
                    &json!({
                        "version": "0", "id": format!("hundred-{instances}-{n}"),
                        "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
                        "account": "123456789012", "time": time, "region": "eu-west-1",
                        "resources": [format!("arn:aws:ec2:eu-west-1:123456789012:instance/{instance}")],
                        "detail": {"instance-id": instance, "state": states[(n / instances) % 4]}
                    })
                    .to_string(),
                )
                .expect("a valid state change")
            })
            .collect();
        let results = normalizer.handle_records(batch(events), deadline()).await;
        assert_eq!(results.len(), 100);
        assert_eq!(deferred(&results), 0, "{instances} instance(s)");
        assert!(results.iter().all(Result::is_ok), "{instances} instance(s)");
    }
}

/// Handled each on its own, six records of one instance a second apart contend: the fake
/// store's read is a round trip, as DynamoDB's is, so the tests above prove the lanes, not a store
/// that cannot conflict.
#[tokio::test]
async fn handled_each_on_its_own_the_same_records_do_contend() {
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    let events = (0..6)
        .map(|n| {
            let time = format!("2026-11-26T09:20:0{n}Z");
            state_event(&format!("alone-{n}"), &time, ["pending", "running"][n % 2])
        })
        .collect();
    let results = ore_lambda::batch::each_on_its_own(&normalizer, batch(events), deadline()).await;
    assert!(deferred(&results) > 0, "{results:?}");
}

/// A state change of `instance` in `account`, as EventBridge sends it.
fn state_event_of(account: &str, instance: &str, state: &str) -> RawEvent {
    from_sqs_body(
        &json!({
            "version": "0", "id": format!("ev-{account}-{instance}-{state}"),
            "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
            "account": account, "time": EVENT_TIME, "region": "eu-west-1",
            "resources": [format!("arn:aws:ec2:eu-west-1:{account}:instance/{instance}")],
            "detail": {"instance-id": instance, "state": state}
        })
        .to_string(),
    )
    .expect("a valid state change")
}

fn batch_of(events: Vec<RawEvent>) -> Vec<ore_lambda::batch::Record<RawEvent>> {
    events
        .into_iter()
        .enumerate()
        .map(|(index, input)| ore_lambda::batch::Record {
            message_id: format!("m-{index}"),
            input,
        })
        .collect()
}

#[tokio::test]
async fn a_batch_asks_ec2_once_per_account_and_region_not_once_per_record() {
    at(120);
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    let records = batch_of(vec![
        state_event_of("123456789012", "i-0aaaaaaaaaaaaaaa1", "running"),
        state_event_of("123456789012", "i-0aaaaaaaaaaaaaaa2", "running"),
        state_event_of("123456789012", "i-0aaaaaaaaaaaaaaa1", "stopping"),
        state_event_of("444455556666", "i-0bbbbbbbbbbbbbbb1", "running"),
        notice_event("ec2-rebalance-recommendation"),
        notice_event("ec2-spot-interruption-warning"),
    ]);
    let results = normalizer.handle_records(records, deadline()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        normalizer_published(&normalizer).len(),
        6,
        "every record published, enriched from the batch's answers"
    );
    assert_eq!(
        normalizer.describer().calls(),
        2,
        "one DescribeInstances for 123456789012 (three instances, two notices), one for 444455556666"
    );
}

#[tokio::test]
async fn a_failed_batch_lookup_fails_every_record_that_needed_it_with_its_kind() {
    let normalizer = normalizer(
        FakeDescriber::failing(Fault::Throttled),
        Settling::default(),
    );
    let heartbeat = from_sqs_body(
        &json!({
            "version": "0", "id": "hb-1", "detail-type": "ORE Heartbeat", "source": "ore.canary",
            "account": "123456789012", "time": EVENT_TIME, "region": "eu-west-1",
            "resources": [], "detail": {}
        })
        .to_string(),
    )
    .expect("a heartbeat");
    let records = batch_of(vec![
        state_event_of("123456789012", "i-0aaaaaaaaaaaaaaa1", "running"),
        heartbeat,
        state_event_of("123456789012", "i-0aaaaaaaaaaaaaaa2", "running"),
    ]);
    let results = normalizer.handle_records(records, deadline()).await;
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| r.as_ref().map_or_else(RecordError::kind, |_| "ok"))
        .collect();
    assert_eq!(kinds, ["throttled", "ok", "throttled"]);
    assert_eq!(
        normalizer.describer().calls(),
        1,
        "asked once, not retried per record"
    );
    assert_eq!(
        normalizer_published(&normalizer).len(),
        1,
        "only the heartbeat"
    );
}

/// SNS as slow as it gets on a bad day: 200 ms a publish (on the test's paused clock).
struct SlowPublisher(RecordingPublisher);

impl ore_lambda::ports::Publish for SlowPublisher {
    async fn publish(
        &self,
        message: String,
        attributes: &[(&str, &str)],
    ) -> Result<(), RecordError> {
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.0.publish(message, attributes).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_health_event_naming_a_thousand_instances_is_published_over_several_deliveries_once_each()
{
    let mut event = test_support::load_json("events/eventbridge/health-scheduled-change.json");
    event["detail"]["affectedEntities"] = (0..1000)
        .map(|i| json!({"entityValue": format!("i-{i:017x}")}))
        .collect();
    let normalizer = Normalizer::new(
        FakeDescriber::knows(tagged(&[])),
        SlowPublisher(RecordingPublisher::default()),
        MemoryStateStore::default(),
        IgnoreRule::new("ore:ignore", "true"),
        Settling::default(),
    )
    .with_clock(clock);
    let budget = Duration::from_secs(20);
    let mut deliveries = 0;
    let mut published_each = Vec::new();
    loop {
        deliveries += 1;
        assert!(deliveries <= 5, "still not done after 4 deliveries");
        let before = normalizer.publisher().0.bodies().len();
        let raw: RawEvent = from_sqs_body(&event.to_string()).unwrap();
        let started = tokio::time::Instant::now();
        let outcome = normalizer
            .handle_record(raw, tokio::time::Instant::now() + budget)
            .await;
        assert!(
            started.elapsed() < budget,
            "delivery {deliveries} ran past its deadline"
        );
        published_each.push(normalizer.publisher().0.bodies().len() - before);
        match outcome {
            Ok(Outcome::Delivered { .. }) => break,
            Err(RecordError::Deferred { retry_after, .. }) => {
                assert!(retry_after <= Duration::from_secs(1))
            }
            other => panic!("delivery {deliveries}: {other:?}"),
        }
    }
    assert!(
        deliveries > 1,
        "a thousand slow publishes do not fit one delivery"
    );
    assert!(
        published_each.iter().all(|n| *n > 0),
        "each delivery made progress: {published_each:?}"
    );
    let subjects: std::collections::BTreeSet<String> = normalizer
        .publisher()
        .0
        .bodies()
        .iter()
        .map(|b| b["subject"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        normalizer.publisher().0.bodies().len(),
        1000,
        "each instance once"
    );
    assert_eq!(subjects.len(), 1000);
}

/// An EC2 (and a Tagging API) that never answers (a call the SDK's timeouts would end much
/// later).
struct SilentEc2;

impl normalizer::DescribeResources for SilentEc2 {
    async fn describe_instances(
        &self,
        _: &str,
        _: &str,
        _: &[&str],
    ) -> Result<normalizer::Descriptions, RecordError> {
        std::future::pending().await
    }

    async fn read_tags(
        &self,
        _: &str,
        _: &str,
        _: &[&str],
    ) -> Result<normalizer::Descriptions, RecordError> {
        std::future::pending().await
    }
}

#[tokio::test(start_paused = true)]
async fn an_ec2_that_does_not_answer_in_time_fails_the_records_needing_it_and_the_batch_answers() {
    let normalizer = Normalizer::new(
        SilentEc2,
        RecordingPublisher::default(),
        MemoryStateStore::default(),
        IgnoreRule::new("ore:ignore", "true"),
        Settling::default(),
    )
    .with_clock(clock);
    let records = batch_of(vec![
        state_event_of("123456789012", "i-0aaaaaaaaaaaaaaa1", "running"),
        notice_event("ec2-rebalance-recommendation"),
    ]);
    let budget = Duration::from_secs(20);
    let started = tokio::time::Instant::now();
    let results = normalizer
        .handle_records(records, tokio::time::Instant::now() + budget)
        .await;
    assert!(
        started.elapsed() <= budget / 2,
        "EC2 gets half the batch's time: {:?}",
        started.elapsed()
    );
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| r.as_ref().map_or_else(RecordError::kind, |_| "ok"))
        .collect();
    assert_eq!(kinds, ["transient", "transient"]);
    assert!(normalizer.publisher().bodies().is_empty());
}

fn health_event_schema() -> StandardSchema {
    StandardSchema::load_file("schemas/resource-health-event.v1.json")
}

fn tags(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_health_event_about_any_resource_is_published_with_its_tags_from_one_call() {
    let normalizer = normalizer(
        FakeDescriber::knows(tagged(&[])).with_tags(tags(&[("Name", "orders"), ("team", "ops")])),
        Settling::default(),
    );
    let outcome = normalizer
        .handle_record(notice_event("health-event"), deadline())
        .await;
    assert!(
        matches!(outcome, Ok(Outcome::Delivered { .. })),
        "{outcome:?}"
    );
    let bodies = normalizer.publisher().bodies();
    let expected = test_support::load_json("events/notices/health-event.json");
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["id"], expected["id"], "the id the samples derive");
    assert_eq!(bodies[0]["type"], "org.ore.resource.health-event");
    let data = &bodies[0]["data"];
    assert_eq!(data["resource_type"], "rds:db");
    assert_eq!(data["resource_name"], "orders");
    assert_eq!(data["tags"]["team"], "ops");
    assert!(data.get("instance").is_none(), "{data}");
    health_event_schema().assert_valid(&bodies[0]);
    assert_eq!(
        (
            normalizer.describer().tag_calls(),
            normalizer.describer().calls()
        ),
        (1, 0),
        "one GetResources, no DescribeInstances"
    );
    assert_eq!(
        normalizer.publisher().attributes()[0]["resource_type"],
        "rds:db"
    );
}

#[tokio::test]
async fn a_health_event_follows_the_ignore_tag_and_the_tagging_apis_faults() {
    let ignored = normalizer(
        FakeDescriber::knows(tagged(&[])).with_tags(tags(&[("ore:ignore", "true")])),
        Settling::default(),
    );
    let outcome = ignored
        .handle_record(notice_event("health-event"), deadline())
        .await;
    assert!(
        matches!(outcome, Ok(Outcome::Ignored { .. })),
        "{outcome:?}"
    );
    assert!(ignored.publisher().bodies().is_empty());

    for fault in Fault::ALL {
        let failing = normalizer(
            FakeDescriber::knows(tagged(&[])).with_tags_failing(fault),
            Settling::default(),
        );
        let error = failing
            .handle_record(notice_event("health-event"), deadline())
            .await
            .unwrap_err();
        fault.assert_is(&error, "tag:GetResources");
        assert!(failing.publisher().bodies().is_empty());
    }

    // An account that cannot be asked: published unenriched, saying why.
    let unavailable = normalizer(FakeDescriber::unavailable("no role"), Settling::default());
    unavailable
        .handle_record(notice_event("health-event"), deadline())
        .await
        .expect("published");
    let data = &unavailable.publisher().bodies()[0]["data"];
    assert_eq!(data["enrichment"], "unavailable");
    assert_eq!(data["enrichment_reason"], "no role");
    assert!(data.get("tags").is_none(), "{data}");
}

#[tokio::test]
async fn a_health_event_naming_no_resource_asks_nothing_and_says_so() {
    let mut event = test_support::load_json("events/eventbridge/health-event.json");
    event["resources"] = json!([]);
    event["detail"]["affectedEntities"] =
        json!([{"entityValue": "AWS_ACCOUNT"}, {"entityValue": "example.com"}]);
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    let raw: RawEvent = from_sqs_body(&event.to_string()).unwrap();
    let outcome = normalizer.handle_record(raw, deadline()).await;
    assert!(
        matches!(outcome, Ok(Outcome::Delivered { .. })),
        "{outcome:?}"
    );
    let bodies = normalizer.publisher().bodies();
    assert_eq!(bodies.len(), 2);
    for body in &bodies {
        assert_eq!(body["data"]["resource_type"], "health:entity");
        assert_eq!(body["data"]["enrichment"], "not_applicable");
        assert!(body["data"].get("resource_arn").is_none());
        health_event_schema().assert_valid(body);
    }
    assert_eq!(
        (
            normalizer.describer().tag_calls(),
            normalizer.describer().calls()
        ),
        (0, 0)
    );
    // Redelivered: each entity's notice is recognised, nothing published again.
    let raw: RawEvent = from_sqs_body(&event.to_string()).unwrap();
    let again = normalizer.handle_record(raw, deadline()).await;
    assert!(matches!(again, Ok(Outcome::Duplicate { .. })), "{again:?}");
    assert_eq!(normalizer.publisher().bodies().len(), 2);
}

/// The committed Health sample `name` as a later communication: another id, time and status.
fn health_communication(name: &str, communication: &str, time: &str, status: &str) -> RawEvent {
    let mut event = test_support::load_json(&format!("events/eventbridge/{name}.json"));
    event["id"] = format!("event-{communication}").into();
    event["time"] = time.into();
    event["detail"]["communicationId"] = communication.into();
    event["detail"]["statusCode"] = status.into();
    from_sqs_body(&event.to_string()).unwrap()
}

#[tokio::test]
async fn a_later_communication_of_a_health_event_is_published_as_its_update() {
    for (name, object) in [
        ("health-scheduled-change", "scheduled_change"),
        ("health-event", "health_event"),
    ] {
        let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
        let publish = |event| normalizer.handle_record(event, deadline());
        publish(health_communication(
            name,
            "c1",
            "2026-11-26T09:40:00Z",
            "upcoming",
        ))
        .await
        .unwrap();
        publish(health_communication(
            name,
            "c2",
            "2026-11-27T09:40:00Z",
            "open",
        ))
        .await
        .unwrap();
        // An older communication arriving after the newer one is superseded: not published.
        let older = publish(health_communication(
            name,
            "c0",
            "2026-11-25T09:40:00Z",
            "upcoming",
        ))
        .await;
        assert!(
            matches!(older, Ok(Outcome::Duplicate { .. })),
            "{name}: {older:?}"
        );
        // A redelivered communication is still a duplicate.
        let again = publish(health_communication(
            name,
            "c2",
            "2026-11-27T09:40:00Z",
            "open",
        ))
        .await;
        assert!(
            matches!(again, Ok(Outcome::Duplicate { .. })),
            "{name}: {again:?}"
        );
        let bodies = normalizer.publisher().bodies();
        let previous: Vec<&serde_json::Value> = bodies
            .iter()
            .map(|b| &b["data"][object]["previous_status"])
            .collect();
        assert_eq!(
            previous,
            [&serde_json::Value::Null, &json!("upcoming")],
            "{name}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn two_communications_of_one_health_event_in_one_batch_are_handled_in_order() {
    // SNS slow enough that, handled at once, the later communication would read the store
    // before the earlier one is remembered, and go out without saying what it updates.
    let normalizer = Normalizer::new(
        FakeDescriber::knows(tagged(&[])),
        SlowPublisher(RecordingPublisher::default()),
        MemoryStateStore::default(),
        IgnoreRule::new("ore:ignore", "true"),
        Settling::default(),
    )
    .with_clock(clock);
    let records = batch(vec![
        health_communication("health-event", "c2", "2026-11-27T09:40:00Z", "open"),
        health_communication("health-event", "c1", "2026-11-26T09:40:00Z", "upcoming"),
    ]);
    let results = normalizer.handle_records(records, deadline()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let bodies = normalizer.publisher().0.bodies();
    let by_status: Vec<(&serde_json::Value, &serde_json::Value)> = bodies
        .iter()
        .map(|b| {
            let event = &b["data"]["health_event"];
            (&event["status"], &event["previous_status"])
        })
        .collect();
    assert_eq!(
        by_status,
        [
            (&json!("upcoming"), &serde_json::Value::Null),
            (&json!("open"), &json!("upcoming"))
        ],
        "the earlier first, the later as its update, whatever the batch's order"
    );
}

#[tokio::test]
async fn a_store_failure_remembering_a_communication_fails_the_record_for_a_retry() {
    let normalizer = normalizer_with(
        FakeDescriber::knows(tagged(&[])),
        RecordingPublisher::default(),
        MemoryStateStore::failing(StoreFault::Communication(Fault::Throttled)),
        Settling::default(),
    );
    let error = normalizer
        .handle_record(notice_event("health-event"), deadline())
        .await
        .unwrap_err();
    Fault::Throttled.assert_is(&error, "dynamodb:Query");
    assert!(
        normalizer.publisher().bodies().is_empty(),
        "nothing published degraded"
    );
}

#[tokio::test]
async fn a_retried_update_is_published_again_as_the_same_update() {
    // The update went out and was remembered, then marking it published failed: the retry
    // publishes the same message, still an update.
    let normalizer = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    let publish = |event| normalizer.handle_record(event, deadline());
    let first = || health_communication("health-event", "c1", "2026-11-26T09:40:00Z", "upcoming");
    let update = || health_communication("health-event", "c2", "2026-11-27T09:40:00Z", "open");
    publish(first()).await.unwrap();
    publish(update()).await.unwrap();
    // Forget that the update went out, as a failed mark would leave it.
    normalizer.store().forget_notices();
    publish(update()).await.unwrap();
    let bodies = normalizer.publisher().bodies();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[1], bodies[2], "the same message, the same body");
    assert_eq!(
        bodies[2]["data"]["health_event"]["previous_status"],
        "upcoming"
    );
}

#[tokio::test]
async fn a_config_item_carries_its_own_tags_so_nothing_is_asked_and_the_ignore_tag_holds() {
    // The Tagging API would say otherwise: the item's tags are what Config recorded with it.
    let recorded = normalizer(
        FakeDescriber::knows(tagged(&[])).with_tags(tags(&[("team", "other")])),
        Settling::default(),
    );
    let outcome = recorded
        .handle_record(notice_event("config-configuration-item-change"), deadline())
        .await;
    assert!(
        matches!(outcome, Ok(Outcome::Delivered { .. })),
        "{outcome:?}"
    );
    let bodies = recorded.publisher().bodies();
    assert_eq!(bodies.len(), 1);
    let data = &bodies[0]["data"];
    assert_eq!(data["tags"]["team"], "payments");
    assert_eq!(data["resource_type"], "ec2:security-group");
    assert_eq!(data["enrichment"], "enriched");
    StandardSchema::load_file("schemas/resource-configuration-changed.v1.json")
        .assert_valid(&bodies[0]);
    assert_eq!(
        (
            recorded.describer().tag_calls(),
            recorded.describer().calls()
        ),
        (0, 0),
        "no GetResources, no DescribeInstances"
    );
    // An item tagged with the ignore tag is dropped like any resource.
    let ignored = normalizer(FakeDescriber::knows(tagged(&[])), Settling::default());
    let mut event =
        test_support::load_json("events/eventbridge/config-configuration-item-change.json");
    event["detail"]["configurationItem"]["tags"]["ore:ignore"] = "true".into();
    let outcome = ignored
        .handle_record(from_sqs_body(&event.to_string()).unwrap(), deadline())
        .await;
    assert!(
        matches!(outcome, Ok(Outcome::Ignored { .. })),
        "{outcome:?}"
    );
    assert!(ignored.publisher().bodies().is_empty());
    // An oversized item's summary carries no tags: the Tagging API is asked, once.
    let summarised = normalizer(
        FakeDescriber::knows(tagged(&[])).with_tags(tags(&[("team", "ops")])),
        Settling::default(),
    );
    let outcome = summarised
        .handle_record(
            from_sqs_body(&oversized_config_item().to_string()).unwrap(),
            deadline(),
        )
        .await;
    assert!(
        matches!(outcome, Ok(Outcome::Delivered { .. })),
        "{outcome:?}"
    );
    let bodies = summarised.publisher().bodies();
    assert_eq!(bodies[0]["data"]["tags"]["team"], "ops");
    assert!(
        bodies[0]["data"]["configuration_change"]["oversized_location"]
            .as_str()
            .is_some_and(|l| l.contains("OversizedChangeNotification"))
    );
    assert_eq!(summarised.describer().tag_calls(), 1);
}

/// The documented oversized notification's summary (AWS Config Developer Guide, "Example
/// Oversized Configuration Item Change Notification"), about a security group.
fn oversized_config_item() -> serde_json::Value {
    let mut event =
        test_support::load_json("events/eventbridge/config-configuration-item-change.json");
    let arn = "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-3f1fef43";
    event["detail"] = serde_json::json!({
        "configurationItemSummary": {
            "changeType": "UPDATE",
            "configurationItemVersion": "1.2",
            "configurationItemCaptureTime": "2026-11-26T12:15:15.156Z",
            "configurationStateId": 0,
            "awsAccountId": "123456789012",
            "configurationItemStatus": "OK",
            "resourceType": "AWS::EC2::SecurityGroup",
            "resourceId": "sg-3f1fef43",
            "resourceName": null,
            "ARN": arn,
            "awsRegion": "eu-west-1",
            "availabilityZone": null,
            "configurationStateMd5Hash": "8f1ee69b287895a0f8bc5753eca68e96",
            "resourceCreationTime": "2026-10-06T16:46:10.489Z"
        },
        "s3DeliverySummary": {
            "s3BucketLocation": "amzn-s3-demo-bucket/AWSLogs/123456789012/Config/eu-west-1/2026/11/26/OversizedChangeNotification/AWS::EC2::SecurityGroup/sg-3f1fef43/123456789012_Config_eu-west-1_ChangeNotification_AWS::EC2::SecurityGroup_sg-3f1fef43_20261126T121516Z_0.json.gz",
            "errorCode": null,
            "errorMessage": null
        },
        "notificationCreationTime": "2026-11-26T12:15:16.261Z",
        "messageType": "OversizedConfigurationItemChangeNotification",
        "recordVersion": "1.0"
    });
    event
}
