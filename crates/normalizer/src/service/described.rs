//! What AWS said of a batch's resources: one `DescribeResources::describe_instances` (EC2) and
//! one `DescribeResources::read_tags` (the Tagging API, for any other resource with an ARN whose
//! event does not give its tags, as AWS Config's does) per
//! account and region the records name, not one call per record. Asked when the first record of
//! that account and region needs it (a batch of redelivered notices, recognised in the store
//! first, asks nothing); records that need it meanwhile wait for the same answer. A failed call
//! fails exactly the records that needed it, each with the same error (and is retried with
//! them), so nothing is published degraded. What has no ARN (an entity AWS Health names without
//! one) asks nothing.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use ore_lambda::error::AwsFailure;
use ore_lambda::RecordError;
use ore_model::adapters::RawEvent;
use ore_model::resource::{Lookup, ResourceRef};
use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::Clock;
use crate::{DescribeResources, Descriptions};

/// The resources of one account and region.
type Place = (String, String);

/// An answer, with when it was asked (a record that reads it later judges EC2's lag by that
/// time, not by its own: the cautious end, as EC2 may have caught up while answering).
type Answer = OnceCell<(Result<Descriptions, RecordError>, DateTime<Utc>)>;

/// The batch's resources of one account and region, and AWS's answers once asked.
#[derive(Default)]
struct Asked {
    instance_ids: BTreeSet<String>,
    arns: BTreeSet<String>,
    instances: Answer,
    tags: Answer,
}

/// A call to AWS under way.
type Asking<'f> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Descriptions, RecordError>> + Send + 'f>,
>;

/// How a resource is looked up.
enum Wanted<'e> {
    /// EC2 describes it.
    Instance(&'e str),
    /// The Tagging API reads its tags.
    Tags(&'e str),
    /// The event gave its tags (AWS Config's item): nothing to ask.
    Given(&'e std::collections::BTreeMap<String, String>),
    /// Nothing to ask.
    Nothing,
}

impl<'e> Wanted<'e> {
    fn of(target: &'e ResourceRef) -> Self {
        match (
            target.instance_id(),
            &target.event_tags,
            &target.resource_arn,
        ) {
            (Some(instance_id), _, _) => Wanted::Instance(instance_id),
            (None, Some(tags), _) => Wanted::Given(tags),
            (None, None, Some(arn)) => Wanted::Tags(arn),
            (None, None, None) => Wanted::Nothing,
        }
    }
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

impl<'d, D: DescribeResources> Described<'d, D> {
    /// Every resource `events` name, to be asked of `describer` by account and region.
    pub(crate) fn of<'e>(
        describer: &'d D,
        clock: Clock,
        deadline: Instant,
        events: impl Iterator<Item = &'e RawEvent>,
    ) -> Self {
        let mut by_place: HashMap<Place, Asked> = HashMap::new();
        for event in events {
            for (account, region, wanted) in resources_of(event) {
                let asked = by_place
                    .entry((account.to_owned(), region.to_owned()))
                    .or_default();
                match wanted {
                    Wanted::Instance(id) => asked.instance_ids.insert(id.to_owned()),
                    Wanted::Tags(arn) => asked.arns.insert(arn.to_owned()),
                    Wanted::Given(_) | Wanted::Nothing => false,
                };
            }
        }
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
        let asked = self.asked(account, region)?;
        let answer = self
            .answer(&asked.instances, "ec2:DescribeInstances", || {
                let ids: Vec<&str> = asked.instance_ids.iter().map(String::as_str).collect();
                let describer = self.describer;
                Box::pin(async move { describer.describe_instances(account, region, &ids).await })
            })
            .await;
        Self::read(answer, instance_id, Lookup::NotFound)
    }

    /// What AWS said of the resource `target` names: EC2 of an instance, the Tagging API of
    /// any other resource with an ARN; nothing to ask for what has none.
    pub(crate) async fn lookup_resource(
        &self,
        target: &ResourceRef,
    ) -> Result<(Lookup, DateTime<Utc>), RecordError> {
        let (account, region) = (target.account.as_str(), target.region.as_str());
        match Wanted::of(target) {
            Wanted::Instance(instance_id) => {
                let (lookup, answered_at) = self.lookup(account, region, instance_id).await?;
                // An AWS Config item about an instance EC2 no longer knows (terminated an hour
                // ago) still carries the instance's tags: the ignore tag and the routing tag
                // apply as Config recorded them.
                let lookup = match (lookup, target.event_tags.as_ref()) {
                    (Lookup::NotFound, Some(tags)) if !tags.is_empty() => {
                        Lookup::Tagged(tags.clone())
                    }
                    (lookup, _) => lookup,
                };
                Ok((lookup, answered_at))
            }
            Wanted::Nothing => Ok((Lookup::NotApplicable, (self.clock)())),
            Wanted::Given(tags) => Ok((Lookup::Tagged(tags.clone()), (self.clock)())),
            Wanted::Tags(arn) => {
                let asked = self.asked(account, region)?;
                let answer = self
                    .answer(&asked.tags, "tag:GetResources", || {
                        let arns: Vec<&str> = asked.arns.iter().map(String::as_str).collect();
                        let describer = self.describer;
                        Box::pin(async move { describer.read_tags(account, region, &arns).await })
                    })
                    .await;
                Self::read(answer, arn, Lookup::Tagged(Default::default()))
            }
        }
    }

    fn asked(&self, account: &str, region: &str) -> Result<&Asked, RecordError> {
        self.by_place
            .get(&(account.to_owned(), region.to_owned()))
            .ok_or_else(|| {
                RecordError::local(
                    "look up the resource",
                    "its account and region were not among the batch's",
                )
            })
    }

    /// `cell`'s answer, asked with `ask` the first time (within the deadline). The call is
    /// boxed: once per batch, account and region, and it keeps the batch's future shallow.
    async fn answer<'a, 'f, F>(
        &self,
        cell: &'a Answer,
        operation: &'static str,
        ask: F,
    ) -> &'a (Result<Descriptions, RecordError>, DateTime<Utc>)
    where
        F: FnOnce() -> Asking<'f>,
    {
        cell.get_or_init(|| async {
            let asked_at = (self.clock)();
            let answer = tokio::time::timeout_at(self.deadline, ask())
                .await
                .unwrap_or_else(|_| {
                    Err(RecordError::Transient(AwsFailure::new(
                        operation,
                        "no answer within half the invocation's time",
                    )))
                });
            (answer, asked_at)
        })
        .await
    }

    /// The answer for `key`, `absent` when the answer does not name it.
    fn read(
        (answer, answered_at): &(Result<Descriptions, RecordError>, DateTime<Utc>),
        key: &str,
        absent: Lookup,
    ) -> Result<(Lookup, DateTime<Utc>), RecordError> {
        match answer {
            Ok(found) => match found.get(key) {
                Some(Ok(lookup)) => Ok((lookup.clone(), *answered_at)),
                Some(Err(error)) => Err(error.shared()),
                None => Ok((absent, *answered_at)),
            },
            Err(error) => Err(error.shared()),
        }
    }
}

/// (account, region, how to look it up) of each resource an event names.
fn resources_of(event: &RawEvent) -> Vec<(&str, &str, Wanted<'_>)> {
    match event {
        RawEvent::StateChange(change) => vec![(
            change.account.as_str(),
            change.region.as_str(),
            Wanted::Instance(change.instance_id.as_str()),
        )],
        RawEvent::Notices(notices) => notices
            .iter()
            .map(|n| {
                let t = &n.target;
                (t.account.as_str(), t.region.as_str(), Wanted::of(t))
            })
            .collect(),
        RawEvent::Heartbeat(_) => Vec::new(),
    }
}
