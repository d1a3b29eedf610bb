//! Lambda entrypoint: configuration, templates and the SES client are built once per cold start.

use emailer::config::LEDGER_RETENTION;
use emailer::ledger::dynamodb::DynamoMailLedger;
use emailer::templates::{self, S3Templates};
use emailer::{Config, Emailer, Pacer, Renderer, SesMailer};
use ore_lambda::requeue::SqsRequeue;
use ore_lambda::runtime::{init_logging, serve};
use ore_lambda::sdk_config::load_sdk_config;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = Config::from_env()?;
    let sdk = load_sdk_config(&config.sdk).await;
    let pacer = Pacer::new(
        config.send_rate,
        config.max_concurrency,
        config.sdk.timeouts.operation + std::time::Duration::from_millis(500),
    );
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&sdk),
        config.from,
        config.configuration_set,
    );
    let ledger = DynamoMailLedger::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        config.ledger_table,
        LEDGER_RETENTION,
    );
    let renderer = match config.templates {
        None => Renderer::new()?,
        Some((bucket, prefix)) => {
            let source = S3Templates::new(&sdk, bucket, prefix);
            let (renderer, refused, applied) = templates::load(&source).await?;
            let function_name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
            let now_ms = chrono::Utc::now().timestamp_millis();
            templates::report(&function_name, &refused, &applied, now_ms);
            renderer
        }
    };
    let emailer = Emailer::new(renderer, mailer, ledger, config.routing)
        .with_digest_threshold(config.digest_threshold)
        .with_pacer(pacer)
        .with_claim_lease(config.claim_lease);
    serve(emailer, SqsRequeue::new(&sdk)).await
}
