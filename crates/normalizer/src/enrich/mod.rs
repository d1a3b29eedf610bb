//! What AWS knows about the resources events name: the enrichment port
//! ([`DescribeResources`]): EC2's description of instances, and the Resource Groups Tagging
//! API's tags of any other resource. Its AWS adapter ([`aws::AwsDescriber`]) reaches member
//! accounts through `accounts`, asks EC2 in `ec2`, the Tagging API in `tagging` and Auto
//! Scaling, for its groups' tags, in `autoscaling`; its
//! scripted fake is `memory` (feature `test-util`).

use std::collections::HashMap;
use std::future::Future;

use ore_lambda::RecordError;
use ore_model::resource::Lookup;

mod accounts;
pub mod autoscaling;
pub mod aws;
pub mod ec2;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod tagging;

pub use accounts::{partition_of, CREDENTIALS_MARGIN, REFUSAL_MEMORY, SESSION_DURATION};

/// What AWS said of each resource asked about, by instance id or ARN; an error for one that
/// could not be asked about on its own (the others' answers stand).
pub type Descriptions = HashMap<String, Result<Lookup, RecordError>>;

/// What AWS knows about resources (the events carry only their identifiers), asked in their own
/// account and region. The normalizer asks once per batch for each account and region its
/// records name, not once per record.
pub trait DescribeResources: Sync {
    /// Each of `instance_ids` (all in `account` and `region`): `Lookup::NotFound` for one EC2
    /// does not know (terminated long ago, or never existed), `Lookup::Unavailable` for every
    /// one when their account cannot be asked (no role ORE may assume there). Any other failure
    /// is an error, of the call or of one instance, so the records are retried rather than
    /// published degraded.
    fn describe_instances(
        &self,
        account: &str,
        region: &str,
        instance_ids: &[&str],
    ) -> impl Future<Output = Result<Descriptions, RecordError>> + Send;

    /// The tags of each of `arns` (all in `account` and `region`), by ARN: `Lookup::Tagged`,
    /// empty when the Tagging API has none for it (it answers only for resources tagged now
    /// or before); `Lookup::Unavailable` for every one when their account cannot be asked or
    /// refuses the call (the message goes out unenriched, saying why). Throttling and AWS's
    /// own faults are errors, so the records are retried.
    fn read_tags(
        &self,
        account: &str,
        region: &str,
        arns: &[&str],
    ) -> impl Future<Output = Result<Descriptions, RecordError>> + Send;
}
