//! "AWS Health Event" for EC2 scheduled changes: instance retirement, reboot, network or power
//! maintenance, scheduled stop or termination. One event can name many instances, by id or by
//! ARN (the schema reference shows both); each becomes its own notice. AWS writes the window's
//! times as RFC 2822 (`Sat, 05 Jun 2021 15:10:09 GMT`); RFC 3339 is read too.
//!
//! AWS Health may send a communication more than once (a backup copy, `backupEvent`, with a new
//! EventBridge id) and a long one in pages (`page`/`totalPages`); AWS says the
//! `communicationId` with the account identifies it. A notice's identity is therefore account,
//! communication and page, so copies publish and mail nothing new.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::Adapter;
use crate::ec2::{check, is_account, is_instance_id, is_region, InstanceRef};
use crate::notice::{
    HealthStatus, InstanceNotice, Notice, ScheduledChange, MAX_DESCRIPTION_CHARS,
    MAX_EVENT_ARN_CHARS,
};
use crate::text::clean_text;
use crate::InputError;

/// The Health `service` ORE reads.
pub const EC2_SERVICE: &str = "EC2";
/// The Health category of planned changes.
pub const SCHEDULED_CHANGE_CATEGORY: &str = "scheduledChange";
/// More instances than this in one event is refused (to the dead-letter queue, named in the
/// log). Not a time limit (the normalizer publishes a long list over several deliveries): an
/// EventBridge event is at most 256 KB, which holds about 2,500 affected entities, so more is
/// not an event AWS Health sends.
pub const MAX_AFFECTED_INSTANCES: usize = 2_500;

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
    #[serde(default)]
    communication_id: Option<String>,
    /// A number, written as a string in AWS's samples; either is read.
    #[serde(default)]
    page: Option<Value>,
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
        detail.check_scope()?;
        detail.check_identity()?;
        let (start_time, end_time) = detail.window()?;
        let description = detail.english_description();
        // The impacted region is eventRegion; `region` is where the event was delivered.
        let region = detail
            .event_region
            .filter(|r| is_region(r))
            .unwrap_or(event.region);
        let default_account = detail
            .affected_account
            .filter(|a| is_account(a))
            .unwrap_or_else(|| event.account.clone());
        let instances = affected_instances(detail.affected_entities, event.resources)?;
        let communication = communication(
            &event.account,
            detail.communication_id.as_deref(),
            detail.page.as_ref(),
        )?;
        let change = ScheduledChange {
            event_arn: detail.event_arn,
            event_type_code: detail.event_type_code,
            status: detail.status_code,
            start_time,
            end_time,
            description,
        };
        instances
            .into_iter()
            .map(|instance| {
                // The partition of the entity's ARN where it has one, else the event's.
                let arns = [instance.arn.unwrap_or_default(), change.event_arn.clone()];
                let target = InstanceRef::checked(
                    event.id.clone(),
                    instance.account.unwrap_or_else(|| default_account.clone()),
                    instance.region.unwrap_or_else(|| region.clone()),
                    event.time,
                    instance.instance_id,
                    &arns,
                )?;
                Ok(InstanceNotice {
                    target,
                    notice: Notice::ScheduledChange(change.clone()),
                    communication: communication.clone(),
                })
            })
            .collect()
    }
}

impl Detail {
    /// ORE reads EC2's scheduled changes; another service or category is not this adapter's.
    fn check_scope(&self) -> Result<(), InputError> {
        if self.service == EC2_SERVICE && self.event_type_category == SCHEDULED_CHANGE_CATEGORY {
            return Ok(());
        }
        Err(InputError::UnexpectedEvent(format!(
            "AWS Health event for service {:?}, category {:?}: ORE reads {EC2_SERVICE} {SCHEDULED_CHANGE_CATEGORY} events only",
            clean_text(&self.service, 32),
            clean_text(&self.event_type_category, 32),
        )))
    }

    /// The event's ARN and type code, as AWS Health writes them.
    fn check_identity(&self) -> Result<(), InputError> {
        check(
            "detail.eventArn",
            &self.event_arn,
            self.event_arn.starts_with("arn:aws") && self.event_arn.len() <= MAX_EVENT_ARN_CHARS,
            "must be an AWS Health event ARN",
        )?;
        check(
            "detail.eventTypeCode",
            &self.event_type_code,
            (3..=100).contains(&self.event_type_code.len())
                && self
                    .event_type_code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "must be an AWS Health event type code",
        )
    }

    /// The change's window: a start it must have, an end it may have, not before the start.
    fn window(&self) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>), InputError> {
        let start_time = match self.start_time.as_deref() {
            Some(text) => health_time("detail.startTime", text)?,
            None => {
                return Err(InputError::InvalidField {
                    field: "detail.startTime",
                    reason: "a scheduled change needs the start of its window".into(),
                })
            }
        };
        let end_time = self
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
        Ok((start_time, end_time))
    }

    /// AWS's description in US English where it gives one, else its first, cleaned and bounded.
    fn english_description(&self) -> String {
        self.event_description
            .iter()
            .find(|d| d.language.as_deref() == Some("en_US"))
            .or(self.event_description.first())
            .map(|d| clean_text(&d.latest_description, MAX_DESCRIPTION_CHARS))
            .unwrap_or_default()
    }
}

/// The EC2 instances the event is about, each once: its affected entities, or its `resources`
/// when it lists no entity; an entity's own account where the event names one. None, or more
/// than ORE splits one event into, is refused with the field named.
fn affected_instances(
    entities: Option<Vec<Entity>>,
    resources: Vec<String>,
) -> Result<Vec<EntityInstance>, InputError> {
    let entities: Vec<(String, Option<String>)> = match entities {
        Some(entities) if !entities.is_empty() => entities
            .into_iter()
            .map(|e| (e.entity_value, e.aws_account_id))
            .collect(),
        _ => resources.into_iter().map(|r| (r, None)).collect(),
    };
    let total = entities.len();
    let mut seen = HashSet::new();
    let instances: Vec<EntityInstance> = entities
        .into_iter()
        .filter_map(|(value, account)| {
            let mut instance = EntityInstance::read(&value)?;
            if instance.account.is_none() {
                instance.account = account.filter(|a| is_account(a));
            }
            Some(instance)
        })
        .filter(|instance| seen.insert(instance.instance_id.clone()))
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
    Ok(instances)
}

/// An EC2 instance an affected entity names: by its id (`i-…`), or by its ARN
/// (`arn:aws:ec2:us-east-1:123456789012:instance/i-…`), whose account and region then say
/// where the instance is.
#[derive(Debug, PartialEq)]
struct EntityInstance {
    instance_id: String,
    account: Option<String>,
    region: Option<String>,
    arn: Option<String>,
}

impl EntityInstance {
    /// The instance `value` names, or `None` when it names something else (a volume, a
    /// host, free text).
    fn read(value: &str) -> Option<Self> {
        if is_instance_id(value) {
            return Some(EntityInstance {
                instance_id: value.to_owned(),
                account: None,
                region: None,
                arn: None,
            });
        }
        let mut parts = value.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some("ec2"),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        let instance_id = resource.strip_prefix("instance/")?;
        if !partition.starts_with("aws") || !is_instance_id(instance_id) {
            return None;
        }
        Some(EntityInstance {
            instance_id: instance_id.to_owned(),
            account: Some(account.to_owned()).filter(|a| is_account(a)),
            region: Some(region.to_owned()).filter(|r| is_region(r)),
            arn: Some(value.to_owned()),
        })
    }
}

/// The longest `communicationId` read; AWS's are a hash with an optional `-N` suffix.
pub const MAX_COMMUNICATION_ID_CHARS: usize = 256;

/// What identifies a Health notice across its copies: the account, the `communicationId` and
/// the page. `None` when the event has no communication id (then its event id does).
fn communication(
    account: &str,
    communication_id: Option<&str>,
    page: Option<&Value>,
) -> Result<Option<String>, InputError> {
    let Some(id) = communication_id else {
        return Ok(None);
    };
    check(
        "detail.communicationId",
        id,
        !id.is_empty()
            && id.len() <= MAX_COMMUNICATION_ID_CHARS
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "must be letters, digits, '-' or '_' (at most 256)",
    )?;
    let page = match page {
        None | Some(Value::Null) => "1".to_owned(),
        Some(Value::Number(n)) if n.as_u64().is_some() => n.to_string(),
        Some(Value::String(text)) if text.parse::<u32>().is_ok() => text.trim().to_owned(),
        Some(other) => {
            return Err(InputError::InvalidField {
                field: "detail.page",
                reason: format!(
                    "must be a page number (got {})",
                    clean_text(&other.to_string(), 32)
                ),
            })
        }
    };
    Ok(Some(format!("aws.health|{account}|{id}|page {page}")))
}

/// RFC 2822 as AWS Health writes it, or RFC 3339. A weekday that does not match the date (AWS's
/// own samples have one) is not a reason to refuse a notice: the date decides.
fn health_time(field: &'static str, text: &str) -> Result<DateTime<Utc>, InputError> {
    let without_weekday = text.split_once(", ").map_or(text, |(_, date)| date);
    DateTime::parse_from_rfc2822(text)
        .or_else(|_| DateTime::parse_from_rfc2822(without_weekday))
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| InputError::InvalidField {
            field,
            reason: format!("{e} (got {:?})", clean_text(text, 64)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entity_names_an_instance_by_id_or_by_arn_and_nothing_else() {
        let by_id = EntityInstance::read("i-0abc1234def567890").expect("an id");
        assert_eq!(
            (by_id.instance_id.as_str(), by_id.account, by_id.region),
            ("i-0abc1234def567890", None, None)
        );
        let arn = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234def567890";
        let by_arn = EntityInstance::read(arn).expect("an ARN");
        assert_eq!(by_arn.instance_id, "i-0abc1234def567890");
        assert_eq!(by_arn.account.as_deref(), Some("123456789012"));
        assert_eq!(by_arn.region.as_deref(), Some("us-east-1"));
        assert_eq!(by_arn.arn.as_deref(), Some(arn));
        for other in [
            "vol-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0",
            "arn:aws:rds:us-east-1:123456789012:db:orders",
            "arn:aws:ec2:us-east-1:123456789012:instance/not-an-instance",
            "UNKNOWN",
            "",
        ] {
            assert_eq!(EntityInstance::read(other), None, "{other}");
        }
    }

    #[test]
    fn a_communication_is_its_account_id_and_page() {
        let one = communication("123456789012", Some("abc123-1"), None).expect("valid");
        assert_eq!(
            one.as_deref(),
            Some("aws.health|123456789012|abc123-1|page 1")
        );
        let page_two = communication("123456789012", Some("abc123-1"), Some(&Value::from("2")));
        assert_eq!(
            page_two.expect("valid").as_deref(),
            Some("aws.health|123456789012|abc123-1|page 2")
        );
        let numbered = communication("123456789012", Some("abc123-1"), Some(&Value::from(2)));
        assert_eq!(
            numbered.expect("valid").as_deref(),
            Some("aws.health|123456789012|abc123-1|page 2")
        );
        assert_eq!(
            communication("123456789012", None, Some(&Value::from("2"))).expect("valid"),
            None
        );
        assert!(communication("123456789012", Some("a b"), None).is_err());
        assert!(communication("123456789012", Some("abc"), Some(&Value::from("two"))).is_err());
    }
}
