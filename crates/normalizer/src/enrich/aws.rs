//! The enrichment port on AWS: EC2's `DescribeInstances` and the Tagging API's `GetResources`
//! (Auto Scaling's `DescribeTags` for Auto Scaling groups, which `GetResources` does not return),
//! a batch's resources of one account and region at once, in their own account: the function's
//! credentials at home, and in a member account those of the enrichment role ORE assumes there
//! (STS `AssumeRole`), kept per account until shortly before they expire.

use std::sync::atomic::{AtomicU32, Ordering};

use aws_config::SdkConfig;
use ore_lambda::RecordError;
use ore_model::resource::Lookup;

use super::accounts::{Clients, MemberAccounts};
use super::{autoscaling, ec2, tagging, DescribeResources, Descriptions};

/// EC2 and the Tagging API through the SDK clients built once per cold start.
#[derive(Debug)]
pub struct AwsDescriber {
    home: Clients,
    accounts: Option<MemberAccounts>,
    /// With no role to assume elsewhere, the one account ORE may ask about.
    only_account: Option<String>,
    describe_calls: AtomicU32,
    get_resources_calls: AtomicU32,
    describe_tags_calls: AtomicU32,
}

impl AwsDescriber {
    /// Look up resources with `sdk`'s credentials, in this account only.
    pub fn new(sdk: &SdkConfig) -> Self {
        AwsDescriber {
            home: Clients::new(sdk),
            accounts: None,
            only_account: None,
            describe_calls: AtomicU32::new(0),
            get_resources_calls: AtomicU32::new(0),
            describe_tags_calls: AtomicU32::new(0),
        }
    }

    /// Look up resources of `home_account` only, with the function's own credentials: another
    /// account's resources are `unavailable` with the reason, not asked with credentials that
    /// would find nothing there (which would read as "no tags", or "no such instance").
    pub fn in_account(sdk: &SdkConfig, home_account: &str) -> Self {
        AwsDescriber {
            only_account: Some(home_account.to_owned()),
            ..AwsDescriber::new(sdk)
        }
    }

    /// Look up resources of `home_account` with the function's own credentials, and those of
    /// any other account through the role `role_name` there.
    pub fn across_accounts(sdk: &SdkConfig, home_account: &str, role_name: &str) -> Self {
        AwsDescriber {
            accounts: Some(MemberAccounts::new(sdk, home_account, role_name)),
            ..AwsDescriber::new(sdk)
        }
    }

    /// How many times STS was asked for credentials since the cold start.
    pub fn assume_role_calls(&self) -> u32 {
        self.accounts
            .as_ref()
            .map_or(0, |a| a.assume_calls.load(Ordering::SeqCst))
    }

    /// How many `DescribeInstances` requests (pages included) were sent since the cold start.
    pub fn describe_instances_calls(&self) -> u32 {
        self.describe_calls.load(Ordering::SeqCst)
    }

    /// How many `GetResources` requests were sent since the cold start.
    pub fn get_resources_calls(&self) -> u32 {
        self.get_resources_calls.load(Ordering::SeqCst)
    }

    /// How many Auto Scaling `DescribeTags` requests (pages included) were sent since the cold
    /// start.
    pub fn describe_tags_calls(&self) -> u32 {
        self.describe_tags_calls.load(Ordering::SeqCst)
    }

    /// The clients that may look up `account`'s resources, or why there are none.
    async fn clients_for(&self, account: &str) -> Result<Result<Clients, String>, RecordError> {
        match (&self.accounts, &self.only_account) {
            (Some(members), _) if account != members.home_account => members.clients(account).await,
            (None, Some(home)) if account != home => Ok(Err(format!(
                "account {account} is not ORE's own ({home}) and no EnrichmentRoleName is set: \
                 ORE reads only its own account's resources"
            ))),
            _ => Ok(Ok(self.home.clone())),
        }
    }
}

/// Every one of `keys` unavailable for `reason`.
fn all_unavailable(keys: &[&str], reason: &str) -> Descriptions {
    keys.iter()
        .map(|key| {
            (
                (*key).to_owned(),
                Ok(Lookup::Unavailable(reason.to_owned())),
            )
        })
        .collect()
}

impl DescribeResources for AwsDescriber {
    async fn describe_instances(
        &self,
        account: &str,
        region: &str,
        instance_ids: &[&str],
    ) -> Result<Descriptions, RecordError> {
        match self.clients_for(account).await? {
            Ok(clients) => {
                ec2::describe(&clients.ec2, region, instance_ids, &self.describe_calls).await
            }
            Err(reason) => Ok(all_unavailable(instance_ids, &reason)),
        }
    }

    async fn read_tags(
        &self,
        account: &str,
        region: &str,
        arns: &[&str],
    ) -> Result<Descriptions, RecordError> {
        match self.clients_for(account).await? {
            Ok(clients) => {
                let (groups, others): (Vec<&str>, Vec<&str>) = arns
                    .iter()
                    .partition(|arn| autoscaling::group_name(arn).is_some());
                let mut found = Descriptions::new();
                if !others.is_empty() {
                    found.extend(
                        tagging::read(&clients.tagging, region, &others, &self.get_resources_calls)
                            .await?,
                    );
                }
                if !groups.is_empty() {
                    let calls = &self.describe_tags_calls;
                    found.extend(
                        autoscaling::read(&clients.autoscaling, region, &groups, calls).await?,
                    );
                }
                Ok(found)
            }
            Err(reason) => Ok(all_unavailable(arns, &reason)),
        }
    }
}
