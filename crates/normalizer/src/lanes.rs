//! The order a batch's records are handled in. Records of one resource share its state item:
//! handled at once they contend for it (a conditional write fails, the record is retried, and
//! after a few tries deferred back to the queue), so each resource's records form a lane, handled
//! one after the other in event order; lanes, and records of no resource's state, run concurrently.
//! A conflict can then only come from another invocation.

use std::future::Future;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use ore_lambda::batch::{Outcome, Record};
use ore_lambda::RecordError;
use tracing::Instrument;

/// Every record through `handle`, lane by lane (the batch's [`lanes`]): one result per record,
/// in the batch's order, each record in a span naming its message id.
pub async fn run_in_lanes<T, F, Fut>(
    records: Vec<Record<T>>,
    lanes: Vec<Vec<usize>>,
    handle: F,
) -> Vec<Result<Outcome, RecordError>>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<Outcome, RecordError>>,
{
    let count = records.len();
    let mut slots: Vec<Option<Record<T>>> = records.into_iter().map(Some).collect();
    let lanes: Vec<Vec<(usize, Record<T>)>> = lanes
        .into_iter()
        .map(|lane| {
            lane.into_iter()
                .filter_map(|position| slots[position].take().map(|r| (position, r)))
                .collect()
        })
        .collect();
    let handle = &handle;
    let done = join_all(lanes.into_iter().map(|lane| async move {
        let mut results = Vec::with_capacity(lane.len());
        for (position, record) in lane {
            let span = tracing::info_span!("record", message_id = record.message_id.as_str());
            results.push((position, handle(record.input).instrument(span).await));
        }
        results
    }))
    .await;
    let mut ordered: Vec<Option<Result<Outcome, RecordError>>> =
        std::iter::repeat_with(|| None).take(count).collect();
    for (position, result) in done.into_iter().flatten() {
        ordered[position] = Some(result);
    }
    ordered
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| {
                Err(RecordError::local(
                    "order the batch",
                    "a record was in no lane",
                ))
            })
        })
        .collect()
}

/// The lanes for records described by `keys` (by position: the resource whose state the record
/// changes, with its event time; `None` for a record that changes no state): each lane is a list
/// of positions, a resource's in event order (ties keep the batch's order), every other record
/// in a lane of its own. Lanes come in the order of their first record.
pub fn lanes(keys: &[Option<(&str, DateTime<Utc>)>]) -> Vec<Vec<usize>> {
    let mut lanes: Vec<Vec<usize>> = Vec::new();
    let mut by_resource: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (position, key) in keys.iter().enumerate() {
        match key {
            Some((resource, _)) => match by_resource.get(resource) {
                Some(&lane) => lanes[lane].push(position),
                None => {
                    by_resource.insert(resource, lanes.len());
                    lanes.push(vec![position]);
                }
            },
            None => lanes.push(vec![position]),
        }
    }
    for lane in &mut lanes {
        // A stable sort: records stamped in the same second keep the order SQS gave them.
        lane.sort_by_key(|&position| keys[position].map(|(_, time)| time));
    }
    lanes
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, second)
            .single()
            .expect("a valid time")
    }

    #[test]
    fn a_resources_records_share_a_lane_in_event_order_others_run_alone() {
        let keys = [
            Some(("i-1", at(5))),
            Some(("i-2", at(1))),
            None,
            Some(("i-1", at(3))),
            Some(("i-1", at(5))),
            None,
            Some(("i-2", at(0))),
        ];
        assert_eq!(
            lanes(&keys),
            vec![vec![3, 0, 4], vec![6, 1], vec![2], vec![5]]
        );
    }

    #[test]
    fn every_record_is_in_exactly_one_lane() {
        let keys: Vec<_> = (0..100u32)
            .map(|n| (n % 7 != 0).then(|| (["a", "b", "c"][(n % 3) as usize], at(n % 4))))
            .collect();
        let mut seen: Vec<usize> = lanes(&keys).into_iter().flatten().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
    }
}
