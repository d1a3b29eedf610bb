//! The resource an AWS event names, before ORE learnt anything of it ([`ResourceRef`]), and what
//! identifies it in ORE's records ([`resource_key`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::RESOURCE_TYPE_EC2_INSTANCE;
use crate::ec2::InstanceRef;

/// What identifies a resource for ORE's records: its ARN, or for what AWS Health names without
/// one, a URN of the entity in its account and region.
pub fn resource_key(
    arn: Option<&str>,
    account: &str,
    region: &str,
    resource_type: &str,
    resource_id: &str,
) -> String {
    match arn {
        Some(arn) => arn.to_owned(),
        None => format!("urn:ore:{resource_type}:{account}:{region}:{resource_id}"),
    }
}

/// A resource named by an AWS event, its identifiers checked: what an adapter hands the
/// normalizer to look up, filter and publish.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRef {
    /// EventBridge's event id.
    pub event_id: String,
    /// The resource's account.
    pub account: String,
    /// The resource's region (where to ask about it).
    pub region: String,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The event's time.
    pub time: DateTime<Utc>,
    /// `service:type`, as in the message.
    pub resource_type: String,
    /// The resource's id.
    pub resource_id: String,
    /// Its ARN, absent only for what AWS Health names without one.
    pub resource_arn: Option<String>,
    /// The tags the event itself gives (AWS Config's configuration item carries them): no call
    /// asks for them again. `None`: the event gives none, AWS is asked.
    pub event_tags: Option<BTreeMap<String, String>>,
}

impl ResourceRef {
    /// The instance id, when the resource is an EC2 instance (EC2 describes it).
    pub fn instance_id(&self) -> Option<&str> {
        (self.resource_type == RESOURCE_TYPE_EC2_INSTANCE).then_some(self.resource_id.as_str())
    }

    /// See [`Resource::key`].
    pub fn key(&self) -> String {
        resource_key(
            self.resource_arn.as_deref(),
            &self.account,
            &self.region,
            &self.resource_type,
            &self.resource_id,
        )
    }
}

impl From<InstanceRef> for ResourceRef {
    fn from(instance: InstanceRef) -> Self {
        ResourceRef {
            event_id: instance.event_id,
            account: instance.account,
            region: instance.region,
            partition: instance.partition,
            time: instance.time,
            resource_type: RESOURCE_TYPE_EC2_INSTANCE.to_owned(),
            resource_id: instance.instance_id,
            resource_arn: Some(instance.instance_arn),
            event_tags: None,
        }
    }
}
