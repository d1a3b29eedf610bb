//! Lambda entrypoint: configuration and SDK clients are built once per cold start.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use normalizer::{Config, Ec2Describer, Normalizer};
use ore_model::sns::SnsTopic;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = aws_config::load_from_env().await;
    let normalizer = Normalizer::new(
        Ec2Describer::new(aws_sdk_ec2::Client::new(&sdk)),
        SnsTopic::new(aws_sdk_sns::Client::new(&sdk), config.normalized_topic_arn),
        config.ignore,
    );
    let normalizer = &normalizer;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        normalizer
            .handle_batch(&event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
