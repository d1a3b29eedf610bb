//! The normalizer's branches with in-memory ports, no emulator: EC2's eventual consistency (an
//! instance not known yet, then known), the settle time, and the heartbeat.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use normalizer::{DescribeInstance, IgnoreRule, Normalizer, Settling};
use ore_model::batch::{Outcome, RecordHandler};
use ore_model::heartbeat::HEARTBEAT_TYPE;
use ore_model::standard::InstanceDetails;
use ore_model::RecordError;
use serde_json::json;
use test_support::RecordingPublisher;

/// `DescribeInstances` answering from a script, one answer per call (the last one repeats).
struct ScriptedDescriber {
    answers: Mutex<VecDeque<Option<InstanceDetails>>>,
    calls: Mutex<u32>,
}

impl ScriptedDescriber {
    fn new(answers: Vec<Option<InstanceDetails>>) -> Self {
        ScriptedDescriber {
            answers: Mutex::new(answers.into()),
            calls: Mutex::new(0),
        }
    }

    fn calls(&self) -> u32 {
        *self.calls.lock().unwrap()
    }
}

impl DescribeInstance for ScriptedDescriber {
    async fn describe(
        &self,
        _region: &str,
        _instance_id: &str,
    ) -> Result<Option<InstanceDetails>, RecordError> {
        *self.calls.lock().unwrap() += 1;
        let mut answers = self.answers.lock().unwrap();
        let answer = if answers.len() > 1 {
            answers.pop_front()
        } else {
            answers.front().cloned()
        };
        Ok(answer.flatten())
    }
}

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

fn pending_event() -> String {
    json!({
        "version": "0", "id": "0b4e4d5a-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
        "account": "123456789012", "time": EVENT_TIME, "region": "eu-west-1",
        "resources": ["arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890"],
        "detail": {"instance-id": "i-0abc1234def567890", "state": "pending"}
    })
    .to_string()
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

fn normalizer(
    describer: ScriptedDescriber,
    settling: Settling,
) -> Normalizer<ScriptedDescriber, RecordingPublisher> {
    Normalizer::new(
        describer,
        RecordingPublisher::default(),
        IgnoreRule::new("ore:ignore", "true"),
        settling,
    )
    .with_clock(clock)
}

fn deadline() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(20)
}

fn deferred_for(result: Result<Outcome, RecordError>) -> Duration {
    match result {
        Err(RecordError::Deferred { retry_after, .. }) => retry_after,
        other => panic!("expected a deferral, got {other:?}"),
    }
}

#[tokio::test]
async fn not_found_then_found_with_the_ignore_tag_publishes_nothing() {
    let describer = ScriptedDescriber::new(vec![None, Some(tagged(&[("ore:ignore", "true")]))]);
    let normalizer = normalizer(describer, Settling::default());
    at(1);
    let retry = deferred_for(normalizer.handle_record(&pending_event(), deadline()).await);
    assert!(retry <= Duration::from_secs(10), "{retry:?}");
    at(12);
    let outcome = normalizer
        .handle_record(&pending_event(), deadline())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Ignored { state: "pending" });
    assert!(normalizer_published(&normalizer).is_empty());
}

#[tokio::test]
async fn never_found_is_published_unenriched_once_the_settle_time_has_passed() {
    let normalizer = normalizer(ScriptedDescriber::new(vec![None]), Settling::default());
    for seconds in [0, 10, 20, 30, 40, 50] {
        at(seconds);
        deferred_for(normalizer.handle_record(&pending_event(), deadline()).await);
    }
    assert!(normalizer_published(&normalizer).is_empty());
    at(60);
    let outcome = normalizer
        .handle_record(&pending_event(), deadline())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "pending" });
    let [message] = normalizer_published(&normalizer).try_into().unwrap();
    assert_eq!(message["data"]["enrichment"], "not_found");
}

#[tokio::test]
async fn an_old_event_for_an_unknown_instance_is_published_unenriched_at_once() {
    let describer = ScriptedDescriber::new(vec![None]);
    let normalizer = normalizer(describer, Settling::default());
    at(3600);
    let outcome = normalizer
        .handle_record(&pending_event(), deadline())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "pending" });
    assert_eq!(
        normalizer_published(&normalizer)[0]["data"]["enrichment"],
        "not_found"
    );
}

#[tokio::test]
async fn waiting_for_tags_is_off_by_default_and_waits_when_on() {
    let untagged_then_tagged = || {
        ScriptedDescriber::new(vec![
            Some(tagged(&[])),
            Some(tagged(&[("ore:ignore", "true")])),
        ])
    };
    at(2);
    let published_at_once = normalizer(untagged_then_tagged(), Settling::default());
    let outcome = published_at_once
        .handle_record(&pending_event(), deadline())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "pending" });

    let waiting = normalizer(
        untagged_then_tagged(),
        Settling {
            wait_for_tags: true,
            ..Settling::default()
        },
    );
    deferred_for(waiting.handle_record(&pending_event(), deadline()).await);
    at(13);
    let outcome = waiting
        .handle_record(&pending_event(), deadline())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Ignored { state: "pending" });
}

#[tokio::test]
async fn a_heartbeat_is_passed_on_without_asking_ec2() {
    let normalizer = normalizer(ScriptedDescriber::new(vec![None]), Settling::default());
    let heartbeat = json!({
        "version": "0", "id": "hb-42", "detail-type": "ORE Heartbeat", "source": "ore.canary",
        "account": "123456789012", "time": EVENT_TIME, "region": "eu-west-1", "resources": [],
        "detail": {"origin": "verify-deployment"}
    });
    at(2);
    let outcome = normalizer
        .handle_record(&heartbeat.to_string(), deadline())
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

fn normalizer_publisher(
    normalizer: &Normalizer<ScriptedDescriber, RecordingPublisher>,
) -> &RecordingPublisher {
    normalizer.publisher()
}

fn normalizer_published(
    normalizer: &Normalizer<ScriptedDescriber, RecordingPublisher>,
) -> Vec<serde_json::Value> {
    normalizer.publisher().bodies()
}
