//! "RDS DB Instance Event" and "RDS DB Cluster Event": what Amazon RDS tells of a database (it
//! stopped, started, restarted, failed over, ran low on storage, was patched), with its RDS event
//! id (`RDS-EVENT-0087`), categories and message. The database is `detail.SourceArn`; its tags
//! come from the Tagging API like any resource's.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::Adapter;
use crate::arn::ResourceArn;
use crate::ec2::{check, is_account, is_region};
use crate::notice::{AdaptedNotice, DatabaseEvent, Notice, MAX_DESCRIPTION_CHARS};
use crate::resource::ResourceRef;
use crate::text::clean_text;
use crate::InputError;

/// The EventBridge `source` of Amazon RDS's events.
pub const RDS_SOURCE: &str = "aws.rds";

/// Reads RDS's DB instance events.
pub struct DbInstanceEventAdapter;
/// Reads RDS's DB cluster events.
pub struct DbClusterEventAdapter;

#[derive(Debug, Deserialize)]
struct RdsEvent {
    id: String,
    account: String,
    time: DateTime<Utc>,
    region: String,
    detail: Detail,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Detail {
    #[serde(default)]
    event_categories: Vec<String>,
    #[serde(default)]
    source_type: Option<String>,
    source_arn: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(rename = "EventID")]
    event_id: String,
}

impl Adapter for DbInstanceEventAdapter {
    const SOURCE: &'static str = RDS_SOURCE;
    const DETAIL_TYPE: &'static str = "RDS DB Instance Event";
    type Output = Vec<AdaptedNotice>;

    fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
        adapt(payload, "rds:db")
    }
}

impl Adapter for DbClusterEventAdapter {
    const SOURCE: &'static str = RDS_SOURCE;
    const DETAIL_TYPE: &'static str = "RDS DB Cluster Event";
    type Output = Vec<AdaptedNotice>;

    fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
        adapt(payload, "rds:cluster")
    }
}

/// An RDS event about the database of `resource_type` its `SourceArn` names.
fn adapt(payload: Value, resource_type: &str) -> Result<Vec<AdaptedNotice>, InputError> {
    let event: RdsEvent = serde_json::from_value(payload).map_err(InputError::Shape)?;
    check(
        "id",
        &event.id,
        (1..=128).contains(&event.id.len()),
        "must be 1 to 128 characters",
    )?;
    check(
        "account",
        &event.account,
        is_account(&event.account),
        "must be a 12-digit AWS account id",
    )?;
    check(
        "region",
        &event.region,
        is_region(&event.region),
        "must look like an AWS region such as eu-west-1",
    )?;
    let detail = event.detail;
    let event_id_ok = detail
        .event_id
        .strip_prefix("RDS-EVENT-")
        .is_some_and(|n| (1..=8).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()));
    check(
        "detail.EventID",
        &detail.event_id,
        event_id_ok,
        "must look like RDS-EVENT-0087",
    )?;
    let arn = ResourceArn::parse(&detail.source_arn)
        .filter(|arn| arn.resource_type() == resource_type && arn.id.len() <= 255);
    let Some(arn) = arn else {
        return Err(InputError::InvalidField {
            field: "detail.SourceArn",
            reason: format!(
                "must be the ARN of an RDS {resource_type} (got {:?})",
                clean_text(&detail.source_arn, 64)
            ),
        });
    };
    let target = ResourceRef {
        event_id: event.id,
        account: Some(arn.account)
            .filter(|a| is_account(a))
            .map_or(event.account, str::to_owned),
        region: Some(arn.region)
            .filter(|r| is_region(r))
            .map_or(event.region, str::to_owned),
        partition: arn.partition.to_owned(),
        time: event.time,
        resource_type: arn.resource_type(),
        resource_id: arn.id.to_owned(),
        resource_arn: Some(arn.arn.to_owned()),
    };
    let categories = detail
        .event_categories
        .iter()
        .map(|c| clean_text(c, 64))
        .filter(|c| !c.is_empty())
        .take(16)
        .collect();
    let database_event = DatabaseEvent {
        event_id: detail.event_id,
        categories,
        source_type: detail
            .source_type
            .map(|t| clean_text(&t, 64))
            .filter(|t| !t.is_empty()),
        message: clean_text(
            detail.message.as_deref().unwrap_or_default(),
            MAX_DESCRIPTION_CHARS,
        ),
    };
    Ok(vec![AdaptedNotice {
        target,
        notice: Notice::DatabaseEvent(database_event),
        communication: None,
    }])
}
