//! Lambda entrypoint: configuration, the routing table, the renderer and the SNS client are built
//! once per cold start; a bad routing table stops init with the entry named.

use chat_notifier::{
    ChatNotifier, ChatRoutes, Composer, SnsChannels, CHAT_DIGEST_THRESHOLD, CHAT_ROUTES,
    CHAT_ROUTE_TAG, CHAT_TOPIC_ARN,
};
use lambda_runtime::Error;
use ore_lambda::config::{optional, required, ConfigError};
use ore_lambda::requeue::SqsRequeue;
use ore_lambda::runtime::{init_logging, serve};
use ore_lambda::sdk_config::{load_sdk_config, SdkSettings};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    let routes = ChatRoutes::new(
        &optional(CHAT_ROUTE_TAG, "team"),
        &optional(CHAT_ROUTES, ""),
        &required(CHAT_TOPIC_ARN)?,
    )?;
    let threshold = optional(CHAT_DIGEST_THRESHOLD, "5");
    let threshold: usize = threshold.trim().parse().map_err(|_| ConfigError::Invalid {
        name: CHAT_DIGEST_THRESHOLD,
        reason: format!("{threshold:?} is not a whole number"),
    })?;
    let composer = Composer::new()?;
    let sdk = load_sdk_config(&SdkSettings::from_env()?).await;
    let notifier = ChatNotifier::new(
        composer,
        SnsChannels::new(aws_sdk_sns::Client::new(&sdk)),
        routes,
    )
    .with_digest_threshold(threshold);
    serve(notifier, SqsRequeue::new(&sdk)).await
}
