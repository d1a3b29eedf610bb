//! ORE's standard message: one CloudEvents 1.0 JSON document (structured mode) per resource state
//! change, the organisation-wide contract. Its JSON Schema is `schemas/resource-state-changed.v1.json`;
//! additive changes keep the schema's major version, anything else gets a new `dataschema`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::ec2::{Ec2StateChange, InstanceState};
use crate::envelope::Payload;
use crate::resource::{Lookup, Resource, RESOURCE_TYPE_EC2_INSTANCE};
use crate::text::within;
use crate::timing::Timing;
use crate::InputError;

pub use crate::cloudevent::{CloudEvent, DATA_CONTENT_TYPE, SPEC_VERSION};
/// Stable across schema versions: subscribers route on it.
pub const EVENT_TYPE: &str = "org.ore.resource.state-changed";
/// Names the schema's major version; the schema file's `$id` is this URN.
pub const DATA_SCHEMA: &str = "urn:ore:schema:resource-state-changed:1";
/// Namespace for deriving message ids, so a redelivered AWS event keeps its ORE id.
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x0e2c_6d1a_5b7f_4c3e_9a41_7d2f_1b6e_8c05);

/// Bound on the message's own text attributes (`id`, `source`, `subject`).
const MAX_FIELD_CHARS: usize = 256;

/// The standard message (v1): a CloudEvent whose `data` is the state change. Field meanings are
/// documented in the schema and docs/contract.md; `id` is deterministic per (event, resource), so
/// redeliveries keep it and consumers can dedupe.
pub type StandardMessage = CloudEvent<ResourceStateChange>;

/// The `data` of the standard message: the resource, then the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceStateChange {
    /// The resource and what EC2 says of it.
    #[serde(flatten)]
    pub resource: Resource,
    /// The state it is now in.
    pub state: InstanceState,
    /// The change against the resource's recorded history (absent when none was consulted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
}

/// The CloudEvents attributes are checked first so a foreign event is named as such.
impl Payload for StandardMessage {
    fn from_payload(payload: Value) -> Result<Self, InputError> {
        let attribute = |name: &str| payload.get(name).and_then(Value::as_str);
        if attribute("specversion") != Some(SPEC_VERSION)
            || attribute("type") != Some(EVENT_TYPE)
            || attribute("dataschema") != Some(DATA_SCHEMA)
        {
            return Err(InputError::UnexpectedEvent(format!(
                "specversion {:?}, type {:?}, dataschema {:?}; expected {SPEC_VERSION:?}, {EVENT_TYPE:?}, {DATA_SCHEMA:?}",
                attribute("specversion"),
                attribute("type"),
                attribute("dataschema"),
            )));
        }
        let message: StandardMessage =
            serde_json::from_value(payload).map_err(InputError::Shape)?;
        message.check_bounds()?;
        Ok(message)
    }
}

impl StandardMessage {
    /// Build the message for one state change, with what EC2 said of the instance.
    pub fn new(
        change: &Ec2StateChange,
        lookup: impl Into<Lookup>,
        processed_at: DateTime<Utc>,
    ) -> Self {
        let resource = Resource::new(&change.target().into(), lookup, processed_at);
        StandardMessage {
            specversion: SPEC_VERSION.to_owned(),
            id: message_id(&change.event_id, &change.instance_arn),
            source: resource.event_source(),
            event_type: EVENT_TYPE.to_owned(),
            subject: change.instance_id.clone(),
            time: change.time,
            datacontenttype: DATA_CONTENT_TYPE.to_owned(),
            dataschema: DATA_SCHEMA.to_owned(),
            data: ResourceStateChange {
                resource,
                state: change.state,
                timing: None,
            },
        }
    }

    /// The same message with its timing.
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.data.timing = Some(timing);
        self
    }

    /// SNS message attributes every ORE topic carries, so subscribers can filter without
    /// parsing the body.
    pub fn routing_attributes(&self) -> [(&'static str, &str); 4] {
        let [resource_type, account, region] = self.data.resource.routing_attributes();
        [
            ("state", self.data.state.as_str()),
            resource_type,
            account,
            region,
        ]
    }

    /// A readable name for people: the Name tag, else the instance id.
    pub fn display_name(&self) -> &str {
        self.data.resource.display_name()
    }

    fn check_bounds(&self) -> Result<(), InputError> {
        for (field, value) in [
            ("id", &self.id),
            ("source", &self.source),
            ("subject", &self.subject),
        ] {
            within(field, value, MAX_FIELD_CHARS)?;
        }
        // A state change is an EC2 instance's: its states are EC2's.
        if self.data.resource.resource_type != RESOURCE_TYPE_EC2_INSTANCE {
            return Err(InputError::InvalidField {
                field: "data.resource_type",
                reason: format!("a state change is an {RESOURCE_TYPE_EC2_INSTANCE}'s"),
            });
        }
        self.data.resource.check_bounds()
    }
}

/// Deterministic: the same AWS event about the same resource always yields the same id, which
/// with `source` is the CloudEvents de-duplication key.
pub fn message_id(source_event_id: &str, resource_arn: &str) -> String {
    let name = format!("{source_event_id}|{resource_arn}");
    Uuid::new_v5(&ID_NAMESPACE, name.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_stable_and_distinguishes_resources() {
        let a = message_id("ev-1", "arn:aws:ec2:eu-west-1:1:instance/i-1");
        assert_eq!(
            a,
            message_id("ev-1", "arn:aws:ec2:eu-west-1:1:instance/i-1")
        );
        assert_ne!(
            a,
            message_id("ev-1", "arn:aws:ec2:eu-west-1:1:instance/i-2")
        );
        assert_ne!(
            a,
            message_id("ev-2", "arn:aws:ec2:eu-west-1:1:instance/i-1")
        );
        assert_eq!(Uuid::parse_str(&a).unwrap().get_version_num(), 5);
    }
}
