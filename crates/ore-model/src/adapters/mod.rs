//! One adapter per AWS event kind: each recognises its EventBridge `source` and `detail-type`,
//! checks the shape AWS documents, and hands over the facts a standard message needs. The
//! normalizer picks the adapter here ([`RawEvent`]) and does the rest (enrich, ignore,
//! publish) the same way for every kind. Adding a kind is one module, a line in
//! [`RawEvent::from_payload`], its samples and its tests.

use serde_json::Value;

use crate::ec2::{Ec2StateChange, EC2_SOURCE, STATE_CHANGE_DETAIL_TYPE};
use crate::envelope::Payload;
use crate::heartbeat::{HeartbeatEvent, HEARTBEAT_DETAIL_TYPE, HEARTBEAT_SOURCE};
use crate::notice::AdaptedNotice;
use crate::InputError;

pub mod autoscaling;
pub mod config_item;
pub mod ebs_volume;
pub mod ecs_task;
pub mod health;
pub mod rds;
pub mod rebalance;
mod resource_event;
pub mod spot_interruption;

/// An AWS event kind ORE reads.
pub trait Adapter {
    /// The EventBridge `source`.
    const SOURCE: &'static str;
    /// The EventBridge `detail-type`.
    const DETAIL_TYPE: &'static str;
    /// What the event becomes.
    type Output;
    /// Check the event's shape and identifiers; a broken event is an [`InputError`] naming
    /// the field.
    fn adapt(payload: Value) -> Result<Self::Output, InputError>;
}

/// The state-change notification.
pub struct StateChangeAdapter;

impl Adapter for StateChangeAdapter {
    const SOURCE: &'static str = EC2_SOURCE;
    const DETAIL_TYPE: &'static str = STATE_CHANGE_DETAIL_TYPE;
    type Output = Ec2StateChange;
    fn adapt(payload: Value) -> Result<Ec2StateChange, InputError> {
        Ec2StateChange::from_payload(payload)
    }
}

/// ORE's own heartbeat.
pub struct HeartbeatAdapter;

impl Adapter for HeartbeatAdapter {
    const SOURCE: &'static str = HEARTBEAT_SOURCE;
    const DETAIL_TYPE: &'static str = HEARTBEAT_DETAIL_TYPE;
    type Output = HeartbeatEvent;
    fn adapt(payload: Value) -> Result<HeartbeatEvent, InputError> {
        HeartbeatEvent::from_payload(payload)
    }
}

/// What the normalizer reads from the raw events topic.
#[derive(Debug, Clone, PartialEq)]
pub enum RawEvent {
    /// EC2's state-change notification.
    StateChange(Ec2StateChange),
    /// A notice of what will happen, one per affected instance (AWS Health can name many).
    Notices(Vec<AdaptedNotice>),
    /// ORE's canary.
    Heartbeat(HeartbeatEvent),
}

fn is<A: Adapter>(source: Option<&str>, detail_type: Option<&str>) -> bool {
    source == Some(A::SOURCE) && detail_type == Some(A::DETAIL_TYPE)
}

/// Picks the adapter from `source` + `detail-type`, so an event of a kind ORE does not read is
/// named as such before any field is looked at.
impl Payload for RawEvent {
    fn from_payload(payload: Value) -> Result<Self, InputError> {
        let source = payload.get("source").and_then(Value::as_str);
        let detail_type = payload.get("detail-type").and_then(Value::as_str);
        if is::<StateChangeAdapter>(source, detail_type) {
            StateChangeAdapter::adapt(payload).map(RawEvent::StateChange)
        } else if is::<health::HealthAdapter>(source, detail_type) {
            health::HealthAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<spot_interruption::SpotInterruptionAdapter>(source, detail_type) {
            spot_interruption::SpotInterruptionAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<rebalance::RebalanceAdapter>(source, detail_type) {
            rebalance::RebalanceAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<ebs_volume::VolumeNotificationAdapter>(source, detail_type) {
            ebs_volume::VolumeNotificationAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<rds::DbInstanceEventAdapter>(source, detail_type) {
            rds::DbInstanceEventAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<rds::DbClusterEventAdapter>(source, detail_type) {
            rds::DbClusterEventAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<ecs_task::TaskStateChangeAdapter>(source, detail_type) {
            ecs_task::TaskStateChangeAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<config_item::ConfigurationItemChangeAdapter>(source, detail_type) {
            config_item::ConfigurationItemChangeAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<autoscaling::LaunchSuccessfulAdapter>(source, detail_type) {
            autoscaling::LaunchSuccessfulAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<autoscaling::LaunchUnsuccessfulAdapter>(source, detail_type) {
            autoscaling::LaunchUnsuccessfulAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<autoscaling::TerminateSuccessfulAdapter>(source, detail_type) {
            autoscaling::TerminateSuccessfulAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<autoscaling::TerminateUnsuccessfulAdapter>(source, detail_type) {
            autoscaling::TerminateUnsuccessfulAdapter::adapt(payload).map(RawEvent::Notices)
        } else if is::<HeartbeatAdapter>(source, detail_type) {
            HeartbeatAdapter::adapt(payload).map(RawEvent::Heartbeat)
        } else {
            Err(InputError::UnexpectedEvent(format!(
                "source {source:?} and detail-type {detail_type:?}: no adapter reads this kind of event"
            )))
        }
    }
}
