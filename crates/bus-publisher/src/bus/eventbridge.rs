//! The [`EventBus`] port on EventBridge's PutEvents, with its client built once per cold start.

use aws_sdk_eventbridge::operation::RequestId;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use ore_lambda::aws_error::{classify_answer, record_error, ErrorClass};
use ore_lambda::{AwsFailure, RecordError};

use super::{EventBus, PutResult};
use crate::entry::BusEntry;

const OPERATION: &str = "events:PutEvents";

/// The ORE bus, named by its ARN.
#[derive(Clone, Debug)]
pub struct EventBridgeBus {
    client: aws_sdk_eventbridge::Client,
    bus_arn: String,
}

impl EventBridgeBus {
    /// The bus `bus_arn`, put to through `client`.
    pub fn new(client: aws_sdk_eventbridge::Client, bus_arn: impl Into<String>) -> Self {
        EventBridgeBus {
            client,
            bus_arn: bus_arn.into(),
        }
    }

    fn request_entry(&self, entry: &BusEntry) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus_arn)
            .source(entry.source)
            .detail_type(&entry.detail_type)
            .detail(&entry.detail)
            .set_resources(Some(entry.resources.clone()))
            .time(aws_smithy_types::DateTime::from_millis(
                entry.time.timestamp_millis(),
            ))
            .build()
    }
}

/// An entry EventBridge did not put, classified as a failed call with that code would be.
fn entry_failure(
    code: Option<&str>,
    message: Option<&str>,
    request_id: Option<&str>,
) -> RecordError {
    let mut failure = AwsFailure::new(
        OPERATION,
        message.unwrap_or("the entry was not put").to_owned(),
    );
    if let Some(code) = code {
        failure = failure.with_code(code);
    }
    if let Some(request_id) = request_id {
        failure = failure.with_request_id(request_id);
    }
    match classify_answer(200, code) {
        ErrorClass::Throttled => RecordError::Throttled(failure),
        ErrorClass::Transient => RecordError::Transient(failure),
        ErrorClass::Rejected => RecordError::Rejected(failure),
    }
}

impl EventBus for EventBridgeBus {
    async fn put(&self, entries: &[BusEntry]) -> Result<Vec<PutResult>, RecordError> {
        let output = self
            .client
            .put_events()
            .set_entries(Some(
                entries.iter().map(|e| self.request_entry(e)).collect(),
            ))
            .send()
            .await
            .map_err(|e| record_error(OPERATION, e))?;
        let request_id = output.request_id().map(str::to_owned);
        let answered = output.entries();
        if answered.len() != entries.len() {
            // EventBridge answers every entry, in order; anything else cannot be matched to
            // records, so every record is retried (a duplicate event beats a lost one).
            return Err(RecordError::Transient(AwsFailure::new(
                OPERATION,
                format!(
                    "EventBridge answered {} entries for {} put",
                    answered.len(),
                    entries.len()
                ),
            )));
        }
        Ok(answered
            .iter()
            .map(|result| match (result.event_id(), result.error_code()) {
                (Some(id), None) => Ok(id.to_owned()),
                (_, code) => Err(entry_failure(
                    code,
                    result.error_message(),
                    request_id.as_deref(),
                )),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_failure_is_classified_by_its_code() {
        let throttled = entry_failure(
            Some("ThrottlingException"),
            Some("Rate exceeded"),
            Some("r-1"),
        );
        assert_eq!(throttled.kind(), "throttled");
        assert!(throttled.is_retryable());
        let failure = throttled.aws().unwrap();
        assert_eq!(failure.operation, "events:PutEvents");
        assert_eq!(failure.code.as_deref(), Some("ThrottlingException"));
        assert_eq!(failure.request_id.as_deref(), Some("r-1"));

        assert_eq!(
            entry_failure(Some("InternalFailure"), None, None).kind(),
            "transient"
        );
        let denied = entry_failure(Some("AccessDeniedException"), None, None);
        assert_eq!(denied.kind(), "rejected");
        assert!(!denied.is_retryable());
        assert_eq!(entry_failure(None, None, None).kind(), "rejected");
    }
}
