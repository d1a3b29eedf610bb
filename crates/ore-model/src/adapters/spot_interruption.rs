//! "EC2 Spot Instance Interruption Warning": EC2 will terminate, stop or hibernate the Spot
//! instance two minutes after the event's time.

use serde::Deserialize;
use serde_json::Value;

use super::Adapter;
use crate::ec2::EC2_SOURCE;
use crate::ec2::{Ec2Event, InstanceDetail};
use crate::notice::{AdaptedNotice, Notice, SpotAction, SpotInterruption, SPOT_WARNING_LEAD};
use crate::InputError;

/// Reads the Spot interruption warning.
pub struct SpotInterruptionAdapter;

impl InstanceDetail for Detail {
    fn take_instance_id(&mut self) -> String {
        std::mem::take(&mut self.instance_id)
    }
}

#[derive(Debug, Deserialize)]
struct Detail {
    #[serde(rename = "instance-id")]
    instance_id: String,
    #[serde(rename = "instance-action")]
    instance_action: SpotAction,
}

impl Adapter for SpotInterruptionAdapter {
    const SOURCE: &'static str = EC2_SOURCE;
    const DETAIL_TYPE: &'static str = "EC2 Spot Instance Interruption Warning";
    type Output = Vec<AdaptedNotice>;

    fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
        let (target, detail) = Ec2Event::<Detail>::parse(payload)?;
        let action_time = target.time + SPOT_WARNING_LEAD;
        Ok(vec![AdaptedNotice {
            target: target.into(),
            notice: Notice::SpotInterruption(SpotInterruption {
                action: detail.instance_action,
                action_time,
            }),
            communication: None,
        }])
    }
}
