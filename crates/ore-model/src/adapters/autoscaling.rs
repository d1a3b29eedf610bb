//! Amazon EC2 Auto Scaling's instance launches and terminations, successful or not ("EC2 Instance
//! Launch Successful", "... Unsuccessful", "EC2 Instance Terminate Successful", "...
//! Unsuccessful"): the group (the event's `resources` ARN of an Auto Scaling group, named by its
//! group name), the instance when Auto Scaling names one, and Auto Scaling's own words (cause,
//! status message). The group's tags come from Auto Scaling's `DescribeTags`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::resource_event::ResourceEvent;
use super::Adapter;
use crate::arn::ResourceArn;
use crate::ec2::is_instance_id;
use crate::notice::{
    AdaptedNotice, Notice, ScalingAction, ScalingActivity, ScalingResult, MAX_CAUSE_CHARS,
};
use crate::text::clean_text;
use crate::InputError;

/// The EventBridge `source` of Amazon EC2 Auto Scaling's events.
pub const AUTOSCALING_SOURCE: &str = "aws.autoscaling";

/// Reads "EC2 Instance Launch Successful".
pub struct LaunchSuccessfulAdapter;
/// Reads "EC2 Instance Launch Unsuccessful".
pub struct LaunchUnsuccessfulAdapter;
/// Reads "EC2 Instance Terminate Successful".
pub struct TerminateSuccessfulAdapter;
/// Reads "EC2 Instance Terminate Unsuccessful".
pub struct TerminateUnsuccessfulAdapter;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Detail {
    auto_scaling_group_name: String,
    activity_id: String,
    #[serde(default)]
    status_code: Option<String>,
    #[serde(default)]
    status_message: Option<String>,
    #[serde(default)]
    cause: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "EC2InstanceId")]
    ec2_instance_id: Option<String>,
    #[serde(default)]
    details: BTreeMap<String, Value>,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
    #[serde(default)]
    origin: Option<String>,
    #[serde(default)]
    destination: Option<String>,
}

macro_rules! scaling_adapter {
    ($adapter:ident, $detail_type:literal, $action:expr, $result:expr) => {
        impl Adapter for $adapter {
            const SOURCE: &'static str = AUTOSCALING_SOURCE;
            const DETAIL_TYPE: &'static str = $detail_type;
            type Output = Vec<AdaptedNotice>;

            fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
                adapt(payload, $action, $result)
            }
        }
    };
}

scaling_adapter!(
    LaunchSuccessfulAdapter,
    "EC2 Instance Launch Successful",
    ScalingAction::Launch,
    ScalingResult::Successful
);
scaling_adapter!(
    LaunchUnsuccessfulAdapter,
    "EC2 Instance Launch Unsuccessful",
    ScalingAction::Launch,
    ScalingResult::Unsuccessful
);
scaling_adapter!(
    TerminateSuccessfulAdapter,
    "EC2 Instance Terminate Successful",
    ScalingAction::Terminate,
    ScalingResult::Successful
);
scaling_adapter!(
    TerminateUnsuccessfulAdapter,
    "EC2 Instance Terminate Unsuccessful",
    ScalingAction::Terminate,
    ScalingResult::Unsuccessful
);

/// Auto Scaling's text, on its lines, at most `max` characters; `None` when nothing is left.
fn text(value: Option<&str>, max: usize) -> Option<String> {
    value.map(|v| clean_text(v, max)).filter(|v| !v.is_empty())
}

/// A word Auto Scaling writes (a status, an origin): letters, digits, `-` and `_`, at most 64.
fn word(value: Option<&str>) -> Option<String> {
    value
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
}

/// A time Auto Scaling gives, when it is one (the documented examples hold placeholders).
fn time(value: Option<&str>) -> Option<DateTime<Utc>> {
    value
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// An Auto Scaling group name: 1 to 255 printable characters (the API's bound).
fn is_group_name(name: &str) -> bool {
    (1..=255).contains(&name.chars().count()) && !name.chars().any(char::is_control)
}

fn adapt(
    payload: Value,
    action: ScalingAction,
    result: ScalingResult,
) -> Result<Vec<AdaptedNotice>, InputError> {
    let event = ResourceEvent::<Detail>::parse(payload)?;
    let detail = &event.detail;
    let name = &detail.auto_scaling_group_name;
    if !is_group_name(name) {
        return Err(InputError::InvalidField {
            field: "detail.AutoScalingGroupName",
            reason: "must be an Auto Scaling group name (1 to 255 printable characters)".into(),
        });
    }
    // The group, among the ARNs Auto Scaling lists (the instance's follows it).
    let group = event
        .resources
        .iter()
        .filter_map(|arn| ResourceArn::parse(arn))
        .find(|arn| {
            arn.resource_type() == "autoscaling:autoScalingGroup"
                && arn.id.ends_with(&format!(":autoScalingGroupName/{name}"))
        })
        .ok_or_else(|| InputError::InvalidField {
            field: "resources",
            reason: "names no ARN of the Auto Scaling group detail.AutoScalingGroupName names"
                .into(),
        })?;
    let activity_ok = (1..=64).contains(&detail.activity_id.len())
        && detail
            .activity_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !activity_ok {
        return Err(InputError::InvalidField {
            field: "detail.ActivityId",
            reason: "must be an Auto Scaling activity id".into(),
        });
    }
    let instance_id = detail
        .ec2_instance_id
        .as_deref()
        .filter(|id| !id.is_empty());
    if let Some(id) = instance_id.filter(|id| !is_instance_id(id)) {
        return Err(InputError::InvalidField {
            field: "detail.EC2InstanceId",
            reason: format!("must be an EC2 instance id (got {:?})", clean_text(id, 32)),
        });
    }
    let detail_text = |key: &str| {
        detail
            .details
            .get(key)
            .and_then(Value::as_str)
            .and_then(|v| text(Some(v), 64))
    };
    let activity = ScalingActivity {
        action,
        result,
        instance_id: instance_id.map(str::to_owned),
        activity_id: detail.activity_id.clone(),
        status_code: word(detail.status_code.as_deref()),
        status_message: text(detail.status_message.as_deref(), MAX_CAUSE_CHARS),
        cause: text(detail.cause.as_deref(), MAX_CAUSE_CHARS),
        description: text(detail.description.as_deref(), MAX_CAUSE_CHARS),
        availability_zone: detail_text("Availability Zone"),
        subnet_id: detail_text("Subnet ID"),
        origin: word(detail.origin.as_deref()),
        destination: word(detail.destination.as_deref()),
        start_time: time(detail.start_time.as_deref()),
        end_time: time(detail.end_time.as_deref()),
    };
    let mut target = event.target(&group);
    // People and the API know a group by its name, not by the ARN's id (`uuid:autoScalingGroupName/name`).
    target.resource_id = name.clone();
    Ok(vec![AdaptedNotice {
        target,
        notice: Notice::ScalingActivity(activity),
        communication: None,
    }])
}
