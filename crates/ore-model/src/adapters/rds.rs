//! "RDS DB Instance Event" and "RDS DB Cluster Event": what Amazon RDS tells of a database (it
//! stopped, started, restarted, failed over, ran low on storage, was patched), with its RDS event
//! id (`RDS-EVENT-0087`), categories and message. The database is `detail.SourceArn`; its tags
//! come from the Tagging API like any resource's.

use serde::Deserialize;
use serde_json::Value;

use super::resource_event::ResourceEvent;
use super::Adapter;
use crate::arn::ResourceArn;
use crate::ec2::check;
use crate::notice::{AdaptedNotice, DatabaseEvent, Notice, MAX_DESCRIPTION_CHARS};
use crate::text::clean_text;
use crate::InputError;

/// The EventBridge `source` of Amazon RDS's events.
pub const RDS_SOURCE: &str = "aws.rds";

/// Reads RDS's DB instance events.
pub struct DbInstanceEventAdapter;
/// Reads RDS's DB cluster events.
pub struct DbClusterEventAdapter;

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
    let event = ResourceEvent::<Detail>::parse(payload)?;
    let detail = &event.detail;
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
    let arn = ResourceArn::parse(&detail.source_arn).filter(|arn| {
        // RDS identifiers are letters, digits and hyphens.
        arn.resource_type() == resource_type
            && (1..=255).contains(&arn.id.len())
            && arn
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let Some(arn) = arn else {
        return Err(InputError::InvalidField {
            field: "detail.SourceArn",
            reason: format!(
                "must be the ARN of an RDS {resource_type} (got {:?})",
                clean_text(&detail.source_arn, 64)
            ),
        });
    };
    let target = event.target(&arn);
    let categories = detail
        .event_categories
        .iter()
        .map(|c| clean_text(c, 64))
        .filter(|c| !c.is_empty())
        .take(16)
        .collect();
    let database_event = DatabaseEvent {
        event_id: detail.event_id.clone(),
        categories,
        source_type: detail
            .source_type
            .as_deref()
            .map(|t| clean_text(t, 64))
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
