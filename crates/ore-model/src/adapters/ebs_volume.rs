//! "EBS Volume Notification": EBS created, deleted, attached or detached a volume, or could not
//! (`result` `failed`, with AWS's `cause`). The volume is the event's `resources` ARN; its tags
//! come from the Tagging API like any resource's.

use serde::Deserialize;
use serde_json::Value;

use super::resource_event::ResourceEvent;
use super::Adapter;
use crate::arn::ResourceArn;
use crate::ec2::{check, is_volume_id, EC2_SOURCE};
use crate::notice::{AdaptedNotice, Notice, VolumeChange, MAX_CAUSE_CHARS};
use crate::text::clean_text;
use crate::InputError;

/// Reads EBS's volume notifications.
pub struct VolumeNotificationAdapter;

#[derive(Debug, Deserialize)]
struct Detail {
    event: String,
    result: String,
    #[serde(default)]
    cause: Option<String>,
    #[serde(default, rename = "request-id")]
    request_id: Option<String>,
}

/// A word AWS writes for an event or a result: letters, digits, `-` and `_`, at most 64.
fn is_word(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Adapter for VolumeNotificationAdapter {
    const SOURCE: &'static str = EC2_SOURCE;
    const DETAIL_TYPE: &'static str = "EBS Volume Notification";
    type Output = Vec<AdaptedNotice>;

    fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
        let event = ResourceEvent::<Detail>::parse(payload)?;
        let detail = &event.detail;
        check(
            "detail.event",
            &detail.event,
            is_word(&detail.event),
            "must be an EBS event name",
        )?;
        check(
            "detail.result",
            &detail.result,
            is_word(&detail.result),
            "must be an EBS result",
        )?;
        // The volume, among the ARNs EBS lists (a failed attachment may list its KMS key too).
        let volume = event
            .resources
            .iter()
            .filter_map(|arn| ResourceArn::parse(arn))
            .find(|arn| arn.resource_type() == "ec2:volume" && is_volume_id(arn.id))
            .ok_or_else(|| InputError::InvalidField {
                field: "resources",
                reason: "names no EBS volume ARN".into(),
            })?;
        let target = event.target(&volume);
        let change = VolumeChange {
            event: detail.event.clone(),
            result: detail.result.clone(),
            cause: detail
                .cause
                .as_deref()
                .map(|cause| clean_text(cause, MAX_CAUSE_CHARS))
                .filter(|cause| !cause.is_empty()),
            request_id: detail
                .request_id
                .as_deref()
                .map(|id| clean_text(id, 128))
                .filter(|id| !id.is_empty()),
        };
        Ok(vec![AdaptedNotice {
            target,
            notice: Notice::VolumeChange(change),
            communication: None,
        }])
    }
}
