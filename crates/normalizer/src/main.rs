//! Lambda entrypoint: configuration and SDK clients are built once per cold start.

use normalizer::store::dynamodb::DynamoStateStore;
use normalizer::{AwsDescriber, Config, Normalizer};
use ore_lambda::requeue::SqsRequeue;
use ore_lambda::runtime::{init_logging, serve};
use ore_lambda::sdk_config::load_sdk_config;
use ore_lambda::sns::SnsTopic;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = Config::from_env()?;
    let sdk = load_sdk_config(&config.sdk).await;
    let describer = match (&config.member_accounts, &config.home_account) {
        (Some((home, role)), _) => AwsDescriber::across_accounts(&sdk, home, role),
        (None, Some(home)) => AwsDescriber::in_account(&sdk, home),
        (None, None) => AwsDescriber::new(&sdk),
    };
    let normalizer = Normalizer::new(
        describer,
        SnsTopic::new(aws_sdk_sns::Client::new(&sdk), config.normalized_topic_arn),
        DynamoStateStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            config.state_table,
            config.history_retention,
        ),
        config.ignore,
        config.settling,
    )
    .with_flapping(config.flapping)
    .with_account_names(config.account_names);
    serve(normalizer, SqsRequeue::new(&sdk)).await
}
