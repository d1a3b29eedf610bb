//! Lambda entrypoint: configuration and the EventBridge client are built once per cold start.

use bus_publisher::{BusPublisher, EventBridgeBus, EVENT_BUS_ARN};
use ore_lambda::config::required;
use ore_lambda::requeue::SqsRequeue;
use ore_lambda::runtime::{init_logging, serve};
use ore_lambda::sdk_config::{load_sdk_config, SdkSettings};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let bus_arn = required(EVENT_BUS_ARN)?;
    let sdk = load_sdk_config(&SdkSettings::from_env()?).await;
    let bus = EventBridgeBus::new(aws_sdk_eventbridge::Client::new(&sdk), bus_arn);
    serve(BusPublisher::new(bus), SqsRequeue::new(&sdk)).await
}
