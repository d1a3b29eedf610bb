//! A hung EC2 endpoint (accepts, never answers) through the real SDK client and ORE's SDK
//! configuration: the batch still answers well inside the function timeout, and exactly the
//! records that called EC2 fail, as transient; the heartbeat, which never calls EC2, goes out.

use std::time::Duration;

use normalizer::{AwsDescriber, IgnoreRule, Normalizer, Settling};
use ore_lambda::batch::run_batch;
use ore_lambda::fakes::RecordingPublisher;
use test_support::{black_hole_config, failed_kinds, load_sqs_event, sqs_event, template_number};

#[tokio::test]
async fn a_hung_ec2_fails_only_the_records_that_called_it_and_in_time() {
    let config = black_hole_config().await;
    let normalizer = Normalizer::new(
        AwsDescriber::new(&config),
        RecordingPublisher::default(),
        normalizer::store::memory::MemoryStateStore::default(),
        IgnoreRule::new("ore:ignore", "true"),
        Settling::default(),
    );
    let state_change = load_sqs_event("events/sqs/normalizer-running-raw-delivery.json").records[0]
        .body
        .clone()
        .unwrap();
    let heartbeat = serde_json::json!({
        "version": "0", "id": "hb-hung", "detail-type": "ORE Heartbeat", "source": "ore.canary",
        "account": "123456789012", "time": "2026-11-26T09:00:00Z", "region": "eu-west-1",
        "resources": [], "detail": {}
    })
    .to_string();
    let event = sqs_event(&[
        ("ec2-1", &state_change),
        ("heartbeat", &heartbeat),
        ("ec2-2", &state_change),
    ]);

    let function_timeout = Duration::from_secs(template_number("Globals.Function", &["Timeout"]));
    let started = std::time::Instant::now();
    let deadline = tokio::time::Instant::now() + function_timeout;
    let outcome = run_batch(&normalizer, &event, deadline).await.unwrap();
    let elapsed = started.elapsed();

    assert_eq!(
        failed_kinds(&event, &outcome),
        [
            ("ec2-1".to_owned(), "transient"),
            ("ec2-2".to_owned(), "transient")
        ]
    );
    assert_eq!(
        normalizer.publisher().bodies().len(),
        1,
        "the heartbeat went out"
    );
    assert!(
        elapsed < function_timeout,
        "answered after {elapsed:?}, the function timeout is {function_timeout:?}"
    );
}
