//! What AWS said of a resource when ORE asked: EC2's description of an instance, the Tagging
//! API's tags of anything else ([`Lookup`]), and how a message says whether it was asked
//! ([`EnrichmentStatus`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{check_tags, MAX_FIELD_CHARS};
use crate::text::within;
use crate::InputError;

impl InstanceDetails {
    /// Hold what EC2 said (user-controlled tags among it) to ORE's bounds.
    pub(super) fn check_bounds(&self) -> Result<(), InputError> {
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
        check_tags(
            [
                "data.instance.tags",
                "data.instance.tags key",
                "data.instance.tags value",
            ],
            &instance.tags,
        )
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
    /// Nothing to ask: AWS Health named an entity that is not an AWS resource ORE can look up.
    NotApplicable,
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
    /// AWS could not be asked, and why.
    Unavailable(String),
    /// The Tagging API's answer for a resource that is not an instance: its tags (none when it
    /// has none: the API answers only for resources tagged now or before).
    Tagged(BTreeMap<String, String>),
    /// Nothing to ask about (an entity AWS Health names without an ARN).
    NotApplicable,
}

impl Lookup {
    /// What EC2 said, when it was asked and knew the instance.
    pub fn found(&self) -> Option<&InstanceDetails> {
        match self {
            Lookup::Found(instance) => Some(instance),
            _ => None,
        }
    }

    /// The resource's tags, when AWS was asked and answered: EC2's for an instance, the
    /// Tagging API's for any other resource.
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            Lookup::Found(instance) => Some(&instance.tags),
            Lookup::Tagged(tags) => Some(tags),
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
            EnrichmentStatus::NotApplicable => "not_applicable",
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
