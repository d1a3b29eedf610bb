//! The one way ORE processes an SQS batch: run the record handler on every record concurrently,
//! log each failure once with its message id, and report exactly the failed ids in the partial
//! batch response so Lambda deletes the rest and retries (then dead-letters) only those.

use std::future::Future;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures_util::future::join_all;
use tracing::Instrument;

use crate::{InputError, RecordError};

/// The whole invocation must fail (so every record is retried) because a failed record cannot
/// be named. Real SQS events always carry a messageId; this guards against hand-made ones.
#[derive(Debug, thiserror::Error)]
#[error("record #{index} failed and has no messageId to report; failing the whole batch")]
pub struct UnreportableFailure {
    pub index: usize,
}

/// A function's per-record logic. Implementors get the batch handling (and, with the `runtime`
/// feature, the Lambda entrypoint) from this crate instead of writing it again.
pub trait RecordHandler {
    /// Process one SQS record body (raw or SNS-wrapped payload).
    fn handle_record(&self, body: &str) -> impl Future<Output = Result<(), RecordError>> + Send;

    /// The Lambda handler: a partial batch response naming only the failed records.
    fn handle_batch<'a>(
        &'a self,
        event: &'a SqsEvent,
    ) -> impl Future<Output = Result<SqsBatchResponse, UnreportableFailure>> + 'a {
        process_batch(event, move |body| self.handle_record(body))
    }
}

/// Run `handle` on each record's body and collect the partial batch response.
pub async fn process_batch<'a, F, Fut>(
    event: &'a SqsEvent,
    handle: F,
) -> Result<SqsBatchResponse, UnreportableFailure>
where
    F: Fn(&'a str) -> Fut,
    Fut: Future<Output = Result<(), RecordError>> + 'a,
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
    for (index, (record, result)) in event.records.iter().zip(results).enumerate() {
        let Err(error) = result else { continue };
        log_failure(record, &error);
        match record.message_id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => response.add_failure(id),
            None => return Err(UnreportableFailure { index }),
        }
    }
    tracing::info!(
        records = event.records.len(),
        failed = response.batch_item_failures.len(),
        "batch processed"
    );
    Ok(response)
}

fn log_failure(record: &SqsMessage, error: &RecordError) {
    let message_id = record.message_id.as_deref().unwrap_or_default();
    let receive_count = record
        .attributes
        .get("ApproximateReceiveCount")
        .map(String::as_str)
        .unwrap_or_default();
    match error {
        RecordError::Transient { .. } => tracing::warn!(
            message_id,
            receive_count,
            error_kind = error.kind(),
            error = %error,
            "record failed, will be retried"
        ),
        _ => tracing::error!(
            message_id,
            receive_count,
            error_kind = error.kind(),
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

    async fn ok_unless_bad(body: &str) -> Result<(), RecordError> {
        match body {
            "bad" => Err(InputError::UnexpectedEvent("bad".into()).into()),
            "flaky" => Err(RecordError::Transient {
                operation: "Publish",
                detail: "throttled".into(),
            }),
            _ => Ok(()),
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
        ]);
        let response = process_batch(&batch, ok_unless_bad).await.unwrap();
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["m2", "m3", "m4"]);
    }

    #[tokio::test]
    async fn all_good_reports_nothing() {
        let batch = event(&[(Some("m1"), Some("good")), (Some("m2"), Some("good"))]);
        let response = process_batch(&batch, ok_unless_bad).await.unwrap();
        assert!(response.batch_item_failures.is_empty());
    }

    #[tokio::test]
    async fn a_failure_without_message_id_fails_the_invocation() {
        let batch = event(&[(Some("m1"), Some("good")), (None, Some("bad"))]);
        let err = process_batch(&batch, ok_unless_bad).await.unwrap_err();
        assert_eq!(err.index, 1);
    }
}
