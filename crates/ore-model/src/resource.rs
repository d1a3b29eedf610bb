//! The part of `data` every resource message shares, whatever happened to the resource (a state
//! change, a notice): which resource, from which AWS event, and what EC2 said of it, with the
//! bounds every such field is held to.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ec2::{is_instance_id, is_region, InstanceRef};
use crate::text::within;
use crate::InputError;

/// `data.resource_type` of an EC2 instance.
pub const RESOURCE_TYPE_EC2_INSTANCE: &str = "ec2:instance";

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
    /// [`RESOURCE_TYPE_EC2_INSTANCE`] today.
    pub resource_type: String,
    /// The instance id.
    pub resource_id: String,
    /// The instance ARN.
    pub resource_arn: String,
    /// EventBridge's event id.
    pub source_event_id: String,
    /// When the normalizer built the message.
    pub processed_at: DateTime<Utc>,
    /// Whether EC2 described the instance.
    pub enrichment: EnrichmentStatus,
    /// Why EC2 could not be asked (only when `enrichment` is `unavailable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrichment_reason: Option<String>,
    /// What EC2 said about it (empty when not found).
    pub instance: InstanceDetails,
}

impl Resource {
    /// The resource an AWS event names, with what EC2 said of it.
    pub fn new(
        target: &InstanceRef,
        lookup: impl Into<Lookup>,
        processed_at: DateTime<Utc>,
    ) -> Self {
        let (enrichment, enrichment_reason, instance) = match lookup.into() {
            // The reason is ORE's own words and AWS's error message: printable, and short.
            Lookup::Found(instance) => (EnrichmentStatus::Enriched, None, instance),
            Lookup::NotFound => (EnrichmentStatus::NotFound, None, InstanceDetails::default()),
            Lookup::Unavailable(reason) => (
                EnrichmentStatus::Unavailable,
                Some(crate::text::clean_text(&reason, MAX_FIELD_CHARS - 1)),
                InstanceDetails::default(),
            ),
        };
        Resource {
            account: target.account.clone(),
            account_name: None,
            region: target.region.clone(),
            partition: target.partition.clone(),
            resource_type: RESOURCE_TYPE_EC2_INSTANCE.to_owned(),
            resource_id: target.instance_id.clone(),
            resource_arn: target.instance_arn.clone(),
            source_event_id: target.event_id.clone(),
            processed_at,
            enrichment,
            enrichment_reason,
            instance,
        }
    }

    /// A readable name for people: the Name tag, else the instance id.
    pub fn display_name(&self) -> &str {
        self.instance
            .name
            .as_deref()
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
            ("data.resource_id", is_instance_id(&self.resource_id)),
            (
                "data.resource_type",
                self.resource_type == RESOURCE_TYPE_EC2_INSTANCE,
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
            ("data.resource_arn", Some(&self.resource_arn)),
            ("data.source_event_id", Some(&self.source_event_id)),
            ("data.enrichment_reason", self.enrichment_reason.as_ref()),
        ];
        for (field, value) in fields {
            if let Some(value) = value {
                within(field, value, MAX_FIELD_CHARS)?;
            }
        }
        if let Some(name) = &self.account_name {
            within(
                "data.account_name",
                name,
                crate::accounts::MAX_ACCOUNT_NAME_CHARS,
            )?;
        }
        self.instance.check_bounds()
    }
}

impl InstanceDetails {
    /// Hold what EC2 said (user-controlled tags among it) to ORE's bounds.
    fn check_bounds(&self) -> Result<(), InputError> {
        let instance = self;
        let fields = [
            ("data.instance.name", instance.name.as_ref()),
            (
                "data.instance.instance_type",
                instance.instance_type.as_ref(),
            ),
            (
                "data.instance.availability_zone",
                instance.availability_zone.as_ref(),
            ),
            ("data.instance.private_ip", instance.private_ip.as_ref()),
            ("data.instance.public_ip", instance.public_ip.as_ref()),
            ("data.instance.vpc_id", instance.vpc_id.as_ref()),
            ("data.instance.subnet_id", instance.subnet_id.as_ref()),
            ("data.instance.platform", instance.platform.as_ref()),
            ("data.instance.architecture", instance.architecture.as_ref()),
        ];
        for (field, value) in fields {
            if let Some(value) = value {
                within(field, value, MAX_FIELD_CHARS)?;
            }
        }
        if instance.tags.len() > MAX_TAGS {
            return Err(InputError::InvalidField {
                field: "data.instance.tags",
                reason: format!("{} tags, at most {MAX_TAGS} allowed", instance.tags.len()),
            });
        }
        for (key, value) in &instance.tags {
            within("data.instance.tags key", key, MAX_TAG_KEY_CHARS)?;
            within("data.instance.tags value", value, MAX_TAG_VALUE_CHARS)?;
        }
        Ok(())
    }
}

/// Whether `instance` holds what EC2 said about the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrichmentStatus {
    /// EC2 described the instance.
    Enriched,
    /// EC2 no longer knows the instance (terminated over an hour ago, or never existed).
    NotFound,
    /// ORE could not ask EC2 about it: the instance's account has no enrichment role ORE may
    /// assume, or refused it (`enrichment_reason` says which).
    Unavailable,
}

/// What asking EC2 about an instance gave.
#[derive(Debug, Clone, PartialEq)]
// Made once per record and moved into its message: boxing the details would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Lookup {
    /// EC2 described it.
    Found(InstanceDetails),
    /// EC2 does not know it.
    NotFound,
    /// EC2 could not be asked, and why.
    Unavailable(String),
}

impl Lookup {
    /// What EC2 said, when it was asked and knew the instance.
    pub fn found(&self) -> Option<&InstanceDetails> {
        match self {
            Lookup::Found(instance) => Some(instance),
            _ => None,
        }
    }
}

impl From<Option<InstanceDetails>> for Lookup {
    fn from(instance: Option<InstanceDetails>) -> Self {
        instance.map_or(Lookup::NotFound, Lookup::Found)
    }
}

impl EnrichmentStatus {
    /// The wire name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrichmentStatus::Enriched => "enriched",
            EnrichmentStatus::NotFound => "not_found",
            EnrichmentStatus::Unavailable => "unavailable",
        }
    }
}

/// What `DescribeInstances` tells about an instance; every field is empty when not enriched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceDetails {
    /// The `Name` tag.
    pub name: Option<String>,
    /// For example `t3.micro`.
    pub instance_type: Option<String>,
    /// For example `eu-west-1a`.
    pub availability_zone: Option<String>,
    /// Primary private IPv4.
    pub private_ip: Option<String>,
    /// Public IPv4, if any.
    pub public_ip: Option<String>,
    /// The VPC.
    pub vpc_id: Option<String>,
    /// The subnet.
    pub subnet_id: Option<String>,
    /// When it was last launched.
    pub launch_time: Option<DateTime<Utc>>,
    /// EC2's `PlatformDetails`, for example `Linux/UNIX`.
    pub platform: Option<String>,
    /// For example `arm64`.
    pub architecture: Option<String>,
    /// Every tag (untrusted text: escaped in mail, guarded in CSV).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
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
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
