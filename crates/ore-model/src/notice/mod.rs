//! What AWS tells of a resource besides its state: AWS Health's scheduled changes to EC2
//! instances (retirement, reboot and network/power maintenance, scheduled stop or termination),
//! every other AWS Health event (any service, any category, any affected entity), Spot
//! interruption warnings and rebalance recommendations. Each is a standard message of its own
//! `type` and `dataschema` (`schemas/<name>.v1.json`), sharing the resource part with the
//! state-change message; the adapters in [`crate::adapters`] build the [`AdaptedNotice`]s.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::text::within;
use crate::InputError;

mod message;
mod timeline;
pub use message::{AdaptedNotice, NoticeMessage, ResourceNotice};
pub use timeline::{timeline_key, Timeline, RDS_STATES};

/// EBS's cause of a failed volume change is kept to this many characters.
pub const MAX_CAUSE_CHARS: usize = 1000;
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
    /// Any other AWS Health event about a resource, or about the account.
    HealthEvent,
    /// EBS created, deleted, attached or detached a volume, or could not.
    VolumeChange,
    /// Amazon RDS told of a database: stopped, started, failed over, low on storage, patched.
    DatabaseEvent,
    /// An Amazon ECS task stopped: why, and how each container ended.
    TaskStopped,
    /// AWS Config recorded a resource created, changed or deleted.
    ConfigurationChange,
    /// Amazon EC2 Auto Scaling launched or terminated an instance, or could not.
    ScalingActivity,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: [NoticeKind; 9] = [
        NoticeKind::ScheduledChange,
        NoticeKind::SpotInterruption,
        NoticeKind::RebalanceRecommendation,
        NoticeKind::HealthEvent,
        NoticeKind::VolumeChange,
        NoticeKind::DatabaseEvent,
        NoticeKind::TaskStopped,
        NoticeKind::ConfigurationChange,
        NoticeKind::ScalingActivity,
    ];

    /// The message `type`: stable across schema versions, subscribers route on it.
    pub fn event_type(self) -> &'static str {
        match self {
            NoticeKind::ScheduledChange => "org.ore.resource.change-scheduled",
            NoticeKind::SpotInterruption => "org.ore.resource.spot-interruption-warned",
            NoticeKind::RebalanceRecommendation => "org.ore.resource.rebalance-recommended",
            NoticeKind::HealthEvent => "org.ore.resource.health-event",
            NoticeKind::VolumeChange => "org.ore.resource.volume-changed",
            NoticeKind::DatabaseEvent => "org.ore.resource.database-event",
            NoticeKind::TaskStopped => "org.ore.resource.task-stopped",
            NoticeKind::ConfigurationChange => "org.ore.resource.configuration-changed",
            NoticeKind::ScalingActivity => "org.ore.resource.scaling-activity",
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
            NoticeKind::HealthEvent => "urn:ore:schema:resource-health-event:1",
            NoticeKind::VolumeChange => "urn:ore:schema:resource-volume-changed:1",
            NoticeKind::DatabaseEvent => "urn:ore:schema:resource-database-event:1",
            NoticeKind::TaskStopped => "urn:ore:schema:resource-task-stopped:1",
            NoticeKind::ConfigurationChange => "urn:ore:schema:resource-configuration-changed:1",
            NoticeKind::ScalingActivity => "urn:ore:schema:resource-scaling-activity:1",
        }
    }

    /// A short name for logs, metrics and the CSV `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ScheduledChange => "scheduled-change",
            NoticeKind::SpotInterruption => "spot-interruption",
            NoticeKind::RebalanceRecommendation => "rebalance-recommendation",
            NoticeKind::HealthEvent => "health-event",
            NoticeKind::VolumeChange => "volume-change",
            NoticeKind::DatabaseEvent => "database-event",
            NoticeKind::TaskStopped => "task-stopped",
            NoticeKind::ConfigurationChange => "configuration-change",
            NoticeKind::ScalingActivity => "scaling-activity",
        }
    }

    /// Whether the kind's messages carry `data.timing`: the kinds that tell what became of a
    /// resource ([`Notice::timeline`]).
    pub fn is_timed(self) -> bool {
        matches!(
            self,
            NoticeKind::VolumeChange
                | NoticeKind::DatabaseEvent
                | NoticeKind::TaskStopped
                | NoticeKind::ConfigurationChange
                | NoticeKind::ScalingActivity
        )
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
    /// The status an earlier communication of the same Health event about this instance told,
    /// when ORE published one: this notice is its update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<HealthStatus>,
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

/// AWS Health's category of an event, in AWS's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HealthCategory {
    /// Something is wrong with a service (or a resource).
    Issue,
    /// Something to know or do about the account (a deprecation, a certificate to renew).
    AccountNotification,
    /// A planned change.
    ScheduledChange,
    /// AWS is looking into something (documented, not yet sent).
    Investigation,
}

impl HealthCategory {
    /// The wire name, as AWS Health writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthCategory::Issue => "issue",
            HealthCategory::AccountNotification => "accountNotification",
            HealthCategory::ScheduledChange => "scheduledChange",
            HealthCategory::Investigation => "investigation",
        }
    }
}

/// An AWS Health event about one resource (or the account), whatever its service and category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthEvent {
    /// The Health event's ARN.
    pub event_arn: String,
    /// The service AWS names, e.g. `RDS`, `LAMBDA`, `ELASTICLOADBALANCING`.
    pub service: String,
    /// AWS's event type code, e.g. `AWS_RDS_MAINTENANCE_SCHEDULED`.
    pub event_type_code: String,
    /// The event's category.
    pub category: HealthCategory,
    /// The event's status.
    pub status: HealthStatus,
    /// When it starts (or started), if AWS says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    /// When it ends (or ended), if AWS says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    /// AWS's description (untrusted text: escaped in mail, guarded in CSV).
    pub description: String,
    /// The status an earlier communication of the same Health event about this resource told,
    /// when ORE published one: this notice is its update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<HealthStatus>,
}

/// What EBS did to a volume, or could not do, in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeChange {
    /// `createVolume`, `deleteVolume`, `attachVolume`, `detachVolume`.
    pub event: String,
    /// `available`, `deleted`, `attached`, `detached`, or `failed`.
    pub result: String,
    /// Why it failed, as EBS says (untrusted text: escaped in mail, guarded in CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// EBS's request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl VolumeChange {
    /// Whether EBS could not do it.
    pub fn failed(&self) -> bool {
        self.result == "failed"
    }
}

/// What Amazon RDS told of a database, in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseEvent {
    /// RDS's event id, e.g. `RDS-EVENT-0087` (the DB instance has been stopped).
    pub event_id: String,
    /// RDS's categories, e.g. `notification`, `failover`, `low storage`.
    pub categories: Vec<String>,
    /// RDS's source type, e.g. `DB_INSTANCE`, `CLUSTER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// RDS's message (untrusted text: escaped in mail, guarded in CSV).
    pub message: String,
}

/// Why Amazon ECS stopped a task, in its own words, and how each container ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStopped {
    /// The cluster's name (from `detail.clusterArn`).
    pub cluster: String,
    /// ECS's stop code: `TaskFailedToStart`, `EssentialContainerExited`, `UserInitiated`,
    /// `ServiceSchedulerInitiated`, `SpotInterruption`, `TerminationNotice`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_code: Option<String>,
    /// ECS's reason (untrusted text: escaped in mail, guarded in CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_reason: Option<String>,
    /// When the task stopped, when ECS says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<DateTime<Utc>>,
    /// `family:revision` of the task definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// The task's group: `service:web`, `family:batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `EC2`, `FARGATE`, `EXTERNAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    /// Each container's end, at most ten (a task definition's quota).
    pub containers: Vec<StoppedContainer>,
}

/// How one container of a stopped task ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppedContainer {
    /// The container's name in the task definition.
    pub name: String,
    /// Its exit code, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// ECS's reason it stopped (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl TaskStopped {
    /// Stopped by a person or by ECS's service scheduler (a deployment, a scale-in): routine,
    /// not trouble (ECS's stop codes `UserInitiated`, `ServiceSchedulerInitiated`).
    pub fn is_routine(&self) -> bool {
        matches!(
            self.stop_code.as_deref(),
            Some("UserInitiated" | "ServiceSchedulerInitiated")
        )
    }

    /// The first container that failed: a non-zero exit code, or a reason and no exit code.
    pub fn failed_container(&self) -> Option<&StoppedContainer> {
        self.containers
            .iter()
            .find(|c| c.exit_code.is_some_and(|code| code != 0))
            .or_else(|| {
                self.containers
                    .iter()
                    .find(|c| c.exit_code.is_none() && c.reason.is_some())
            })
    }
}

/// What Amazon EC2 Auto Scaling did to an instance of a group, or could not, in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalingActivity {
    /// `launch` or `terminate`.
    pub action: ScalingAction,
    /// `successful` or `unsuccessful`.
    pub result: ScalingResult,
    /// The instance, when Auto Scaling names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Auto Scaling's activity id (its scaling activities list it).
    pub activity_id: String,
    /// Auto Scaling's status code, e.g. `InProgress`, `Failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// Why it failed, in Auto Scaling's words (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Why Auto Scaling did it, in its words (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Auto Scaling's description, e.g. `Launching a new EC2 instance: i-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where: the Availability Zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Where: the subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// `EC2`, `AutoScalingGroup`, `WarmPool`: where the instance came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Likewise, where it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// When the activity started, when Auto Scaling says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    /// When it ended, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
}

/// What Auto Scaling did to the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingAction {
    /// It launched one.
    Launch,
    /// It terminated one.
    Terminate,
}

impl ScalingAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalingAction::Launch => "launch",
            ScalingAction::Terminate => "terminate",
        }
    }
}

/// Whether it could.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingResult {
    /// It did.
    Successful,
    /// It could not.
    Unsuccessful,
}

impl ScalingResult {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalingResult::Successful => "successful",
            ScalingResult::Unsuccessful => "unsuccessful",
        }
    }
}

/// What AWS Config recorded of a resource: its configuration item's change, in Config's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigurationChange {
    /// Config's resource type, e.g. `AWS::EC2::SecurityGroup`.
    pub config_resource_type: String,
    /// `CREATE`, `UPDATE` or `DELETE`, when Config says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_type: Option<String>,
    /// The item's status: `OK`, `ResourceDiscovered`, `ResourceNotRecorded`, `ResourceDeleted`,
    /// `ResourceDeletedNotRecorded`.
    pub status: String,
    /// When Config captured the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_time: Option<DateTime<Utc>>,
    /// What changed, at most 32 properties (an oversized item's summary names none).
    pub changed_properties: Vec<ChangedProperty>,
    /// How many more properties changed than are listed, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted_properties: Option<u32>,
    /// Where Config put an oversized item whole (`bucket/key`), when it was too large to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversized_location: Option<String>,
}

/// One property of a configuration item that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedProperty {
    /// Config's name for it, e.g. `Configuration.State`, `Relationships.0`.
    pub name: String,
    /// `CREATE`, `UPDATE` or `DELETE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_type: Option<String>,
    /// Its value before, as text (JSON for a structure), cut at 256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_value: Option<String>,
    /// Its value after, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_value: Option<String>,
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
    /// `data.health_event`.
    HealthEvent(HealthEvent),
    /// `data.volume_change`.
    VolumeChange(VolumeChange),
    /// `data.database_event`.
    DatabaseEvent(DatabaseEvent),
    /// `data.task_stopped`.
    TaskStopped(TaskStopped),
    /// `data.configuration_change`.
    ConfigurationChange(ConfigurationChange),
    /// `data.scaling_activity`.
    ScalingActivity(ScalingActivity),
}

impl Notice {
    /// Which kind of notice this is.
    pub fn kind(&self) -> NoticeKind {
        match self {
            Notice::ScheduledChange(_) => NoticeKind::ScheduledChange,
            Notice::SpotInterruption(_) => NoticeKind::SpotInterruption,
            Notice::RebalanceRecommendation(_) => NoticeKind::RebalanceRecommendation,
            Notice::HealthEvent(_) => NoticeKind::HealthEvent,
            Notice::VolumeChange(_) => NoticeKind::VolumeChange,
            Notice::DatabaseEvent(_) => NoticeKind::DatabaseEvent,
            Notice::TaskStopped(_) => NoticeKind::TaskStopped,
            Notice::ConfigurationChange(_) => NoticeKind::ConfigurationChange,
            Notice::ScalingActivity(_) => NoticeKind::ScalingActivity,
        }
    }

    /// When the notice says something will happen to the resource: the window's start, the
    /// Spot action's time; nothing for a recommendation or a Health event that is not a
    /// planned change.
    pub fn due(&self) -> Option<DateTime<Utc>> {
        match self {
            Notice::ScheduledChange(change) => Some(change.start_time),
            Notice::SpotInterruption(warning) => Some(warning.action_time),
            Notice::RebalanceRecommendation(_) => None,
            Notice::HealthEvent(event) => event
                .start_time
                .filter(|_| event.category == HealthCategory::ScheduledChange),
            Notice::VolumeChange(_)
            | Notice::DatabaseEvent(_)
            | Notice::TaskStopped(_)
            | Notice::ConfigurationChange(_)
            | Notice::ScalingActivity(_) => None,
        }
    }

    /// The AWS Health event this notice is a communication of, and the status it tells.
    pub fn health_event(&self) -> Option<(&str, HealthStatus)> {
        match self {
            Notice::ScheduledChange(change) => Some((&change.event_arn, change.status)),
            Notice::HealthEvent(event) => Some((&event.event_arn, event.status)),
            Notice::SpotInterruption(_)
            | Notice::RebalanceRecommendation(_)
            | Notice::VolumeChange(_)
            | Notice::DatabaseEvent(_)
            | Notice::TaskStopped(_)
            | Notice::ConfigurationChange(_)
            | Notice::ScalingActivity(_) => None,
        }
    }

    /// The status of the earlier communication this notice updates, if it does.
    pub fn previous_status(&self) -> Option<HealthStatus> {
        match self {
            Notice::ScheduledChange(change) => change.previous_status,
            Notice::HealthEvent(event) => event.previous_status,
            _ => None,
        }
    }

    /// This notice updates an earlier communication of its Health event, which told `status`.
    pub fn updates(&mut self, status: HealthStatus) {
        match self {
            Notice::ScheduledChange(change) => change.previous_status = Some(status),
            Notice::HealthEvent(event) => event.previous_status = Some(status),
            Notice::SpotInterruption(_)
            | Notice::RebalanceRecommendation(_)
            | Notice::VolumeChange(_)
            | Notice::DatabaseEvent(_)
            | Notice::TaskStopped(_)
            | Notice::ConfigurationChange(_)
            | Notice::ScalingActivity(_) => {}
        }
    }

    /// The kind's own bounds on what AWS wrote (the resource's are `Resource::check_bounds`).
    pub(crate) fn check_bounds(&self) -> Result<(), InputError> {
        match self {
            Notice::ScheduledChange(change) => {
                check_health_words(
                    [
                        "data.scheduled_change.event_arn",
                        "data.scheduled_change.event_type_code",
                        "data.scheduled_change.description",
                    ],
                    &change.event_arn,
                    &change.event_type_code,
                    &change.description,
                )?;
                check_window(
                    "data.scheduled_change.end_time",
                    Some(change.start_time),
                    change.end_time,
                )
            }
            Notice::HealthEvent(event) => {
                check_health_words(
                    [
                        "data.health_event.event_arn",
                        "data.health_event.event_type_code",
                        "data.health_event.description",
                    ],
                    &event.event_arn,
                    &event.event_type_code,
                    &event.description,
                )?;
                within("data.health_event.service", &event.service, 64)?;
                check_window(
                    "data.health_event.end_time",
                    event.start_time,
                    event.end_time,
                )
            }
            Notice::VolumeChange(change) => {
                within("data.volume_change.event", &change.event, 64)?;
                within("data.volume_change.result", &change.result, 64)?;
                if let Some(cause) = &change.cause {
                    within("data.volume_change.cause", cause, MAX_CAUSE_CHARS + 1)?;
                }
                if let Some(id) = &change.request_id {
                    within("data.volume_change.request_id", id, 128)?;
                }
                Ok(())
            }
            Notice::DatabaseEvent(event) => {
                within("data.database_event.event_id", &event.event_id, 32)?;
                within(
                    "data.database_event.message",
                    &event.message,
                    MAX_DESCRIPTION_CHARS + 1,
                )?;
                if event.categories.len() > 16 {
                    return Err(InputError::InvalidField {
                        field: "data.database_event.categories",
                        reason: format!("{} categories, at most 16", event.categories.len()),
                    });
                }
                for category in &event.categories {
                    within("data.database_event.categories", category, 64)?;
                }
                if let Some(source_type) = &event.source_type {
                    within("data.database_event.source_type", source_type, 64)?;
                }
                Ok(())
            }
            Notice::TaskStopped(task) => {
                let texts = [
                    ("data.task_stopped.cluster", Some(&task.cluster), 256),
                    ("data.task_stopped.stop_code", task.stop_code.as_ref(), 65),
                    (
                        "data.task_stopped.stopped_reason",
                        task.stopped_reason.as_ref(),
                        MAX_CAUSE_CHARS + 1,
                    ),
                    (
                        "data.task_stopped.task_definition",
                        task.task_definition.as_ref(),
                        256,
                    ),
                    ("data.task_stopped.group", task.group.as_ref(), 256),
                    (
                        "data.task_stopped.launch_type",
                        task.launch_type.as_ref(),
                        33,
                    ),
                ];
                for (field, value, max) in texts {
                    if let Some(value) = value {
                        within(field, value, max)?;
                    }
                }
                if task.containers.len() > crate::adapters::ecs_task::MAX_CONTAINERS {
                    return Err(InputError::InvalidField {
                        field: "data.task_stopped.containers",
                        reason: format!("{} containers, at most 10", task.containers.len()),
                    });
                }
                for container in &task.containers {
                    within("data.task_stopped.containers.name", &container.name, 256)?;
                    if let Some(reason) = &container.reason {
                        within(
                            "data.task_stopped.containers.reason",
                            reason,
                            MAX_CAUSE_CHARS + 1,
                        )?;
                    }
                }
                Ok(())
            }
            Notice::ConfigurationChange(change) => {
                within(
                    "data.configuration_change.config_resource_type",
                    &change.config_resource_type,
                    128,
                )?;
                within("data.configuration_change.status", &change.status, 128)?;
                if let Some(change_type) = &change.change_type {
                    within("data.configuration_change.change_type", change_type, 128)?;
                }
                if let Some(location) = &change.oversized_location {
                    within(
                        "data.configuration_change.oversized_location",
                        location,
                        1025,
                    )?;
                }
                let max = crate::adapters::config_item::MAX_CHANGED_PROPERTIES;
                if change.changed_properties.len() > max {
                    return Err(InputError::InvalidField {
                        field: "data.configuration_change.changed_properties",
                        reason: format!(
                            "{} properties, at most {max}",
                            change.changed_properties.len()
                        ),
                    });
                }
                let value_max = crate::adapters::config_item::MAX_PROPERTY_VALUE_CHARS + 1;
                for property in &change.changed_properties {
                    within(
                        "data.configuration_change.changed_properties.name",
                        &property.name,
                        256,
                    )?;
                    for value in [&property.previous_value, &property.updated_value]
                        .into_iter()
                        .flatten()
                    {
                        within(
                            "data.configuration_change.changed_properties.value",
                            value,
                            value_max,
                        )?;
                    }
                }
                Ok(())
            }
            Notice::ScalingActivity(activity) => {
                within(
                    "data.scaling_activity.activity_id",
                    &activity.activity_id,
                    64,
                )?;
                let texts = [
                    (
                        "data.scaling_activity.status_message",
                        &activity.status_message,
                    ),
                    ("data.scaling_activity.cause", &activity.cause),
                    ("data.scaling_activity.description", &activity.description),
                ];
                for (field, value) in texts {
                    if let Some(value) = value {
                        within(field, value, MAX_CAUSE_CHARS + 1)?;
                    }
                }
                let words = [
                    ("data.scaling_activity.instance_id", &activity.instance_id),
                    ("data.scaling_activity.status_code", &activity.status_code),
                    (
                        "data.scaling_activity.availability_zone",
                        &activity.availability_zone,
                    ),
                    ("data.scaling_activity.subnet_id", &activity.subnet_id),
                    ("data.scaling_activity.origin", &activity.origin),
                    ("data.scaling_activity.destination", &activity.destination),
                ];
                for (field, value) in words {
                    if let Some(value) = value {
                        within(field, value, 65)?;
                    }
                }
                Ok(())
            }
            Notice::SpotInterruption(_) | Notice::RebalanceRecommendation(_) => Ok(()),
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
            Notice::ScalingActivity(activity) => NoticeFacets {
                code: Some(activity.action.as_str()),
                status: Some(activity.result.as_str()),
                reference: Some(&activity.activity_id),
                description: activity
                    .status_message
                    .as_deref()
                    .or(activity.cause.as_deref()),
                ..NoticeFacets::default()
            },
            Notice::ConfigurationChange(change) => NoticeFacets {
                code: change.change_type.as_deref(),
                status: Some(&change.status),
                reference: Some(&change.config_resource_type),
                ..NoticeFacets::default()
            },
            Notice::TaskStopped(task) => NoticeFacets {
                code: task.stop_code.as_deref(),
                // The adapter reads stopped tasks alone: ECS's `lastStatus`.
                status: Some("STOPPED"),
                reference: task.task_definition.as_deref(),
                description: task.stopped_reason.as_deref(),
                ..NoticeFacets::default()
            },
            Notice::DatabaseEvent(event) => NoticeFacets {
                code: Some(&event.event_id),
                status: event.categories.first().map(String::as_str),
                description: Some(&event.message),
                ..NoticeFacets::default()
            },
            Notice::VolumeChange(change) => NoticeFacets {
                code: Some(&change.event),
                status: Some(&change.result),
                reference: change.request_id.as_deref(),
                description: change.cause.as_deref(),
                ..NoticeFacets::default()
            },
            Notice::HealthEvent(event) => NoticeFacets {
                window_start: event.start_time,
                window_end: event.end_time,
                code: Some(&event.event_type_code),
                status: Some(event.status.as_str()),
                reference: Some(&event.event_arn),
                description: Some(&event.description),
            },
        }
    }
}

/// What every AWS Health notice carries in AWS's words, held to its bounds; `fields` name the
/// three in a refusal.
fn check_health_words(
    fields: [&'static str; 3],
    event_arn: &str,
    event_type_code: &str,
    description: &str,
) -> Result<(), InputError> {
    let [arn_field, code_field, description_field] = fields;
    within(arn_field, event_arn, MAX_EVENT_ARN_CHARS)?;
    within(code_field, event_type_code, 100)?;
    within(description_field, description, MAX_DESCRIPTION_CHARS + 1)
}

/// A window's end, where AWS gives one, is not before its start.
fn check_window(
    end_field: &'static str,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Result<(), InputError> {
    match (start, end) {
        (Some(start), Some(end)) if end < start => Err(InputError::InvalidField {
            field: end_field,
            reason: "before the start".into(),
        }),
        _ => Ok(()),
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
