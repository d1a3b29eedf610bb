//! "EC2 Instance Rebalance Recommendation": the Spot instance is at elevated risk of
//! interruption; EC2 suggests moving its work before the two-minute warning.

use serde::Deserialize;
use serde_json::Value;

use super::Adapter;
use crate::ec2::EC2_SOURCE;
use crate::ec2::{Ec2Event, InstanceDetail};
use crate::notice::{AdaptedNotice, Notice, RebalanceRecommendation};
use crate::InputError;

/// Reads the rebalance recommendation.
pub struct RebalanceAdapter;

impl InstanceDetail for Detail {
    fn take_instance_id(&mut self) -> String {
        std::mem::take(&mut self.instance_id)
    }
}

#[derive(Debug, Deserialize)]
struct Detail {
    #[serde(rename = "instance-id")]
    instance_id: String,
}

impl Adapter for RebalanceAdapter {
    const SOURCE: &'static str = EC2_SOURCE;
    const DETAIL_TYPE: &'static str = "EC2 Instance Rebalance Recommendation";
    type Output = Vec<AdaptedNotice>;

    fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
        let (target, _) = Ec2Event::<Detail>::parse(payload)?;
        Ok(vec![AdaptedNotice {
            target: target.into(),
            notice: Notice::RebalanceRecommendation(RebalanceRecommendation {}),
            communication: None,
        }])
    }
}
