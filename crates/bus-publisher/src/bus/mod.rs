//! The ORE bus as a port: put up to [`MAX_ENTRIES_PER_PUT`] entries at once, and learn for each
//! whether EventBridge took it. PutEvents answers per entry: one entry can be throttled while the
//! others succeed, and only that entry's record is retried.

use std::future::Future;

use ore_lambda::RecordError;

use crate::entry::BusEntry;

mod eventbridge;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;

pub use eventbridge::EventBridgeBus;

/// PutEvents takes at most this many entries per request.
pub const MAX_ENTRIES_PER_PUT: usize = 10;

/// PutEvents takes at most this many bytes of entries per request, counted as
/// [`BusEntry::size`] counts each.
pub const MAX_BYTES_PER_PUT: usize = crate::entry::MAX_ENTRY_BYTES;

/// One entry's result: the id EventBridge gave the event, or why it was not put.
pub type PutResult = Result<String, RecordError>;

/// Where the bus-publisher puts events.
pub trait EventBus {
    /// Put `entries` (at most [`MAX_ENTRIES_PER_PUT`], at most [`MAX_BYTES_PER_PUT`] together)
    /// on the bus. `Ok` holds one result per entry, in order; `Err` means the whole request
    /// failed and no entry was put.
    fn put(
        &self,
        entries: &[BusEntry],
    ) -> impl Future<Output = Result<Vec<PutResult>, RecordError>> + Send;
}

/// `entries` split into requests PutEvents accepts: in order, each at most
/// [`MAX_ENTRIES_PER_PUT`] entries and [`MAX_BYTES_PER_PUT`] bytes (an entry is never larger:
/// `bus_entry` refuses it).
pub fn requests(entries: &[BusEntry]) -> Vec<&[BusEntry]> {
    let mut requests = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (index, entry) in entries.iter().enumerate() {
        let full = index - start == MAX_ENTRIES_PER_PUT || bytes + entry.size() > MAX_BYTES_PER_PUT;
        if full && index > start {
            requests.push(&entries[start..index]);
            start = index;
            bytes = 0;
        }
        bytes += entry.size();
    }
    if start < entries.len() {
        requests.push(&entries[start..]);
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn entry(detail_bytes: usize) -> BusEntry {
        BusEntry {
            message_id: "m".into(),
            source: crate::EVENT_SOURCE,
            detail_type: "org.ore.heartbeat".into(),
            detail: "x".repeat(detail_bytes),
            resources: Vec::new(),
            time: Utc::now(),
        }
    }

    fn sizes(entries: &[BusEntry]) -> Vec<usize> {
        requests(entries).iter().map(|r| r.len()).collect()
    }

    #[test]
    fn at_most_ten_entries_per_request_in_order() {
        assert_eq!(sizes(&vec![entry(10); 25]), [10, 10, 5]);
        assert_eq!(sizes(&vec![entry(10); 10]), [10]);
        assert!(requests(&[]).is_empty());
    }

    #[test]
    fn large_entries_share_a_request_only_while_they_fit() {
        let half = MAX_BYTES_PER_PUT / 2;
        // Each entry is a little over a third of the limit: two fit, a third would not.
        let third = half * 2 / 3;
        assert_eq!(sizes(&vec![entry(third); 5]), [2, 2, 1]);
        assert_eq!(sizes(&[entry(MAX_BYTES_PER_PUT - 60), entry(10)]), [1, 1]);
        let all: usize = requests(&vec![entry(third); 5])
            .iter()
            .map(|r| r.iter().map(BusEntry::size).sum::<usize>())
            .max()
            .unwrap();
        assert!(all <= MAX_BYTES_PER_PUT);
    }
}
