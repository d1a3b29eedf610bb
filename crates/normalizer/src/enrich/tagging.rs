//! The Resource Groups Tagging API's `GetResources` for a batch's resources of one account and
//! region: by `ResourceARNList`, 100 ARNs a call (its documented maximum), a few calls at once.
//! The API answers only for resources tagged now or before, and leaves out an ARN that does not
//! exist without an error: an ARN it does not name has no tags ORE can show.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_resourcegroupstagging::config::Region;
use aws_sdk_resourcegroupstagging::error::ProvideErrorMetadata;
use futures_util::stream::{self, StreamExt};
use ore_lambda::aws_error::{classify, record_error, ErrorClass};
use ore_lambda::RecordError;
use ore_model::resource::Lookup;

use super::Descriptions;

/// The API's answer to a parameter it will not take (an ARN of a form it refuses).
const INVALID_PARAMETER: &str = "InvalidParameterException";
/// ARNs per `GetResources` call: `ResourceARNList` takes at most 100.
pub const ARNS_PER_CALL: usize = 100;
/// Calls of one account and region at once (an AWS Health event can name up to 2,500
/// resources: 25 calls).
const CALLS_AT_ONCE: usize = 4;

/// The tags of `arns` (in `region`, asked with `client`), `counter` counting the requests. A
/// call the API refuses (access denied in a member account whose role predates the grant, an
/// ARN it calls invalid) leaves its resources unenriched with the reason; throttling and AWS's
/// faults fail them, to be retried.
pub(super) async fn read(
    client: &aws_sdk_resourcegroupstagging::Client,
    region: &str,
    arns: &[&str],
    counter: &AtomicU32,
) -> Result<Descriptions, RecordError> {
    let chunks: Vec<Vec<String>> = arns
        .chunks(ARNS_PER_CALL)
        .map(|chunk| chunk.iter().map(|arn| (*arn).to_owned()).collect())
        .collect();
    let answers: Vec<Result<Descriptions, RecordError>> = stream::iter(chunks)
        .map(|chunk: Vec<String>| read_chunk_or_each(client, region, chunk, counter))
        .buffer_unordered(CALLS_AT_ONCE)
        .collect()
        .await;
    let mut found = Descriptions::new();
    for answer in answers {
        found.extend(answer?);
    }
    Ok(found)
}

/// One `GetResources` for the chunk; when the API calls a parameter invalid (one ARN it will not
/// take), each ARN is asked on its own, so only that one goes without its tags.
async fn read_chunk_or_each(
    client: &aws_sdk_resourcegroupstagging::Client,
    region: &str,
    arns: Vec<String>,
    counter: &AtomicU32,
) -> Result<Descriptions, RecordError> {
    let several = arns.len() > 1;
    match read_chunk(client, region, arns.clone(), counter).await {
        Err(Refused::InvalidParameter(_)) if several => {
            let answers: Vec<Result<Descriptions, RecordError>> = stream::iter(arns)
                .map(|arn| async move {
                    read_chunk(client, region, vec![arn], counter)
                        .await
                        .or_else(Refused::unavailable)
                })
                .buffer_unordered(CALLS_AT_ONCE)
                .collect()
                .await;
            let mut found = Descriptions::new();
            for answer in answers {
                found.extend(answer?);
            }
            Ok(found)
        }
        answer => answer.or_else(Refused::unavailable),
    }
}

/// Why `GetResources` gave no tags.
enum Refused {
    /// The API called a parameter invalid: its ARNs, with the reason.
    InvalidParameter((Vec<String>, String)),
    /// Any other refusal (access denied in a member account): its ARNs, with the reason.
    Other((Vec<String>, String)),
    /// Throttling, AWS's faults, no answer: retried with the record.
    Failed(RecordError),
}

impl Refused {
    /// A refusal leaves its resources unenriched, saying why; a failure fails the record.
    fn unavailable(self) -> Result<Descriptions, RecordError> {
        match self {
            Refused::InvalidParameter((arns, reason)) | Refused::Other((arns, reason)) => Ok(arns
                .into_iter()
                .map(|arn| (arn, Ok(Lookup::Unavailable(reason.clone()))))
                .collect()),
            Refused::Failed(error) => Err(error),
        }
    }
}

/// One `GetResources` for at most [`ARNS_PER_CALL`] ARNs, in the resources' region (not the
/// function's: events forwarded from another region name resources where they live).
async fn read_chunk(
    client: &aws_sdk_resourcegroupstagging::Client,
    region: &str,
    arns: Vec<String>,
    counter: &AtomicU32,
) -> Result<Descriptions, Refused> {
    let in_region = aws_sdk_resourcegroupstagging::config::Builder::default()
        .region(Region::new(region.to_owned()));
    counter.fetch_add(1, Ordering::SeqCst);
    let answer = client
        .get_resources()
        .set_resource_arn_list(Some(arns.clone()))
        .customize()
        .config_override(in_region)
        .send()
        .await;
    let output = match answer {
        Ok(output) => output,
        Err(error) if classify(&error) == ErrorClass::Rejected => {
            let code = error.code().unwrap_or("no code");
            let reason = format!(
                "tag:GetResources refused: {code}: {}",
                error.message().unwrap_or("no message")
            );
            tracing::warn!(region, resources = arns.len(), %reason, "tags not read");
            return Err(if code == INVALID_PARAMETER {
                Refused::InvalidParameter((arns, reason))
            } else {
                Refused::Other((arns, reason))
            });
        }
        Err(error) => return Err(Refused::Failed(record_error("tag:GetResources", error))),
    };
    let mut found: Descriptions = arns
        .iter()
        .map(|arn| (arn.clone(), Ok(Lookup::Tagged(BTreeMap::new()))))
        .collect();
    for mapping in output.resource_tag_mapping_list() {
        let Some(arn) = mapping.resource_arn() else {
            continue;
        };
        // Only what was asked: an answer naming another resource is not this batch's.
        if let Some(entry) = found.get_mut(arn) {
            let tags = mapping
                .tags()
                .iter()
                .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
                .collect();
            *entry = Ok(Lookup::Tagged(tags));
        }
    }
    Ok(found)
}
