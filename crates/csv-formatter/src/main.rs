//! Lambda entrypoint: configuration and the SNS client are built once per cold start.

use csv_formatter::{CsvFormatter, CSV_TOPIC_ARN};
use ore_lambda::config::required;
use ore_lambda::requeue::SqsRequeue;
use ore_lambda::runtime::{init_logging, serve};
use ore_lambda::sdk_config::{load_sdk_config, SdkSettings};
use ore_lambda::sns::SnsTopic;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let topic_arn = required(CSV_TOPIC_ARN)?;
    let sdk = load_sdk_config(&SdkSettings::from_env()?).await;
    let formatter = CsvFormatter::new(SnsTopic::new(aws_sdk_sns::Client::new(&sdk), topic_arn));
    serve(formatter, SqsRequeue::new(&sdk)).await
}
