//! The state store in memory, for the service's unit tests and the benchmarks.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use ore_lambda::fakes::Fault;
use ore_lambda::RecordError;
use ore_model::timing::{CurrentState, HistoryEntry, Snapshot, StateName};

use super::{Communication, Recorded, StateStore};

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
    /// Reading or remembering a Health event's last communication fails.
    Communication(Fault),
}

/// The state store in memory, with DynamoDB's conditional-write semantics: an entry is written
/// once per event id, and the current state only if it is still the one read.
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    /// Resource -> its `Snapshot<S>`, for the state type `S` its timeline has (as the table
    /// holds an instance's states and a notice kind's words under different keys).
    resources: Mutex<BTreeMap<String, Box<dyn Any + Send>>>,
    /// (resource, message id) of every notice marked published.
    notices: Mutex<std::collections::BTreeSet<(String, String)>>,
    /// (resource, Health event ARN) -> its latest communication that went out.
    communications: Mutex<BTreeMap<(String, String), Communication>>,
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

    /// Forget which notices went out (as a failed mark after a publish leaves the table).
    pub fn forget_notices(&self) {
        self.notices.lock().expect("store lock").clear();
    }

    /// What is stored for the instance `resource`: current state and every history entry,
    /// oldest first.
    pub fn snapshot(&self, resource: &str) -> Snapshot {
        self.snapshot_of(resource)
    }

    /// What is stored for `resource` whose states are `S` (a timed notice's: `String`).
    pub fn snapshot_of<S: StateName>(&self, resource: &str) -> Snapshot<S> {
        self.resources
            .lock()
            .expect("store lock")
            .get(resource)
            .and_then(|stored| stored.downcast_ref::<Snapshot<S>>())
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
    async fn load<S: StateName>(
        &self,
        resource: &str,
        from: DateTime<Utc>,
    ) -> Result<Snapshot<S>, RecordError> {
        self.fault(StoreFault::Load, "dynamodb:Query")?;
        let mut snapshot = self.snapshot_of::<S>(resource);
        // A real read is a round trip: the state is read when the request arrives, and other
        // records' work runs before the answer does, as against DynamoDB, so records handled at
        // once can act on the same state and conflict.
        tokio::task::yield_now().await;
        snapshot.history.retain(|e| e.event_time >= from);
        Ok(snapshot)
    }

    async fn record<S: StateName>(
        &self,
        resource: &str,
        entry: &HistoryEntry<S>,
        current: Option<(&CurrentState<S>, Option<&str>)>,
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
        let stored = resources
            .entry(resource.to_owned())
            .or_insert_with(|| Box::new(Snapshot::<S>::default()));
        let Some(stored) = stored.downcast_mut::<Snapshot<S>>() else {
            return Err(RecordError::local(
                "record in the memory store",
                "the resource holds states of another type",
            ));
        };
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

    async fn mark_published<S: StateName>(
        &self,
        resource: &str,
        entry: &HistoryEntry<S>,
    ) -> Result<(), RecordError> {
        self.fault(StoreFault::MarkPublished, "dynamodb:UpdateItem")?;
        let mut resources = self.resources.lock().expect("store lock");
        if let Some(stored) = resources
            .get_mut(resource)
            .and_then(|s| s.downcast_mut::<Snapshot<S>>())
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

    async fn last_communication(
        &self,
        resource: &str,
        event_arn: &str,
    ) -> Result<Option<Communication>, RecordError> {
        self.fault(StoreFault::Communication, "dynamodb:Query")?;
        let communications = self.communications.lock().expect("store lock");
        Ok(communications
            .get(&(resource.to_owned(), event_arn.to_owned()))
            .copied())
    }

    async fn remember_communication(
        &self,
        resource: &str,
        event_arn: &str,
        communication: Communication,
    ) -> Result<(), RecordError> {
        self.fault(StoreFault::Communication, "dynamodb:PutItem")?;
        let mut communications = self.communications.lock().expect("store lock");
        let stored = communications
            .entry((resource.to_owned(), event_arn.to_owned()))
            .or_insert(communication);
        if stored.time <= communication.time {
            *stored = communication;
        }
        Ok(())
    }
}
