//! The enrichment port ([`DescribeInstance`]) on EC2's `DescribeInstances`.

use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use chrono::DateTime;
use ore_lambda::aws_error::record_error;
use ore_lambda::ports::DescribeInstance;
use ore_lambda::RecordError;
use ore_model::standard::InstanceDetails;

/// `DescribeInstances` through the SDK client built once per cold start.
#[derive(Clone, Debug)]
pub struct Ec2Describer {
    client: aws_sdk_ec2::Client,
}

impl Ec2Describer {
    /// Describe through `client`.
    pub fn new(client: aws_sdk_ec2::Client) -> Self {
        Ec2Describer { client }
    }
}

const NOT_FOUND: &str = "InvalidInstanceID.NotFound";

impl DescribeInstance for Ec2Describer {
    async fn describe(
        &self,
        region: &str,
        instance_id: &str,
    ) -> Result<Option<InstanceDetails>, RecordError> {
        // The event's region, not the function's: events forwarded from another region's bus
        // describe their instance where it lives.
        let in_region =
            aws_sdk_ec2::config::Builder::default().region(Region::new(region.to_owned()));
        let result = self
            .client
            .describe_instances()
            .instance_ids(instance_id)
            .customize()
            .config_override(in_region)
            .send()
            .await;
        match result {
            Ok(output) => Ok(output
                .reservations()
                .iter()
                .flat_map(|r| r.instances())
                .find(|i| i.instance_id() == Some(instance_id))
                .map(instance_details)),
            Err(error) if error.code() == Some(NOT_FOUND) => Ok(None),
            Err(error) => Err(record_error("ec2:DescribeInstances", error)),
        }
    }
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
