//! The resources' recorded states and history: the normalizer's memory, as a port
//! ([`StateStore`]) with its DynamoDB adapter (`dynamodb`) and its in-memory fake (`memory`,
//! feature `test-util`).

use std::future::Future;

use chrono::{DateTime, Utc};
use ore_lambda::RecordError;
use ore_model::notice::HealthStatus;
use ore_model::timing::{CurrentState, HistoryEntry, Snapshot, StateName};

pub mod dynamodb;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;

/// A write that depended on what was read, and found it changed: read again and decide again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Everything was written.
    Written,
    /// Nothing was written: the entry exists already, or the current state moved on since it
    /// was read.
    Conflict,
}

/// A communication of an AWS Health event about a resource that went out: what a later one of
/// the same event is an update of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Communication {
    /// The event's status it told.
    pub status: HealthStatus,
    /// When AWS sent it (the AWS event's time).
    pub time: DateTime<Utc>,
    /// The status of the communication it updated, when it was an update: what its message
    /// said, so a retry of the same communication says it again.
    pub updated_from: Option<HealthStatus>,
}

/// The resources' recorded states and history (the normalizer's memory). Keys are resource
/// ARNs, unique across accounts and regions (a timed notice's timeline, `Notice::timeline`, is
/// an ARN too: its resource's, or the ECS service whose tasks stopped). `S` is the state's type:
/// an instance's, or a notice kind's words.
pub trait StateStore {
    /// The current state and the history entries from `from` on, oldest first.
    fn load<S: StateName>(
        &self,
        resource: &str,
        from: DateTime<Utc>,
    ) -> impl Future<Output = Result<Snapshot<S>, RecordError>> + Send;

    /// Record `entry` (once per event id) and, when `current` is given, make it the current
    /// state provided the stored one is still the one with event id `expected` (`None`: none
    /// stored). Both writes happen or neither does.
    fn record<S: StateName>(
        &self,
        resource: &str,
        entry: &HistoryEntry<S>,
        current: Option<(&CurrentState<S>, Option<&str>)>,
    ) -> impl Future<Output = Result<Recorded, RecordError>> + Send;

    /// Note that the entry's message went out, so a redelivery publishes nothing.
    fn mark_published<S: StateName>(
        &self,
        resource: &str,
        entry: &HistoryEntry<S>,
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

    /// The latest communication of the AWS Health event `event_arn` about `resource` that went
    /// out, if one did: a new communication of the same event is its update.
    fn last_communication(
        &self,
        resource: &str,
        event_arn: &str,
    ) -> impl Future<Output = Result<Option<Communication>, RecordError>> + Send;

    /// Remember that `communication` of `event_arn` about `resource` went out, unless a later
    /// one is remembered already (AWS Health's communications may arrive out of order).
    fn remember_communication(
        &self,
        resource: &str,
        event_arn: &str,
        communication: Communication,
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}
