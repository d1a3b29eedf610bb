//! The one AWS SDK configuration: every function builds it once per cold start, and the
//! integration tests use the same, so they exercise the HTTP stack and the timeouts that ship.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use crate::config::{optional, ConfigError};

pub const CONNECT_TIMEOUT_MS: &str = "ORE_AWS_CONNECT_TIMEOUT_MS";
pub const ATTEMPT_TIMEOUT_MS: &str = "ORE_AWS_ATTEMPT_TIMEOUT_MS";
pub const OPERATION_TIMEOUT_MS: &str = "ORE_AWS_OPERATION_TIMEOUT_MS";

/// Bounds on every AWS call, well inside the function timeout, so a hung endpoint fails the
/// record that called it (transient, retried by SQS) instead of the whole invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// One HTTP attempt, from sending to the whole response.
    pub attempt: Duration,
    /// The call with all of the SDK's retries.
    pub operation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_millis(1_000),
            attempt: Duration::from_millis(3_000),
            operation: Duration::from_millis(8_000),
        }
    }
}

impl Timeouts {
    /// The defaults, each overridable in milliseconds by its `ORE_AWS_*_TIMEOUT_MS` variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        let default = Timeouts::default();
        let read = |name: &'static str, fallback: Duration| -> Result<Duration, ConfigError> {
            let text = optional(name, &fallback.as_millis().to_string());
            match text.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
                _ => Err(ConfigError::Invalid {
                    name,
                    reason: format!("{text:?} is not a positive number of milliseconds"),
                }),
            }
        };
        Ok(Timeouts {
            connect: read(CONNECT_TIMEOUT_MS, default.connect)?,
            attempt: read(ATTEMPT_TIMEOUT_MS, default.attempt)?,
            operation: read(OPERATION_TIMEOUT_MS, default.operation)?,
        })
    }

    fn sdk(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

/// Region, credentials and endpoint come from the environment as Lambda sets it
/// (`AWS_ENDPOINT_URL` points at an emulator in local runs). The HTTPS client is rustls with
/// ring rather than the SDK's default aws-lc: a smaller bootstrap and build, the same TLS 1.3
/// and 1.2 suites, and the system's CA certificates as trust roots.
pub async fn load_sdk_config(timeouts: &Timeouts) -> SdkConfig {
    loader(timeouts).load().await
}

/// The same configuration with every service at `endpoint_url` (tests that need an endpoint
/// of their own without touching the process environment).
pub async fn load_sdk_config_at(timeouts: &Timeouts, endpoint_url: &str) -> SdkConfig {
    loader(timeouts).endpoint_url(endpoint_url).load().await
}

fn loader(timeouts: &Timeouts) -> aws_config::ConfigLoader {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https)
        .timeout_config(timeouts.sdk())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_timeouts_fit_inside_the_shortest_function_timeout() {
        let t = Timeouts::default();
        assert!(t.connect < t.attempt && t.attempt < t.operation);
        // The normalizer makes two calls in a row (describe, then publish) in a 20 s function.
        assert!(2 * t.operation < Duration::from_secs(20));
    }
}
