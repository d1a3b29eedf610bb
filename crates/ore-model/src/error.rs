//! Why a payload is unusable. Retrying such a record fails the same way, so it ends in the
//! dead-letter queue; the message says which rule it broke.

/// The record itself is unusable: retrying it will fail the same way, so it ends in the DLQ.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A hand-made SQS record without a body.
    #[error("the SQS record has no body")]
    MissingBody,
    /// Larger than anything ORE sends: not ours, and not worth parsing.
    #[error("the body is {size} bytes, over the {limit}-byte limit")]
    Oversized {
        /// The body's length in bytes.
        size: usize,
        /// [`crate::envelope::MAX_BODY_BYTES`].
        limit: usize,
    },
    /// The SQS body does not parse as JSON.
    #[error("the body is not JSON")]
    NotJson(#[source] serde_json::Error),
    /// An SNS envelope whose `Message` does not parse as JSON.
    #[error("the SNS envelope's Message is not JSON")]
    EnvelopeMessageNotJson(#[source] serde_json::Error),
    /// An SNS envelope of another `Type` (a subscription confirmation, say).
    #[error("the SNS envelope is a {0:?}, not a Notification")]
    NotANotification(String),
    /// Valid JSON, but another event than the function reads.
    #[error("unexpected event: {0}")]
    UnexpectedEvent(String),
    /// The expected event with a field missing or of the wrong type.
    #[error("the event does not have the expected shape")]
    Shape(#[source] serde_json::Error),
    /// A field present but outside what ORE accepts (length, format).
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField {
        /// The field's path in the payload.
        field: &'static str,
        /// The rule it broke.
        reason: String,
    },
}
