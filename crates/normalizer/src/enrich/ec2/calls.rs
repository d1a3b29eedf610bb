//! The `DescribeInstances` calls of one batch's instances in one account and region: together
//! first, by `InstanceIds` and in chunks, then as EC2's answer asks (unknown ids dropped, one by
//! one when a zone is in trouble).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::describe_instances::DescribeInstancesError;
use futures_util::stream::{self, StreamExt};
use ore_lambda::aws_error::record_error;
use ore_lambda::RecordError;
use ore_model::resource::{InstanceDetails, Lookup};

use super::instance_details;
use crate::Descriptions;

/// Instance ids per `DescribeInstances` call: a request of a few kilobytes (a batch names at most
/// 10 state changes; an AWS Health event can name hundreds of instances).
pub const IDS_PER_CALL: usize = 200;
/// Calls at once when a batch's instances are asked one by one.
const ONE_BY_ONE_CONCURRENCY: usize = 8;
/// EC2's answer when an instance id it was given does not exist (any more).
const NOT_FOUND: &str = "InvalidInstanceID.NotFound";

/// One account and region's client, and the describer's call counter.
pub(super) struct Calls<'a> {
    pub(super) client: &'a aws_sdk_ec2::Client,
    pub(super) region: &'a str,
    pub(super) counter: &'a AtomicU32,
}

impl Calls<'_> {
    /// `ids` into `found`, the ones EC2 does not know left out.
    pub(super) async fn describe_chunk(
        &self,
        ids: &[&str],
        found: &mut Descriptions,
    ) -> Result<(), RecordError> {
        let mut asking: Vec<&str> = ids.to_vec();
        // Each round either answers or drops at least one id: at most `ids.len()` rounds.
        while !asking.is_empty() {
            let error = match self.describe_ids(&asking).await {
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
                return self.one_by_one(&asking, found).await;
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
    async fn one_by_one(&self, ids: &[&str], found: &mut Descriptions) -> Result<(), RecordError> {
        let owned: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
        let answers: Vec<(String, Result<Lookup, RecordError>)> = stream::iter(owned)
            .map(|id: String| async move {
                let answer = match self.describe_ids(&[id.as_str()]).await {
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
        ids: &[&str],
    ) -> Result<HashMap<String, InstanceDetails>, DescribeError> {
        let mut instances = HashMap::new();
        let mut next_token = None;
        loop {
            let in_region =
                aws_sdk_ec2::config::Builder::default().region(Region::new(self.region.to_owned()));
            self.counter.fetch_add(1, Ordering::SeqCst);
            let page = self
                .client
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
