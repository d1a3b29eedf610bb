//! The member accounts' side of enrichment: the role ORE assumes in each (STS `AssumeRole`),
//! the clients its credentials make (EC2, the Tagging API, Auto Scaling), kept until shortly before they
//! expire, and a refusal remembered for a while.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use ore_lambda::aws_error::record_error;
use ore_lambda::RecordError;
use tokio::time::Instant;

/// Assumed credentials are replaced this long before they expire.
pub const CREDENTIALS_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long assumed credentials last (STS's default and the role's minimum maximum).
pub const SESSION_DURATION: Duration = Duration::from_secs(3600);
/// A refused account is asked again after this long, not on every record.
pub const REFUSAL_MEMORY: Duration = Duration::from_secs(5 * 60);

/// The clients that look resources up in one account.
#[derive(Debug, Clone)]
pub(super) struct Clients {
    /// `DescribeInstances`.
    pub(super) ec2: aws_sdk_ec2::Client,
    /// `GetResources`.
    pub(super) tagging: aws_sdk_resourcegroupstagging::Client,
    /// Auto Scaling's `DescribeTags` (`GetResources` returns no Auto Scaling group).
    pub(super) autoscaling: aws_sdk_autoscaling::Client,
}

impl Clients {
    /// The clients on `sdk`'s credentials.
    pub(super) fn new(sdk: &SdkConfig) -> Self {
        Clients {
            ec2: aws_sdk_ec2::Client::new(sdk),
            tagging: aws_sdk_resourcegroupstagging::Client::new(sdk),
            autoscaling: aws_sdk_autoscaling::Client::new(sdk),
        }
    }
}

/// How the normalizer reaches member accounts: the role it assumes in each, and what it holds.
#[derive(Debug)]
pub(super) struct MemberAccounts {
    sdk: SdkConfig,
    sts: aws_sdk_sts::Client,
    pub(super) home_account: String,
    partition: String,
    role_name: String,
    access: tokio::sync::Mutex<HashMap<String, Access>>,
    pub(super) assume_calls: AtomicU32,
}

/// What the normalizer holds for one member account.
#[derive(Debug, Clone)]
enum Access {
    /// Clients with the assumed role's credentials, to be replaced at `renew_at`.
    Granted {
        clients: Clients,
        renew_at: SystemTime,
    },
    /// The account refused (or has no role): not asked again before `until`.
    Refused { reason: String, until: Instant },
}

/// The partition of a region (ARNs differ in China and GovCloud).
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// STS answers that mean "this account will not let ORE in": no role, or a trust policy that
/// does not name ORE's role, or STS switched off in the region. Retrying will not help.
const REFUSED: [&str; 2] = ["AccessDenied", "RegionDisabledException"];

impl MemberAccounts {
    /// Reaching accounts other than `home_account` through the role `role_name` in each.
    pub(super) fn new(sdk: &SdkConfig, home_account: &str, role_name: &str) -> Self {
        let region = sdk
            .region()
            .map(|r| r.as_ref().to_owned())
            .unwrap_or_default();
        MemberAccounts {
            sdk: sdk.clone(),
            sts: aws_sdk_sts::Client::new(sdk),
            home_account: home_account.to_owned(),
            partition: partition_of(&region).to_owned(),
            role_name: role_name.to_owned(),
            access: tokio::sync::Mutex::new(HashMap::new()),
            assume_calls: AtomicU32::new(0),
        }
    }

    /// The clients for `account`, or why there are none.
    pub(super) async fn clients(
        &self,
        account: &str,
    ) -> Result<Result<Clients, String>, RecordError> {
        let mut access = self.access.lock().await;
        match access.get(account) {
            Some(Access::Granted { clients, renew_at }) if SystemTime::now() < *renew_at => {
                return Ok(Ok(clients.clone()));
            }
            Some(Access::Refused { reason, until }) if Instant::now() < *until => {
                return Ok(Err(reason.clone()));
            }
            _ => {}
        }
        let credentials = match self.assume_role(account).await? {
            Ok(credentials) => credentials,
            Err(reason) => {
                let until = Instant::now() + REFUSAL_MEMORY;
                let refused = Access::Refused {
                    reason: reason.clone(),
                    until,
                };
                access.insert(account.to_owned(), refused);
                return Ok(Err(reason));
            }
        };
        let (clients, expires) = self.clients_with(credentials);
        let renew_at = expires
            .checked_sub(CREDENTIALS_MARGIN)
            .unwrap_or_else(SystemTime::now);
        access.insert(
            account.to_owned(),
            Access::Granted {
                clients: clients.clone(),
                renew_at,
            },
        );
        Ok(Ok(clients))
    }

    /// The enrichment role's credentials in `account`, or why that account refuses ORE (the
    /// role is missing or does not trust ORE): an error only for a fault worth retrying.
    async fn assume_role(
        &self,
        account: &str,
    ) -> Result<Result<aws_sdk_sts::types::Credentials, String>, RecordError> {
        let role_arn = format!(
            "arn:{}:iam::{account}:role/{}",
            self.partition, self.role_name
        );
        self.assume_calls.fetch_add(1, Ordering::SeqCst);
        let answer = self
            .sts
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("ore-normalizer")
            .duration_seconds(SESSION_DURATION.as_secs() as i32)
            .send()
            .await;
        match answer {
            Ok(output) => output.credentials.map(Ok).ok_or_else(|| {
                RecordError::local(
                    "read the assumed role's credentials",
                    "STS answered without credentials",
                )
            }),
            Err(error) if error.code().is_some_and(|c| REFUSED.contains(&c)) => Ok(Err(format!(
                "cannot assume {role_arn}: {}: {}",
                error.code().unwrap_or_default(),
                error.message().unwrap_or("refused")
            ))),
            Err(error) => Err(record_error("sts:AssumeRole", error)),
        }
    }

    /// Clients acting with the assumed role's `credentials`, and when they expire.
    fn clients_with(&self, credentials: aws_sdk_sts::types::Credentials) -> (Clients, SystemTime) {
        let expires = SystemTime::try_from(credentials.expiration)
            .unwrap_or_else(|_| SystemTime::now() + SESSION_DURATION);
        let provider = aws_credential_types::Credentials::new(
            credentials.access_key_id,
            credentials.secret_access_key,
            Some(credentials.session_token),
            Some(expires),
            "ore-enrichment-role",
        );
        let assumed = self
            .sdk
            .to_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            )
            .build();
        (Clients::new(&assumed), expires)
    }
}
