//! The enrichment port ([`DescribeInstance`]) on EC2's `DescribeInstances`, a batch's instances
//! of one account and region at once, in their own account: the function's credentials at
//! home, and in a member account those of the enrichment role ORE assumes there (STS
//! `AssumeRole`), kept per account until shortly before they expire.

use std::sync::atomic::{AtomicU32, Ordering};

use aws_config::SdkConfig;
use chrono::DateTime;
use futures_util::stream::{self, StreamExt};
use ore_lambda::RecordError;
use ore_model::resource::{InstanceDetails, Lookup};

use super::{DescribeInstance, Descriptions};

mod accounts;
mod calls;

use accounts::MemberAccounts;
pub use accounts::{partition_of, CREDENTIALS_MARGIN, REFUSAL_MEMORY, SESSION_DURATION};
use calls::Calls;
pub use calls::IDS_PER_CALL;

/// Chunks of one account and region's ids asked at once (an AWS Health event can name up to
/// 2,500 instances: 13 chunks).
const CHUNKS_AT_ONCE: usize = 4;

/// `DescribeInstances` through the SDK clients built once per cold start.
#[derive(Debug)]
pub struct Ec2Describer {
    home: aws_sdk_ec2::Client,
    accounts: Option<MemberAccounts>,
    describe_calls: AtomicU32,
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
        Ec2Describer {
            home: aws_sdk_ec2::Client::new(sdk),
            accounts: Some(MemberAccounts::new(sdk, home_account, role_name)),
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
        let calls = Calls {
            client: &client,
            region,
            counter: &self.describe_calls,
        };
        let chunks: Vec<Vec<String>> = instance_ids
            .chunks(IDS_PER_CALL)
            .map(|ids| ids.iter().map(|id| (*id).to_owned()).collect())
            .collect();
        let answers: Vec<Result<Descriptions, RecordError>> = stream::iter(chunks)
            .map(|ids: Vec<String>| calls.describe_chunk(ids))
            .buffer_unordered(CHUNKS_AT_ONCE)
            .collect()
            .await;
        let mut found = Descriptions::new();
        for answer in answers {
            found.extend(answer?);
        }
        for id in instance_ids {
            found
                .entry((*id).to_owned())
                .or_insert(Ok(Lookup::NotFound));
        }
        Ok(found)
    }
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
