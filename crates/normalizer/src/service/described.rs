//! What EC2 said of a batch's instances: one `DescribeInstance::describe_all` per account and
//! region the records name, not one call per record. Asked when the first record of that account
//! and region needs it (a batch of redelivered notices, recognised in the store first, asks
//! nothing); records that need it meanwhile wait for the same answer. A failed call fails
//! exactly the records that needed it, each with the same error (and is retried with them), so
//! nothing is published degraded.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use ore_lambda::error::AwsFailure;
use ore_lambda::RecordError;
use ore_model::adapters::RawEvent;
use ore_model::resource::Lookup;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::Clock;
use crate::{DescribeInstance, Descriptions};

/// The instances of one account and region.
type Place = (String, String);

/// The batch's instances of one account and region, and EC2's answer once asked, with when it
/// was asked (a record that reads it later judges EC2's lag by that time, not by its own: the
/// cautious end, as EC2 may have caught up while answering).
struct Asked {
    instance_ids: Vec<String>,
    answer: OnceCell<(Result<Descriptions, RecordError>, DateTime<Utc>)>,
}

/// EC2's answers for a batch, by account and region.
pub(crate) struct Described<'d, D> {
    describer: &'d D,
    clock: Clock,
    /// EC2's answer must come within half the time the batch had left, or the records needing
    /// it fail (transient) and the batch still answers in time.
    deadline: Instant,
    by_place: HashMap<Place, Asked>,
}

impl<'d, D: DescribeInstance> Described<'d, D> {
    /// Every instance `events` name, to be asked of `describer` by account and region.
    pub(crate) fn of<'e>(
        describer: &'d D,
        clock: Clock,
        deadline: Instant,
        events: impl Iterator<Item = &'e RawEvent>,
    ) -> Self {
        let mut wanted: BTreeMap<Place, BTreeSet<&'e str>> = BTreeMap::new();
        for event in events {
            for (account, region, instance_id) in instances_of(event) {
                wanted
                    .entry((account.to_owned(), region.to_owned()))
                    .or_default()
                    .insert(instance_id);
            }
        }
        let by_place = wanted
            .into_iter()
            .map(|(place, ids)| {
                let asked = Asked {
                    instance_ids: ids.into_iter().map(str::to_owned).collect(),
                    answer: OnceCell::new(),
                };
                (place, asked)
            })
            .collect();
        // Half the time left: what needs the answer still has time to record and publish.
        let now = Instant::now();
        Described {
            describer,
            clock,
            deadline: now + deadline.saturating_duration_since(now) / 2,
            by_place,
        }
    }

    /// What EC2 said of `instance_id` and when, or the error of the call that should have said
    /// it.
    pub(crate) async fn lookup(
        &self,
        account: &str,
        region: &str,
        instance_id: &str,
    ) -> Result<(Lookup, DateTime<Utc>), RecordError> {
        let Some(asked) = self.by_place.get(&(account.to_owned(), region.to_owned())) else {
            return Err(RecordError::local(
                "look up the instance",
                "its account and region were not among the batch's",
            ));
        };
        let (answer, answered_at) = asked
            .answer
            .get_or_init(|| async {
                let ids: Vec<&str> = asked.instance_ids.iter().map(String::as_str).collect();
                let asked_at = (self.clock)();
                let answer = tokio::time::timeout_at(
                    self.deadline,
                    self.describer.describe_all(account, region, &ids),
                )
                .await
                .unwrap_or_else(|_| {
                    Err(RecordError::Transient(AwsFailure::new(
                        "ec2:DescribeInstances",
                        "no answer within half the invocation's time",
                    )))
                });
                (answer, asked_at)
            })
            .await;
        match answer {
            Ok(found) => match found.get(instance_id) {
                Some(Ok(lookup)) => Ok((lookup.clone(), *answered_at)),
                Some(Err(error)) => Err(error.shared()),
                None => Ok((Lookup::NotFound, *answered_at)),
            },
            Err(error) => Err(error.shared()),
        }
    }
}

/// (account, region, instance id) of each instance an event names.
fn instances_of(event: &RawEvent) -> Vec<(&str, &str, &str)> {
    match event {
        RawEvent::StateChange(change) => vec![(
            change.account.as_str(),
            change.region.as_str(),
            change.instance_id.as_str(),
        )],
        RawEvent::Notices(notices) => notices
            .iter()
            .map(|n| {
                let t = &n.target;
                (
                    t.account.as_str(),
                    t.region.as_str(),
                    t.instance_id.as_str(),
                )
            })
            .collect(),
        RawEvent::Heartbeat(_) => Vec::new(),
    }
}
