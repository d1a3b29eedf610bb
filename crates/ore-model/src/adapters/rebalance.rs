//! "EC2 Instance Rebalance Recommendation": the Spot instance is at elevated risk of
//! interruption; EC2 suggests moving its work before the two-minute warning.

use serde::Deserialize;
use serde_json::Value;

use super::{Adapter, Ec2Event};
use crate::ec2::{InstanceRef, EC2_SOURCE};
use crate::notice::{InstanceNotice, Notice, RebalanceRecommendation};
use crate::InputError;

/// Reads the rebalance recommendation.
pub struct RebalanceAdapter;

#[derive(Debug, Deserialize)]
struct Detail {
    #[serde(rename = "instance-id")]
    instance_id: String,
}

impl Adapter for RebalanceAdapter {
    const SOURCE: &'static str = EC2_SOURCE;
    const DETAIL_TYPE: &'static str = "EC2 Instance Rebalance Recommendation";
    type Output = Vec<InstanceNotice>;

    fn adapt(payload: Value) -> Result<Vec<InstanceNotice>, InputError> {
        let event: Ec2Event<Detail> = serde_json::from_value(payload).map_err(InputError::Shape)?;
        let target = InstanceRef::checked(
            event.id,
            event.account,
            event.region,
            event.time,
            event.detail.instance_id,
            &event.resources,
        )?;
        Ok(vec![InstanceNotice {
            target,
            notice: Notice::RebalanceRecommendation(RebalanceRecommendation {}),
        }])
    }
}
