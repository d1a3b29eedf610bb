//! Turning AWS SDK errors into record failures. The SDK has already retried what it can; what
//! reaches us is either worth another delivery (throttling, 5xx, network, timeouts) or needs an
//! operator.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::{AwsFailure, RecordError};

/// Error codes AWS uses for throttling across services.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "LimitExceededException",
    "KMSThrottlingException",
    // DynamoDB: a partition or the table's on-demand throughput is exceeded.
    "ProvisionedThroughputExceededException",
];

/// Error codes AWS uses for temporary unavailability.
const UNAVAILABLE_CODES: &[&str] = &[
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "Unavailable",
    // DynamoDB: another transaction held an item; the same request can succeed next time.
    "TransactionConflictException",
];

/// What kind of failure an SDK error is, before it becomes a [`RecordError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// AWS asked to slow down.
    Throttled,
    /// Another delivery may succeed (5xx, timeouts, network).
    Transient,
    /// AWS refused; needs an operator.
    Rejected,
}

/// Classify an SDK error for `operation` (e.g. "sns:Publish"), keeping the error as the cause
/// and AWS's error code and request id for the log line.
pub fn record_error<E>(operation: &'static str, error: SdkError<E, Response>) -> RecordError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let class = classify(&error);
    let (code, request_id) = match &error {
        SdkError::ServiceError(context) => (
            context.err().code().map(str::to_owned),
            context
                .raw()
                .headers()
                .get("x-amzn-requestid")
                .or_else(|| context.raw().headers().get("x-amz-request-id"))
                .map(str::to_owned),
        ),
        _ => (None, None),
    };
    let failure = AwsFailure {
        operation,
        code,
        request_id,
        source: Box::new(error),
    };
    match class {
        ErrorClass::Throttled => RecordError::Throttled(failure),
        ErrorClass::Transient => RecordError::Transient(failure),
        ErrorClass::Rejected => RecordError::Rejected(failure),
    }
}

/// Throttled, transient (another delivery may succeed) or rejected.
pub fn classify<E: ProvideErrorMetadata>(error: &SdkError<E, Response>) -> ErrorClass {
    match error {
        SdkError::ServiceError(context) => {
            classify_answer(context.raw().status().as_u16(), context.err().code())
        }
        SdkError::ConstructionFailure(_) => ErrorClass::Rejected,
        // Timeouts (connect, attempt, operation), connection failures, unreadable responses.
        _ => ErrorClass::Transient,
    }
}

/// Throttled, transient or rejected, from what AWS answered: the HTTP status and error code of a
/// failed call, or (status 200) the error code of one entry of a batch call that AWS answers per
/// entry (`events:PutEvents`).
pub fn classify_answer(status: u16, code: Option<&str>) -> ErrorClass {
    if status == 429 || code.is_some_and(|c| THROTTLING_CODES.contains(&c)) {
        ErrorClass::Throttled
    } else if status >= 500 || code.is_some_and(|c| UNAVAILABLE_CODES.contains(&c)) {
        ErrorClass::Transient
    } else {
        ErrorClass::Rejected
    }
}
