//! The enrichment port ([`DescribeInstance`]) on EC2's `DescribeInstances`, a batch's instances
//! of one account and region at once, in their own account: the function's credentials at
//! home, and in a member account those of the enrichment role ORE assumes there (STS
//! `AssumeRole`), kept per account until shortly before they expire.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use super::{DescribeInstance, Descriptions};
use aws_config::SdkConfig;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::error::SdkError;
use aws_sdk_ec2::operation::describe_instances::DescribeInstancesError;
use chrono::DateTime;
use futures_util::stream::{self, StreamExt};
use ore_lambda::aws_error::record_error;
use ore_lambda::RecordError;
use ore_model::resource::{InstanceDetails, Lookup};
use tokio::time::Instant;

/// Assumed credentials are replaced this long before they expire.
pub const CREDENTIALS_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long assumed credentials last (STS's default and the role's minimum maximum).
pub const SESSION_DURATION: Duration = Duration::from_secs(3600);
/// A refused account is asked again after this long, not on every record.
pub const REFUSAL_MEMORY: Duration = Duration::from_secs(5 * 60);

/// `DescribeInstances` through the SDK clients built once per cold start.
#[derive(Debug)]
pub struct Ec2Describer {
    home: aws_sdk_ec2::Client,
    accounts: Option<MemberAccounts>,
    describe_calls: AtomicU32,
}

/// How the normalizer reaches member accounts: the role it assumes in each, and what it holds.
#[derive(Debug)]
struct MemberAccounts {
    sdk: SdkConfig,
    sts: aws_sdk_sts::Client,
    home_account: String,
    partition: String,
    role_name: String,
    access: tokio::sync::Mutex<HashMap<String, Access>>,
    assume_calls: AtomicU32,
}

/// What the normalizer holds for one member account.
#[derive(Debug, Clone)]
enum Access {
    /// An EC2 client with the assumed role's credentials, to be replaced at `renew_at`.
    Granted {
        client: aws_sdk_ec2::Client,
        renew_at: SystemTime,
    },
    /// The account refused (or has no role): not asked again before `until`.
    Refused { reason: String, until: Instant },
}

impl Ec2Describer {
    /// Describe through `client`, in this account only.
    pub fn new(client: aws_sdk_ec2::Client) -> Self {
        Ec2Describer {
            home: client,
            accounts: None,
            describe_calls: AtomicU32::new(0),
        }
    }

    /// Describe instances of `home_account` with the function's own credentials, and those of
    /// any other account through the role `role_name` there.
    pub fn across_accounts(sdk: &SdkConfig, home_account: &str, role_name: &str) -> Self {
        let region = sdk
            .region()
            .map(|r| r.as_ref().to_owned())
            .unwrap_or_default();
        Ec2Describer {
            home: aws_sdk_ec2::Client::new(sdk),
            accounts: Some(MemberAccounts {
                sdk: sdk.clone(),
                sts: aws_sdk_sts::Client::new(sdk),
                home_account: home_account.to_owned(),
                partition: partition_of(&region).to_owned(),
                role_name: role_name.to_owned(),
                access: tokio::sync::Mutex::new(HashMap::new()),
                assume_calls: AtomicU32::new(0),
            }),
            describe_calls: AtomicU32::new(0),
        }
    }

    /// How many times STS was asked for credentials since the cold start.
    pub fn assume_role_calls(&self) -> u32 {
        self.accounts
            .as_ref()
            .map_or(0, |a| a.assume_calls.load(Ordering::SeqCst))
    }
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
    /// An EC2 client for `account`, or why there is none.
    async fn client(
        &self,
        account: &str,
    ) -> Result<Result<aws_sdk_ec2::Client, String>, RecordError> {
        let mut access = self.access.lock().await;
        match access.get(account) {
            Some(Access::Granted { client, renew_at }) if SystemTime::now() < *renew_at => {
                return Ok(Ok(client.clone()));
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
        let (client, expires) = self.client_with(credentials);
        let renew_at = expires
            .checked_sub(CREDENTIALS_MARGIN)
            .unwrap_or_else(SystemTime::now);
        access.insert(
            account.to_owned(),
            Access::Granted {
                client: client.clone(),
                renew_at,
            },
        );
        Ok(Ok(client))
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

    /// An EC2 client acting with the assumed role's `credentials`, and when they expire.
    fn client_with(
        &self,
        credentials: aws_sdk_sts::types::Credentials,
    ) -> (aws_sdk_ec2::Client, SystemTime) {
        let expires = SystemTime::try_from(credentials.expiration)
            .unwrap_or_else(|_| SystemTime::now() + SESSION_DURATION);
        let provider = aws_credential_types::Credentials::new(
            credentials.access_key_id,
            credentials.secret_access_key,
            Some(credentials.session_token),
            Some(expires),
            "ore-enrichment-role",
        );
        let client = aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(&self.sdk)
                .credentials_provider(provider)
                .build(),
        );
        (client, expires)
    }
}

/// Instance ids per `DescribeInstances` call: a request of a few kilobytes (a batch names at most
/// 10 state changes; an AWS Health event can name hundreds of instances).
pub const IDS_PER_CALL: usize = 200;
/// Calls at once when a batch's instances are asked one by one.
const ONE_BY_ONE_CONCURRENCY: usize = 8;
/// EC2's answer when an instance id it was given does not exist (any more).
const NOT_FOUND: &str = "InvalidInstanceID.NotFound";

impl Ec2Describer {
    /// How many `DescribeInstances` requests (pages included) were sent since the cold start.
    pub fn describe_instances_calls(&self) -> u32 {
        self.describe_calls.load(Ordering::SeqCst)
    }

    /// The client that may describe `account`'s instances, or why there is none.
    async fn client_for(
        &self,
        account: &str,
    ) -> Result<Result<aws_sdk_ec2::Client, String>, RecordError> {
        match &self.accounts {
            Some(members) if account != members.home_account => members.client(account).await,
            _ => Ok(Ok(self.home.clone())),
        }
    }
}

impl DescribeInstance for Ec2Describer {
    /// By `InstanceIds`, as the API reference advises for an Availability Zone's disruption (a
    /// call naming only instances of healthy zones still works; one naming none, as a filter
    /// does, fails). An id EC2 does not know fails the whole call, naming it: it is `NotFound`,
    /// and the others are asked again. A call that fails otherwise, with an answer from EC2, is
    /// made again instance by instance, so one zone's trouble fails only its instances;
    /// throttling and an unreachable EC2 fail them all (asking more would not help).
    async fn describe_all(
        &self,
        account: &str,
        region: &str,
        instance_ids: &[&str],
    ) -> Result<Descriptions, RecordError> {
        let client = match self.client_for(account).await? {
            Ok(client) => client,
            Err(reason) => {
                return Ok(instance_ids
                    .iter()
                    .map(|id| ((*id).to_owned(), Ok(Lookup::Unavailable(reason.clone()))))
                    .collect())
            }
        };
        let mut found = Descriptions::new();
        for ids in instance_ids.chunks(IDS_PER_CALL) {
            self.describe_chunk(&client, region, ids, &mut found)
                .await?;
        }
        for id in instance_ids {
            found
                .entry((*id).to_owned())
                .or_insert(Ok(Lookup::NotFound));
        }
        Ok(found)
    }
}

impl Ec2Describer {
    /// `ids` into `found`, the ones EC2 does not know left out.
    async fn describe_chunk(
        &self,
        client: &aws_sdk_ec2::Client,
        region: &str,
        ids: &[&str],
        found: &mut Descriptions,
    ) -> Result<(), RecordError> {
        let mut asking: Vec<&str> = ids.to_vec();
        // Each round either answers or drops at least one id: at most `ids.len()` rounds.
        while !asking.is_empty() {
            let error = match self.describe_ids(client, region, &asking).await {
                Ok(instances) => {
                    found.extend(
                        instances
                            .into_iter()
                            .map(|(id, i)| (id, Ok(Lookup::Found(i)))),
                    );
                    return Ok(());
                }
                Err(error) => error,
            };
            let unknown = if error.code() == Some(NOT_FOUND) {
                ids_named_in(error.message().unwrap_or_default(), &asking)
            } else {
                Vec::new()
            };
            if !unknown.is_empty() {
                asking.retain(|id| !unknown.contains(id));
                continue;
            }
            let error = as_record_error(error);
            let answered = error.aws().is_some_and(|f| f.code.is_some());
            if asking.len() > 1 && answered && !matches!(error, RecordError::Throttled(_)) {
                return self.one_by_one(client, region, &asking, found).await;
            }
            if asking.len() > 1 {
                return Err(error);
            }
            found.insert(asking[0].to_owned(), Err(error));
            return Ok(());
        }
        Ok(())
    }

    /// Each of `ids` in a call of its own: an id's failure is its own.
    async fn one_by_one(
        &self,
        client: &aws_sdk_ec2::Client,
        region: &str,
        ids: &[&str],
        found: &mut Descriptions,
    ) -> Result<(), RecordError> {
        let owned: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
        let answers: Vec<(String, Result<Lookup, RecordError>)> = stream::iter(owned)
            .map(|id: String| async move {
                let answer = match self.describe_ids(client, region, &[id.as_str()]).await {
                    Ok(mut instances) => Ok(instances
                        .remove(&id)
                        .map_or(Lookup::NotFound, Lookup::Found)),
                    Err(error) if error.code() == Some(NOT_FOUND) => Ok(Lookup::NotFound),
                    Err(error) => Err(as_record_error(error)),
                };
                (id, answer)
            })
            .buffer_unordered(ONE_BY_ONE_CONCURRENCY)
            .collect()
            .await;
        found.extend(answers);
        Ok(())
    }

    /// Every page of one `DescribeInstances` for `ids`, in the event's region (not the
    /// function's: events forwarded from another region's bus describe their instances where
    /// they live).
    async fn describe_ids(
        &self,
        client: &aws_sdk_ec2::Client,
        region: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, InstanceDetails>, DescribeError> {
        let mut instances = HashMap::new();
        let mut next_token = None;
        loop {
            let in_region =
                aws_sdk_ec2::config::Builder::default().region(Region::new(region.to_owned()));
            self.describe_calls.fetch_add(1, Ordering::SeqCst);
            let page = client
                .describe_instances()
                .set_instance_ids(Some(ids.iter().map(|id| (*id).to_owned()).collect()))
                .set_next_token(next_token)
                .customize()
                .config_override(in_region)
                .send()
                .await?;
            for instance in page.reservations().iter().flat_map(|r| r.instances()) {
                if let Some(id) = instance.instance_id().filter(|id| ids.contains(id)) {
                    instances.insert(id.to_owned(), instance_details(instance));
                }
            }
            next_token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if next_token.is_none() {
                return Ok(instances);
            }
        }
    }
}

/// A failed `DescribeInstances`, as the SDK gives it (its code and message are read).
type DescribeError = SdkError<DescribeInstancesError, HttpResponse>;

fn as_record_error(error: DescribeError) -> RecordError {
    record_error("ec2:DescribeInstances", error)
}

/// The ids among `asking` that EC2's message names ("The instance IDs 'i-1, i-2' do not
/// exist"), matched whole.
fn ids_named_in<'a>(message: &str, asking: &[&'a str]) -> Vec<&'a str> {
    let named: Vec<&str> = message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|token| token.starts_with("i-"))
        .collect();
    asking
        .iter()
        .copied()
        .filter(|id| named.contains(id))
        .collect()
}

/// Map the SDK's instance to the standard message's fields.
pub fn instance_details(instance: &aws_sdk_ec2::types::Instance) -> InstanceDetails {
    let tags: std::collections::BTreeMap<String, String> = instance
        .tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect();
    let text = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(str::to_owned);
    InstanceDetails {
        name: text(tags.get("Name").map(String::as_str)),
        instance_type: text(instance.instance_type().map(|t| t.as_str())),
        availability_zone: text(instance.placement().and_then(|p| p.availability_zone())),
        private_ip: text(instance.private_ip_address()),
        public_ip: text(instance.public_ip_address()),
        vpc_id: text(instance.vpc_id()),
        subnet_id: text(instance.subnet_id()),
        launch_time: instance
            .launch_time()
            .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
        platform: text(instance.platform_details()),
        architecture: text(instance.architecture().map(|a| a.as_str())),
        tags,
    }
}
