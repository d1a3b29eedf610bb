//! The AWS side effects ORE's services need, as small traits ("ports"). Each has one SDK
//! implementation (in the crate that owns that SDK client) and one in-memory fake in
//! `test-support`, so every service branch is tested in milliseconds without an emulator and
//! every SDK path against the emulator.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ore_model::standard::Lookup;
use ore_model::timing::{CurrentState, HistoryEntry, Snapshot};

use crate::RecordError;

/// What EC2 knows about an instance (the event itself carries only its id), asked in the
/// instance's own account and region.
pub trait DescribeInstance {
    /// `Lookup::NotFound` when EC2 does not know the instance (terminated long ago, or never
    /// existed); `Lookup::Unavailable` when its account cannot be asked (no role ORE may assume
    /// there). Any other failure is an error, so the record is retried rather than published
    /// degraded.
    fn describe(
        &self,
        account: &str,
        region: &str,
        instance_id: &str,
    ) -> impl Future<Output = Result<Lookup, RecordError>> + Send;
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
    /// Files sent with the mail (a scheduled change's calendar entry); none for most mails.
    pub attachments: Vec<Attachment>,
}

impl RenderedEmail {
    /// The IAM action SES authorises this mail's `SendEmail` as: a mail with attachments goes as
    /// raw MIME content, which SES checks as `ses:SendRawEmail` (docs/aws-names.yaml cites the
    /// pages); a simple one as `ses:SendEmail`. The emailer's role grants both.
    pub fn send_action(&self) -> &'static str {
        if self.attachments.is_empty() {
            "ses:SendEmail"
        } else {
            "ses:SendRawEmail"
        }
    }
}

/// A file attached to a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the mail client shows, e.g. `maintenance.ics`.
    pub filename: String,
    /// Its MIME type, e.g. `text/calendar; method=PUBLISH`.
    pub content_type: String,
    /// Its content.
    pub content: String,
}

/// Sending a mail to recipients from configuration (never from an event).
pub trait SendMail {
    /// Send `email` to `to`; the error says whether a retry can help.
    fn send(
        &self,
        to: &[String],
        email: &RenderedEmail,
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

/// A write that depended on what was read, and found it changed: read again and decide again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Everything was written.
    Written,
    /// Nothing was written: the entry exists already, or the current state moved on since it
    /// was read.
    Conflict,
}

/// The resources' recorded states and history (the normalizer's memory). Keys are resource
/// ARNs, unique across accounts and regions.
pub trait StateStore {
    /// The current state and the history entries from `from` on, oldest first.
    fn load(
        &self,
        resource: &str,
        from: DateTime<Utc>,
    ) -> impl Future<Output = Result<Snapshot, RecordError>> + Send;

    /// Record `entry` (once per event id) and, when `current` is given, make it the current
    /// state provided the stored one is still the one with event id `expected` (`None`: none
    /// stored). Both writes happen or neither does.
    fn record(
        &self,
        resource: &str,
        entry: &HistoryEntry,
        current: Option<(&CurrentState, Option<&str>)>,
    ) -> impl Future<Output = Result<Recorded, RecordError>> + Send;

    /// Note that the entry's message went out, so a redelivery publishes nothing.
    fn mark_published(
        &self,
        resource: &str,
        entry: &HistoryEntry,
    ) -> impl Future<Output = Result<(), RecordError>> + Send;

    /// Whether the notice with this message id went out before (its AWS event redelivered).
    /// Notices are kept apart from the history: they do not change the resource's state.
    fn notice_published(
        &self,
        resource: &str,
        message_id: &str,
    ) -> impl Future<Output = Result<bool, RecordError>> + Send;

    /// Note that the notice went out (kept as long as the history, from `event_time`).
    fn mark_notice_published(
        &self,
        resource: &str,
        message_id: &str,
        event_time: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}

/// Where a mail stands in the ledger of sent mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller may send it.
    Granted,
    /// It was sent.
    Sent,
    /// Another attempt claimed it at this time and has not confirmed a send.
    Pending {
        /// When that attempt claimed it.
        claimed_at: DateTime<Utc>,
    },
}

/// The emailer's ledger: at most one mail per standard message id.
pub trait MailLedger {
    /// Claim the right to send the mail for `message_id`, or learn who has it.
    fn claim(
        &self,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Claim, RecordError>> + Send;

    /// The mail went out.
    fn confirm(&self, message_id: &str) -> impl Future<Output = Result<(), RecordError>> + Send;

    /// SES refused the mail, so nothing went out: a later attempt may claim it again.
    fn release(&self, message_id: &str) -> impl Future<Output = Result<(), RecordError>> + Send;
}
