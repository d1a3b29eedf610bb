//! In-memory fakes of every port (`ore_lambda::ports`), so each service branch is a fast unit
//! test: EC2 knows the instance or not, SNS/SES/SQS succeed or fail the way AWS fails. Each fake
//! records what it was asked, for the test to check.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ore_lambda::ports::{
    Claim, DescribeInstance, MailLedger, Publish, Recorded, RenderedEmail, Requeue, SendMail,
    StateStore,
};
use ore_lambda::{AwsFailure, RecordError};
use ore_model::standard::{InstanceDetails, Lookup};
use ore_model::timing::{CurrentState, HistoryEntry, Snapshot};
use serde_json::Value;
use tokio::time::Instant;

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

/// One answer of [`FakeDescriber`]: what EC2 said (`Some` or `None`), or a fault.
pub type DescribeAnswer = Result<Option<InstanceDetails>, Fault>;

/// What the fake holds: EC2's answer, or a lookup that never reached EC2.
#[derive(Debug, Clone)]
enum Answer {
    Ec2(Option<InstanceDetails>),
    Known(Lookup),
}

/// `DescribeInstances` answering from a script, one answer per call; the last answer repeats.
pub struct FakeDescriber {
    answers: Mutex<VecDeque<Result<Answer, Fault>>>,
    calls: AtomicU32,
}

impl FakeDescriber {
    /// Answers `answers` in order, then the last one forever.
    pub fn scripted(answers: Vec<DescribeAnswer>) -> Self {
        assert!(!answers.is_empty(), "a script needs at least one answer");
        FakeDescriber {
            answers: Mutex::new(answers.into_iter().map(|a| a.map(Answer::Ec2)).collect()),
            calls: AtomicU32::new(0),
        }
    }

    /// The instance's account cannot be asked (no enrichment role there), for `reason`.
    pub fn unavailable(reason: &str) -> Self {
        FakeDescriber {
            answers: Mutex::new(VecDeque::from([Ok(Answer::Known(Lookup::Unavailable(
                reason.to_owned(),
            )))])),
            calls: AtomicU32::new(0),
        }
    }

    /// EC2 knows the instance.
    pub fn knows(instance: InstanceDetails) -> Self {
        Self::scripted(vec![Ok(Some(instance))])
    }

    /// EC2 does not know the instance (`InvalidInstanceID.NotFound`).
    pub fn unknown() -> Self {
        Self::scripted(vec![Ok(None)])
    }

    /// Every call fails with `fault`.
    pub fn failing(fault: Fault) -> Self {
        Self::scripted(vec![Err(fault)])
    }

    /// How many times the service asked.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl DescribeInstance for FakeDescriber {
    async fn describe(
        &self,
        _account: &str,
        _region: &str,
        _instance_id: &str,
    ) -> Result<Lookup, RecordError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut answers = self.answers.lock().expect("describer lock");
        let answer = if answers.len() > 1 {
            answers.pop_front()
        } else {
            answers.front().cloned()
        };
        match answer.expect("a scripted answer") {
            Ok(Answer::Known(lookup)) => Ok(lookup),
            Ok(Answer::Ec2(instance)) => Ok(instance.into()),
            Err(fault) => Err(fault.error("ec2:DescribeInstances")),
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

/// Which send attempt (by number and recipients) fails, and how.
type MailFault = Box<dyn Fn(u32, &[String]) -> Option<Fault> + Send + Sync>;

/// The `SendMail` port in memory: each attempt's time, and the mails that went out with their
/// recipients. Which attempts fail is a function of the attempt's number (0-based) and its
/// recipients.
pub struct RecordingMailer {
    fault: MailFault,
    attempts: Mutex<Vec<Instant>>,
    sent: Mutex<Vec<(Vec<String>, RenderedEmail)>>,
}

impl Default for RecordingMailer {
    fn default() -> Self {
        Self::with_faults(|_| None)
    }
}

impl RecordingMailer {
    /// Attempt `n` fails with `fault(n)` when it is `Some`.
    pub fn with_faults(fault: impl Fn(u32) -> Option<Fault> + Send + Sync + 'static) -> Self {
        Self::with_recipient_faults(move |attempt, _| fault(attempt))
    }

    /// Attempt `n` to send to `to` fails with `fault(n, to)` when it is `Some`.
    pub fn with_recipient_faults(
        fault: impl Fn(u32, &[String]) -> Option<Fault> + Send + Sync + 'static,
    ) -> Self {
        RecordingMailer {
            fault: Box::new(fault),
            attempts: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
        }
    }

    /// Every attempt to send to a list holding `address` fails with `fault`.
    pub fn failing_for(address: &str, fault: Fault) -> Self {
        let address = address.to_owned();
        Self::with_recipient_faults(move |_, to| to.contains(&address).then_some(fault))
    }

    /// Every attempt fails with `fault`.
    pub fn failing(fault: Fault) -> Self {
        Self::with_faults(move |_| Some(fault))
    }

    /// When each send was attempted (tokio's clock, paused in pacing tests).
    pub fn attempts(&self) -> Vec<Instant> {
        self.attempts.lock().expect("mailer lock").clone()
    }

    /// The mails that went out, in order.
    pub fn sent(&self) -> Vec<RenderedEmail> {
        self.sent_to().into_iter().map(|(_, email)| email).collect()
    }

    /// The mails that went out with their recipients, in order.
    pub fn sent_to(&self) -> Vec<(Vec<String>, RenderedEmail)> {
        self.sent.lock().expect("mailer lock").clone()
    }
}

impl SendMail for RecordingMailer {
    async fn send(&self, to: &[String], email: &RenderedEmail) -> Result<(), RecordError> {
        let attempt = {
            let mut attempts = self.attempts.lock().expect("mailer lock");
            attempts.push(Instant::now());
            u32::try_from(attempts.len() - 1).unwrap_or(u32::MAX)
        };
        if let Some(fault) = (self.fault)(attempt, to) {
            return Err(fault.error(email.send_action()));
        }
        self.sent
            .lock()
            .expect("mailer lock")
            .push((to.to_vec(), email.clone()));
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

/// Which call of [`MemoryStateStore`] fails, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFault {
    /// `dynamodb:Query` fails.
    Load(Fault),
    /// The conditional write fails (not a conflict: an AWS error).
    Record(Fault),
    /// Marking the entry published fails.
    MarkPublished(Fault),
    /// Looking a notice up fails.
    NoticeLookup(Fault),
    /// Marking a notice published fails.
    MarkNoticePublished(Fault),
}

/// The state store in memory, with DynamoDB's conditional-write semantics: an entry is written
/// once per event id, and the current state only if it is still the one read.
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    resources: Mutex<BTreeMap<String, Snapshot>>,
    /// (resource, message id) of every notice marked published.
    notices: Mutex<std::collections::BTreeSet<(String, String)>>,
    /// When set, that call fails this way.
    pub fail_with: Option<StoreFault>,
    /// Conflicts to report before writing (plays another normalizer writing in between).
    pub conflicts: AtomicU32,
    /// Calls of `record`, for tests counting writes.
    pub writes: AtomicU32,
}

impl MemoryStateStore {
    /// A store whose `fault` call fails.
    pub fn failing(fault: StoreFault) -> Self {
        MemoryStateStore {
            fail_with: Some(fault),
            ..MemoryStateStore::default()
        }
    }

    /// What is stored for `resource`: current state and every history entry, oldest first.
    pub fn snapshot(&self, resource: &str) -> Snapshot {
        self.resources
            .lock()
            .expect("store lock")
            .get(resource)
            .cloned()
            .unwrap_or_default()
    }

    fn fault(
        &self,
        call: fn(Fault) -> StoreFault,
        operation: &'static str,
    ) -> Result<(), RecordError> {
        match Fault::ALL
            .into_iter()
            .find(|f| self.fail_with == Some(call(*f)))
        {
            Some(fault) => Err(fault.error(operation)),
            None => Ok(()),
        }
    }
}

impl StateStore for MemoryStateStore {
    async fn load(&self, resource: &str, from: DateTime<Utc>) -> Result<Snapshot, RecordError> {
        self.fault(StoreFault::Load, "dynamodb:Query")?;
        let mut snapshot = self.snapshot(resource);
        // A real read is a round trip: the state is read when the request arrives, and other
        // records' work runs before the answer does, as against DynamoDB, so records handled at
        // once can act on the same state and conflict.
        tokio::task::yield_now().await;
        snapshot.history.retain(|e| e.event_time >= from);
        Ok(snapshot)
    }

    async fn record(
        &self,
        resource: &str,
        entry: &HistoryEntry,
        current: Option<(&CurrentState, Option<&str>)>,
    ) -> Result<Recorded, RecordError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.fault(StoreFault::Record, "dynamodb:TransactWriteItems")?;
        if self
            .conflicts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Ok(Recorded::Conflict);
        }
        let mut resources = self.resources.lock().expect("store lock");
        let stored = resources.entry(resource.to_owned()).or_default();
        if stored.history.iter().any(|e| e.event_id == entry.event_id) {
            return Ok(Recorded::Conflict);
        }
        if let Some((next, expected)) = current {
            if stored.current.as_ref().map(|c| c.event_id.as_str()) != expected {
                return Ok(Recorded::Conflict);
            }
            stored.current = Some(next.clone());
        }
        stored.history.push(entry.clone());
        stored
            .history
            .sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
        Ok(Recorded::Written)
    }

    async fn mark_published(
        &self,
        resource: &str,
        entry: &HistoryEntry,
    ) -> Result<(), RecordError> {
        self.fault(StoreFault::MarkPublished, "dynamodb:UpdateItem")?;
        let mut resources = self.resources.lock().expect("store lock");
        if let Some(stored) = resources
            .get_mut(resource)
            .and_then(|s| s.history.iter_mut().find(|e| e.event_id == entry.event_id))
        {
            stored.published = true;
        }
        Ok(())
    }

    async fn notice_published(
        &self,
        resource: &str,
        message_id: &str,
    ) -> Result<bool, RecordError> {
        self.fault(StoreFault::NoticeLookup, "dynamodb:Query")?;
        let notices = self.notices.lock().expect("store lock");
        Ok(notices.contains(&(resource.to_owned(), message_id.to_owned())))
    }

    async fn mark_notice_published(
        &self,
        resource: &str,
        message_id: &str,
        _event_time: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        self.fault(StoreFault::MarkNoticePublished, "dynamodb:PutItem")?;
        let mut notices = self.notices.lock().expect("store lock");
        notices.insert((resource.to_owned(), message_id.to_owned()));
        Ok(())
    }
}

/// The mail ledger in memory: message id -> (sent, claimed at).
#[derive(Debug, Default)]
pub struct MemoryMailLedger {
    /// Each claimed message id: whether its send was confirmed, and when it was claimed.
    pub entries: Mutex<BTreeMap<String, (bool, DateTime<Utc>)>>,
    /// When set, every call fails this way.
    pub fail_with: Option<Fault>,
}

impl MemoryMailLedger {
    /// A ledger whose every call fails with `fault`.
    pub fn failing(fault: Fault) -> Self {
        MemoryMailLedger {
            fail_with: Some(fault),
            ..MemoryMailLedger::default()
        }
    }

    fn check(&self, operation: &'static str) -> Result<(), RecordError> {
        self.fail_with.map_or(Ok(()), |f| Err(f.error(operation)))
    }
}

impl MailLedger for MemoryMailLedger {
    async fn claim(&self, message_id: &str, now: DateTime<Utc>) -> Result<Claim, RecordError> {
        self.check("dynamodb:PutItem")?;
        let mut entries = self.entries.lock().expect("ledger lock");
        Ok(match entries.get(message_id) {
            None => {
                entries.insert(message_id.to_owned(), (false, now));
                Claim::Granted
            }
            Some((true, _)) => Claim::Sent,
            Some((false, claimed_at)) => Claim::Pending {
                claimed_at: *claimed_at,
            },
        })
    }

    async fn confirm(&self, message_id: &str) -> Result<(), RecordError> {
        self.check("dynamodb:UpdateItem")?;
        if let Some(entry) = self
            .entries
            .lock()
            .expect("ledger lock")
            .get_mut(message_id)
        {
            entry.0 = true;
        }
        Ok(())
    }

    async fn release(&self, message_id: &str) -> Result<(), RecordError> {
        self.check("dynamodb:DeleteItem")?;
        let mut entries = self.entries.lock().expect("ledger lock");
        if entries.get(message_id).is_some_and(|(sent, _)| !sent) {
            entries.remove(message_id);
        }
        Ok(())
    }
}
