//! The EventBridge envelope of an AWS event about one resource its ARN names (an EBS volume, an
//! RDS database): its identifiers checked once, and the resource it names, for every adapter of
//! such a kind.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::arn::ResourceArn;
use crate::ec2::{check, is_account, is_region};
use crate::resource::ResourceRef;
use crate::InputError;

/// An AWS event about a resource, with the kind's `detail`.
#[derive(Debug, Deserialize)]
pub(crate) struct ResourceEvent<D> {
    pub(crate) id: String,
    pub(crate) account: String,
    pub(crate) time: DateTime<Utc>,
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) resources: Vec<String>,
    pub(crate) detail: D,
}

impl<D: DeserializeOwned> ResourceEvent<D> {
    /// The event, its shape and envelope identifiers checked (the detail is the kind's to check).
    pub(crate) fn parse(payload: Value) -> Result<Self, InputError> {
        let event: Self = serde_json::from_value(payload).map_err(InputError::Shape)?;
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
        Ok(event)
    }

    /// The resource `arn` names, in the ARN's account and region where it gives them, else the
    /// event's.
    pub(crate) fn target(&self, arn: &ResourceArn<'_>) -> ResourceRef {
        ResourceRef {
            event_id: self.id.clone(),
            account: Some(arn.account)
                .filter(|a| is_account(a))
                .unwrap_or(&self.account)
                .to_owned(),
            region: Some(arn.region)
                .filter(|r| is_region(r))
                .unwrap_or(&self.region)
                .to_owned(),
            partition: arn.partition.to_owned(),
            time: self.time,
            resource_type: arn.resource_type(),
            resource_id: arn.id.to_owned(),
            resource_arn: Some(arn.arn.to_owned()),
            event_tags: None,
        }
    }
}
