//! In-memory fakes of the shared ports (feature `test-util`), and the ways an AWS call fails,
//! which every function's fakes play: each service branch is a fast unit test. Each fake
//! records what it was asked, for the test to check.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use crate::ports::{Publish, Requeue};
use crate::{AwsFailure, RecordError};

/// The ways an AWS call fails once the SDK adapters have classified it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `ThrottlingException`, after the SDK's retries.
    Throttled,
    /// A 5xx or a timeout.
    Transient,
    /// `AccessDenied`: AWS refused.
    Rejected,
}

impl Fault {
    /// Every fault, for tests that try each.
    pub const ALL: [Fault; 3] = [Fault::Throttled, Fault::Transient, Fault::Rejected];

    /// Panics unless `error` is this fault of `operation`, as the batch helper will log and
    /// report it: its kind, whether SQS retries it, the operation and AWS's request id.
    pub fn assert_is(self, error: &RecordError, operation: &str) {
        let (kind, retryable) = match self {
            Fault::Throttled => ("throttled", true),
            Fault::Transient => ("transient", true),
            Fault::Rejected => ("rejected", false),
        };
        assert_eq!(error.kind(), kind, "{error:?}");
        assert_eq!(error.is_retryable(), retryable, "{error:?}");
        let failure = error.aws().expect("an AWS failure");
        assert_eq!(failure.operation, operation);
        assert_eq!(failure.request_id.as_deref(), Some("fake-request-id"));
    }

    /// The error an SDK adapter returns for this fault of `operation`, with a code and request id.
    pub fn error(self, operation: &'static str) -> RecordError {
        let (code, message) = match self {
            Fault::Throttled => ("ThrottlingException", "Rate exceeded"),
            Fault::Transient => ("InternalFailure", "503 Service Unavailable"),
            Fault::Rejected => ("AccessDenied", "not authorized to perform this action"),
        };
        let failure = AwsFailure::new(operation, message)
            .with_code(code)
            .with_request_id("fake-request-id");
        match self {
            Fault::Throttled => RecordError::Throttled(failure),
            Fault::Transient => RecordError::Transient(failure),
            Fault::Rejected => RecordError::Rejected(failure),
        }
    }
}

/// The `Publish` port in memory: records what would have been published, or fails every call
/// with `fail_with`.
#[derive(Debug, Default)]
pub struct RecordingPublisher {
    /// Each published (body, attributes).
    pub published: Mutex<Vec<(String, BTreeMap<String, String>)>>,
    /// When set, every call fails this way and publishes nothing.
    pub fail_with: Option<Fault>,
}

impl RecordingPublisher {
    /// A publisher whose every call fails with `fault`.
    pub fn failing(fault: Fault) -> Self {
        RecordingPublisher {
            fail_with: Some(fault),
            ..RecordingPublisher::default()
        }
    }

    /// Every published body, as JSON.
    pub fn bodies(&self) -> Vec<Value> {
        self.texts()
            .iter()
            .map(|body| serde_json::from_str(body).expect("published JSON"))
            .collect()
    }

    /// Every published body, as sent.
    pub fn texts(&self) -> Vec<String> {
        let published = self.published.lock().expect("publisher lock");
        published.iter().map(|(body, _)| body.clone()).collect()
    }

    /// Every published message's attributes.
    pub fn attributes(&self) -> Vec<BTreeMap<String, String>> {
        let published = self.published.lock().expect("publisher lock");
        published.iter().map(|(_, a)| a.clone()).collect()
    }
}

impl Publish for RecordingPublisher {
    async fn publish(
        &self,
        message: String,
        attributes: &[(&str, &str)],
    ) -> Result<(), RecordError> {
        if let Some(fault) = self.fail_with {
            return Err(fault.error("sns:Publish"));
        }
        let attributes = attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.published
            .lock()
            .expect("publisher lock")
            .push((message, attributes));
        Ok(())
    }
}

/// The `Requeue` port in memory: which receipt handle asked to come back when.
#[derive(Debug, Default)]
pub struct RecordingRequeue {
    /// Each (queue ARN, receipt handle, delay) asked for.
    pub calls: Mutex<Vec<(String, String, Duration)>>,
    /// When set, every call is recorded and then fails this way.
    pub fail_with: Option<Fault>,
}

impl RecordingRequeue {
    /// A requeue whose every call fails with `fault`.
    pub fn failing(fault: Fault) -> Self {
        RecordingRequeue {
            fail_with: Some(fault),
            ..RecordingRequeue::default()
        }
    }

    /// The delay asked for each receipt handle.
    pub fn delays(&self) -> BTreeMap<String, Duration> {
        let calls = self.calls.lock().expect("requeue lock");
        calls
            .iter()
            .map(|(_, handle, delay)| (handle.clone(), *delay))
            .collect()
    }
}

impl Requeue for RecordingRequeue {
    async fn requeue_after(
        &self,
        queue_arn: &str,
        receipt_handle: &str,
        delay: Duration,
    ) -> Result<(), RecordError> {
        self.calls.lock().expect("requeue lock").push((
            queue_arn.to_owned(),
            receipt_handle.to_owned(),
            delay,
        ));
        match self.fail_with {
            Some(fault) => Err(fault.error("sqs:ChangeMessageVisibility")),
            None => Ok(()),
        }
    }
}
