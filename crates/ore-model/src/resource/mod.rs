//! The part of `data` every resource message shares, whatever happened to the resource (a state
//! change, a notice): which resource, from which AWS event, and what ORE learnt of it (EC2's
//! description of an instance, the tags of any other resource), with the bounds every such
//! field is held to.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::arn::{ResourceArn, MAX_ARN_CHARS};
use crate::ec2::{is_instance_id, is_region};

mod lookup;
mod target;
use crate::text::within;
use crate::InputError;
pub use lookup::{EnrichmentStatus, InstanceDetails, Lookup};
pub use target::{resource_key, ResourceRef};

/// `data.resource_type` of an EC2 instance.
pub const RESOURCE_TYPE_EC2_INSTANCE: &str = "ec2:instance";
/// `data.resource_type` of what AWS Health names an affected entity that is not an ARN (a
/// domain name, an id of no documented form, `UNKNOWN`).
pub const RESOURCE_TYPE_HEALTH_ENTITY: &str = "health:entity";
/// `data.resource_type` of an AWS Health event that names no entity: it is about the account.
pub const RESOURCE_TYPE_HEALTH_ACCOUNT: &str = "health:account";

/// Bounds on user-controlled values (EC2's own tag limits, with room for `aws:` tags).
pub const MAX_TAGS: usize = 64;
/// EC2's own limit on a tag key.
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// EC2's own limit on a tag value.
pub const MAX_TAG_VALUE_CHARS: usize = 256;
/// Bound on every other text field.
const MAX_FIELD_CHARS: usize = 256;

/// The part of `data` every resource message shares, whatever happened to the resource: which
/// resource, from which AWS event, and what EC2 said about it. Flattened into `data`, so on the
/// wire these are plain `data` fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// The resource's account.
    pub account: String,
    /// The account's name, when the deployment's `AccountNames` has one for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// The resource's region.
    pub region: String,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// `service:type` from the resource's ARN ([`RESOURCE_TYPE_EC2_INSTANCE`] for an instance),
    /// or one of AWS Health's [`RESOURCE_TYPE_HEALTH_ENTITY`], [`RESOURCE_TYPE_HEALTH_ACCOUNT`].
    pub resource_type: String,
    /// The resource's id: the instance id, the id in the ARN, the entity AWS Health names.
    pub resource_id: String,
    /// The resource's ARN; absent only for what AWS Health names without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    /// The `Name` tag of a resource that is not an instance (an instance's is `instance.name`,
    /// where it always was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    /// EventBridge's event id.
    pub source_event_id: String,
    /// When the normalizer built the message.
    pub processed_at: DateTime<Utc>,
    /// Whether EC2 described the instance, or the Tagging API the resource's tags.
    pub enrichment: EnrichmentStatus,
    /// Why AWS could not be asked (only when `enrichment` is `unavailable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrichment_reason: Option<String>,
    /// What EC2 said about an instance (empty when not found); absent for other resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<InstanceDetails>,
    /// The tags of a resource that is not an instance, when the Tagging API was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

impl Resource {
    /// The resource an AWS event names, with what ORE learnt of it.
    pub fn new(
        target: &ResourceRef,
        lookup: impl Into<Lookup>,
        processed_at: DateTime<Utc>,
    ) -> Self {
        let is_instance = target.instance_id().is_some();
        let (enrichment, enrichment_reason, instance, tags) = match lookup.into() {
            Lookup::Found(instance) => (EnrichmentStatus::Enriched, None, Some(instance), None),
            Lookup::Tagged(tags) => (EnrichmentStatus::Enriched, None, None, Some(tags)),
            Lookup::NotFound => (EnrichmentStatus::NotFound, None, None, None),
            // The reason is ORE's own words and AWS's error message: printable, and short.
            Lookup::Unavailable(reason) => (
                EnrichmentStatus::Unavailable,
                Some(crate::text::clean_text(&reason, MAX_FIELD_CHARS - 1)),
                None,
                None,
            ),
            Lookup::NotApplicable => (EnrichmentStatus::NotApplicable, None, None, None),
        };
        // An instance's message always has its `instance` object, empty when not described; no
        // other resource's ever has one.
        let instance = is_instance.then(|| instance.unwrap_or_default());
        let resource_name = tags
            .as_ref()
            .and_then(|tags| tags.get("Name"))
            .filter(|name| !name.trim().is_empty())
            .cloned();
        Resource {
            account: target.account.clone(),
            account_name: None,
            region: target.region.clone(),
            partition: target.partition.clone(),
            resource_type: target.resource_type.clone(),
            resource_id: target.resource_id.clone(),
            resource_arn: target.resource_arn.clone(),
            resource_name,
            source_event_id: target.event_id.clone(),
            processed_at,
            enrichment,
            enrichment_reason,
            instance,
            tags,
        }
    }

    /// The resource's tags, whoever said them: EC2 for an instance, the Tagging API for any
    /// other resource; none when neither was asked or answered.
    pub fn tags(&self) -> &BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        match (&self.instance, &self.tags) {
            (Some(instance), _) => &instance.tags,
            (None, Some(tags)) => tags,
            (None, None) => &NONE,
        }
    }

    /// What identifies the resource for ORE's records (message ids, the store): its ARN, or
    /// for an entity AWS Health names without one, the entity in its account and region.
    pub fn key(&self) -> String {
        resource_key(
            self.resource_arn.as_deref(),
            &self.account,
            &self.region,
            &self.resource_type,
            &self.resource_id,
        )
    }

    /// A readable name for people: the Name tag, else the resource's id.
    pub fn display_name(&self) -> &str {
        self.instance
            .as_ref()
            .and_then(|instance| instance.name.as_deref())
            .or(self.resource_name.as_deref())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.resource_id)
    }

    /// The same resource with its account's name from `names`, when they have one.
    pub fn named(mut self, names: &crate::accounts::AccountNames) -> Self {
        self.account_name = names.name(&self.account).map(str::to_owned);
        self
    }

    /// How people read the account: `payments-prod (111122223333)`, or the bare id.
    pub fn account_label(&self) -> String {
        match &self.account_name {
            Some(name) => format!("{name} ({})", self.account),
            None => self.account.clone(),
        }
    }

    /// How a mail subject names the account: its name when configured (shorter, and what people
    /// call it), else the id.
    pub fn account_short(&self) -> &str {
        self.account_name.as_deref().unwrap_or(&self.account)
    }

    /// The CloudEvents `source` of messages about this resource.
    pub fn event_source(&self) -> String {
        format!("urn:ore:aws:{}:{}", self.account, self.region)
    }

    /// SNS message attributes every resource message carries besides its own, so subscribers
    /// can filter without parsing the body.
    pub fn routing_attributes(&self) -> [(&'static str, &str); 3] {
        [
            ("resource_type", &self.resource_type),
            ("account", &self.account),
            ("region", &self.region),
        ]
    }

    /// Hold every field to AWS's formats and ORE's bounds: these end up in console links, mail
    /// subjects and CSV cells.
    pub fn check_bounds(&self) -> Result<(), InputError> {
        let formats = [
            (
                "data.account",
                self.account.len() == 12 && self.account.bytes().all(|b| b.is_ascii_digit()),
            ),
            ("data.region", is_region(&self.region)),
            ("data.resource_type", is_resource_type(&self.resource_type)),
            ("data.resource_id", self.resource_id_matches_type()),
            (
                "data.resource_arn",
                self.resource_arn
                    .as_deref()
                    .map_or(self.is_health_named(), |arn| {
                        ResourceArn::parse(arn).is_some()
                    }),
            ),
        ];
        if let Some((field, _)) = formats.iter().find(|(_, ok)| !ok) {
            return Err(InputError::InvalidField {
                field,
                reason: "not in the format AWS uses".into(),
            });
        }
        let fields = [
            ("data.account", Some(&self.account)),
            ("data.region", Some(&self.region)),
            ("data.partition", Some(&self.partition)),
            ("data.resource_type", Some(&self.resource_type)),
            ("data.resource_id", Some(&self.resource_id)),
            ("data.source_event_id", Some(&self.source_event_id)),
            ("data.enrichment_reason", self.enrichment_reason.as_ref()),
            ("data.resource_name", self.resource_name.as_ref()),
        ];
        for (field, value) in fields {
            if let Some(value) = value {
                within(field, value, MAX_FIELD_CHARS)?;
            }
        }
        if let Some(arn) = &self.resource_arn {
            within("data.resource_arn", arn, MAX_ARN_CHARS)?;
        }
        if let Some(name) = &self.account_name {
            within(
                "data.account_name",
                name,
                crate::accounts::MAX_ACCOUNT_NAME_CHARS,
            )?;
        }
        if let Some(tags) = &self.tags {
            check_tags(["data.tags", "data.tags key", "data.tags value"], tags)?;
        }
        match &self.instance {
            Some(instance) => instance.check_bounds(),
            None if self.resource_type == RESOURCE_TYPE_EC2_INSTANCE => {
                Err(InputError::InvalidField {
                    field: "data.instance",
                    reason: "an instance's message has its instance object".into(),
                })
            }
            None => Ok(()),
        }
    }

    /// An instance's id is EC2's; any other id is printable text.
    fn resource_id_matches_type(&self) -> bool {
        if self.resource_type == RESOURCE_TYPE_EC2_INSTANCE {
            is_instance_id(&self.resource_id)
        } else {
            !self.resource_id.is_empty() && !self.resource_id.chars().any(char::is_control)
        }
    }

    /// What AWS Health names without an ARN: an entity, or the account itself.
    fn is_health_named(&self) -> bool {
        [RESOURCE_TYPE_HEALTH_ENTITY, RESOURCE_TYPE_HEALTH_ACCOUNT]
            .contains(&self.resource_type.as_str())
    }
}

/// `service` or `service:type`, as [`ResourceArn::resource_type`] writes it.
pub(crate) fn is_resource_type(text: &str) -> bool {
    let (service, kind) = text.split_once(':').unwrap_or((text, "x"));
    let service_ok = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let kind_ok = !kind.is_empty()
        && kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    text.len() <= 64 && service_ok && kind_ok
}

/// Tags are user-controlled text: at most [`MAX_TAGS`], each key and value within AWS's limits;
/// `fields` name the map, a key and a value in a refusal.
fn check_tags(
    fields: [&'static str; 3],
    tags: &BTreeMap<String, String>,
) -> Result<(), InputError> {
    let [map_field, key_field, value_field] = fields;
    if tags.len() > MAX_TAGS {
        return Err(InputError::InvalidField {
            field: map_field,
            reason: format!("{} tags, at most {MAX_TAGS} allowed", tags.len()),
        });
    }
    for (key, value) in tags {
        within(key_field, key, MAX_TAG_KEY_CHARS)?;
        within(value_field, value, MAX_TAG_VALUE_CHARS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrichment_wire_names_match_serde() {
        for status in [
            EnrichmentStatus::Enriched,
            EnrichmentStatus::NotFound,
            EnrichmentStatus::Unavailable,
            EnrichmentStatus::NotApplicable,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
