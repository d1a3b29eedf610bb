//! What will happen to an instance, as opposed to what just did: AWS Health's scheduled changes
//! (retirement, reboot and network/power maintenance, scheduled stop or termination), Spot
//! interruption warnings and rebalance recommendations. Each is a standard message of its own
//! `type` and `dataschema` (`schemas/<name>.v1.json`), sharing the resource part with the
//! state-change message; the adapters in [`crate::adapters`] build the [`InstanceNotice`]s.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloudevent::{CloudEvent, DATA_CONTENT_TYPE, SPEC_VERSION};
use crate::ec2::InstanceRef;
use crate::envelope::Payload;
use crate::resource::{Lookup, Resource};
use crate::standard::message_id;
use crate::text::within;
use crate::InputError;

/// AWS's description of a scheduled change is free text from elsewhere; past this it is cut
/// (with an ellipsis) so a message stays well within SNS's and SES's limits.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// An AWS Health event ARN's documented maximum length.
pub const MAX_EVENT_ARN_CHARS: usize = 1600;
/// How long before a Spot interruption EC2 warns.
pub const SPOT_WARNING_LEAD: Duration = Duration::minutes(2);

/// The kinds of notice ORE publishes, each its own message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// AWS Health scheduled a change to the instance.
    ScheduledChange,
    /// EC2 will interrupt the Spot instance in two minutes.
    SpotInterruption,
    /// EC2 recommends moving off the Spot instance before it is interrupted.
    RebalanceRecommendation,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: [NoticeKind; 3] = [
        NoticeKind::ScheduledChange,
        NoticeKind::SpotInterruption,
        NoticeKind::RebalanceRecommendation,
    ];

    /// The message `type`: stable across schema versions, subscribers route on it.
    pub fn event_type(self) -> &'static str {
        match self {
            NoticeKind::ScheduledChange => "org.ore.resource.change-scheduled",
            NoticeKind::SpotInterruption => "org.ore.resource.spot-interruption-warned",
            NoticeKind::RebalanceRecommendation => "org.ore.resource.rebalance-recommended",
        }
    }

    /// The `dataschema`: the URN (`$id`) of the schema's major version.
    pub fn data_schema(self) -> &'static str {
        match self {
            NoticeKind::ScheduledChange => "urn:ore:schema:resource-change-scheduled:1",
            NoticeKind::SpotInterruption => "urn:ore:schema:resource-spot-interruption-warned:1",
            NoticeKind::RebalanceRecommendation => {
                "urn:ore:schema:resource-rebalance-recommended:1"
            }
        }
    }

    /// A short name for logs, metrics and the CSV `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ScheduledChange => "scheduled-change",
            NoticeKind::SpotInterruption => "spot-interruption",
            NoticeKind::RebalanceRecommendation => "rebalance-recommendation",
        }
    }

    /// The kind whose message `type` this is.
    pub fn from_event_type(event_type: &str) -> Option<NoticeKind> {
        NoticeKind::ALL
            .into_iter()
            .find(|kind| kind.event_type() == event_type)
    }
}

/// What AWS Health says of a scheduled change's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Announced, not started.
    Upcoming,
    /// Under way.
    Open,
    /// Done (or cancelled).
    Closed,
}

impl HealthStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Upcoming => "upcoming",
            HealthStatus::Open => "open",
            HealthStatus::Closed => "closed",
        }
    }
}

/// An AWS Health scheduled change to one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledChange {
    /// The Health event's ARN (one event can affect many instances).
    pub event_arn: String,
    /// AWS's event type code, e.g. `AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED`.
    pub event_type_code: String,
    /// The Health event's status.
    pub status: HealthStatus,
    /// When the change window opens.
    pub start_time: DateTime<Utc>,
    /// When it closes, if AWS says.
    pub end_time: Option<DateTime<Utc>>,
    /// AWS's description (untrusted text: escaped in mail, guarded in CSV).
    pub description: String,
}

impl ScheduledChange {
    /// A readable name of the change, from its event type code.
    pub fn summary(&self) -> &'static str {
        let code = self.event_type_code.as_str();
        if code.contains("RETIREMENT") {
            "retirement"
        } else if code.contains("REBOOT") {
            "reboot for maintenance"
        } else if code.contains("STOP") {
            "scheduled stop"
        } else if code.contains("TERMINATION") {
            "scheduled termination"
        } else if code.contains("MAINTENANCE") {
            "maintenance"
        } else {
            "scheduled change"
        }
    }
}

/// What EC2 will do to the Spot instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpotAction {
    /// The instance will be terminated.
    Terminate,
    /// The instance will be stopped.
    Stop,
    /// The instance will be hibernated.
    Hibernate,
}

impl SpotAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SpotAction::Terminate => "terminate",
            SpotAction::Stop => "stop",
            SpotAction::Hibernate => "hibernate",
        }
    }
}

/// A Spot interruption warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotInterruption {
    /// What EC2 will do.
    pub action: SpotAction,
    /// When: two minutes after the warning.
    pub action_time: DateTime<Utc>,
}

/// A rebalance recommendation: the instance is at elevated risk of interruption. It carries no
/// facts beyond the resource and the message `time` (when EC2 recommended it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebalanceRecommendation {}

/// The kind-specific part of a notice's `data`: one key named after the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// `data.scheduled_change`.
    ScheduledChange(ScheduledChange),
    /// `data.spot_interruption`.
    SpotInterruption(SpotInterruption),
    /// `data.rebalance_recommendation`.
    RebalanceRecommendation(RebalanceRecommendation),
}

impl Notice {
    /// Which kind of notice this is.
    pub fn kind(&self) -> NoticeKind {
        match self {
            Notice::ScheduledChange(_) => NoticeKind::ScheduledChange,
            Notice::SpotInterruption(_) => NoticeKind::SpotInterruption,
            Notice::RebalanceRecommendation(_) => NoticeKind::RebalanceRecommendation,
        }
    }

    /// When the notice says something happens to the instance: the window's start, the Spot
    /// action's time, nothing for a recommendation.
    pub fn due(&self) -> Option<DateTime<Utc>> {
        match self {
            Notice::ScheduledChange(change) => Some(change.start_time),
            Notice::SpotInterruption(warning) => Some(warning.action_time),
            Notice::RebalanceRecommendation(_) => None,
        }
    }

    /// The facts every kind shares, as far as it has them: what consumers that do not know the
    /// kind (the CSV's notice columns) show of it. A new kind says here which of its fields are
    /// its window, code, status, reference and description.
    pub fn facets(&self) -> NoticeFacets<'_> {
        match self {
            Notice::ScheduledChange(change) => NoticeFacets {
                window_start: Some(change.start_time),
                window_end: change.end_time,
                code: Some(&change.event_type_code),
                status: Some(change.status.as_str()),
                reference: Some(&change.event_arn),
                description: Some(&change.description),
            },
            Notice::SpotInterruption(warning) => NoticeFacets {
                window_start: Some(warning.action_time),
                code: Some(warning.action.as_str()),
                ..NoticeFacets::default()
            },
            Notice::RebalanceRecommendation(_) => NoticeFacets::default(),
        }
    }
}

/// What any notice can say, whatever its kind ([`Notice::facets`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoticeFacets<'a> {
    /// When it happens (or starts to).
    pub window_start: Option<DateTime<Utc>>,
    /// When it stops happening, if AWS says.
    pub window_end: Option<DateTime<Utc>>,
    /// AWS's code for it: a Health event type code, a Spot action.
    pub code: Option<&'a str>,
    /// Its progress, in AWS's words.
    pub status: Option<&'a str>,
    /// AWS's identifier of the event behind it (a Health event ARN).
    pub reference: Option<&'a str>,
    /// AWS's own words about it (untrusted text).
    pub description: Option<&'a str>,
}

/// One instance's notice, as an adapter hands it to the normalizer.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceNotice {
    /// The instance and the event naming it.
    pub target: InstanceRef,
    /// What will happen.
    pub notice: Notice,
    /// What AWS says identifies this notice across its copies, when it says more than the
    /// EventBridge event id: AWS Health sends backup copies of a communication with new event
    /// ids, so a Health notice is identified by its account, `communicationId` and page. `None`:
    /// the event id identifies it.
    pub communication: Option<String>,
}

impl InstanceNotice {
    /// The notice message's id, which is also its de-duplication key: the same for every copy
    /// of one communication about one instance.
    pub fn message_id(&self) -> String {
        let source = self
            .communication
            .as_deref()
            .unwrap_or(&self.target.event_id);
        message_id(source, &self.target.instance_arn)
    }
}

/// A notice message: a CloudEvent whose `data` is the resource and the notice.
pub type NoticeMessage = CloudEvent<ResourceNotice>;

/// The `data` of a notice message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceNotice {
    /// The resource and what EC2 says of it.
    #[serde(flatten)]
    pub resource: Resource,
    /// What will happen to it.
    #[serde(flatten)]
    pub notice: Notice,
}

impl NoticeMessage {
    /// The message for one instance's notice, with what EC2 said of the instance.
    pub fn new(
        notice: &InstanceNotice,
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
            subject: target.instance_id.clone(),
            time: target.time,
            datacontenttype: DATA_CONTENT_TYPE.to_owned(),
            dataschema: kind.data_schema().to_owned(),
            data: ResourceNotice {
                resource,
                notice: notice.notice.clone(),
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

    /// A readable name for people: the Name tag, else the instance id.
    pub fn display_name(&self) -> &str {
        self.data.resource.display_name()
    }

    fn check(&self) -> Result<(), InputError> {
        for (field, value) in [
            ("id", &self.id),
            ("source", &self.source),
            ("subject", &self.subject),
        ] {
            within(field, value, 256)?;
        }
        self.data.resource.check_bounds()?;
        if let Notice::ScheduledChange(change) = &self.data.notice {
            within(
                "data.scheduled_change.event_arn",
                &change.event_arn,
                MAX_EVENT_ARN_CHARS,
            )?;
            within(
                "data.scheduled_change.event_type_code",
                &change.event_type_code,
                100,
            )?;
            within(
                "data.scheduled_change.description",
                &change.description,
                MAX_DESCRIPTION_CHARS + 1,
            )?;
            if change.end_time.is_some_and(|end| end < change.start_time) {
                return Err(InputError::InvalidField {
                    field: "data.scheduled_change.end_time",
                    reason: "before start_time".into(),
                });
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
