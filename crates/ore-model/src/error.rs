//! Why a record failed. Every failure is reported in the batch response; the kind only
//! decides how it is logged and whether a retry can help.

use std::time::Duration;

/// The record itself is unusable: retrying it will fail the same way, so it ends in the DLQ.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("the SQS record has no body")]
    MissingBody,
    #[error("the body is {size} bytes, over the {limit}-byte limit")]
    Oversized { size: usize, limit: usize },
    #[error("the body is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("the SNS envelope's Message is not JSON: {0}")]
    EnvelopeMessageNotJson(#[source] serde_json::Error),
    #[error("the SNS envelope is a {0:?}, not a Notification")]
    NotANotification(String),
    #[error("unexpected event: {0}")]
    UnexpectedEvent(String),
    #[error("the event does not have the expected shape: {0}")]
    Shape(#[source] serde_json::Error),
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField { field: &'static str, reason: String },
}

/// One record's failure, as the batch helper logs and reports it.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    BadInput(#[from] InputError),
    /// 5xx, timeouts, connection errors: the same record may well succeed on the next delivery.
    #[error("{operation} failed transiently: {detail}")]
    Transient {
        operation: &'static str,
        detail: String,
    },
    /// AWS asked us to slow down (after the SDK's own retries).
    #[error("{operation} was throttled: {detail}")]
    Throttled {
        operation: &'static str,
        detail: String,
    },
    /// AWS refused the request (bad identity, missing permission, ...): needs an operator.
    #[error("{operation} was rejected: {detail}")]
    Rejected {
        operation: &'static str,
        detail: String,
    },
    /// Not attempted now on purpose (an instance EC2 does not know yet, a send that would not fit
    /// the invocation's time or the account's sending rate): the record comes back after
    /// `retry_after` instead of the queue's visibility timeout.
    #[error("deferred for {}s: {reason}", retry_after.as_secs())]
    Deferred {
        reason: &'static str,
        retry_after: Duration,
    },
}

impl RecordError {
    /// A stable label for log queries and metric filters.
    pub fn kind(&self) -> &'static str {
        match self {
            RecordError::BadInput(_) => "bad_input",
            RecordError::Transient { .. } => "transient",
            RecordError::Throttled { .. } => "throttled",
            RecordError::Rejected { .. } => "rejected",
            RecordError::Deferred { .. } => "deferred",
        }
    }

    /// Whether another delivery can succeed without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            RecordError::Transient { .. }
                | RecordError::Throttled { .. }
                | RecordError::Deferred { .. }
        )
    }

    /// When the record should come back, if sooner than the queue's visibility timeout.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RecordError::Deferred { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}
