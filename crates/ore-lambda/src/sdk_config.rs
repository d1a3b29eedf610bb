//! The one AWS SDK configuration: every function builds it once per cold start, and the
//! integration tests use the same, so they exercise the HTTP stack, the trust roots and the
//! timeouts that ship.

use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

use crate::config::{optional, ConfigError};

/// TCP + TLS connect timeout, milliseconds.
pub const CONNECT_TIMEOUT_MS: &str = "ORE_AWS_CONNECT_TIMEOUT_MS";
/// One HTTP attempt's timeout, milliseconds.
pub const ATTEMPT_TIMEOUT_MS: &str = "ORE_AWS_ATTEMPT_TIMEOUT_MS";
/// One call's timeout with the SDK's retries, milliseconds.
pub const OPERATION_TIMEOUT_MS: &str = "ORE_AWS_OPERATION_TIMEOUT_MS";
/// `auto` (default), `amazon` or `system`: see [`TrustRoots::choose`].
pub const TLS_TRUST_STORE: &str = "ORE_TLS_TRUST_STORE";
/// Read by aws-config itself: an emulator's URL in local runs, absent in AWS.
pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// Every variable the shared plumbing reads (the SDK configuration, and the log level), set for
/// all functions in the template's `Globals`.
pub const ENVIRONMENT: [&str; 6] = [
    CONNECT_TIMEOUT_MS,
    ATTEMPT_TIMEOUT_MS,
    OPERATION_TIMEOUT_MS,
    TLS_TRUST_STORE,
    ENDPOINT_URL,
    crate::runtime::LOG_LEVEL_VARIABLE,
];

/// The Amazon Trust Services roots (Amazon Root CA 1-4 and the Starfield Services G2 root that
/// cross-signs them), from Mozilla's root store. AWS documents its endpoints' move to them for
/// the `aws` partition and GovCloud only ([`AMAZON_ROOTS_PARTITIONS`]).
pub const AMAZON_TRUST_SERVICES_PEM: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// Which certificate authorities the HTTPS client trusts. Verification is on either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrustRoots {
    /// The five Amazon Trust Services roots compiled in ([`AMAZON_TRUST_SERVICES_PEM`]): about
    /// 6 KB to decode at a cold start instead of the system bundle's ~220 KB, which was most of
    /// the init time. Enough for every AWS endpoint, public, FIPS or VPC interface endpoint.
    #[default]
    AmazonTrustServices,
    /// The system store (`SSL_CERT_FILE` / `SSL_CERT_DIR` honoured): for a private CA, a TLS
    /// inspecting proxy, or an emulator behind a test CA.
    System,
}

/// The partitions whose endpoints AWS documents as chaining to the Amazon Trust Services roots
/// (the certificate migration notices: the commercial regions and GovCloud). China, the ISO
/// partitions and the European Sovereign Cloud are not covered (other or additional roots).
pub const AMAZON_ROOTS_PARTITIONS: [&str; 2] = ["aws", "aws-us-gov"];

/// The partition a region belongs to, from its name's prefix (`cn-north-1` is `aws-cn`,
/// `us-gov-west-1` is `aws-us-gov`); any other region is in `aws`.
pub fn partition_of(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 7] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

impl TrustRoots {
    /// [`TLS_TRUST_STORE`] for the function's region (`AWS_REGION`).
    pub fn from_env() -> Result<Self, ConfigError> {
        let region = std::env::var("AWS_REGION").unwrap_or_default();
        Self::choose(&optional(TLS_TRUST_STORE, "auto"), &region)
    }

    /// `auto` (or empty): the compiled-in Amazon roots in a partition AWS documents them for,
    /// the system store elsewhere. `amazon`: the compiled-in roots, refused outside those
    /// partitions, where every call could fail its TLS handshake. `system`: the system store.
    pub fn choose(setting: &str, region: &str) -> Result<Self, ConfigError> {
        let partition = partition_of(region);
        let documented = AMAZON_ROOTS_PARTITIONS.contains(&partition);
        match setting.trim() {
            "" | "auto" if documented => Ok(TrustRoots::AmazonTrustServices),
            "" | "auto" | "system" => Ok(TrustRoots::System),
            "amazon" if documented => Ok(TrustRoots::AmazonTrustServices),
            "amazon" => Err(ConfigError::Invalid {
                name: TLS_TRUST_STORE,
                reason: format!(
                    "the compiled-in Amazon Trust Services roots are documented for the {} \
                     partitions only, and region {region:?} is in {partition}: set the template's \
                     TlsTrustStore to auto or system",
                    AMAZON_ROOTS_PARTITIONS.join(" and ")
                ),
            }),
            other => Err(ConfigError::Invalid {
                name: TLS_TRUST_STORE,
                reason: format!("{other:?} is none of \"auto\", \"amazon\", \"system\""),
            }),
        }
    }

    fn trust_store(self) -> TrustStore {
        match self {
            TrustRoots::AmazonTrustServices => TrustStore::empty()
                .with_native_roots(false)
                .with_pem_certificate(AMAZON_TRUST_SERVICES_PEM),
            TrustRoots::System => TrustStore::empty().with_native_roots(true),
        }
    }
}

/// Everything the SDK configuration is built from, read once per cold start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SdkSettings {
    /// Bounds on every AWS call.
    pub timeouts: Timeouts,
    /// The HTTPS client's trust roots.
    pub trust: TrustRoots,
}

impl SdkSettings {
    /// Timeouts from the `ORE_AWS_*_TIMEOUT_MS` variables, trust roots from
    /// `ORE_TLS_TRUST_STORE`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(SdkSettings {
            timeouts: Timeouts::from_env()?,
            trust: TrustRoots::from_env()?,
        })
    }
}

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
/// (`AWS_ENDPOINT_URL` points at an emulator in local runs): when `AWS_REGION` and
/// `AWS_ACCESS_KEY_ID` are set, as Lambda always sets them, they are used directly and the
/// default provider chains (profile files, web identity with its STS client, IMDS) are not even
/// built; elsewhere the chains apply as usual. The HTTPS client is rustls with ring rather than
/// the SDK's default aws-lc: a smaller bootstrap and build, the same TLS 1.3 and 1.2 suites,
/// and the trust roots `settings` names.
pub async fn load_sdk_config(settings: &SdkSettings) -> SdkConfig {
    loader(settings).load().await
}

/// The same configuration with every service at `endpoint_url` (tests that need an endpoint
/// of their own without touching the process environment).
pub async fn load_sdk_config_at(settings: &SdkSettings, endpoint_url: &str) -> SdkConfig {
    loader(settings).endpoint_url(endpoint_url).load().await
}

fn tls_context(settings: &SdkSettings) -> TlsContext {
    TlsContext::builder()
        .with_trust_store(settings.trust.trust_store())
        .build()
        .expect("aws-smithy-http-client builds any TLS context with a trust store")
}

fn loader(settings: &SdkSettings) -> aws_config::ConfigLoader {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls_context(settings))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(SharedHttpClient::new(ConnectorOnFirstUse(https)))
        .timeout_config(settings.timeouts.sdk());
    if let Ok(region) = std::env::var("AWS_REGION") {
        loader = loader.region(Region::new(region));
    }
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
    }
    loader
}

/// The HTTPS client with its connector (TLS configuration and trust roots) built when the first
/// request needs it, once, and shared by every SDK client of the function. The SDK's own client
/// also builds one, and throws it away, whenever an SDK client is constructed (to load a system
/// trust store early), which decoded the trust roots once per client at every cold start.
#[derive(Debug)]
struct ConnectorOnFirstUse(SharedHttpClient);

impl HttpClient for ConnectorOnFirstUse {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_roots_are_the_five_amazon_trust_services_roots() {
        let text = std::str::from_utf8(AMAZON_TRUST_SERVICES_PEM).unwrap();
        assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        assert_eq!(text.matches("-----END CERTIFICATE-----").count(), 5);
        for name in [
            "Amazon_Root_CA_1",
            "Amazon_Root_CA_2",
            "Amazon_Root_CA_3",
            "Amazon_Root_CA_4",
            "Starfield_Services_Root_Certificate_Authority_-_G2",
        ] {
            assert!(text.contains(&format!("# {name}\n")), "{name} missing");
        }
    }

    #[test]
    fn the_trust_roots_follow_the_partition() {
        use TrustRoots::{AmazonTrustServices as Amazon, System};
        for (setting, region, roots) in [
            ("auto", "eu-west-1", Amazon),
            ("", "us-east-1", Amazon),
            ("auto", "us-gov-west-1", Amazon),
            ("auto", "cn-north-1", System),
            ("auto", "cn-northwest-1", System),
            ("auto", "us-iso-east-1", System),
            ("auto", "us-isob-east-1", System),
            ("auto", "eusc-de-east-1", System),
            ("amazon", "eu-central-1", Amazon),
            ("amazon", "us-gov-east-1", Amazon),
            ("system", "eu-west-1", System),
            ("system", "cn-north-1", System),
        ] {
            assert_eq!(
                TrustRoots::choose(setting, region).ok(),
                Some(roots),
                "{setting} in {region}"
            );
        }
        for region in ["cn-north-1", "us-iso-east-1", "eusc-de-east-1"] {
            let refused = TrustRoots::choose("amazon", region)
                .unwrap_err()
                .to_string();
            assert!(
                refused.contains("TlsTrustStore") && refused.contains(region),
                "{refused}"
            );
        }
        assert!(TrustRoots::choose("mozilla", "eu-west-1").is_err());
    }

    #[test]
    fn default_timeouts_fit_inside_the_shortest_function_timeout() {
        let t = Timeouts::default();
        assert!(t.connect < t.attempt && t.attempt < t.operation);
        // The normalizer makes two calls in a row (describe, then publish) in a 20 s function.
        assert!(2 * t.operation < Duration::from_secs(20));
    }
}
