//! Lambda entrypoint: configuration and the SNS client are built once per cold start.

use aws_lambda_events::sqs::SqsEvent;
use csv_formatter::{CsvFormatter, CSV_TOPIC_ARN};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use ore_model::config::required;
use ore_model::sns::SnsTopic;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let topic_arn = required(CSV_TOPIC_ARN)?;
    let sdk = aws_config::load_from_env().await;
    let formatter = CsvFormatter::new(SnsTopic::new(aws_sdk_sns::Client::new(&sdk), topic_arn));
    let formatter = &formatter;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        formatter
            .handle_batch(&event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
