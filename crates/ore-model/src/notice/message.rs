//! A notice as a message: what an adapter hands the normalizer ([`AdaptedNotice`]) and the
//! CloudEvent it publishes ([`NoticeMessage`]), with the checks every reader of one makes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Notice, NoticeKind};
use crate::cloudevent::{CloudEvent, DATA_CONTENT_TYPE, SPEC_VERSION};
use crate::envelope::Payload;
use crate::resource::{Lookup, Resource, ResourceRef};
use crate::standard::message_id;
use crate::text::within;
use crate::timing::Timing;
use crate::InputError;

/// A timed notice's state is a word or a few (`Notice::timeline`); the schema's bound.
pub const MAX_STATE_CHARS: usize = 128;

/// One resource's notice, as an adapter hands it to the normalizer.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptedNotice {
    /// The resource and the event naming it.
    pub target: ResourceRef,
    /// What will happen.
    pub notice: Notice,
    /// What AWS says identifies this notice across its copies, when it says more than the
    /// EventBridge event id: AWS Health sends backup copies of a communication with new event
    /// ids, so a Health notice is identified by its account, `communicationId` and page. `None`:
    /// the event id identifies it.
    pub communication: Option<String>,
}

impl AdaptedNotice {
    /// The notice message's id, which is also its de-duplication key: the same for every copy
    /// of one communication about one resource.
    pub fn message_id(&self) -> String {
        let source = self
            .communication
            .as_deref()
            .unwrap_or(&self.target.event_id);
        message_id(source, &self.target.key())
    }
}

/// A notice message: a CloudEvent whose `data` is the resource and the notice.
pub type NoticeMessage = CloudEvent<ResourceNotice>;

/// The `data` of a notice message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceNotice {
    /// The resource and what AWS says of it.
    #[serde(flatten)]
    pub resource: Resource,
    /// What will happen to it.
    #[serde(flatten)]
    pub notice: Notice,
    /// Where this notice sits in its timeline (previous state, late, flapping), for a timed kind
    /// ([`Notice::timeline`]). Optional, added in ORE 0.6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing<String>>,
}

impl NoticeMessage {
    /// The message for one resource's notice, with what AWS said of the resource.
    pub fn new(
        notice: &AdaptedNotice,
        lookup: impl Into<Lookup>,
        processed_at: DateTime<Utc>,
    ) -> Self {
        let target = &notice.target;
        let kind = notice.notice.kind();
        let resource = Resource::new(target, lookup, processed_at);
        NoticeMessage {
            specversion: SPEC_VERSION.to_owned(),
            id: notice.message_id(),
            source: resource.event_source(),
            event_type: kind.event_type().to_owned(),
            subject: target.resource_id.clone(),
            time: target.time,
            datacontenttype: DATA_CONTENT_TYPE.to_owned(),
            dataschema: kind.data_schema().to_owned(),
            data: ResourceNotice {
                resource,
                notice: notice.notice.clone(),
                timing: None,
            },
        }
    }

    /// The notice's kind.
    pub fn kind(&self) -> NoticeKind {
        self.data.notice.kind()
    }

    /// SNS attributes: the message `type` (notices carry no `state`, so filter policies on
    /// state changes never match one) and the resource's.
    pub fn routing_attributes(&self) -> [(&'static str, &str); 4] {
        let [resource_type, account, region] = self.data.resource.routing_attributes();
        [
            ("type", self.kind().event_type()),
            resource_type,
            account,
            region,
        ]
    }

    /// A readable name for people: the Name tag, else the resource's id.
    pub fn display_name(&self) -> &str {
        self.data.resource.display_name()
    }

    /// The checks every reader of a notice message makes: the normalizer makes them before it
    /// publishes, so nothing goes out that its consumers would refuse.
    pub fn check(&self) -> Result<(), InputError> {
        for (field, value) in [
            ("id", &self.id),
            ("source", &self.source),
            ("subject", &self.subject),
        ] {
            within(field, value, 256)?;
        }
        self.data.resource.check_bounds()?;
        self.data.notice.check_bounds()?;
        if let Some(timing) = &self.data.timing {
            for (field, state) in [
                ("data.timing.previous_state", &timing.previous_state),
                ("data.timing.current_state", &timing.current_state),
            ] {
                if let Some(state) = state {
                    within(field, state, MAX_STATE_CHARS)?;
                }
            }
        }
        Ok(())
    }
}

/// The CloudEvents attributes are checked first, and the `data` must be the kind its `type`
/// names.
impl Payload for NoticeMessage {
    fn from_payload(payload: Value) -> Result<Self, InputError> {
        let attribute = |name: &str| payload.get(name).and_then(Value::as_str);
        let kind = attribute("type").and_then(NoticeKind::from_event_type);
        let Some(kind) = kind.filter(|kind| {
            attribute("specversion") == Some(SPEC_VERSION)
                && attribute("dataschema") == Some(kind.data_schema())
        }) else {
            return Err(InputError::UnexpectedEvent(format!(
                "specversion {:?}, type {:?}, dataschema {:?}: not an ORE notice this version reads",
                attribute("specversion"),
                attribute("type"),
                attribute("dataschema"),
            )));
        };
        let message: NoticeMessage = serde_json::from_value(payload).map_err(InputError::Shape)?;
        if message.kind() != kind {
            return Err(InputError::InvalidField {
                field: "data",
                reason: format!(
                    "holds a {} for type {}",
                    message.kind().as_str(),
                    kind.event_type()
                ),
            });
        }
        message.check()?;
        Ok(message)
    }
}
