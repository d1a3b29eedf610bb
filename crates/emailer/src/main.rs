//! Lambda entrypoint: configuration, templates and the SES client are built once per cold start.

use aws_lambda_events::sqs::SqsEvent;
use emailer::{Config, Emailer, Renderer, SesMailer};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = aws_config::load_from_env().await;
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&sdk),
        config.from,
        config.to,
        config.configuration_set,
    );
    let emailer = Emailer::new(Renderer::new()?, mailer);
    let emailer = &emailer;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        emailer
            .handle_batch(&event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
