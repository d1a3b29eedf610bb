//! What EC2 knows about instances: the enrichment port ([`DescribeInstance`]), its EC2 adapter
//! with cross-account access (`ec2`) and its scripted fake (`memory`, feature `test-util`).

use std::collections::HashMap;
use std::future::Future;

use ore_lambda::RecordError;
use ore_model::resource::Lookup;

pub mod ec2;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;

/// What EC2 said of each instance asked about, by instance id; an error for one that could not
/// be asked about on its own (the others' answers stand).
pub type Descriptions = HashMap<String, Result<Lookup, RecordError>>;

/// What EC2 knows about instances (the events carry only their ids), asked in their own account
/// and region. The normalizer asks once per batch for each account and region its records name,
/// not once per record.
pub trait DescribeInstance {
    /// Each of `instance_ids` (all in `account` and `region`): `Lookup::NotFound` for one EC2
    /// does not know (terminated long ago, or never existed), `Lookup::Unavailable` for every
    /// one when their account cannot be asked (no role ORE may assume there). Any other failure
    /// is an error, of the call or of one instance, so the records are retried rather than
    /// published degraded.
    fn describe_all(
        &self,
        account: &str,
        region: &str,
        instance_ids: &[&str],
    ) -> impl Future<Output = Result<Descriptions, RecordError>> + Send;
}
