//! The `DescribeInstances` calls of one batch's instances in one account and region: together
//! first, by `InstanceIds` and in chunks, then as EC2's answer asks (unknown ids dropped, one by
//! one when a zone is in trouble).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::describe_instances::DescribeInstancesError;
use futures_util::stream::{self, StreamExt};
use ore_lambda::aws_error::record_error;
use ore_lambda::RecordError;
use ore_model::resource::{InstanceDetails, Lookup};

use super::instance_details;
use crate::enrich::Descriptions;

/// Instance ids per `DescribeInstances` call: a request of a few kilobytes (a batch names at most
/// 10 state changes; an AWS Health event can name hundreds of instances).
pub const IDS_PER_CALL: usize = 200;
/// Calls at once when a batch's instances are asked one by one.
const ONE_BY_ONE_CONCURRENCY: usize = 8;
/// Pages of one call at most (EC2 does not paginate a call by `InstanceIds`; a bound all the same).
const MAX_PAGES: usize = 20;
/// EC2's answer when an instance id it was given does not exist (any more).
const NOT_FOUND: &str = "InvalidInstanceID.NotFound";

/// One account and region's client, and the describer's call counter.
pub(super) struct Calls<'a> {
    pub(super) client: &'a aws_sdk_ec2::Client,
    pub(super) region: &'a str,
    pub(super) counter: &'a AtomicU32,
}

impl Calls<'_> {
    /// What EC2 says of `ids` (at most [`IDS_PER_CALL`]), the ones it does not know left out.
    pub(super) async fn describe_chunk(
        &self,
        ids: Vec<String>,
    ) -> Result<Descriptions, RecordError> {
        let mut found = Descriptions::new();
        self.describe_into(
            &ids.iter().map(String::as_str).collect::<Vec<_>>(),
            &mut found,
        )
        .await?;
        Ok(found)
    }

    async fn describe_into(
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
            if error.code() == Some(NOT_FOUND) {
                let unknown = ids_named_in(error.message().unwrap_or_default(), &asking);
                if !unknown.is_empty() {
                    asking.retain(|id| !unknown.contains(id));
                    continue;
                }
                // Not found, naming none of them: each on its own says which.
                return self.one_by_one(&asking, found).await;
            }
            let error = as_record_error(error);
            if asking.len() > 1 && zone_trouble(&error) {
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

    /// Each of `ids` in a call of its own: an id's failure is its own. Once EC2 throttles one,
    /// the ids not yet asked are not asked: they fail with that throttle.
    async fn one_by_one(&self, ids: &[&str], found: &mut Descriptions) -> Result<(), RecordError> {
        let throttled: Mutex<Option<RecordError>> = Mutex::new(None);
        let owned: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
        let answers: Vec<(String, Result<Lookup, RecordError>)> = stream::iter(owned)
            .map(|id: String| {
                let throttled = &throttled;
                async move {
                    if let Some(error) = throttled
                        .lock()
                        .ok()
                        .and_then(|t| t.as_ref().map(RecordError::shared))
                    {
                        return (id, Err(error));
                    }
                    let answer = match self.describe_ids(&[id.as_str()]).await {
                        Ok(mut instances) => Ok(instances
                            .remove(&id)
                            .map_or(Lookup::NotFound, Lookup::Found)),
                        Err(error) if error.code() == Some(NOT_FOUND) => Ok(Lookup::NotFound),
                        Err(error) => Err(as_record_error(error)),
                    };
                    if let Err(error @ RecordError::Throttled(_)) = &answer {
                        if let Ok(mut first) = throttled.lock() {
                            first.get_or_insert_with(|| error.shared());
                        }
                    }
                    (id, answer)
                }
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
        for _ in 0..MAX_PAGES {
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
        Err(DescribeError::Endless)
    }
}

/// A failed `DescribeInstances`: as the SDK gives it (its code and message are read), or pages
/// that never end.
enum DescribeError {
    Sdk(Box<SdkError<DescribeInstancesError, HttpResponse>>),
    Endless,
}

impl From<SdkError<DescribeInstancesError, HttpResponse>> for DescribeError {
    fn from(error: SdkError<DescribeInstancesError, HttpResponse>) -> Self {
        DescribeError::Sdk(Box::new(error))
    }
}

impl DescribeError {
    fn code(&self) -> Option<&str> {
        match self {
            DescribeError::Sdk(error) => error.code(),
            DescribeError::Endless => None,
        }
    }

    fn message(&self) -> Option<&str> {
        match self {
            DescribeError::Sdk(error) => error.message(),
            DescribeError::Endless => None,
        }
    }
}

fn as_record_error(error: DescribeError) -> RecordError {
    match error {
        DescribeError::Sdk(error) => record_error("ec2:DescribeInstances", *error),
        DescribeError::Endless => RecordError::local(
            "read DescribeInstances' pages",
            format!("still a next page after {MAX_PAGES}"),
        ),
    }
}

/// An error EC2 answered with that may be one Availability Zone's trouble (a 5xx with its
/// code): asking each instance on its own lets the healthy zones' through. Refusals
/// (`UnauthorizedOperation`), throttling and no answer at all fail every instance alike.
fn zone_trouble(error: &RecordError) -> bool {
    matches!(error, RecordError::Transient(failure) if failure.code.is_some())
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
