//! The Lambda entrypoint all three functions share: logs set up the Lambda way, then the handler
//! served by `lambda_runtime`. Each `main.rs` only builds its configuration and clients.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};

use crate::batch::RecordHandler;

/// `tracing` to stdout: JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`, level from `AWS_LAMBDA_LOG_LEVEL`
/// (or `RUST_LOG`). Call first in `main`, so configuration errors are logged too.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
}

/// Serve SQS batches with `handler` until the Lambda environment shuts down.
pub async fn serve<H: RecordHandler>(handler: H) -> Result<(), Error> {
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        handler
            .handle_batch(&event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
