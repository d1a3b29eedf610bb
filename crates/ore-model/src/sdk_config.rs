//! The one AWS SDK configuration: every function builds it once per cold start, and the
//! integration tests use the same, so they exercise the HTTP stack that ships.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

/// Region, credentials and endpoint come from the environment as Lambda sets it
/// (`AWS_ENDPOINT_URL` points at an emulator in local runs). The HTTPS client is rustls with
/// ring rather than the SDK's default aws-lc: a smaller bootstrap and build, the same TLS 1.3
/// and 1.2 suites, and the system's CA certificates as trust roots.
pub async fn load_sdk_config() -> SdkConfig {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https)
        .load()
        .await
}
