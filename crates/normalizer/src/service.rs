//! One record through the normalizer: unwrap, parse, enrich (or wait for EC2 to catch up),
//! decide, publish. Heartbeats skip EC2 and go straight out as their own message type.

use chrono::{DateTime, SubsecRound, Utc};
use ore_lambda::batch::{Outcome, RecordHandler};
use ore_lambda::ports::Publish;
use ore_lambda::RecordError;
use ore_model::ec2::Ec2StateChange;
use ore_model::heartbeat::{HeartbeatEvent, HeartbeatMessage, RawEvent};
use tokio::time::Instant;

use crate::decide::{settle, Settling};
use crate::{decide, Decision, DescribeInstance, IgnoreRule};

/// The time source, so tests can play a minute of EC2's eventual consistency in no time.
pub type Clock = fn() -> DateTime<Utc>;

/// The normalizer's record handler: its ports, its rules, its clock.
pub struct Normalizer<D, P> {
    describer: D,
    publisher: P,
    ignore: IgnoreRule,
    settling: Settling,
    clock: Clock,
}

impl<D: DescribeInstance, P: Publish> Normalizer<D, P> {
    /// A normalizer reading the system clock.
    pub fn new(describer: D, publisher: P, ignore: IgnoreRule, settling: Settling) -> Self {
        Normalizer {
            describer,
            publisher,
            ignore,
            settling,
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

    /// The same normalizer reading the time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    async fn state_change(&self, change: Ec2StateChange) -> Result<Outcome, RecordError> {
        let instance = self
            .describer
            .describe(&change.region, &change.instance_id)
            .await?;
        let now = (self.clock)();
        if let Some(retry_after) = settle(&change, instance.as_ref(), self.settling, now) {
            tracing::info!(
                instance_id = %change.instance_id,
                state = %change.state,
                found = instance.is_some(),
                retry_after_s = retry_after.as_secs(),
                "EC2 does not fully know this instance yet; asking again shortly"
            );
            return Err(RecordError::Deferred {
                reason: "EC2 does not know the instance (or its tags) yet",
                retry_after,
            });
        }
        if instance.is_none() {
            tracing::warn!(
                instance_id = %change.instance_id,
                region = %change.region,
                "instance not found in EC2; publishing without enrichment"
            );
        }
        let state = change.state.as_str();
        match decide(&change, instance, &self.ignore, now.trunc_subsecs(3)) {
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
            Decision::Publish(message) => {
                let body = serialize(&*message)?;
                self.publisher
                    .publish(body, &message.routing_attributes())
                    .await?;
                tracing::info!(
                    message_id = %message.id,
                    instance_id = %change.instance_id,
                    state,
                    enrichment = message.data.enrichment.as_str(),
                    "standard message published"
                );
                Ok(Outcome::Delivered { state })
            }
        }
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

impl<D: DescribeInstance + Sync, P: Publish + Sync> RecordHandler for Normalizer<D, P> {
    type Input = RawEvent;

    async fn handle_record(
        &self,
        event: RawEvent,
        _deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        match event {
            RawEvent::StateChange(change) => self.state_change(change).await,
            RawEvent::Heartbeat(event) => self.heartbeat(event).await,
        }
    }
}
