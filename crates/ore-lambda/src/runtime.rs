//! The Lambda entrypoint all three functions share: logs set up the Lambda way, then the handler
//! served by `lambda_runtime`. Each `main.rs` only builds its configuration and clients.

use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tokio::time::Instant;

use crate::batch::{process_records, requeue_deferred, RecordHandler};
use crate::metrics;
use crate::ports::Requeue;

/// Time kept back from Lambda's deadline for reporting: requeueing deferred records, metrics,
/// and the response itself.
pub const REPORTING_RESERVE: Duration = Duration::from_millis(1_500);

/// `tracing` to stdout: JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`, level from `AWS_LAMBDA_LOG_LEVEL`
/// (or `RUST_LOG`). Call first in `main`, so configuration errors are logged too.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
}

/// Serve SQS batches with `handler` until the Lambda environment shuts down. Deferred records
/// are brought back early through `requeue`; each batch emits its metrics.
pub async fn serve<H: RecordHandler + Sync, R: Requeue>(
    handler: H,
    requeue: R,
) -> Result<(), Error> {
    let function_name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    let (handler, requeue, function_name) = (&handler, &requeue, function_name.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline = deadline(event.context.deadline);
        handle(handler, requeue, function_name, &event.payload, deadline).await
    }))
    .await
}

/// One invocation: the batch, then the early requeue of deferred records, then metrics.
pub async fn handle<H: RecordHandler + Sync, R: Requeue>(
    handler: &H,
    requeue: &R,
    function_name: &str,
    event: &SqsEvent,
    deadline: Instant,
) -> Result<SqsBatchResponse, Error> {
    let outcome =
        process_records(event, |records| handler.handle_records(records, deadline)).await?;
    requeue_deferred(requeue, event, &outcome).await;
    let now_ms = chrono::Utc::now().timestamp_millis();
    metrics::emit(&metrics::batch_documents(
        function_name,
        &outcome.results,
        now_ms,
    ));
    Ok(outcome.response)
}

/// Lambda's deadline (milliseconds since the epoch) as an instant for the record handlers, less
/// the reporting reserve.
fn deadline(deadline_epoch_ms: u64) -> Instant {
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or_default();
    let left = Duration::from_millis(deadline_epoch_ms.saturating_sub(now_ms));
    Instant::now() + left.saturating_sub(REPORTING_RESERVE)
}
