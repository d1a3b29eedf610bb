//! Lambda entrypoint: configuration, templates and the SES client are built once per cold start.

use emailer::{Config, Emailer, Renderer, SesMailer};
use ore_model::runtime::{init_logging, serve};
use ore_model::sdk_config::load_sdk_config;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = Config::from_env()?;
    let sdk = load_sdk_config().await;
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&sdk),
        config.from,
        config.to,
        config.configuration_set,
    );
    serve(Emailer::new(Renderer::new()?, mailer)).await
}
