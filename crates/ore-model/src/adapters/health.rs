//! "AWS Health Event" for EC2 scheduled changes: instance retirement, reboot, network or power
//! maintenance, scheduled stop or termination. One event can name many instances; each becomes
//! its own notice. AWS writes the window's times as RFC 2822 (`Sat, 05 Jun 2021 15:10:09 GMT`);
//! RFC 3339 is read too.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::Adapter;
use crate::ec2::{check, is_account, is_instance_id, is_region, InstanceRef};
use crate::notice::{
    clean_text, HealthStatus, InstanceNotice, Notice, ScheduledChange, MAX_DESCRIPTION_CHARS,
    MAX_EVENT_ARN_CHARS,
};
use crate::InputError;

/// The Health `service` ORE reads.
pub const EC2_SERVICE: &str = "EC2";
/// The Health category of planned changes.
pub const SCHEDULED_CHANGE_CATEGORY: &str = "scheduledChange";
/// More instances than this in one event is refused (to the dead-letter queue, named in the
/// log) rather than taking one record past the function's timeout.
pub const MAX_AFFECTED_INSTANCES: usize = 250;

/// Reads AWS Health's EC2 scheduled changes.
pub struct ScheduledChangeAdapter;

#[derive(Debug, Deserialize)]
struct HealthEvent {
    id: String,
    account: String,
    time: DateTime<Utc>,
    region: String,
    #[serde(default)]
    resources: Vec<String>,
    detail: Detail,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail {
    event_arn: String,
    service: String,
    event_type_code: String,
    event_type_category: String,
    status_code: HealthStatus,
    #[serde(default)]
    event_region: Option<String>,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
    #[serde(default)]
    event_description: Vec<Description>,
    #[serde(default)]
    affected_entities: Option<Vec<Entity>>,
    #[serde(default)]
    affected_account: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Description {
    #[serde(default)]
    language: Option<String>,
    latest_description: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entity {
    entity_value: String,
    #[serde(default)]
    aws_account_id: Option<String>,
}

impl Adapter for ScheduledChangeAdapter {
    const SOURCE: &'static str = "aws.health";
    const DETAIL_TYPE: &'static str = "AWS Health Event";
    type Output = Vec<InstanceNotice>;

    fn adapt(payload: Value) -> Result<Vec<InstanceNotice>, InputError> {
        let event: HealthEvent = serde_json::from_value(payload).map_err(InputError::Shape)?;
        let detail = event.detail;
        if detail.service != EC2_SERVICE || detail.event_type_category != SCHEDULED_CHANGE_CATEGORY
        {
            return Err(InputError::UnexpectedEvent(format!(
                "AWS Health event for service {:?}, category {:?}: ORE reads {EC2_SERVICE} {SCHEDULED_CHANGE_CATEGORY} events only",
                clean_text(&detail.service, 32),
                clean_text(&detail.event_type_category, 32),
            )));
        }
        check(
            "detail.eventArn",
            &detail.event_arn,
            detail.event_arn.starts_with("arn:aws")
                && detail.event_arn.len() <= MAX_EVENT_ARN_CHARS,
            "must be an AWS Health event ARN",
        )?;
        check(
            "detail.eventTypeCode",
            &detail.event_type_code,
            (3..=100).contains(&detail.event_type_code.len())
                && detail
                    .event_type_code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "must be an AWS Health event type code",
        )?;
        let start_time = match detail.start_time.as_deref() {
            Some(text) => health_time("detail.startTime", text)?,
            None => {
                return Err(InputError::InvalidField {
                    field: "detail.startTime",
                    reason: "a scheduled change needs the start of its window".into(),
                })
            }
        };
        let end_time = detail
            .end_time
            .as_deref()
            .map(|text| health_time("detail.endTime", text))
            .transpose()?;
        if end_time.is_some_and(|end| end < start_time) {
            return Err(InputError::InvalidField {
                field: "detail.endTime",
                reason: format!("{end_time:?} is before detail.startTime {start_time}"),
            });
        }
        let description = detail
            .event_description
            .iter()
            .find(|d| d.language.as_deref() == Some("en_US"))
            .or(detail.event_description.first())
            .map(|d| clean_text(&d.latest_description, MAX_DESCRIPTION_CHARS))
            .unwrap_or_default();
        // The impacted region is eventRegion; `region` is where the event was delivered.
        let region = detail
            .event_region
            .filter(|r| is_region(r))
            .unwrap_or(event.region);
        let default_account = detail
            .affected_account
            .filter(|a| is_account(a))
            .unwrap_or(event.account);
        let entities: Vec<(String, Option<String>)> = match detail.affected_entities {
            Some(entities) if !entities.is_empty() => entities
                .into_iter()
                .map(|e| (e.entity_value, e.aws_account_id))
                .collect(),
            _ => event.resources.into_iter().map(|r| (r, None)).collect(),
        };
        let total = entities.len();
        let mut seen = HashSet::new();
        let instances: Vec<(String, String)> = entities
            .into_iter()
            .filter(|(value, _)| is_instance_id(value) && seen.insert(value.clone()))
            .map(|(value, account)| {
                let account = account
                    .filter(|a| is_account(a))
                    .unwrap_or_else(|| default_account.clone());
                (value, account)
            })
            .collect();
        if instances.is_empty() {
            return Err(InputError::InvalidField {
                field: "detail.affectedEntities",
                reason: format!("names no EC2 instance ({total} entities, resources included)"),
            });
        }
        if instances.len() > MAX_AFFECTED_INSTANCES {
            return Err(InputError::InvalidField {
                field: "detail.affectedEntities",
                reason: format!(
                    "{} instances, at most {MAX_AFFECTED_INSTANCES} in one event",
                    instances.len()
                ),
            });
        }
        let change = ScheduledChange {
            event_arn: detail.event_arn,
            event_type_code: detail.event_type_code,
            status: detail.status_code,
            start_time,
            end_time,
            description,
        };
        let arns = [change.event_arn.clone()];
        instances
            .into_iter()
            .map(|(instance_id, account)| {
                let target = InstanceRef::checked(
                    event.id.clone(),
                    account,
                    region.clone(),
                    event.time,
                    instance_id,
                    &arns,
                )?;
                Ok(InstanceNotice {
                    target,
                    notice: Notice::ScheduledChange(change.clone()),
                })
            })
            .collect()
    }
}

/// RFC 2822 as AWS Health writes it, or RFC 3339.
fn health_time(field: &'static str, text: &str) -> Result<DateTime<Utc>, InputError> {
    DateTime::parse_from_rfc2822(text)
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| InputError::InvalidField {
            field,
            reason: format!("{e} (got {:?})", clean_text(text, 64)),
        })
}
