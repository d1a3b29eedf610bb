//! The batch helper on hand-made SQS events: exactly the failed records are reported, each with
//! its kind; only deferred records are requeued early; a failure without a message id fails the
//! invocation.

use std::time::Duration;

use aws_lambda_events::sqs::SqsEvent;
use ore_lambda::batch::{
    requeue_deferred, run_batch, BatchOutcome, Outcome, RecordHandler, RecordResult,
    UnreportableFailure, DEFAULT_BUDGET,
};
use ore_lambda::fakes::{Fault, RecordingRequeue};
use ore_lambda::{AwsFailure, RecordError};
use ore_model::{InputError, Payload};
use tokio::time::Instant;

/// A test payload: a JSON string naming what the record should do.
struct Word(String);

impl Payload for Word {
    fn from_payload(payload: serde_json::Value) -> Result<Self, InputError> {
        match payload {
            serde_json::Value::String(word) => Ok(Word(word)),
            other => Err(InputError::UnexpectedEvent(other.to_string())),
        }
    }
}

/// Records whose bodies are JSON strings (`"good"`), or a body given as is when it starts
/// with `!` (`!{nope`).
fn event(records: &[(Option<&str>, Option<&str>)]) -> SqsEvent {
    let records: Vec<_> = records
        .iter()
        .map(|(id, body)| serde_json::json!({"messageId": id, "body": body.map(as_body)}))
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

fn as_body(word: &str) -> String {
    match word.strip_prefix('!') {
        Some(raw) => raw.to_owned(),
        None => serde_json::Value::from(word).to_string(),
    }
}

/// Each record does what its word says.
struct OkUnlessBad;

impl RecordHandler for OkUnlessBad {
    type Input = Word;

    async fn handle_record(&self, word: Word, _deadline: Instant) -> Result<Outcome, RecordError> {
        ok_unless_bad(word)
    }
}

/// The batch through the one entry point Lambda's runtime uses.
async fn run(batch: &SqsEvent) -> Result<BatchOutcome, UnreportableFailure> {
    run_batch(&OkUnlessBad, batch, Instant::now() + DEFAULT_BUDGET).await
}

fn ok_unless_bad(Word(word): Word) -> Result<Outcome, RecordError> {
    match word.as_str() {
        "bad" => Err(InputError::UnexpectedEvent("bad".into()).into()),
        "flaky" => Err(RecordError::Transient(
            AwsFailure::new("sns:Publish", "connection reset").with_code("InternalError"),
        )),
        "later" => Err(RecordError::Deferred {
            reason: "not yet",
            retry_after: Duration::from_secs(7),
        }),
        _ => Ok(Outcome::Delivered { state: "running" }),
    }
}

#[tokio::test]
async fn reports_exactly_the_failed_ids() {
    let batch = event(&[
        (Some("m1"), Some("good")),
        (Some("m2"), Some("bad")),
        (Some("m3"), None),
        (Some("m4"), Some("flaky")),
        (Some("m5"), Some("good")),
        (Some("m6"), Some("later")),
        (Some("m7"), Some("!{not json")),
        (Some("m8"), Some("![1, 2]")),
    ]);
    let outcome = run(&batch).await.unwrap();
    let failed: Vec<_> = outcome
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["m2", "m3", "m4", "m6", "m7", "m8"]);
    let kinds: Vec<_> = outcome
        .results
        .iter()
        .map(|r| match r {
            RecordResult::Done(_) => "done",
            RecordResult::Failed(e) => e.kind(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "done",
            "bad_input",
            "bad_input",
            "transient",
            "done",
            "deferred",
            "bad_input",
            "bad_input"
        ]
    );
}

#[tokio::test]
async fn all_good_reports_nothing() {
    let batch = event(&[(Some("m1"), Some("good")), (Some("m2"), Some("good"))]);
    let outcome = run(&batch).await.unwrap();
    assert!(outcome.response.batch_item_failures.is_empty());
    assert_eq!(outcome.results.len(), 2);
}

fn event_from_queue(records: &[(&str, &str)]) -> SqsEvent {
    let records: Vec<_> = records
        .iter()
        .map(|(id, body)| {
            serde_json::json!({"messageId": id, "body": as_body(body), "receiptHandle": format!("rh-{id}"),
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q"})
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

#[tokio::test]
async fn only_deferred_records_are_requeued_early_and_a_failed_requeue_changes_no_result() {
    let batch = event_from_queue(&[("m1", "good"), ("m2", "later"), ("m3", "flaky")]);
    let outcome = run(&batch).await.unwrap();
    for requeue in [
        RecordingRequeue::default(),
        RecordingRequeue::failing(Fault::Transient),
    ] {
        requeue_deferred(&requeue, &batch, &outcome).await;
        assert_eq!(
            *requeue.calls.lock().unwrap(),
            [(
                "arn:aws:sqs:eu-west-1:123456789012:q".to_owned(),
                "rh-m2".to_owned(),
                Duration::from_secs(7)
            )]
        );
    }
    assert_eq!(outcome.response.batch_item_failures.len(), 2);
}

#[tokio::test]
async fn a_failure_without_message_id_fails_the_invocation() {
    let batch = event(&[(Some("m1"), Some("good")), (None, Some("bad"))]);
    let err = run(&batch).await.unwrap_err();
    assert_eq!(err.index, 1);
}
