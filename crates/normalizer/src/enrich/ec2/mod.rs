//! EC2's `DescribeInstances` for a batch's instances of one account and region: by
//! `InstanceIds`, in chunks asked a few at once, then as EC2's answer asks (`calls`).

use std::sync::atomic::AtomicU32;

use chrono::DateTime;
use futures_util::stream::{self, StreamExt};
use ore_lambda::RecordError;
use ore_model::resource::{InstanceDetails, Lookup};

use super::Descriptions;

mod calls;

use calls::Calls;
pub use calls::IDS_PER_CALL;

/// Chunks of one account and region's ids asked at once (an AWS Health event can name up to
/// 2,500 instances: 13 chunks).
const CHUNKS_AT_ONCE: usize = 4;

/// What EC2 says of `instance_ids` (in `region`, asked with `client`), `counter` counting the
/// requests. By `InstanceIds`, as the API reference advises for an Availability Zone's
/// disruption (a call naming only instances of healthy zones still works; one naming none, as
/// a filter does, fails). An id EC2 does not know fails the whole call, naming it: it is
/// `NotFound`, and the others are asked again. A call that fails otherwise, with an answer
/// from EC2, is made again instance by instance, so one zone's trouble fails only its
/// instances; throttling and an unreachable EC2 fail them all (asking more would not help).
pub(super) async fn describe(
    client: &aws_sdk_ec2::Client,
    region: &str,
    instance_ids: &[&str],
    counter: &AtomicU32,
) -> Result<Descriptions, RecordError> {
    let calls = Calls {
        client,
        region,
        counter,
    };
    let chunks: Vec<Vec<String>> = instance_ids
        .chunks(IDS_PER_CALL)
        .map(|ids| ids.iter().map(|id| (*id).to_owned()).collect())
        .collect();
    let answers: Vec<Result<Descriptions, RecordError>> = stream::iter(chunks)
        .map(|ids: Vec<String>| calls.describe_chunk(ids))
        .buffer_unordered(CHUNKS_AT_ONCE)
        .collect()
        .await;
    let mut found = Descriptions::new();
    for answer in answers {
        found.extend(answer?);
    }
    for id in instance_ids {
        found
            .entry((*id).to_owned())
            .or_insert(Ok(Lookup::NotFound));
    }
    Ok(found)
}

/// Map the SDK's instance to the standard message's fields.
pub fn instance_details(instance: &aws_sdk_ec2::types::Instance) -> InstanceDetails {
    let tags: std::collections::BTreeMap<String, String> = instance
        .tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect();
    let text = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(str::to_owned);
    InstanceDetails {
        name: text(tags.get("Name").map(String::as_str)),
        instance_type: text(instance.instance_type().map(|t| t.as_str())),
        availability_zone: text(instance.placement().and_then(|p| p.availability_zone())),
        private_ip: text(instance.private_ip_address()),
        public_ip: text(instance.public_ip_address()),
        vpc_id: text(instance.vpc_id()),
        subnet_id: text(instance.subnet_id()),
        launch_time: instance
            .launch_time()
            .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
        platform: text(instance.platform_details()),
        architecture: text(instance.architecture().map(|a| a.as_str())),
        tags,
    }
}
