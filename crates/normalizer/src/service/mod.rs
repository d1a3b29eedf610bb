//! One record through the normalizer: unwrap, parse, enrich (or wait for EC2 to catch up),
//! decide, record in the state store (and learn the timing), publish. Notices are enriched,
//! filtered and published per resource; the store remembers which went out, so a redelivered AWS
//! event publishes nothing again. The kinds that tell what became of a resource (EBS, RDS, ECS,
//! Config, Auto Scaling: `Notice::timeline`) are recorded in their timeline first and carry its
//! timing, as a state change does; scheduled changes, Spot warnings and rebalance
//! recommendations say what will happen, and AWS Health's lifecycle is its own history. Heartbeats skip
//! EC2 and the store and go straight out as their own message type.

mod described;
mod notice;

use chrono::{DateTime, SubsecRound, Utc};
use ore_lambda::batch::{Outcome, Record, RecordHandler};
use ore_lambda::ports::Publish;
use ore_lambda::RecordError;
use ore_model::accounts::AccountNames;
use ore_model::adapters::RawEvent;
use ore_model::ec2::Ec2StateChange;
use ore_model::heartbeat::{HeartbeatEvent, HeartbeatMessage};
use ore_model::resource::Lookup;
use ore_model::standard::StandardMessage;
use ore_model::timing::{HistoryEntry, StateName};
use tokio::time::Instant;

use crate::decide::{settle, Settling};
use crate::lanes::{lanes, run_in_lanes};
use crate::store::{Recorded, StateStore};
use crate::timing::{assess, Assessment, Event, FlappingRule};
use crate::{decide, Decision, DescribeResources, IgnoreRule};
use described::Described;

/// Reads and conditional writes per record before giving the record back to the queue: each
/// retry means another normalizer recorded an event of the same resource in between.
const RECORD_ATTEMPTS: usize = 3;
/// The time source, so tests can play a minute of EC2's eventual consistency in no time.
pub type Clock = fn() -> DateTime<Utc>;

/// The normalizer's record handler: its ports, its rules, its clock.
pub struct Normalizer<D, P, S> {
    describer: D,
    publisher: P,
    store: S,
    flapping: FlappingRule,
    ignore: IgnoreRule,
    settling: Settling,
    accounts: AccountNames,
    clock: Clock,
}

impl<D: DescribeResources, P: Publish, S: StateStore> Normalizer<D, P, S> {
    /// A normalizer reading the system clock, with the default flapping rule.
    pub fn new(
        describer: D,
        publisher: P,
        store: S,
        ignore: IgnoreRule,
        settling: Settling,
    ) -> Self {
        Normalizer {
            describer,
            publisher,
            store,
            flapping: FlappingRule::default(),
            ignore,
            settling,
            accounts: AccountNames::default(),
            clock: Utc::now,
        }
    }

    /// The enrichment port (tests inspect their fakes through it).
    pub fn describer(&self) -> &D {
        &self.describer
    }

    /// The publishing port.
    pub fn publisher(&self) -> &P {
        &self.publisher
    }

    /// The state store port.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The same normalizer flagging flapping by `rule`.
    pub fn with_flapping(mut self, rule: FlappingRule) -> Self {
        self.flapping = rule;
        self
    }

    /// The same normalizer naming accounts by `names` in its messages.
    pub fn with_account_names(mut self, names: AccountNames) -> Self {
        self.accounts = names;
        self
    }

    /// The same normalizer reading the time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    async fn state_change(
        &self,
        change: Ec2StateChange,
        described: &Described<'_, D>,
    ) -> Result<Outcome, RecordError> {
        let (lookup, answered_at) = described
            .lookup(&change.account, &change.region, &change.instance_id)
            .await?;
        let now = (self.clock)();
        // EC2's lag is waited out only where EC2 could be asked at all, judged by when it
        // answered (the batch's answer may be a moment older than this record).
        let settling = match &lookup {
            Lookup::Unavailable(_) => None,
            _ => settle(&change, lookup.found(), self.settling, answered_at),
        };
        if let Some(retry_after) = settling {
            tracing::info!(
                instance_id = %change.instance_id,
                state = %change.state,
                found = lookup.found().is_some(),
                retry_after_s = retry_after.as_secs(),
                "EC2 does not fully know this instance yet; asking again shortly"
            );
            return Err(RecordError::Deferred {
                reason: "EC2 does not know the instance (or its tags) yet",
                retry_after,
            });
        }
        log_unenriched(
            &lookup,
            &change.instance_id,
            &change.account,
            &change.region,
            None,
        );
        let state = change.state.as_str();
        match decide(&change, lookup, &self.ignore, now.trunc_subsecs(3)) {
            Decision::Ignore { tag_key, tag_value } => {
                tracing::info!(
                    instance_id = %change.instance_id,
                    state,
                    tag_key,
                    tag_value,
                    "instance is tagged to be ignored; nothing published"
                );
                Ok(Outcome::Ignored { state })
            }
            Decision::Publish(mut message) => {
                message.data.resource = message.data.resource.named(&self.accounts);
                self.record_and_publish(*message).await
            }
        }
    }

    /// Record the event, then publish it with its timing; publish nothing for an event that was
    /// published before. The store is written first, so a message never goes out with timing
    /// that was not recorded; a failure after the write leaves the entry unpublished, and the
    /// redelivery publishes it (same message id, so consumers can tell).
    async fn record_and_publish(&self, message: StandardMessage) -> Result<Outcome, RecordError> {
        let data = &message.data;
        let state = data.state.as_str();
        let event = Event {
            id: &data.resource.source_event_id,
            time: message.time,
            state: data.state,
            message_id: &message.id,
        };
        match self.record(&data.resource.key(), &event).await? {
            Some(entry) => self.publish(message.clone(), entry).await,
            None => {
                tracing::info!(
                    message_id = %message.id,
                    source_event_id = event.id,
                    state,
                    "event already recorded and published; nothing published again"
                );
                Ok(Outcome::Duplicate { state })
            }
        }
    }

    /// Record `event` in the timeline `key` (an instance's, or a timed notice's): the entry to
    /// publish with its timing, or `None` when it was recorded and published before. Each
    /// attempt reads, decides and writes conditionally; a conflict (another normalizer recorded
    /// an event of the same timeline in between) reads again.
    pub(super) async fn record<T: StateName>(
        &self,
        key: &str,
        event: &Event<'_, T>,
    ) -> Result<Option<HistoryEntry<T>>, RecordError> {
        for _ in 0..RECORD_ATTEMPTS {
            let snapshot = self
                .store
                .load(key, self.flapping.history_from(event.time))
                .await?;
            match assess(event, &snapshot, self.flapping) {
                Assessment::Recorded(entry) if entry.published => return Ok(None),
                Assessment::Recorded(entry) => return Ok(Some(entry)),
                Assessment::New { entry, current } => {
                    let expected = snapshot.current.as_ref().map(|c| c.event_id.as_str());
                    let written = self
                        .store
                        .record(key, &entry, current.as_ref().map(|c| (c, expected)))
                        .await?;
                    if written == Recorded::Written {
                        return Ok(Some(entry));
                    }
                }
            }
        }
        Err(RecordError::Deferred {
            reason: "other events of this resource kept changing its recorded state",
            retry_after: std::time::Duration::from_secs(1),
        })
    }

    async fn publish(
        &self,
        message: StandardMessage,
        entry: HistoryEntry,
    ) -> Result<Outcome, RecordError> {
        let message = message.with_timing(entry.timing.clone());
        let body = serialize(&message)?;
        self.publisher
            .publish(body, &message.routing_attributes())
            .await?;
        self.store
            .mark_published(&message.data.resource.key(), &entry)
            .await?;
        let timing = &entry.timing;
        tracing::info!(
            message_id = %message.id,
            instance_id = %message.data.resource.resource_id,
            state = message.data.state.as_str(),
            enrichment = message.data.resource.enrichment.as_str(),
            previous_state = timing.previous_state.map(|s| s.as_str()),
            previous_state_seconds = timing.previous_state_seconds,
            late = timing.late,
            flapping = timing.flapping.is_some(),
            "standard message published"
        );
        Ok(Outcome::Delivered {
            state: message.data.state.as_str(),
        })
    }

    async fn heartbeat(&self, event: HeartbeatEvent) -> Result<Outcome, RecordError> {
        let now = (self.clock)();
        let message = HeartbeatMessage::new(&event, now.trunc_subsecs(3));
        self.publisher
            .publish(serialize(&message)?, &message.routing_attributes())
            .await?;
        let delay_ms = message.delay_ms(now);
        tracing::info!(
            heartbeat_id = %event.event_id,
            origin = %event.origin,
            delay_ms,
            "heartbeat seen and passed on"
        );
        Ok(Outcome::Heartbeat {
            id: event.event_id,
            delay_ms,
        })
    }
}

fn serialize<T: serde::Serialize>(message: &T) -> Result<String, RecordError> {
    serde_json::to_string(message).map_err(|e| RecordError::local("serialize the message", e))
}

impl<D, P, S> RecordHandler for Normalizer<D, P, S>
where
    D: DescribeResources + Sync,
    P: Publish + Sync,
    S: StateStore + Sync,
{
    type Input = RawEvent;

    async fn handle_record(
        &self,
        event: RawEvent,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let described = Described::of(
            &self.describer,
            self.clock,
            deadline,
            std::iter::once(&event),
        );
        self.handle_described(event, &described, deadline).await
    }

    /// EC2 is asked about the batch's instances once per account and region, when a record first
    /// needs it ([`Described`]); each resource's state changes run one after the other, in event
    /// order, and so do the communications of one AWS Health event (a later one is the earlier
    /// one's update: it must find it remembered) and the timed notices of one timeline;
    /// resources, other notices and heartbeats run concurrently ([`crate::lanes`]).
    async fn handle_records(
        &self,
        records: Vec<Record<RawEvent>>,
        deadline: Instant,
    ) -> Vec<Result<Outcome, RecordError>> {
        let described = Described::of(
            &self.describer,
            self.clock,
            deadline,
            records.iter().map(|record| &record.input),
        );
        // A timed notice's timeline is a key computed from the event: built once, borrowed below.
        let timelines: Vec<Option<String>> = records
            .iter()
            .map(|record| match &record.input {
                RawEvent::Notices(notices) => notices
                    .first()
                    .and_then(|first| first.notice.timeline(&first.target))
                    .map(|timeline| timeline.key),
                RawEvent::StateChange(_) | RawEvent::Heartbeat(_) => None,
            })
            .collect();
        let keys: Vec<_> = records
            .iter()
            .zip(&timelines)
            .map(|(record, timeline)| match &record.input {
                RawEvent::StateChange(change) => Some((change.instance_arn.as_str(), change.time)),
                RawEvent::Notices(notices) => notices.first().and_then(|first| {
                    let key = match first.notice.health_event() {
                        Some((event_arn, _)) => event_arn,
                        None => timeline.as_deref()?,
                    };
                    Some((key, first.target.time))
                }),
                RawEvent::Heartbeat(_) => None,
            })
            .collect();
        let lanes = lanes(&keys);
        run_in_lanes(records, lanes, |input| {
            self.handle_described(input, &described, deadline)
        })
        .await
    }
}

impl<D: DescribeResources, P: Publish, S: StateStore> Normalizer<D, P, S> {
    async fn handle_described(
        &self,
        event: RawEvent,
        described: &Described<'_, D>,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        match event {
            RawEvent::StateChange(change) => self.state_change(change, described).await,
            RawEvent::Notices(notices) => self.notices(notices, described, deadline).await,
            RawEvent::Heartbeat(event) => self.heartbeat(event).await,
        }
    }
}

/// The warning for a message published without AWS's facts: not found, or not askable.
fn log_unenriched(
    lookup: &Lookup,
    resource_id: &str,
    account: &str,
    region: &str,
    kind: Option<&'static str>,
) {
    match lookup {
        Lookup::Found(_) | Lookup::Tagged(_) | Lookup::NotApplicable => {}
        Lookup::NotFound => tracing::warn!(
            instance_id = resource_id,
            region,
            kind,
            "instance not found in EC2; publishing without enrichment"
        ),
        Lookup::Unavailable(reason) => tracing::warn!(
            resource_id,
            account,
            region,
            kind,
            reason = %reason,
            "enrichment_unavailable: AWS cannot be asked in the resource's account; publishing without enrichment"
        ),
    }
}
