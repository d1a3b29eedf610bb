//! Why a record failed. Every failure is reported in the batch response; the kind decides how
//! it is logged and whether a retry can help. Each failure keeps its cause (`source`), and a
//! failed AWS call keeps what AWS said (error code, request id) for the log line.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use ore_model::InputError;

/// Any error, as a failure's cause.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// An AWS call that did not succeed, with AWS's error code and request id when the service
/// answered (a timeout or a refused connection has neither).
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed{}", code.as_deref().map(|code| format!(" ({code})")).unwrap_or_default())]
pub struct AwsFailure {
    /// The API call, as IAM names it (`sns:Publish`).
    pub operation: &'static str,
    /// AWS's error code (`ThrottlingException`, `AccessDenied`), when the service answered.
    pub code: Option<String>,
    /// AWS's request id, what AWS Support asks for.
    pub request_id: Option<String>,
    /// The SDK's error.
    #[source]
    pub source: BoxError,
}

impl AwsFailure {
    /// A failure of `operation` caused by `source`, without code or request id.
    pub fn new(operation: &'static str, source: impl Into<BoxError>) -> Self {
        AwsFailure {
            operation,
            code: None,
            request_id: None,
            source: source.into(),
        }
    }

    /// The same failure with AWS's error code (fakes in tests use this to play a service).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The same failure with AWS's request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }
}

/// One record's failure, as the batch helper logs and reports it.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The record is unusable: it fails the same way every time and ends in the DLQ.
    #[error(transparent)]
    BadInput(#[from] InputError),
    /// 5xx, timeouts, connection errors: the same record may well succeed on the next delivery.
    #[error(transparent)]
    Transient(AwsFailure),
    /// AWS asked us to slow down (after the SDK's own retries).
    #[error(transparent)]
    Throttled(AwsFailure),
    /// AWS refused the request (bad identity, missing permission, ...): needs an operator.
    #[error(transparent)]
    Rejected(AwsFailure),
    /// ORE's own work failed before any call (serializing a message, rendering a mail): a bug
    /// or a broken build, not AWS; retrying will not help.
    #[error("{operation} failed")]
    Local {
        /// What ORE was doing.
        operation: &'static str,
        /// Why it failed.
        #[source]
        source: BoxError,
    },
    /// Not attempted now on purpose (an instance EC2 does not know yet, a send that would not fit
    /// the invocation's time or the account's sending rate): the record comes back after
    /// `retry_after` instead of the queue's visibility timeout.
    #[error("deferred for {}s: {reason}", retry_after.as_secs())]
    Deferred {
        /// Why, for the log line.
        reason: &'static str,
        /// When the record should come back.
        retry_after: Duration,
    },
}

impl RecordError {
    /// A stable label for log queries and metric filters.
    pub fn kind(&self) -> &'static str {
        match self {
            RecordError::BadInput(_) => "bad_input",
            RecordError::Transient(_) => "transient",
            RecordError::Throttled(_) => "throttled",
            RecordError::Rejected(_) => "rejected",
            RecordError::Local { .. } => "local",
            RecordError::Deferred { .. } => "deferred",
        }
    }

    /// A local failure of `operation` (serialization, rendering).
    pub fn local(operation: &'static str, source: impl Into<BoxError>) -> Self {
        RecordError::Local {
            operation,
            source: source.into(),
        }
    }

    /// Whether another delivery can succeed without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            RecordError::Transient(_) | RecordError::Throttled(_) | RecordError::Deferred { .. }
        )
    }

    /// When the record should come back, if sooner than the queue's visibility timeout.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RecordError::Deferred { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// The same failure for another record that shared the failed work (a digest's members):
    /// same kind, operation, AWS code and request id, so each is logged, retried or
    /// dead-lettered as the original would be.
    pub fn shared(&self) -> RecordError {
        let copy = |failure: &AwsFailure| AwsFailure {
            operation: failure.operation,
            code: failure.code.clone(),
            request_id: failure.request_id.clone(),
            source: Chain(&*failure.source).to_string().into(),
        };
        match self {
            RecordError::BadInput(_) => {
                RecordError::local("process a shared record", Chain(self).to_string())
            }
            RecordError::Transient(failure) => RecordError::Transient(copy(failure)),
            RecordError::Throttled(failure) => RecordError::Throttled(copy(failure)),
            RecordError::Rejected(failure) => RecordError::Rejected(copy(failure)),
            RecordError::Local { operation, source } => {
                RecordError::local(operation, Chain(&**source).to_string())
            }
            RecordError::Deferred {
                reason,
                retry_after,
            } => RecordError::Deferred {
                reason,
                retry_after: *retry_after,
            },
        }
    }

    /// The failed AWS call, when the failure is one.
    pub fn aws(&self) -> Option<&AwsFailure> {
        match self {
            RecordError::Transient(failure)
            | RecordError::Throttled(failure)
            | RecordError::Rejected(failure) => Some(failure),
            _ => None,
        }
    }
}

/// An error and every cause below it, `: `-separated: what a log line needs to say why.
pub struct Chain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_failure_keeps_kind_call_code_and_cause() {
        let error = RecordError::Throttled(
            AwsFailure::new("ses:SendEmail", "Maximum sending rate exceeded.")
                .with_code("TooManyRequestsException")
                .with_request_id("req-2"),
        );
        let shared = error.shared();
        assert_eq!(shared.kind(), "throttled");
        assert_eq!(Chain(&shared).to_string(), Chain(&error).to_string());
        assert_eq!(shared.aws().unwrap().request_id.as_deref(), Some("req-2"));
        let local = RecordError::local("render email", "bad template");
        assert_eq!(
            Chain(&local.shared()).to_string(),
            "render email failed: bad template"
        );
        let deferred = RecordError::Deferred {
            reason: "no slot",
            retry_after: Duration::from_secs(7),
        };
        assert_eq!(
            deferred.shared().retry_after(),
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn the_chain_names_the_call_the_code_and_every_cause() {
        let error = RecordError::Rejected(
            AwsFailure::new("ses:SendEmail", "Email address is not verified.")
                .with_code("MessageRejected")
                .with_request_id("req-1"),
        );
        assert_eq!(
            Chain(&error).to_string(),
            "ses:SendEmail failed (MessageRejected): Email address is not verified."
        );
        assert_eq!(
            error.aws().and_then(|f| f.request_id.as_deref()),
            Some("req-1")
        );
        assert_eq!(error.kind(), "rejected");
        assert!(!error.is_retryable());
    }

    #[test]
    fn a_local_failure_is_its_own_kind_and_keeps_its_cause() {
        let cause = serde_json::from_str::<u8>("x").unwrap_err();
        let error = RecordError::local("serialize standard message", cause);
        assert_eq!(error.kind(), "local");
        assert!(error.aws().is_none() && !error.is_retryable());
        assert!(error.source().is_some());
        assert!(Chain(&error)
            .to_string()
            .starts_with("serialize standard message failed: "));
    }
}
