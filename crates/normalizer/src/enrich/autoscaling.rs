//! Amazon EC2 Auto Scaling's `DescribeTags` for a batch's Auto Scaling groups of one account and
//! region: the Tagging API's `GetResources` returns nothing for Auto Scaling groups (its supported
//! services page says so), so their tags come from Auto Scaling itself, by the
//! `auto-scaling-group` filter, a page at a time. A group it does not name has no tags.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_autoscaling::config::Region;
use aws_sdk_autoscaling::error::ProvideErrorMetadata;
use aws_sdk_autoscaling::types::Filter;
use ore_lambda::aws_error::{classify, record_error, ErrorClass};
use ore_lambda::RecordError;
use ore_model::arn::ResourceArn;
use ore_model::resource::Lookup;

use super::Descriptions;

/// Group names per `DescribeTags` call (the `auto-scaling-group` filter's values; the API
/// reference bounds filters at 1000 per type, and 50 groups' tags fit in the pages below).
pub const GROUPS_PER_CALL: usize = 50;
/// A bound on pages per call: a group has at most 50 tags, so 50 groups' tags fit in 25 pages
/// of 100.
const MAX_PAGES: usize = 32;
/// Tags per page (the API's maximum `MaxRecords`).
const PAGE_SIZE: i32 = 100;

/// The group's name in an Auto Scaling group ARN
/// (`arn:aws:autoscaling:region:account:autoScalingGroup:uuid:autoScalingGroupName/name`).
/// `None` for any other ARN, a scaling policy's or a scheduled action's among them (they name
/// their group too).
pub fn group_name(arn: &str) -> Option<&str> {
    let arn = ResourceArn::parse(arn)?;
    if (arn.service, arn.kind) != ("autoscaling", Some("autoScalingGroup")) {
        return None;
    }
    let (_, name) = arn.id.split_once(":autoScalingGroupName/")?;
    (!name.is_empty() && !name.contains(":policyName/")).then_some(name)
}

/// The tags of the groups `arns` name (in `region`, asked with `client`), `counter` counting the
/// requests. A refusal (access denied in a member account whose role predates the grant) leaves
/// them unenriched with the reason; throttling and AWS's faults fail them, to be retried.
pub(super) async fn read(
    client: &aws_sdk_autoscaling::Client,
    region: &str,
    arns: &[&str],
    counter: &AtomicU32,
) -> Result<Descriptions, RecordError> {
    let mut found = Descriptions::new();
    for chunk in arns.chunks(GROUPS_PER_CALL) {
        found.extend(read_chunk(client, region, chunk, counter).await?);
    }
    Ok(found)
}

async fn read_chunk(
    client: &aws_sdk_autoscaling::Client,
    region: &str,
    arns: &[&str],
    counter: &AtomicU32,
) -> Result<Descriptions, RecordError> {
    let by_name: HashMap<&str, &str> = arns
        .iter()
        .filter_map(|arn| Some((group_name(arn)?, *arn)))
        .collect();
    let mut tags: HashMap<&str, BTreeMap<String, String>> = HashMap::new();
    let filter = Filter::builder()
        .name("auto-scaling-group")
        .set_values(Some(by_name.keys().map(|n| (*n).to_owned()).collect()))
        .build();
    let mut next_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let in_region =
            aws_sdk_autoscaling::config::Builder::default().region(Region::new(region.to_owned()));
        counter.fetch_add(1, Ordering::SeqCst);
        let answer = client
            .describe_tags()
            .filters(filter.clone())
            .max_records(PAGE_SIZE)
            .set_next_token(next_token.take())
            .customize()
            .config_override(in_region)
            .send()
            .await;
        let page = match answer {
            Ok(page) => page,
            Err(error) if classify(&error) == ErrorClass::Rejected => {
                let reason = format!(
                    "autoscaling:DescribeTags refused: {}: {}",
                    error.code().unwrap_or("no code"),
                    error.message().unwrap_or("no message")
                );
                tracing::warn!(region, groups = arns.len(), %reason, "tags not read");
                return Ok(arns
                    .iter()
                    .map(|arn| ((*arn).to_owned(), Ok(Lookup::Unavailable(reason.clone()))))
                    .collect());
            }
            Err(error) => return Err(record_error("autoscaling:DescribeTags", error)),
        };
        for tag in page.tags() {
            // Only what was asked: an answer naming another group is not this batch's.
            let Some((name, _)) = tag.resource_id().and_then(|id| by_name.get_key_value(id)) else {
                continue;
            };
            if let (Some(key), Some(value)) = (tag.key(), tag.value()) {
                tags.entry(name)
                    .or_default()
                    .insert(key.to_owned(), value.to_owned());
            }
        }
        next_token = page.next_token().map(str::to_owned);
        if next_token.is_none() {
            break;
        }
    }
    if next_token.is_some() {
        tracing::warn!(
            region,
            groups = arns.len(),
            pages = MAX_PAGES,
            "autoscaling:DescribeTags had more pages than groups can hold tags; the rest not read"
        );
    }
    Ok(arns
        .iter()
        .map(|arn| {
            // Two ARNs of one name (a group deleted and made again) get the same tags: Auto
            // Scaling answers by name, so the group's tags are the group of that name's now.
            let group_tags = group_name(arn)
                .and_then(|name| tags.get(name).cloned())
                .unwrap_or_default();
            ((*arn).to_owned(), Ok(Lookup::Tagged(group_tags)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_name_is_the_arns_last_part() {
        let arn = "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:\
                   8f6f2a4c-1b2d-4e3f-9a8b-7c6d5e4f3a2b:autoScalingGroupName/orders-web";
        assert_eq!(group_name(arn), Some("orders-web"));
        assert_eq!(
            group_name("arn:aws:rds:eu-west-1:123456789012:db:autoScalingGroupName/x"),
            None
        );
        assert_eq!(
            group_name("arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroupName/"),
            None
        );
        // A scaling policy names its group, but is not one.
        assert_eq!(
            group_name(
                "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:8f6f2a4c:\
                 autoScalingGroupName/orders-web:policyName/scale-out"
            ),
            None
        );
        assert_eq!(
            group_name(
                "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:8f6f2a4c:\
                 autoScalingGroupName/web tier"
            ),
            Some("web tier")
        );
    }
}
