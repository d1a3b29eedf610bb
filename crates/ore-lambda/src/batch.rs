//! The one way ORE processes an SQS batch: run the record handler on every record concurrently,
//! log each failure once with its message id, and report exactly the failed ids in the partial
//! batch response so Lambda deletes the rest and retries (then dead-letters) only those.

use std::future::Future;
use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use ore_model::heartbeat::HeartbeatMessage;
use ore_model::message::OreMessage;
use ore_model::notice::NoticeMessage;
use ore_model::standard::StandardMessage;
use ore_model::{from_sqs_body, InputError, Payload};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::Chain;
use crate::ports::Requeue;
use crate::RecordError;

/// How long a batch may take when no Lambda deadline is known (one-off tools, tests): give
/// [`run_batch`] `Instant::now() + DEFAULT_BUDGET`.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(20);

/// The whole invocation must fail (so every record is retried) because a failed record cannot
/// be named. Real SQS events always carry a messageId; this guards against hand-made ones.
#[derive(Debug, thiserror::Error)]
#[error("record #{index} failed and has no messageId to report; failing the whole batch")]
pub struct UnreportableFailure {
    /// The record's position in the batch.
    pub index: usize,
}

/// What a record that succeeded amounted to: counted in the functions' metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function's output went out (standard message or CSV record published, mail sent).
    Delivered {
        /// The resource's state, a metric dimension.
        state: &'static str,
    },
    /// Nothing to deliver, by rule (the instance is tagged to be ignored).
    Ignored {
        /// The resource's state, a metric dimension.
        state: &'static str,
    },
    /// Already done by an earlier delivery of the same event or message: nothing sent again.
    Duplicate {
        /// The resource's state, a metric dimension.
        state: &'static str,
    },
    /// ORE's canary passed this stage.
    Heartbeat {
        /// The heartbeat's EventBridge event id.
        id: String,
        /// From the heartbeat's time to now.
        delay_ms: i64,
    },
}

impl Outcome {
    /// A consumer saw the heartbeat and sends nothing for it: one log line naming it (what
    /// `scripts/verify-deployment.sh` looks for) and the outcome its metrics count.
    pub fn heartbeat_seen(heartbeat: &HeartbeatMessage, now: DateTime<Utc>) -> Self {
        let delay_ms = heartbeat.delay_ms(now);
        tracing::info!(
            heartbeat_id = %heartbeat.data.source_event_id,
            delay_ms,
            "heartbeat seen; nothing is sent for it"
        );
        Outcome::Heartbeat {
            id: heartbeat.data.source_event_id.clone(),
            delay_ms,
        }
    }
}

/// One record's result, as the batch reports it.
#[derive(Debug)]
pub enum RecordResult {
    /// The record succeeded; Lambda deletes it.
    Done(Outcome),
    /// The record is reported failed; SQS delivers it again or dead-letters it.
    Failed(RecordError),
}

/// Everything a batch produced: the response Lambda gets, and each record's result (in the
/// event's order) for metrics and for bringing deferred records back early.
#[derive(Debug)]
pub struct BatchOutcome {
    /// The partial batch response: the failed records' message ids.
    pub response: SqsBatchResponse,
    /// Each record's result, in the event's order.
    pub results: Vec<RecordResult>,
}

/// A decoded record: its SQS message id (for log lines) and its input.
#[derive(Debug)]
pub struct Record<T> {
    /// The SQS message id.
    pub message_id: String,
    /// The decoded body.
    pub input: T,
}

/// A function's per-record logic. Implementors get decoding, the batch handling and the Lambda
/// entrypoint from this crate instead of writing them again.
pub trait RecordHandler {
    /// What each record body is decoded into before the handler sees it.
    type Input: Payload + Send;

    /// Process one decoded record, finishing before `deadline`.
    fn handle_record(
        &self,
        input: Self::Input,
        deadline: Instant,
    ) -> impl Future<Output = Result<Outcome, RecordError>> + Send;

    /// Process every decoded record of a batch: one result per record, in their order. By
    /// default each record on its own, concurrently; a handler that treats records together
    /// (the emailer's digests) overrides it.
    fn handle_records(
        &self,
        records: Vec<Record<Self::Input>>,
        deadline: Instant,
    ) -> impl Future<Output = Vec<Result<Outcome, RecordError>>> + Send
    where
        Self: Sync,
    {
        each_on_its_own(self, records, deadline)
    }
}

/// Each record through `handler.handle_record`, concurrently, each in a span naming its
/// message id.
pub async fn each_on_its_own<H: RecordHandler + Sync + ?Sized>(
    handler: &H,
    records: Vec<Record<H::Input>>,
    deadline: Instant,
) -> Vec<Result<Outcome, RecordError>> {
    join_all(records.into_iter().map(|record| {
        let span = tracing::info_span!("record", message_id = record.message_id.as_str());
        handler
            .handle_record(record.input, deadline)
            .instrument(span)
    }))
    .await
}

/// A function that consumes ORE's standard messages from the normalized topic (the
/// csv-formatter, the emailer). Heartbeats on that topic are recorded for it (log line, metric)
/// and never reach it: it only says how one state change, and one notice, is delivered.
pub trait Consumer {
    /// Deliver one state change, finishing before `deadline`.
    fn deliver(
        &self,
        message: StandardMessage,
        deadline: Instant,
    ) -> impl Future<Output = Result<Outcome, RecordError>> + Send;

    /// Deliver one notice (scheduled change, Spot warning, rebalance recommendation).
    fn deliver_notice(
        &self,
        message: NoticeMessage,
        deadline: Instant,
    ) -> impl Future<Output = Result<Outcome, RecordError>> + Send;

    /// Deliver a batch's messages: one result per record, in their order. By default each on
    /// its own; the emailer groups bursts into digests.
    fn deliver_batch(
        &self,
        records: Vec<Record<OreMessage>>,
        deadline: Instant,
    ) -> impl Future<Output = Vec<Result<Outcome, RecordError>>> + Send
    where
        Self: Sync + Sized,
    {
        each_on_its_own(self, records, deadline)
    }
}

impl<C: Consumer + Sync> RecordHandler for C {
    type Input = OreMessage;

    async fn handle_record(
        &self,
        message: OreMessage,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        match message {
            OreMessage::StateChanged(message) => self.deliver(*message, deadline).await,
            OreMessage::Notice(message) => self.deliver_notice(*message, deadline).await,
            OreMessage::Heartbeat(heartbeat) => Ok(Outcome::heartbeat_seen(&heartbeat, Utc::now())),
        }
    }

    fn handle_records(
        &self,
        records: Vec<Record<OreMessage>>,
        deadline: Instant,
    ) -> impl Future<Output = Vec<Result<Outcome, RecordError>>> + Send {
        self.deliver_batch(records, deadline)
    }
}

/// The one way a batch runs, in Lambda (`runtime::handle`) as in the tests: decode each
/// record's body into the handler's input, hand every decoded one to
/// [`RecordHandler::handle_records`] at once, and collect the partial batch response. A body
/// that does not decode fails its record as bad input without reaching the handler.
pub async fn run_batch<H: RecordHandler + Sync + ?Sized>(
    handler: &H,
    event: &SqsEvent,
    deadline: Instant,
) -> Result<BatchOutcome, UnreportableFailure> {
    let Decoded {
        records,
        positions,
        mut results,
    } = decode::<H::Input>(event);
    let handled = handler.handle_records(records, deadline).await;
    if handled.len() != positions.len() {
        // A handler bug: the records without a result fail (and are retried), none is lost.
        tracing::error!(
            expected = positions.len(),
            returned = handled.len(),
            "the handler returned fewer or more results than it had records"
        );
    }
    for (index, result) in positions.into_iter().zip(handled) {
        results[index] = Some(result);
    }
    report(event, results)
}

/// A batch's bodies, decoded.
struct Decoded<T> {
    /// The records whose body decoded.
    records: Vec<Record<T>>,
    /// Their positions in the batch.
    positions: Vec<usize>,
    /// A result slot per record of the batch, already filled for a body that did not decode.
    results: Vec<Option<Result<Outcome, RecordError>>>,
}

fn decode<T: Payload>(event: &SqsEvent) -> Decoded<T> {
    let mut results: Vec<Option<Result<Outcome, RecordError>>> =
        event.records.iter().map(|_| None).collect();
    let mut decoded = Vec::with_capacity(event.records.len());
    let mut positions = Vec::with_capacity(event.records.len());
    for (index, record) in event.records.iter().enumerate() {
        let body = record
            .body
            .as_deref()
            .ok_or(InputError::MissingBody)
            .and_then(from_sqs_body::<T>);
        match body {
            Ok(input) => {
                positions.push(index);
                decoded.push(Record {
                    message_id: record.message_id.clone().unwrap_or_default(),
                    input,
                });
            }
            Err(error) => results[index] = Some(Err(RecordError::BadInput(error))),
        }
    }
    Decoded {
        records: decoded,
        positions,
        results,
    }
}

/// Every failure logged once and named in the partial batch response; a record left without a
/// result fails.
fn report(
    event: &SqsEvent,
    results: Vec<Option<Result<Outcome, RecordError>>>,
) -> Result<BatchOutcome, UnreportableFailure> {
    let mut response = SqsBatchResponse::default();
    let mut reported = Vec::with_capacity(results.len());
    for (index, (record, result)) in event.records.iter().zip(results).enumerate() {
        let result = result.unwrap_or_else(|| {
            Err(RecordError::local(
                "process the record",
                "no result for this record",
            ))
        });
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
                    error = %Chain(&error),
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
    let aws = error.aws();
    let operation = aws.map(|failure| failure.operation);
    let aws_error_code = aws.and_then(|failure| failure.code.as_deref());
    let aws_request_id = aws.and_then(|failure| failure.request_id.as_deref());
    let chain = Chain(error);
    match error {
        RecordError::Deferred { retry_after, .. } => tracing::info!(
            message_id,
            receive_count,
            error_kind,
            retry_after_s = retry_after.as_secs(),
            error = %chain,
            "record deferred, it comes back shortly"
        ),
        _ if error.is_retryable() => tracing::warn!(
            message_id,
            receive_count,
            error_kind,
            operation,
            aws_error_code,
            aws_request_id,
            error = %chain,
            "record failed, will be retried"
        ),
        _ => tracing::error!(
            message_id,
            receive_count,
            error_kind,
            operation,
            aws_error_code,
            aws_request_id,
            error = %chain,
            "record rejected, it will reach the dead-letter queue"
        ),
    }
}
