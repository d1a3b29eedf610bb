//! The emailer's environment contract. Recipients come only from here: nothing in an event
//! can choose who receives mail (a tag only selects one of the configured routes).

use ore_lambda::config::{maybe, optional, required, ConfigError};
use ore_lambda::sdk_config::SdkSettings;

use crate::address::{check_address, parse_recipients};
use crate::routing::{
    RoutingConfig, RoutingTable, EMAIL_ALLOWED_DOMAINS, EMAIL_ALWAYS_COPY, EMAIL_ROUTES,
    EMAIL_ROUTE_TAG, EMAIL_TO,
};

/// The sender, a verified SES identity (required).
pub const EMAIL_FROM: &str = "EMAIL_FROM";
/// How many state changes for the same recipients in one batch make a digest (2 or more).
pub const EMAIL_DIGEST_THRESHOLD: &str = "EMAIL_DIGEST_THRESHOLD";
/// An SES configuration set, or blank.
pub const SES_CONFIGURATION_SET: &str = "SES_CONFIGURATION_SET";
/// SES sends per second (per recipient) the emailer may use.
pub const EMAIL_SEND_RATE: &str = "EMAIL_SEND_RATE";
/// The event source's `MaximumConcurrency`, to share the rate between invocations.
pub const EMAIL_MAX_CONCURRENCY: &str = "EMAIL_MAX_CONCURRENCY";
/// The DynamoDB table of mail claimed and sent (required): at most one mail per message.
pub const MAIL_LEDGER_TABLE: &str = "MAIL_LEDGER_TABLE";
/// Seconds after which an unconfirmed claim is taken to belong to an attempt that stopped
/// (longer than the function timeout; 1 to 3600).
pub const MAIL_CLAIM_LEASE_SECONDS: &str = "MAIL_CLAIM_LEASE_SECONDS";
/// A bucket holding replacement mail templates, or blank for the compiled-in ones only.
pub const EMAIL_TEMPLATE_BUCKET: &str = "EMAIL_TEMPLATE_BUCKET";
/// The key prefix of the replacement templates in that bucket (`ore-templates/`).
pub const EMAIL_TEMPLATE_PREFIX: &str = "EMAIL_TEMPLATE_PREFIX";
/// Every variable the emailer's own configuration reads; template.yaml sets exactly these
/// (and the SDK's, `ore_lambda::sdk_config::ENVIRONMENT`): `tests/environment.rs` checks it.
pub const ENVIRONMENT: [&str; 14] = [
    EMAIL_FROM,
    EMAIL_TO,
    EMAIL_ROUTE_TAG,
    EMAIL_ROUTES,
    EMAIL_ALWAYS_COPY,
    EMAIL_ALLOWED_DOMAINS,
    EMAIL_DIGEST_THRESHOLD,
    EMAIL_TEMPLATE_BUCKET,
    EMAIL_TEMPLATE_PREFIX,
    SES_CONFIGURATION_SET,
    EMAIL_SEND_RATE,
    EMAIL_MAX_CONCURRENCY,
    MAIL_LEDGER_TABLE,
    MAIL_CLAIM_LEASE_SECONDS,
];
/// How long ledger items are kept: longer than SQS keeps a message (14 days at most), so every
/// redelivery still finds its item.
pub const LEDGER_RETENTION: std::time::Duration = std::time::Duration::from_secs(15 * 86_400);
/// The SES sandbox's rate: safe in every account.
pub const DEFAULT_SEND_RATE: f64 = 1.0;
/// Lambda's smallest `MaximumConcurrency` for an SQS event source.
pub const DEFAULT_MAX_CONCURRENCY: u32 = 2;
/// Five changes for the same people at once are a burst: one digest instead of five mails.
pub const DEFAULT_DIGEST_THRESHOLD: usize = 5;

/// The emailer's configuration, read once per cold start.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The sender.
    pub from: String,
    /// Who receives which mail: from configuration only, never from an event.
    pub routing: RoutingTable,
    /// State changes for the same recipients in one batch from which one digest is sent.
    pub digest_threshold: usize,
    /// Where replacement templates are read at init: (bucket, key prefix).
    pub templates: Option<(String, String)>,
    /// The SES configuration set, if any.
    pub configuration_set: Option<String>,
    /// SES sends per second (counted per recipient) the emailer may use.
    pub send_rate: f64,
    /// How many emailer invocations may run at once (the event source's `MaximumConcurrency`).
    pub max_concurrency: u32,
    /// The mail ledger's table.
    pub ledger_table: String,
    /// After this long an unconfirmed claim belongs to an attempt that stopped.
    pub claim_lease: std::time::Duration,
    /// Timeouts and trust roots of the SDK clients.
    pub sdk: SdkSettings,
}

impl Config {
    /// Read and check every variable; the error names the bad one.
    pub fn from_env() -> Result<Self, ConfigError> {
        let from = required(EMAIL_FROM)?;
        check_address(EMAIL_FROM, &from)?;
        let to = parse_recipients(EMAIL_TO, &required(EMAIL_TO)?)?;
        let routing = RoutingTable::new(&RoutingConfig {
            tag_key: &optional(EMAIL_ROUTE_TAG, "team"),
            routes: &optional(EMAIL_ROUTES, ""),
            default: &to,
            always_copy: &optional(EMAIL_ALWAYS_COPY, ""),
            allowed_domains: &required(EMAIL_ALLOWED_DOMAINS)?,
        })?;
        Ok(Config {
            from,
            routing,
            digest_threshold: digest_threshold()?,
            templates: maybe(EMAIL_TEMPLATE_BUCKET)
                .map(|bucket| (bucket, optional(EMAIL_TEMPLATE_PREFIX, "ore-templates/"))),
            configuration_set: maybe(SES_CONFIGURATION_SET),
            send_rate: parse_positive(EMAIL_SEND_RATE, DEFAULT_SEND_RATE)?,
            max_concurrency: parse_positive(
                EMAIL_MAX_CONCURRENCY,
                f64::from(DEFAULT_MAX_CONCURRENCY),
            )? as u32,
            ledger_table: required(MAIL_LEDGER_TABLE)?,
            claim_lease: claim_lease()?,
            sdk: SdkSettings::from_env()?,
        })
    }
}

fn digest_threshold() -> Result<usize, ConfigError> {
    let text = optional(
        EMAIL_DIGEST_THRESHOLD,
        &DEFAULT_DIGEST_THRESHOLD.to_string(),
    );
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (2..=10_000).contains(n))
        .ok_or_else(|| ConfigError::Invalid {
            name: EMAIL_DIGEST_THRESHOLD,
            reason: format!("{text:?} is not a whole number from 2 to 10000"),
        })
}

fn claim_lease() -> Result<std::time::Duration, ConfigError> {
    let text = optional(MAIL_CLAIM_LEASE_SECONDS, "120");
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=3600).contains(s))
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| ConfigError::Invalid {
            name: MAIL_CLAIM_LEASE_SECONDS,
            reason: format!("{text:?} is not a whole number of seconds from 1 to 3600"),
        })
}

/// A positive number from `name`, or `default` when unset.
fn parse_positive(name: &'static str, default: f64) -> Result<f64, ConfigError> {
    let text = optional(name, &default.to_string());
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 && value <= 100_000.0 => Ok(value),
        _ => Err(ConfigError::Invalid {
            name,
            reason: format!("{text:?} is not a positive number"),
        }),
    }
}
