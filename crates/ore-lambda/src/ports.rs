//! The AWS side effects more than one function needs, as small traits ("ports"): publishing a
//! message (normalizer, csv-formatter) and bringing a deferred record back (every function).
//! Each has its SDK adapter here (`sns`, `requeue`) and an in-memory fake in `fakes` (feature
//! `test-util`). A port only one function uses lives in that function's crate, with its adapter
//! and its fake.

use std::future::Future;
use std::time::Duration;

use crate::RecordError;

/// Where a function's output goes. Attributes are SNS String attributes, for filter policies.
pub trait Publish {
    /// Publish `message` with `attributes`; the error says whether a retry can help.
    fn publish(
        &self,
        message: String,
        attributes: &[(&str, &str)],
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}

/// Bringing a deferred record back sooner than the queue's visibility timeout: the port the
/// runtime implements with `sqs:ChangeMessageVisibility`.
pub trait Requeue {
    /// Make the record with `receipt_handle` on `queue_arn` visible again after `delay`.
    fn requeue_after(
        &self,
        queue_arn: &str,
        receipt_handle: &str,
        delay: Duration,
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}
