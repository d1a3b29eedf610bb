//! What EC2 knows about an instance: the enrichment port ([`DescribeInstance`]), its EC2 adapter
//! with cross-account access (`ec2`) and its scripted fake (`memory`, feature `test-util`).

use std::future::Future;

use ore_lambda::RecordError;
use ore_model::resource::Lookup;

pub mod ec2;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;

/// What EC2 knows about an instance (the event itself carries only its id), asked in the
/// instance's own account and region.
pub trait DescribeInstance {
    /// `Lookup::NotFound` when EC2 does not know the instance (terminated long ago, or never
    /// existed); `Lookup::Unavailable` when its account cannot be asked (no role ORE may assume
    /// there). Any other failure is an error, so the record is retried rather than published
    /// degraded.
    fn describe(
        &self,
        account: &str,
        region: &str,
        instance_id: &str,
    ) -> impl Future<Output = Result<Lookup, RecordError>> + Send;
}
