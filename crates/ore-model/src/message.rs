//! The union of what ORE publishes on the normalized topic, told apart by the CloudEvent's
//! `type` (and the heartbeat's `dataschema`), so a consumer parses each body once into the
//! variant it handles.

use serde_json::Value;

use crate::cloudevent::SPEC_VERSION;
use crate::envelope::Payload;
use crate::heartbeat::{HeartbeatMessage, HEARTBEAT_SCHEMA, HEARTBEAT_TYPE};
use crate::notice::{NoticeKind, NoticeMessage};
use crate::standard::StandardMessage;
use crate::InputError;

/// What the consumers (csv-formatter, emailer) read from the normalized topic.
#[derive(Debug, Clone, PartialEq)]
pub enum OreMessage {
    /// A resource changed state.
    StateChanged(Box<StandardMessage>),
    /// Something will happen to a resource (scheduled change, Spot warning, rebalance).
    Notice(Box<NoticeMessage>),
    /// ORE's canary.
    Heartbeat(Box<HeartbeatMessage>),
}

impl Payload for OreMessage {
    fn from_payload(payload: Value) -> Result<Self, InputError> {
        let is_heartbeat = payload.get("type").and_then(Value::as_str) == Some(HEARTBEAT_TYPE)
            && payload.get("dataschema").and_then(Value::as_str) == Some(HEARTBEAT_SCHEMA)
            && payload.get("specversion").and_then(Value::as_str) == Some(SPEC_VERSION);
        if is_heartbeat {
            return HeartbeatMessage::from_payload(payload)
                .map(|m| OreMessage::Heartbeat(Box::new(m)));
        }
        let is_notice = payload
            .get("type")
            .and_then(Value::as_str)
            .and_then(NoticeKind::from_event_type)
            .is_some();
        if is_notice {
            return NoticeMessage::from_payload(payload).map(|m| OreMessage::Notice(Box::new(m)));
        }
        StandardMessage::from_payload(payload).map(|m| OreMessage::StateChanged(Box::new(m)))
    }
}
