//! The Lambda entrypoint all three functions share: logs set up the Lambda way, then the handler
//! served by `lambda_runtime`. Each `main.rs` only builds its configuration and clients.

use std::str::FromStr;
use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::tracing::subscriber::filter::LevelFilter;
use lambda_runtime::tracing::subscriber::fmt;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tokio::time::Instant;

use crate::batch::{requeue_deferred, run_batch, RecordHandler};
use crate::metrics;
use crate::ports::Requeue;

/// Time kept back from Lambda's deadline for reporting: requeueing deferred records, metrics,
/// and the response itself.
pub const REPORTING_RESERVE: Duration = Duration::from_millis(1_500);

/// The variable the functions read their log level from (the template's `LogLevel`).
///
/// Not Lambda's `AWS_LAMBDA_LOG_LEVEL`: Lambda filters JSON lines by their `level` and counts a
/// line without one as INFO, so an application log level above INFO would drop every metric
/// line (EMF, written straight to stdout) and with them the heartbeat alarms' data. The template
/// pins Lambda's filter at TRACE, which passes every line, and the functions filter their own
/// log lines at this level instead (docs/aws-names.yaml quotes "Log-level filtering").
pub const LOG_LEVEL_VARIABLE: &str = "ORE_LOG_LEVEL";

/// The level of the functions' own log lines: `ORE_LOG_LEVEL`, else `RUST_LOG` (a plain level,
/// for runs outside Lambda), else INFO. An unreadable value counts as INFO.
pub fn log_level(ore_log_level: Option<&str>, rust_log: Option<&str>) -> LevelFilter {
    ore_log_level
        .or(rust_log)
        .and_then(|level| LevelFilter::from_str(level.trim()).ok())
        .unwrap_or(LevelFilter::INFO)
}

/// `tracing` to stdout: JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`, at [`log_level`]. Call first in
/// `main`, so configuration errors are logged too.
pub fn init_logging() {
    let level = log_level(
        std::env::var(LOG_LEVEL_VARIABLE).ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
    );
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = fmt()
        .with_target(false)
        .without_time()
        .with_max_level(level)
        .with_writer(std::io::stdout);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
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
    let outcome = run_batch(handler, event, deadline).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_level_is_ores_own_then_rust_log_then_info() {
        assert_eq!(log_level(Some("WARN"), Some("debug")), LevelFilter::WARN);
        assert_eq!(log_level(Some("error"), None), LevelFilter::ERROR);
        assert_eq!(log_level(None, Some("debug")), LevelFilter::DEBUG);
        assert_eq!(log_level(None, None), LevelFilter::INFO);
        assert_eq!(log_level(Some("loud"), None), LevelFilter::INFO);
    }
}
