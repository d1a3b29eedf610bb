//! "ECS Task State Change" of a task that stopped: why (ECS's `stopCode` and `stoppedReason`) and
//! how each container ended (its exit code and reason). The task is `detail.taskArn`; its tags
//! come from the Tagging API like any resource's. ECS sends an event at every state change of a
//! task; ORE's rule passes the stopped ones, and this adapter names any other.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::resource_event::ResourceEvent;
use super::Adapter;
use crate::arn::ResourceArn;
use crate::notice::{AdaptedNotice, Notice, StoppedContainer, TaskStopped, MAX_CAUSE_CHARS};
use crate::text::clean_text;
use crate::InputError;

/// The EventBridge `source` of Amazon ECS's events.
pub const ECS_SOURCE: &str = "aws.ecs";
/// A task definition holds at most 10 containers (ECS's quota); more are cut.
pub const MAX_CONTAINERS: usize = 10;

/// Reads ECS's task state changes.
pub struct TaskStateChangeAdapter;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail {
    task_arn: String,
    cluster_arn: String,
    last_status: String,
    #[serde(default)]
    stop_code: Option<String>,
    #[serde(default)]
    stopped_reason: Option<String>,
    #[serde(default)]
    stopped_at: Option<DateTime<Utc>>,
    #[serde(default)]
    task_definition_arn: Option<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    launch_type: Option<String>,
    #[serde(default)]
    containers: Vec<Container>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    name: String,
    #[serde(default)]
    exit_code: Option<i64>,
    #[serde(default)]
    reason: Option<String>,
}

/// One line of ECS's text, at most `max` characters; `None` when nothing is left.
fn text(value: Option<&str>, max: usize) -> Option<String> {
    value.map(|v| clean_text(v, max)).filter(|v| !v.is_empty())
}

impl Adapter for TaskStateChangeAdapter {
    const SOURCE: &'static str = ECS_SOURCE;
    const DETAIL_TYPE: &'static str = "ECS Task State Change";
    type Output = Vec<AdaptedNotice>;

    fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
        let event = ResourceEvent::<Detail>::parse(payload)?;
        let detail = &event.detail;
        if detail.last_status != "STOPPED" {
            return Err(InputError::InvalidField {
                field: "detail.lastStatus",
                reason: format!(
                    "ORE reads stopped tasks only (got {:?}): the rule should pass STOPPED alone",
                    clean_text(&detail.last_status, 32)
                ),
            });
        }
        let task = ResourceArn::parse(&detail.task_arn)
            .filter(|arn| arn.resource_type() == "ecs:task" && arn.id.len() <= 255)
            .ok_or_else(|| InputError::InvalidField {
                field: "detail.taskArn",
                reason: format!(
                    "must be an ECS task ARN (got {:?})",
                    clean_text(&detail.task_arn, 64)
                ),
            })?;
        let cluster = ResourceArn::parse(&detail.cluster_arn)
            .filter(|arn| arn.resource_type() == "ecs:cluster" && arn.id.len() <= 255)
            .ok_or_else(|| InputError::InvalidField {
                field: "detail.clusterArn",
                reason: "must be an ECS cluster ARN".into(),
            })?;
        // `task-definition/family:revision`: the family and revision are what people know it by.
        let task_definition = detail
            .task_definition_arn
            .as_deref()
            .and_then(ResourceArn::parse)
            .filter(|arn| arn.resource_type() == "ecs:task-definition")
            .map(|arn| clean_text(arn.id, 255));
        let containers = detail
            .containers
            .iter()
            .take(MAX_CONTAINERS)
            .map(|c| StoppedContainer {
                name: clean_text(&c.name, 255),
                exit_code: c.exit_code,
                reason: text(c.reason.as_deref(), MAX_CAUSE_CHARS),
            })
            .filter(|c| !c.name.is_empty())
            .collect();
        let stopped = TaskStopped {
            cluster: clean_text(cluster.id, 255),
            stop_code: text(detail.stop_code.as_deref(), 64),
            stopped_reason: text(detail.stopped_reason.as_deref(), MAX_CAUSE_CHARS),
            stopped_at: detail.stopped_at,
            task_definition,
            group: text(detail.group.as_deref(), 255),
            launch_type: text(detail.launch_type.as_deref(), 32),
            containers,
        };
        // A task stops once: every STOPPED event of it (ECS may send a change twice, with new event
        // ids, and a stopped task's details may come in more than one version) is one message.
        let communication = Some(format!("{}#STOPPED", task.arn));
        let target = event.target(&task);
        Ok(vec![AdaptedNotice {
            target,
            notice: Notice::TaskStopped(stopped),
            communication,
        }])
    }
}
