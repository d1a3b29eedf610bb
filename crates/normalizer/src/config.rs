//! The normalizer's environment contract (template.yaml and the local runs set these names).

use ore_model::config::{optional, required, ConfigError};

use crate::IgnoreRule;

pub const NORMALIZED_TOPIC_ARN: &str = "NORMALIZED_TOPIC_ARN";
pub const IGNORE_TAG_KEY: &str = "IGNORE_TAG_KEY";
pub const IGNORE_TAG_VALUE: &str = "IGNORE_TAG_VALUE";
pub const DEFAULT_IGNORE_TAG_KEY: &str = "ore:ignore";
pub const DEFAULT_IGNORE_TAG_VALUE: &str = "true";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub normalized_topic_arn: String,
    pub ignore: IgnoreRule,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Config {
            normalized_topic_arn: required(NORMALIZED_TOPIC_ARN)?,
            ignore: IgnoreRule::new(
                optional(IGNORE_TAG_KEY, DEFAULT_IGNORE_TAG_KEY),
                optional(IGNORE_TAG_VALUE, DEFAULT_IGNORE_TAG_VALUE),
            ),
        })
    }
}
