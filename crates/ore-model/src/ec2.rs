//! The EventBridge "EC2 Instance State-change Notification", as AWS sends it, and the checks
//! that turn it into a trusted [`Ec2StateChange`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::envelope::Payload;
use crate::InputError;

/// The EventBridge `source` of EC2's events.
pub const EC2_SOURCE: &str = "aws.ec2";
/// The `detail-type` of the state-change event.
pub const STATE_CHANGE_DETAIL_TYPE: &str = "EC2 Instance State-change Notification";

/// The six states EC2 reports. Anything else is bad input, not a new state we guess at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceState {
    /// Launching, or starting after a stop.
    Pending,
    /// Up.
    Running,
    /// On its way to stopped.
    Stopping,
    /// Stopped: no compute billed, volumes kept.
    Stopped,
    /// On its way to terminated.
    ShuttingDown,
    /// Gone for good.
    Terminated,
}

impl InstanceState {
    /// Every state, in lifecycle order.
    pub const ALL: [InstanceState; 6] = [
        InstanceState::Pending,
        InstanceState::Running,
        InstanceState::Stopping,
        InstanceState::Stopped,
        InstanceState::ShuttingDown,
        InstanceState::Terminated,
    ];

    /// The wire name, as EC2 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
            InstanceState::ShuttingDown => "shutting-down",
            InstanceState::Terminated => "terminated",
        }
    }
}

impl fmt::Display for InstanceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state change's `detail`, field names as on the wire; `source` and `detail-type` are
/// checked on the JSON before it is parsed, and an event without, say, `version` is still good.
#[derive(Debug, Deserialize)]
struct Ec2StateChangeDetail {
    #[serde(rename = "instance-id")]
    instance_id: String,
    state: InstanceState,
}

impl InstanceDetail for Ec2StateChangeDetail {
    fn take_instance_id(&mut self) -> String {
        std::mem::take(&mut self.instance_id)
    }
}

/// A state change whose identifiers have been checked, ready for enrichment.
#[derive(Debug, Clone, PartialEq)]
pub struct Ec2StateChange {
    /// EventBridge's event id: the dedup key.
    pub event_id: String,
    /// The instance's account.
    pub account: String,
    /// The instance's region (where to describe it).
    pub region: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, from the instance ARN.
    pub partition: String,
    /// When the state changed, by EC2's clock.
    pub time: DateTime<Utc>,
    /// `i-` followed by 8 or 17 hex digits.
    pub instance_id: String,
    /// The instance's ARN (from `resources`, or built from the id).
    pub instance_arn: String,
    /// The state it is now in.
    pub state: InstanceState,
}

/// Another source or detail-type is reported as such before any field is looked at, so the
/// log says "wrong event" rather than "missing field".
impl Payload for Ec2StateChange {
    fn from_payload(payload: Value) -> Result<Self, InputError> {
        let source = payload.get("source").and_then(Value::as_str);
        let detail_type = payload.get("detail-type").and_then(Value::as_str);
        if source != Some(EC2_SOURCE) || detail_type != Some(STATE_CHANGE_DETAIL_TYPE) {
            return Err(InputError::UnexpectedEvent(format!(
                "source {source:?} and detail-type {detail_type:?}, expected {EC2_SOURCE:?} and {STATE_CHANGE_DETAIL_TYPE:?}"
            )));
        }
        let (target, detail) = Ec2Event::<Ec2StateChangeDetail>::parse(payload)?;
        Ok(Ec2StateChange {
            event_id: target.event_id,
            account: target.account,
            region: target.region,
            partition: target.partition,
            time: target.time,
            instance_id: target.instance_id,
            instance_arn: target.instance_arn,
            state: detail.state,
        })
    }
}

impl Ec2StateChange {
    /// The instance this change is about.
    pub fn target(&self) -> InstanceRef {
        InstanceRef {
            event_id: self.event_id.clone(),
            account: self.account.clone(),
            region: self.region.clone(),
            partition: self.partition.clone(),
            time: self.time,
            instance_id: self.instance_id.clone(),
            instance_arn: self.instance_arn.clone(),
        }
    }
}

/// An EC2 event about one instance as EventBridge delivers it, with only the fields the EC2
/// adapters read.
#[derive(Debug, Deserialize)]
pub(crate) struct Ec2Event<D> {
    id: String,
    account: String,
    time: DateTime<Utc>,
    region: String,
    #[serde(default)]
    resources: Vec<String>,
    detail: D,
}

/// The `detail` of an EC2 event about one instance.
pub(crate) trait InstanceDetail {
    /// `detail.instance-id`, moved out.
    fn take_instance_id(&mut self) -> String;
}

impl<D: InstanceDetail + serde::de::DeserializeOwned> Ec2Event<D> {
    /// Parse the event, check its identifiers: the instance it names and the rest of its detail.
    pub(crate) fn parse(payload: Value) -> Result<(InstanceRef, D), InputError> {
        let mut event: Ec2Event<D> = serde_json::from_value(payload).map_err(InputError::Shape)?;
        let instance_id = event.detail.take_instance_id();
        let target = InstanceRef::checked(
            event.id,
            event.account,
            event.region,
            event.time,
            instance_id,
            &event.resources,
        )?;
        Ok((target, event.detail))
    }
}

/// An EC2 instance named by an AWS event, its identifiers checked: what every adapter hands
/// the normalizer to describe, filter and publish.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRef {
    /// EventBridge's event id: with the instance ARN, the message id.
    pub event_id: String,
    /// The instance's account.
    pub account: String,
    /// The instance's region (where to describe it).
    pub region: String,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The event's time.
    pub time: DateTime<Utc>,
    /// `i-` followed by 8 or 17 hex digits.
    pub instance_id: String,
    /// The instance's ARN (from `resources`, or built from the id).
    pub instance_arn: String,
}

impl InstanceRef {
    /// Check an event's identifiers and build the instance's ARN. The partition comes from the
    /// first ARN in `arns` (the event's `resources`; every ARN of one event shares its
    /// partition), `aws` if none.
    pub fn checked(
        event_id: String,
        account: String,
        region: String,
        time: DateTime<Utc>,
        instance_id: String,
        arns: &[String],
    ) -> Result<Self, InputError> {
        check(
            "id",
            &event_id,
            !event_id.is_empty() && event_id.len() <= 128,
            "must be 1 to 128 characters",
        )?;
        check(
            "account",
            &account,
            is_account(&account),
            "must be a 12-digit AWS account id",
        )?;
        check(
            "region",
            &region,
            is_region(&region),
            "must look like an AWS region such as eu-west-1",
        )?;
        check(
            "detail.instance-id",
            &instance_id,
            is_instance_id(&instance_id),
            "must look like i-0123456789abcdef0",
        )?;
        let partition = arns
            .iter()
            .filter(|arn| arn.starts_with("arn:"))
            .filter_map(|arn| arn.split(':').nth(1))
            .find(|p| p.starts_with("aws"))
            .unwrap_or("aws")
            .to_owned();
        let instance_arn = format!("arn:{partition}:ec2:{region}:{account}:instance/{instance_id}");
        Ok(InstanceRef {
            event_id,
            account,
            region,
            partition,
            time,
            instance_id,
            instance_arn,
        })
    }
}

/// Twelve digits.
pub fn is_account(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn check(
    field: &'static str,
    value: &str,
    ok: bool,
    rule: &str,
) -> Result<(), InputError> {
    if ok {
        return Ok(());
    }
    let shown: String = value.chars().take(64).collect();
    Err(InputError::InvalidField {
        field,
        reason: format!("{rule} (got {shown:?})"),
    })
}

/// `i-` and 8 or 17 lowercase hex digits, as EC2 issues them.
pub fn is_instance_id(id: &str) -> bool {
    id.strip_prefix("i-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// `vol-` and 8 or 17 lowercase hex digits, as EC2 issues volume ids.
pub fn is_volume_id(id: &str) -> bool {
    id.strip_prefix("vol-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Lowercase letters, digits and dashes, e.g. `eu-west-1`, `us-gov-west-1`.
pub fn is_region(region: &str) -> bool {
    (4..=32).contains(&region.len())
        && region.contains('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(state: &str) -> Value {
        json!({
            "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
            "detail-type": STATE_CHANGE_DETAIL_TYPE, "source": "aws.ec2",
            "account": "123456789012", "time": "2026-11-26T09:10:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890"],
            "detail": {"instance-id": "i-0abc1234def567890", "state": state}
        })
    }

    #[test]
    fn every_state_parses() {
        for state in InstanceState::ALL {
            let change = Ec2StateChange::from_payload(event(state.as_str())).unwrap();
            assert_eq!(change.state, state);
            assert_eq!(
                change.instance_arn,
                "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890"
            );
        }
    }

    #[test]
    fn fields_ore_never_reads_are_not_required() {
        let mut e = event("running");
        e.as_object_mut().unwrap().remove("version");
        assert!(Ec2StateChange::from_payload(e).is_ok());
    }

    #[test]
    fn unknown_state_is_a_shape_error() {
        let err = Ec2StateChange::from_payload(event("rebooting")).unwrap_err();
        let InputError::Shape(cause) = &err else {
            panic!("expected a shape error, got {err}");
        };
        assert!(cause.to_string().contains("rebooting"), "{cause}");
    }

    #[test]
    fn other_detail_type_is_unexpected() {
        let mut e = event("running");
        e["detail-type"] = json!("EC2 Spot Instance Interruption Warning");
        assert!(matches!(
            Ec2StateChange::from_payload(e),
            Err(InputError::UnexpectedEvent(_))
        ));
    }

    #[test]
    fn missing_instance_id_names_the_field() {
        let mut e = event("running");
        e["detail"] = json!({"state": "running"});
        let err = Ec2StateChange::from_payload(e).unwrap_err();
        let cause = std::error::Error::source(&err).expect("the parser's error");
        assert!(cause.to_string().contains("instance-id"), "{cause}");
    }

    #[test]
    fn hostile_identifiers_are_rejected_and_truncated_in_the_reason() {
        let mut e = event("running");
        e["detail"]["instance-id"] = json!(format!("i-{}", "<script>".repeat(1000)));
        let err = Ec2StateChange::from_payload(e).unwrap_err();
        assert!(matches!(
            err,
            InputError::InvalidField {
                field: "detail.instance-id",
                ..
            }
        ));
        assert!(err.to_string().len() < 300);

        let mut e = event("running");
        e["account"] = json!("12345");
        assert!(matches!(
            Ec2StateChange::from_payload(e),
            Err(InputError::InvalidField {
                field: "account",
                ..
            })
        ));
    }

    #[test]
    fn partition_comes_from_the_resource_arn() {
        let mut e = event("running");
        e["region"] = json!("cn-north-1");
        e["resources"] =
            json!(["arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-0abc1234def567890"]);
        let change = Ec2StateChange::from_payload(e).unwrap();
        assert_eq!(change.partition, "aws-cn");
        assert!(change
            .instance_arn
            .starts_with("arn:aws-cn:ec2:cn-north-1:"));
    }

    #[test]
    fn instance_id_rule() {
        assert!(is_instance_id("i-0abc1234def567890"));
        assert!(is_instance_id("i-abcd1111"));
        assert!(!is_instance_id("i-ABCD1111"));
        assert!(!is_instance_id("i-abcd111"));
        assert!(!is_instance_id("vol-abcd1111"));
    }
}
