//! The one way ORE processes an SQS batch: run the record handler on every record concurrently,
//! log each failure once with its message id, and report exactly the failed ids in the partial
//! batch response so Lambda deletes the rest and retries (then dead-letters) only those.

use std::future::Future;
use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures_util::future::join_all;
use tokio::time::Instant;
use tracing::Instrument;

use crate::{InputError, RecordError};

/// How long a batch may take when no Lambda deadline is known (hand-made calls, tests).
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(20);

/// The whole invocation must fail (so every record is retried) because a failed record cannot
/// be named. Real SQS events always carry a messageId; this guards against hand-made ones.
#[derive(Debug, thiserror::Error)]
#[error("record #{index} failed and has no messageId to report; failing the whole batch")]
pub struct UnreportableFailure {
    pub index: usize,
}

/// What a record that succeeded amounted to: counted in the functions' metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function's output went out (standard message or CSV record published, mail sent).
    Delivered { state: &'static str },
    /// Nothing to deliver, by rule (the instance is tagged to be ignored).
    Ignored { state: &'static str },
    /// ORE's canary passed this stage; `delay_ms` is from the heartbeat's time to now.
    Heartbeat { id: String, delay_ms: i64 },
}

/// One record's result, as the batch reports it.
#[derive(Debug)]
pub enum RecordResult {
    Done(Outcome),
    Failed(RecordError),
}

/// Everything a batch produced: the response Lambda gets, and each record's result (in the
/// event's order) for metrics and for bringing deferred records back early.
#[derive(Debug)]
pub struct BatchOutcome {
    pub response: SqsBatchResponse,
    pub results: Vec<RecordResult>,
}

/// A function's per-record logic. Implementors get the batch handling (and, with the `runtime`
/// feature, the Lambda entrypoint) from this crate instead of writing it again.
pub trait RecordHandler {
    /// Process one SQS record body (raw or SNS-wrapped payload), finishing before `deadline`.
    fn handle_record(
        &self,
        body: &str,
        deadline: Instant,
    ) -> impl Future<Output = Result<Outcome, RecordError>> + Send;

    /// The partial batch response for `event`, with [`DEFAULT_BUDGET`] to do it in.
    fn handle_batch<'a>(
        &'a self,
        event: &'a SqsEvent,
    ) -> impl Future<Output = Result<SqsBatchResponse, UnreportableFailure>> + 'a {
        let deadline = Instant::now() + DEFAULT_BUDGET;
        async move {
            process_batch(event, |body| self.handle_record(body, deadline))
                .await
                .map(|outcome| outcome.response)
        }
    }
}

/// Run `handle` on each record's body and collect the partial batch response.
pub async fn process_batch<'a, F, Fut>(
    event: &'a SqsEvent,
    handle: F,
) -> Result<BatchOutcome, UnreportableFailure>
where
    F: Fn(&'a str) -> Fut,
    Fut: Future<Output = Result<Outcome, RecordError>> + 'a,
{
    let runs = event.records.iter().map(|record| {
        let span = tracing::info_span!(
            "record",
            message_id = record.message_id.as_deref().unwrap_or_default()
        );
        let work = record.body.as_deref().map(&handle);
        async move {
            match work {
                Some(work) => work.await,
                None => Err(RecordError::BadInput(InputError::MissingBody)),
            }
        }
        .instrument(span)
    });
    let results = join_all(runs).await;

    let mut response = SqsBatchResponse::default();
    let mut reported = Vec::with_capacity(results.len());
    for (index, (record, result)) in event.records.iter().zip(results).enumerate() {
        match result {
            Ok(outcome) => reported.push(RecordResult::Done(outcome)),
            Err(error) => {
                log_failure(record, &error);
                match record.message_id.as_deref().filter(|id| !id.is_empty()) {
                    Some(id) => response.add_failure(id),
                    None => return Err(UnreportableFailure { index }),
                }
                reported.push(RecordResult::Failed(error));
            }
        }
    }
    tracing::info!(
        records = event.records.len(),
        failed = response.batch_item_failures.len(),
        "batch processed"
    );
    Ok(BatchOutcome {
        response,
        results: reported,
    })
}

/// Bringing a deferred record back sooner than the queue's visibility timeout: the port the
/// runtime implements with `sqs:ChangeMessageVisibility`.
pub trait Requeue {
    fn requeue_after(
        &self,
        queue_arn: &str,
        receipt_handle: &str,
        delay: Duration,
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}

/// Shorten the visibility of every deferred record. A failed call is logged and changes
/// nothing else: the record is reported failed either way and returns after the queue's
/// visibility timeout instead.
pub async fn requeue_deferred<R: Requeue>(requeue: &R, event: &SqsEvent, outcome: &BatchOutcome) {
    let calls = event
        .records
        .iter()
        .zip(&outcome.results)
        .filter_map(|(record, result)| match result {
            RecordResult::Failed(error) => Some((record, error.retry_after()?)),
            RecordResult::Done(_) => None,
        })
        .map(|(record, delay)| async move {
            let message_id = record.message_id.as_deref().unwrap_or_default();
            let (Some(queue_arn), Some(handle)) = (
                record.event_source_arn.as_deref(),
                record.receipt_handle.as_deref(),
            ) else {
                tracing::warn!(message_id, "deferred record has no queue ARN or receipt handle");
                return;
            };
            if let Err(error) = requeue.requeue_after(queue_arn, handle, delay).await {
                tracing::warn!(
                    message_id,
                    error_kind = error.kind(),
                    error = %error,
                    "could not shorten the deferred record's visibility; it returns after the queue's timeout"
                );
            }
        });
    join_all(calls).await;
}

fn log_failure(record: &SqsMessage, error: &RecordError) {
    let message_id = record.message_id.as_deref().unwrap_or_default();
    let receive_count = record
        .attributes
        .get("ApproximateReceiveCount")
        .map(String::as_str)
        .unwrap_or_default();
    let error_kind = error.kind();
    match error {
        RecordError::Deferred { retry_after, .. } => tracing::info!(
            message_id,
            receive_count,
            error_kind,
            retry_after_s = retry_after.as_secs(),
            error = %error,
            "record deferred, it comes back shortly"
        ),
        _ if error.is_retryable() => tracing::warn!(
            message_id,
            receive_count,
            error_kind,
            error = %error,
            "record failed, will be retried"
        ),
        _ => tracing::error!(
            message_id,
            receive_count,
            error_kind,
            error = %error,
            "record rejected, it will reach the dead-letter queue"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(records: &[(Option<&str>, Option<&str>)]) -> SqsEvent {
        let records: Vec<_> = records
            .iter()
            .map(|(id, body)| serde_json::json!({"messageId": id, "body": body}))
            .collect();
        serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
    }

    async fn ok_unless_bad(body: &str) -> Result<Outcome, RecordError> {
        match body {
            "bad" => Err(InputError::UnexpectedEvent("bad".into()).into()),
            "flaky" => Err(RecordError::Transient {
                operation: "Publish",
                detail: "throttled".into(),
            }),
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
        ]);
        let outcome = process_batch(&batch, ok_unless_bad).await.unwrap();
        let failed: Vec<_> = outcome
            .response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["m2", "m3", "m4", "m6"]);
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
                "deferred"
            ]
        );
    }

    #[tokio::test]
    async fn all_good_reports_nothing() {
        let batch = event(&[(Some("m1"), Some("good")), (Some("m2"), Some("good"))]);
        let outcome = process_batch(&batch, ok_unless_bad).await.unwrap();
        assert!(outcome.response.batch_item_failures.is_empty());
        assert_eq!(outcome.results.len(), 2);
    }

    #[derive(Default)]
    struct RecordingRequeue {
        calls: std::sync::Mutex<Vec<(String, String, u64)>>,
        fail: bool,
    }

    impl Requeue for RecordingRequeue {
        async fn requeue_after(
            &self,
            queue_arn: &str,
            receipt_handle: &str,
            delay: Duration,
        ) -> Result<(), RecordError> {
            self.calls.lock().unwrap().push((
                queue_arn.to_owned(),
                receipt_handle.to_owned(),
                delay.as_secs(),
            ));
            if self.fail {
                return Err(RecordError::Transient {
                    operation: "sqs:ChangeMessageVisibility",
                    detail: "503".into(),
                });
            }
            Ok(())
        }
    }

    fn event_from_queue(records: &[(&str, &str)]) -> SqsEvent {
        let records: Vec<_> = records
            .iter()
            .map(|(id, body)| {
                serde_json::json!({"messageId": id, "body": body, "receiptHandle": format!("rh-{id}"),
                    "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q"})
            })
            .collect();
        serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
    }

    #[tokio::test]
    async fn only_deferred_records_are_requeued_early_and_a_failed_requeue_changes_no_result() {
        let batch = event_from_queue(&[("m1", "good"), ("m2", "later"), ("m3", "flaky")]);
        let outcome = process_batch(&batch, ok_unless_bad).await.unwrap();
        for fail in [false, true] {
            let requeue = RecordingRequeue {
                fail,
                ..RecordingRequeue::default()
            };
            requeue_deferred(&requeue, &batch, &outcome).await;
            assert_eq!(
                *requeue.calls.lock().unwrap(),
                [(
                    "arn:aws:sqs:eu-west-1:123456789012:q".to_owned(),
                    "rh-m2".to_owned(),
                    7
                )]
            );
        }
        assert_eq!(outcome.response.batch_item_failures.len(), 2);
    }

    #[tokio::test]
    async fn a_failure_without_message_id_fails_the_invocation() {
        let batch = event(&[(Some("m1"), Some("good")), (None, Some("bad"))]);
        let err = process_batch(&batch, ok_unless_bad).await.unwrap_err();
        assert_eq!(err.index, 1);
    }
}
