//! Which resources an AWS Health event names: each affected entity read as the resource its ARN
//! or id names (or an entity of its own), each once, and the account when it names none.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Entity, MAX_AFFECTED_ENTITIES, MAX_ENTITY_CHARS};
use crate::arn::ResourceArn;
use crate::ec2::{is_account, is_instance_id, is_volume_id};
use crate::resource::{
    is_resource_type, ResourceRef, RESOURCE_TYPE_HEALTH_ACCOUNT, RESOURCE_TYPE_HEALTH_ENTITY,
};
use crate::text::clean_text;
use crate::InputError;

/// Where the event's entities are, unless an entity's ARN says otherwise.
pub(super) struct Place {
    pub(super) account: String,
    pub(super) region: String,
    pub(super) partition: String,
}

impl Place {
    /// The resource `entity` names.
    pub(super) fn target(
        &self,
        event_id: &str,
        time: DateTime<Utc>,
        entity: &Entity,
    ) -> ResourceRef {
        let value = entity.entity_value.as_str();
        let account = entity
            .aws_account_id
            .clone()
            .filter(|a| is_account(a))
            .unwrap_or_else(|| self.account.clone());
        let mut target = ResourceRef {
            event_id: event_id.to_owned(),
            account,
            region: self.region.clone(),
            partition: self.partition.clone(),
            time,
            resource_type: RESOURCE_TYPE_HEALTH_ENTITY.to_owned(),
            resource_id: entity_id(value),
            resource_arn: None,
            event_tags: None,
        };
        // EC2's ids name their resource's type: an instance or a volume by id is that resource.
        let ec2_type = if is_instance_id(value) {
            Some("instance")
        } else if is_volume_id(value) {
            Some("volume")
        } else {
            None
        };
        if let Some(kind) = ec2_type {
            target.resource_type = format!("ec2:{kind}");
            target.resource_arn = Some(format!(
                "arn:{}:ec2:{}:{}:{kind}/{value}",
                target.partition, target.region, target.account
            ));
        } else if let Some(arn) = ResourceArn::parse(value) {
            let resource_type = arn.resource_type();
            // An EC2 instance or volume ARN names its id after `/`, as its messages' ARNs do.
            let ec2_kind = match resource_type.as_str() {
                "ec2:instance" => Some(("instance", is_instance_id(arn.id))),
                "ec2:volume" => Some(("volume", is_volume_id(arn.id))),
                _ => None,
            };
            let id_ok = arn.id.chars().count() <= MAX_ENTITY_CHARS
                && is_resource_type(&resource_type)
                && !arn.id.chars().any(char::is_control)
                && ec2_kind
                    .is_none_or(|(kind, id_ok)| id_ok && value.contains(&format!(":{kind}/")));
            if id_ok {
                if !arn.account.is_empty() {
                    target.account = arn.account.to_owned();
                }
                if !arn.region.is_empty() {
                    target.region = arn.region.to_owned();
                }
                target.partition = arn.partition.to_owned();
                target.resource_type = resource_type;
                target.resource_id = arn.id.to_owned();
                // EC2's ARNs are rebuilt in the standard form (account and region filled in),
                // so every message about one instance or volume has the same ARN and id.
                target.resource_arn = Some(match ec2_kind {
                    Some((kind, _)) => format!(
                        "arn:{}:ec2:{}:{}:{kind}/{}",
                        target.partition, target.region, target.account, arn.id
                    ),
                    None => value.to_owned(),
                });
            }
        }
        target
    }

    /// An event that names no entity is about the account.
    pub(super) fn account_itself(&self, event_id: &str, time: DateTime<Utc>) -> ResourceRef {
        ResourceRef {
            event_id: event_id.to_owned(),
            account: self.account.clone(),
            region: self.region.clone(),
            partition: self.partition.clone(),
            time,
            resource_type: RESOURCE_TYPE_HEALTH_ACCOUNT.to_owned(),
            resource_id: self.account.clone(),
            resource_arn: None,
            event_tags: None,
        }
    }
}

/// An entity's id as a message carries it: every control character removed (a message's ids
/// are one line), cut at [`MAX_ENTITY_CHARS`].
pub(super) fn entity_id(value: &str) -> String {
    let printable: String = value.chars().filter(|c| !c.is_control()).collect();
    clean_text(&printable, MAX_ENTITY_CHARS)
}

/// The partition of the Health event's ARN (`arn:aws-cn:health:…`), `aws` if it names none.
pub(super) fn partition_of(event_arn: &str) -> String {
    event_arn
        .split(':')
        .nth(1)
        .filter(|p| p.starts_with("aws"))
        .unwrap_or("aws")
        .to_owned()
}

/// The entities the event is about, each once: its affected entities, or its `resources` when
/// it lists no entity (none at all: the event is about the account). More than ORE splits one
/// event into is refused with the field named.
pub(super) fn affected_entities(
    entities: Option<Vec<Entity>>,
    resources: Vec<String>,
) -> Result<Vec<Entity>, InputError> {
    let entities: Vec<Entity> = match entities {
        Some(entities) if !entities.is_empty() => entities,
        _ => resources
            .into_iter()
            .map(|value| Entity {
                entity_value: value,
                aws_account_id: None,
            })
            .collect(),
    };
    let mut seen = HashSet::new();
    let entities: Vec<Entity> = entities
        .into_iter()
        .filter(|e| !entity_id(&e.entity_value).is_empty())
        .filter(|e| seen.insert((e.entity_value.clone(), e.aws_account_id.clone())))
        .collect();
    if entities.len() > MAX_AFFECTED_ENTITIES {
        return Err(InputError::InvalidField {
            field: "detail.affectedEntities",
            reason: format!(
                "{} entities, at most {MAX_AFFECTED_ENTITIES} in one event",
                entities.len()
            ),
        });
    }
    Ok(entities)
}
