//! Turning AWS SDK errors into record failures. The SDK has already retried what it can; what
//! reaches us is either worth another delivery (throttling, 5xx, network) or needs an operator.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::RecordError;

/// Error codes AWS uses for throttling and temporary unavailability across services.
const TRANSIENT_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "LimitExceededException",
    "KMSThrottlingException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "Unavailable",
];

/// Classify an SDK error for `operation` (e.g. "sns:Publish").
pub fn record_error<E>(operation: &'static str, error: SdkError<E, Response>) -> RecordError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let transient = is_transient(&error);
    let detail = DisplayErrorContext(&error).to_string();
    if transient {
        RecordError::Transient { operation, detail }
    } else {
        RecordError::Rejected { operation, detail }
    }
}

/// Whether another delivery of the same record may succeed.
pub fn is_transient<E: ProvideErrorMetadata>(error: &SdkError<E, Response>) -> bool {
    match error {
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            status >= 500
                || status == 429
                || context
                    .err()
                    .code()
                    .is_some_and(|code| TRANSIENT_CODES.contains(&code))
        }
        SdkError::ConstructionFailure(_) => false,
        // Timeouts, connection failures, unreadable responses.
        _ => true,
    }
}
