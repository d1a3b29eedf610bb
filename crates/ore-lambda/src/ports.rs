//! The AWS side effects ORE's services need, as small traits ("ports"). Each has one SDK
//! implementation (in the crate that owns that SDK client) and one in-memory fake in
//! `test-support`, so every service branch is tested in milliseconds without an emulator and
//! every SDK path against the emulator.

use std::future::Future;
use std::time::Duration;

use ore_model::standard::InstanceDetails;

use crate::RecordError;

/// What EC2 knows about an instance (the event itself carries only its id).
pub trait DescribeInstance {
    /// `Ok(None)` when EC2 does not know the instance (terminated long ago, or never existed).
    /// Any other failure is an error, so the record is retried rather than published degraded.
    fn describe(
        &self,
        region: &str,
        instance_id: &str,
    ) -> impl Future<Output = Result<Option<InstanceDetails>, RecordError>> + Send;
}

/// Where a function's output goes. Attributes are SNS String attributes, for filter policies.
pub trait Publish {
    /// Publish `message` with `attributes`; the error says whether a retry can help.
    fn publish(
        &self,
        message: String,
        attributes: &[(&str, &str)],
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}

/// A mail ready to send: what the emailer renders and the mail port sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// One line, no newline.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Sending a mail to the configured recipients.
pub trait SendMail {
    /// Send `email`; the error says whether a retry can help.
    fn send(&self, email: &RenderedEmail) -> impl Future<Output = Result<(), RecordError>> + Send;
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
