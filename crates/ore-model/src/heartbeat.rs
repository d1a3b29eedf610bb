//! ORE's canary. A heartbeat event is put on the EventBridge default bus (on a schedule, and on
//! demand by `scripts/verify-deployment.sh`), travels the same topic, key and queues as an EC2
//! event, and becomes a standard message of its own type that the consumers recognise, record
//! and drop: no mail, no CSV record. A stage that stops seeing heartbeats raises an alarm.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::cloudevent::{CloudEvent, DATA_CONTENT_TYPE, SPEC_VERSION};
use crate::ec2::is_region;
use crate::envelope::Payload;
use crate::InputError;

/// The heartbeat's EventBridge `source` (custom sources may not start with `aws.`).
pub const HEARTBEAT_SOURCE: &str = "ore.canary";
/// The heartbeat's EventBridge `detail-type`.
pub const HEARTBEAT_DETAIL_TYPE: &str = "ORE Heartbeat";
/// The standard message `type` of a heartbeat; subscribers that want only state changes filter
/// on the `state` attribute, which heartbeats do not carry.
pub const HEARTBEAT_TYPE: &str = "org.ore.heartbeat";
/// The heartbeat message's `dataschema` (`schemas/heartbeat.v1.json`).
pub const HEARTBEAT_SCHEMA: &str = "urn:ore:schema:heartbeat:1";
/// The heartbeat message's `subject`.
pub const HEARTBEAT_SUBJECT: &str = "heartbeat";

const ID_NAMESPACE: Uuid = Uuid::from_u128(0x5d0c_94a2_7e1b_4f6a_8c3d_2b1e_0f9a_7c64);

/// The heartbeat as EventBridge delivers it.
#[derive(Debug, Clone, Deserialize)]
struct HeartbeatWire {
    id: String,
    account: String,
    time: DateTime<Utc>,
    region: String,
    #[serde(default)]
    detail: HeartbeatDetail,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct HeartbeatDetail {
    /// Who sent it: `schedule` or `verify-deployment`. Informational.
    #[serde(default)]
    origin: Option<String>,
}

/// A checked heartbeat event.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatEvent {
    /// EventBridge's event id: names the heartbeat at every stage.
    pub event_id: String,
    /// The account it was put in.
    pub account: String,
    /// The region it was put in.
    pub region: String,
    /// When it was put on the bus: the start of the end-to-end delay.
    pub time: DateTime<Utc>,
    /// Who sent it: `schedule` or `verify-deployment` (sanitised).
    pub origin: String,
}

impl HeartbeatEvent {
    /// Whether an EventBridge payload claims to be a heartbeat.
    pub fn matches(payload: &Value) -> bool {
        payload.get("source").and_then(Value::as_str) == Some(HEARTBEAT_SOURCE)
            && payload.get("detail-type").and_then(Value::as_str) == Some(HEARTBEAT_DETAIL_TYPE)
    }
}

impl Payload for HeartbeatEvent {
    fn from_payload(payload: Value) -> Result<Self, InputError> {
        let wire: HeartbeatWire = serde_json::from_value(payload).map_err(InputError::Shape)?;
        let ok_account =
            wire.account.len() == 12 && wire.account.bytes().all(|b| b.is_ascii_digit());
        if wire.id.is_empty() || wire.id.len() > 128 {
            return Err(invalid("id", "must be 1 to 128 characters"));
        }
        if !ok_account {
            return Err(invalid("account", "must be a 12-digit AWS account id"));
        }
        if !is_region(&wire.region) {
            return Err(invalid("region", "must look like an AWS region"));
        }
        let origin: String = wire
            .detail
            .origin
            .unwrap_or_else(|| "unknown".into())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(64)
            .collect();
        Ok(HeartbeatEvent {
            event_id: wire.id,
            account: wire.account,
            region: wire.region,
            time: wire.time,
            origin,
        })
    }
}

fn invalid(field: &'static str, reason: &str) -> InputError {
    InputError::InvalidField {
        field,
        reason: reason.into(),
    }
}

/// The heartbeat as a message of its own type (a CloudEvent, schema `schemas/heartbeat.v1.json`):
/// `time` is when it was put on the bus, the start of the end-to-end delay.
pub type HeartbeatMessage = CloudEvent<HeartbeatData>;

/// What a heartbeat message carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatData {
    /// The account it was put in.
    pub account: String,
    /// The region it was put in.
    pub region: String,
    /// The EventBridge event id: `scripts/verify-deployment.sh` follows its heartbeat by it.
    pub source_event_id: String,
    /// Who sent it: `schedule` or `verify-deployment` (sanitised).
    pub origin: String,
    /// When the normalizer passed it on.
    pub processed_at: DateTime<Utc>,
}

impl HeartbeatMessage {
    /// The message the normalizer publishes for `event`.
    pub fn new(event: &HeartbeatEvent, processed_at: DateTime<Utc>) -> Self {
        HeartbeatMessage {
            specversion: SPEC_VERSION.to_owned(),
            id: Uuid::new_v5(&ID_NAMESPACE, event.event_id.as_bytes()).to_string(),
            source: format!("urn:ore:aws:{}:{}", event.account, event.region),
            event_type: HEARTBEAT_TYPE.to_owned(),
            subject: HEARTBEAT_SUBJECT.to_owned(),
            time: event.time,
            datacontenttype: DATA_CONTENT_TYPE.to_owned(),
            dataschema: HEARTBEAT_SCHEMA.to_owned(),
            data: HeartbeatData {
                account: event.account.clone(),
                region: event.region.clone(),
                source_event_id: event.event_id.clone(),
                origin: event.origin.clone(),
                processed_at,
            },
        }
    }

    /// SNS attributes: `type` only, so filter policies on `state` never match a heartbeat.
    pub fn routing_attributes(&self) -> [(&'static str, &str); 1] {
        [("type", HEARTBEAT_TYPE)]
    }

    /// Milliseconds from the heartbeat's time to `now`: the end-to-end delay at a stage.
    pub fn delay_ms(&self, now: DateTime<Utc>) -> i64 {
        (now - self.time).num_milliseconds()
    }

    fn check(&self) -> Result<(), InputError> {
        if self.data.source_event_id.is_empty() || self.data.source_event_id.len() > 128 {
            return Err(invalid(
                "data.source_event_id",
                "must be 1 to 128 characters",
            ));
        }
        if self.data.origin.len() > 64 || self.id.len() > 128 {
            return Err(invalid("data.origin", "too long"));
        }
        Ok(())
    }
}

/// A heartbeat message as the consumers read it: the CloudEvent, then its checks.
impl Payload for HeartbeatMessage {
    fn from_payload(payload: Value) -> Result<Self, InputError> {
        let message: HeartbeatMessage =
            serde_json::from_value(payload).map_err(InputError::Shape)?;
        message.check()?;
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn heartbeat() -> Value {
        json!({
            "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": HEARTBEAT_DETAIL_TYPE, "source": HEARTBEAT_SOURCE,
            "account": "123456789012", "time": "2026-11-26T09:00:00Z", "region": "eu-west-1",
            "resources": [], "detail": {"origin": "schedule"}
        })
    }

    #[test]
    fn a_heartbeat_round_trips_to_a_message_the_consumers_recognise() {
        let body = heartbeat().to_string();
        let crate::adapters::RawEvent::Heartbeat(event) =
            crate::from_sqs_body::<crate::adapters::RawEvent>(&body).unwrap()
        else {
            panic!("not a heartbeat");
        };
        assert_eq!(event.origin, "schedule");
        let message = HeartbeatMessage::new(&event, Utc::now());
        let parsed = crate::from_sqs_body::<crate::message::OreMessage>(
            &serde_json::to_string(&message).unwrap(),
        )
        .unwrap();
        assert_eq!(
            parsed,
            crate::message::OreMessage::Heartbeat(Box::new(message.clone()))
        );
        assert_eq!(message.data.source_event_id, event.event_id);
        let later = message.time + chrono::Duration::milliseconds(1500);
        assert_eq!(message.delay_ms(later), 1500);
    }

    #[test]
    fn heartbeat_origin_is_sanitised_and_identifiers_checked() {
        let mut event = heartbeat();
        event["detail"]["origin"] = json!("<script>alert(1)</script>");
        let parsed = HeartbeatEvent::from_payload(event).unwrap();
        assert_eq!(parsed.origin, "scriptalert1script");
        let mut event = heartbeat();
        event["account"] = json!("42");
        assert!(HeartbeatEvent::from_payload(event).is_err());
    }

    #[test]
    fn other_events_still_go_to_the_ec2_parser() {
        let mut event = heartbeat();
        event["source"] = json!("aws.autoscaling");
        assert!(matches!(
            crate::from_sqs_body::<crate::adapters::RawEvent>(&event.to_string()),
            Err(InputError::UnexpectedEvent(_))
        ));
    }
}
