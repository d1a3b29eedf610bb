//! The in-memory [`EventBus`] (feature `test-util`): it records what was put, and plays the ways
//! PutEvents fails, a whole request or one entry at a time.

use std::collections::BTreeMap;
use std::sync::Mutex;

use ore_lambda::fakes::Fault;
use ore_lambda::RecordError;

use super::{EventBus, PutResult, MAX_BYTES_PER_PUT, MAX_ENTRIES_PER_PUT};
use crate::entry::BusEntry;

/// A bus in memory.
#[derive(Debug, Default)]
pub struct MemoryBus {
    /// Each request's entries that were put, in order.
    pub requests: Mutex<Vec<Vec<BusEntry>>>,
    /// When set, every request fails this way.
    pub request_fault: Mutex<Option<Fault>>,
    /// Entries (by message id) EventBridge answers with this fault instead of an event id.
    pub entry_faults: Mutex<BTreeMap<String, Fault>>,
}

impl MemoryBus {
    /// Every entry put, in order.
    pub fn put_entries(&self) -> Vec<BusEntry> {
        self.requests.lock().expect("lock").concat()
    }
}

impl EventBus for MemoryBus {
    async fn put(&self, entries: &[BusEntry]) -> Result<Vec<PutResult>, RecordError> {
        assert!(
            entries.len() <= MAX_ENTRIES_PER_PUT,
            "PutEvents takes at most 10 entries"
        );
        assert!(
            entries.iter().map(BusEntry::size).sum::<usize>() <= MAX_BYTES_PER_PUT,
            "PutEvents takes at most 256 KB per request"
        );
        if let Some(fault) = *self.request_fault.lock().expect("lock") {
            return Err(fault.error("events:PutEvents"));
        }
        let faults = self.entry_faults.lock().expect("lock");
        let mut put = Vec::new();
        let results = entries
            .iter()
            .enumerate()
            .map(|(index, entry)| match faults.get(&entry.message_id) {
                Some(fault) => Err(fault.error("events:PutEvents")),
                None => {
                    put.push(entry.clone());
                    Ok(format!("event-{}-{index}", entry.message_id))
                }
            })
            .collect();
        self.requests.lock().expect("lock").push(put);
        Ok(results)
    }
}
