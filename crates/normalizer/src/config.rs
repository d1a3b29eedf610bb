//! The normalizer's environment contract (template.yaml and the local runs set these names).

use std::time::Duration;

use ore_lambda::config::{maybe, optional, required, ConfigError};
use ore_lambda::sdk_config::SdkSettings;
use ore_model::accounts::AccountNames;

use crate::decide::Settling;
use crate::timing::FlappingRule;
use crate::IgnoreRule;

/// Where standard messages go (required).
pub const NORMALIZED_TOPIC_ARN: &str = "NORMALIZED_TOPIC_ARN";
/// The tag that silences an instance, and the value it must have (`*`: any).
pub const IGNORE_TAG_KEY: &str = "IGNORE_TAG_KEY";
/// See [`IGNORE_TAG_KEY`].
pub const IGNORE_TAG_VALUE: &str = "IGNORE_TAG_VALUE";
/// How long EC2 may not know an instance before it is published unenriched (0 to 300 s).
pub const ENRICHMENT_SETTLE_SECONDS: &str = "ENRICHMENT_SETTLE_SECONDS";
/// Whether an instance without tags yet is looked up again within the settle time.
pub const ENRICHMENT_WAIT_FOR_TAGS: &str = "ENRICHMENT_WAIT_FOR_TAGS";
/// The DynamoDB table of resource states and history (required).
pub const STATE_TABLE: &str = "STATE_TABLE";
/// Days history items are kept (1 to 3650): DynamoDB's TTL removes them after.
pub const STATE_HISTORY_DAYS: &str = "STATE_HISTORY_DAYS";
/// Transitions within [`FLAPPING_WINDOW_MINUTES`] that flag a resource as flapping (0: never).
pub const FLAPPING_TRANSITIONS: &str = "FLAPPING_TRANSITIONS";
/// See [`FLAPPING_TRANSITIONS`] (1 to 1440).
pub const FLAPPING_WINDOW_MINUTES: &str = "FLAPPING_WINDOW_MINUTES";
/// The role ORE assumes in a member account to describe its instances, or blank for this
/// account only.
pub const ENRICHMENT_ROLE_NAME: &str = "ENRICHMENT_ROLE_NAME";
/// This account (the template's `AWS::AccountId`): its instances are described with the
/// function's own credentials. Required with [`ENRICHMENT_ROLE_NAME`].
pub const HOME_ACCOUNT: &str = "HOME_ACCOUNT";
/// Names shown with account ids: `111122223333=payments-prod,444455556666=data-dev`.
pub const ACCOUNT_NAMES: &str = "ACCOUNT_NAMES";
/// Every variable the normalizer's own configuration reads; template.yaml sets exactly these
/// (and the SDK's, `ore_lambda::sdk_config::ENVIRONMENT`): `tests/environment.rs` checks it.
pub const ENVIRONMENT: [&str; 12] = [
    NORMALIZED_TOPIC_ARN,
    IGNORE_TAG_KEY,
    IGNORE_TAG_VALUE,
    ENRICHMENT_SETTLE_SECONDS,
    ENRICHMENT_WAIT_FOR_TAGS,
    STATE_TABLE,
    STATE_HISTORY_DAYS,
    FLAPPING_TRANSITIONS,
    FLAPPING_WINDOW_MINUTES,
    ENRICHMENT_ROLE_NAME,
    HOME_ACCOUNT,
    ACCOUNT_NAMES,
];
/// The ignore tag's key when [`IGNORE_TAG_KEY`] is unset.
pub const DEFAULT_IGNORE_TAG_KEY: &str = "ore:ignore";
/// The ignore tag's value when [`IGNORE_TAG_VALUE`] is unset.
pub const DEFAULT_IGNORE_TAG_VALUE: &str = "true";

/// The normalizer's configuration, read once per cold start.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where standard messages go.
    pub normalized_topic_arn: String,
    /// Which instances publish nothing.
    pub ignore: IgnoreRule,
    /// How long EC2 may lag behind an event.
    pub settling: Settling,
    /// Where states and history are recorded.
    pub state_table: String,
    /// (this account, the role to assume elsewhere), when other accounts' instances are
    /// described too.
    pub member_accounts: Option<(String, String)>,
    /// This account (`HOME_ACCOUNT`): with no role to assume elsewhere, the only one whose
    /// resources ORE may look up.
    pub home_account: Option<String>,
    /// The accounts' names for people.
    pub account_names: AccountNames,
    /// How long history is kept.
    pub history_retention: Duration,
    /// When a resource counts as flapping.
    pub flapping: FlappingRule,
    /// Timeouts and trust roots of the SDK clients.
    pub sdk: SdkSettings,
}

/// A whole number from `name`, within `range`, or an error naming the variable.
fn number(
    name: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let text = optional(name, &default.to_string());
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| ConfigError::Invalid {
            name,
            reason: format!(
                "{text:?} is not a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        })
}

impl Config {
    /// Read and check every variable; the error names the bad one.
    pub fn from_env() -> Result<Self, ConfigError> {
        let default = Settling::default().settle_time.as_secs().to_string();
        let settle_text = optional(ENRICHMENT_SETTLE_SECONDS, &default);
        let settle = settle_text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| *s <= 300)
            .ok_or_else(|| ConfigError::Invalid {
                name: ENRICHMENT_SETTLE_SECONDS,
                reason: format!("{settle_text:?} is not a number of seconds from 0 to 300"),
            })?;
        let wait_text = optional(ENRICHMENT_WAIT_FOR_TAGS, "false");
        let wait_for_tags = match wait_text.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" | "" => false,
            _ => {
                return Err(ConfigError::Invalid {
                    name: ENRICHMENT_WAIT_FOR_TAGS,
                    reason: format!("{wait_text:?} is neither true nor false"),
                })
            }
        };
        Ok(Config {
            normalized_topic_arn: required(NORMALIZED_TOPIC_ARN)?,
            ignore: IgnoreRule::new(
                optional(IGNORE_TAG_KEY, DEFAULT_IGNORE_TAG_KEY),
                optional(IGNORE_TAG_VALUE, DEFAULT_IGNORE_TAG_VALUE),
            ),
            settling: Settling {
                settle_time: Duration::from_secs(settle),
                wait_for_tags,
            },
            state_table: required(STATE_TABLE)?,
            member_accounts: member_accounts()?,
            home_account: home_account()?,
            account_names: AccountNames::parse(&optional(ACCOUNT_NAMES, "")).map_err(|e| {
                ConfigError::Invalid {
                    name: ACCOUNT_NAMES,
                    reason: e.to_string(),
                }
            })?,
            history_retention: Duration::from_secs(
                86_400 * number(STATE_HISTORY_DAYS, 30, 1..=3650)?,
            ),
            flapping: FlappingRule {
                transitions: u32::try_from(number(FLAPPING_TRANSITIONS, 6, 0..=1000)?)
                    .unwrap_or(u32::MAX),
                window: Duration::from_secs(60 * number(FLAPPING_WINDOW_MINUTES, 30, 1..=1440)?),
            },
            sdk: SdkSettings::from_env()?,
        })
    }
}

fn member_accounts() -> Result<Option<(String, String)>, ConfigError> {
    let Some(role) = maybe(ENRICHMENT_ROLE_NAME) else {
        return Ok(None);
    };
    // IAM role names: up to 64 of letters, digits and +=,.@_- (no path).
    let valid_role = role.len() <= 64
        && role
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if !valid_role {
        return Err(ConfigError::Invalid {
            name: ENRICHMENT_ROLE_NAME,
            reason: format!("{role:?} is not an IAM role name"),
        });
    }
    let home = home_account()?.ok_or(ConfigError::Missing(HOME_ACCOUNT))?;
    Ok(Some((home, role)))
}

/// The function's own account (`HOME_ACCOUNT`), when given: the template always gives it.
fn home_account() -> Result<Option<String>, ConfigError> {
    let Some(home) = maybe(HOME_ACCOUNT) else {
        return Ok(None);
    };
    if home.len() != 12 || !home.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConfigError::Invalid {
            name: HOME_ACCOUNT,
            reason: format!("{home:?} is not a 12-digit account id"),
        });
    }
    Ok(Some(home))
}
