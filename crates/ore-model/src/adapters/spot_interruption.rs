//! "EC2 Spot Instance Interruption Warning": EC2 will terminate, stop or hibernate the Spot
//! instance two minutes after the event's time.

use serde::Deserialize;
use serde_json::Value;

use super::{Adapter, Ec2Event};
use crate::ec2::{InstanceRef, EC2_SOURCE};
use crate::notice::{InstanceNotice, Notice, SpotAction, SpotInterruption, SPOT_WARNING_LEAD};
use crate::InputError;

/// Reads the Spot interruption warning.
pub struct SpotInterruptionAdapter;

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
    type Output = Vec<InstanceNotice>;

    fn adapt(payload: Value) -> Result<Vec<InstanceNotice>, InputError> {
        let event: Ec2Event<Detail> = serde_json::from_value(payload).map_err(InputError::Shape)?;
        let action_time = event.time + SPOT_WARNING_LEAD;
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
            notice: Notice::SpotInterruption(SpotInterruption {
                action: event.detail.instance_action,
                action_time,
            }),
        }])
    }
}
