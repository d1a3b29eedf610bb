//! "AWS Health Event", every service and every category. One event can name many affected
//! entities; each becomes its own notice:
//! - an EC2 instance (by id or by ARN; the schema reference shows both) in an EC2
//!   `scheduledChange`: a scheduled change (retirement, reboot, network or power maintenance,
//!   scheduled stop or termination), the message it always was;
//! - any other entity: a Health event notice about the resource its ARN names (an instance id
//!   or a volume id is read as the instance or volume), or, for an entity that is not an ARN,
//!   about that entity; an event naming no entity is about the account.
//!
//! AWS writes the times as RFC 2822 (`Sat, 05 Jun 2021 15:10:09 GMT`); RFC 3339 is read too.
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

mod entities;
use crate::ec2::{check, is_account, is_region};
use crate::notice::{
    AdaptedNotice, HealthCategory, HealthEvent, HealthStatus, Notice, ScheduledChange,
    MAX_DESCRIPTION_CHARS, MAX_EVENT_ARN_CHARS,
};
use crate::resource::ResourceRef;
use crate::text::clean_text;
use crate::InputError;
use entities::{affected_entities, partition_of, Place};

/// The Health `service` of EC2, whose instances' scheduled changes keep their own message.
pub const EC2_SERVICE: &str = "EC2";
/// More entities than this in one event is refused (to the dead-letter queue, named in the
/// log). Not a time limit (the normalizer publishes a long list over several deliveries): an
/// EventBridge event is at most 256 KB, which holds about 2,500 affected entities, so more is
/// not an event AWS Health sends.
pub const MAX_AFFECTED_ENTITIES: usize = 2_500;
/// An entity's id longer than this is cut (a resource id is at most 256 in ORE's messages).
const MAX_ENTITY_CHARS: usize = 255;

/// Reads AWS Health's events.
pub struct HealthAdapter;

#[derive(Debug, Deserialize)]
struct HealthEventWire {
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

impl Adapter for HealthAdapter {
    const SOURCE: &'static str = "aws.health";
    const DETAIL_TYPE: &'static str = "AWS Health Event";
    type Output = Vec<AdaptedNotice>;

    fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
        let event: HealthEventWire = serde_json::from_value(payload).map_err(InputError::Shape)?;
        let detail = event.detail;
        let category = detail.category()?;
        detail.check_identity()?;
        let (start_time, end_time) = detail.window(category)?;
        let description = detail.english_description();
        // The impacted region is eventRegion; `region` is where the event was delivered.
        let place = Place {
            account: detail
                .affected_account
                .clone()
                .filter(|a| is_account(a))
                .unwrap_or_else(|| event.account.clone()),
            region: detail
                .event_region
                .clone()
                .filter(|r| is_region(r))
                .unwrap_or_else(|| event.region.clone()),
            partition: partition_of(&detail.event_arn),
        };
        let entities = affected_entities(detail.affected_entities, event.resources)?;
        let communication = communication(
            &event.account,
            detail.communication_id.as_deref(),
            detail.page.as_ref(),
        )?;
        let health_event = HealthEventNotice {
            event_arn: detail.event_arn,
            service: clean_text(&detail.service, 64),
            event_type_code: detail.event_type_code,
            category,
            status: detail.status_code,
            start_time,
            end_time,
            description,
        };
        // Each resource once, however AWS names it (an instance by id and by ARN), per account.
        let mut seen = HashSet::new();
        let targets: Vec<ResourceRef> = if entities.is_empty() {
            vec![place.account_itself(&event.id, event.time)]
        } else {
            entities
                .iter()
                .map(|entity| place.target(&event.id, event.time, entity))
                .filter(|target| seen.insert(target.key()))
                .collect()
        };
        Ok(targets
            .into_iter()
            .map(|target| AdaptedNotice {
                notice: health_event.notice_for(&target),
                target,
                communication: communication.clone(),
            })
            .collect())
    }
}

/// When an event starts and ends, as far as AWS says.
type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// What the event says, before it is told per entity.
struct HealthEventNotice {
    event_arn: String,
    service: String,
    event_type_code: String,
    category: HealthCategory,
    status: HealthStatus,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    description: String,
}

impl HealthEventNotice {
    /// An EC2 instance's scheduled change keeps the message it always had; anything else is a
    /// Health event notice.
    fn notice_for(&self, target: &ResourceRef) -> Notice {
        match self.start_time {
            Some(start_time)
                if self.service == EC2_SERVICE
                    && self.category == HealthCategory::ScheduledChange
                    && target.instance_id().is_some() =>
            {
                Notice::ScheduledChange(ScheduledChange {
                    event_arn: self.event_arn.clone(),
                    event_type_code: self.event_type_code.clone(),
                    status: self.status,
                    start_time,
                    end_time: self.end_time,
                    description: self.description.clone(),
                    previous_status: None,
                })
            }
            _ => Notice::HealthEvent(HealthEvent {
                event_arn: self.event_arn.clone(),
                service: self.service.clone(),
                event_type_code: self.event_type_code.clone(),
                category: self.category,
                status: self.status,
                start_time: self.start_time,
                end_time: self.end_time,
                description: self.description.clone(),
                previous_status: None,
            }),
        }
    }
}

impl Detail {
    /// The event's category, one AWS Health documents.
    fn category(&self) -> Result<HealthCategory, InputError> {
        serde_json::from_value(Value::from(self.event_type_category.as_str())).map_err(|_| {
            InputError::UnexpectedEvent(format!(
                "AWS Health event of category {:?}: not one AWS documents (issue, accountNotification, scheduledChange, investigation)",
                clean_text(&self.event_type_category, 32),
            ))
        })
    }

    /// The event's ARN, service and type code, as AWS Health writes them.
    fn check_identity(&self) -> Result<(), InputError> {
        check(
            "detail.eventArn",
            &self.event_arn,
            self.event_arn.starts_with("arn:aws") && self.event_arn.len() <= MAX_EVENT_ARN_CHARS,
            "must be an AWS Health event ARN",
        )?;
        check(
            "detail.service",
            &self.service,
            (1..=64).contains(&self.service.len())
                && self
                    .service
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "must be an AWS Health service name",
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

    /// The event's window: a scheduled change must say when it starts; an end, where given, is
    /// not before the start.
    fn window(&self, category: HealthCategory) -> Result<Window, InputError> {
        let start_time = self
            .start_time
            .as_deref()
            .map(|text| health_time("detail.startTime", text))
            .transpose()?;
        if start_time.is_none() && category == HealthCategory::ScheduledChange {
            return Err(InputError::InvalidField {
                field: "detail.startTime",
                reason: "a scheduled change needs the start of its window".into(),
            });
        }
        let end_time = self
            .end_time
            .as_deref()
            .map(|text| health_time("detail.endTime", text))
            .transpose()?;
        if let (Some(start), Some(end)) = (start_time, end_time) {
            if end < start {
                return Err(InputError::InvalidField {
                    field: "detail.endTime",
                    reason: format!("{end} is before detail.startTime {start}"),
                });
            }
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
    use crate::resource::RESOURCE_TYPE_HEALTH_ENTITY;

    fn target_of(value: &str) -> ResourceRef {
        let place = Place {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
            partition: "aws".into(),
        };
        let entity = Entity {
            entity_value: value.into(),
            aws_account_id: None,
        };
        place.target("event-1", Utc::now(), &entity)
    }

    #[test]
    fn an_entity_names_a_resource_by_id_or_by_arn_or_is_an_entity() {
        let by_id = target_of("i-0abc1234def567890");
        assert_eq!(by_id.instance_id(), Some("i-0abc1234def567890"));
        assert_eq!(
            by_id.resource_arn.as_deref(),
            Some("arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc1234def567890")
        );
        let arn = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234def567890";
        let by_arn = target_of(arn);
        assert_eq!(by_arn.instance_id(), Some("i-0abc1234def567890"));
        assert_eq!(
            (by_arn.account.as_str(), by_arn.region.as_str()),
            ("123456789012", "us-east-1")
        );
        let volume = target_of("vol-0123456789abcdef0");
        assert_eq!(volume.resource_type, "ec2:volume");
        assert_eq!(
            volume.resource_arn.as_deref(),
            Some("arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0")
        );
        let db = target_of("arn:aws:rds:eu-west-1:123456789012:db:orders");
        assert_eq!(
            (db.resource_type.as_str(), db.resource_id.as_str()),
            ("rds:db", "orders")
        );
        for entity in [
            "arn:aws:ec2:us-east-1:123456789012:instance/not-an-instance",
            "arn:lambda-1-101002929",
            "AWS_ACCOUNT",
            "example.com",
        ] {
            let target = target_of(entity);
            assert_eq!(
                target.resource_type, RESOURCE_TYPE_HEALTH_ENTITY,
                "{entity}"
            );
            assert_eq!(target.resource_id, entity);
            assert_eq!(target.resource_arn, None);
        }
        let long = target_of(&"x".repeat(1000));
        assert_eq!(long.resource_id.chars().count(), MAX_ENTITY_CHARS + 1);
        // Ids are one line; an ARN whose type no message could carry is an entity.
        assert_eq!(target_of("my\tentity\n").resource_id, "myentity");
        for odd in [
            "arn:aws:rds:eu-west-1:123456789012:db+x:orders",
            &format!("arn:aws:s3:::{}/key", "b".repeat(63)),
            "arn:aws:ec2:eu-west-1:123456789012:instance:i-0abc1234def567890",
        ] {
            assert_eq!(
                target_of(odd).resource_type,
                RESOURCE_TYPE_HEALTH_ENTITY,
                "{odd}"
            );
        }
        // An instance ARN without its account is rebuilt whole: the same ARN as by id.
        let partial = target_of("arn:aws:ec2:eu-west-1::instance/i-0abc1234def567890");
        assert_eq!(partial.resource_arn, by_id.resource_arn);
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
