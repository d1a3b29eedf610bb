//! The instance as every mail shows it: which it is and where, what EC2 said of it, its tags,
//! and how it is named in a subject line. The state-change and notice views flatten
//! [`ResourceView`] into theirs; the digest shows each change's state-change view.

use std::borrow::Cow;

use ore_model::resource::{EnrichmentStatus, InstanceDetails, Resource};
use serde::Serialize;

use crate::format::{console_url, human_time, truncate};

/// Longer names are cut in the subject (the body shows them whole).
const SUBJECT_NAME_CHARS: usize = 60;

/// The resource's part of a mail's view: the same variables in every mail that shows one
/// resource.
#[derive(Debug, Serialize)]
pub(crate) struct ResourceView<'a> {
    /// The name or id as a subject line shows it: control characters removed, long names cut.
    who: String,
    name: &'a str,
    has_name: bool,
    instance_id: &'a str,
    account: &'a str,
    /// The account id alone, for the subject line.
    account_short: &'a str,
    /// `payments-prod (111122223333)`, or the id alone.
    account_label: String,
    region: &'a str,
    enriched: bool,
    /// Why EC2 could not be asked about the instance (its account refused ORE), if so.
    unavailable: Option<&'a str>,
    /// What EC2 said, as (label key of `words.label`, value).
    details: Vec<(&'static str, Cow<'a, str>)>,
    tags: Vec<(&'a str, &'a str)>,
    console_url: Option<String>,
    source_event_id: &'a str,
}

impl<'a> ResourceView<'a> {
    pub(crate) fn new(resource: &'a Resource) -> Self {
        ResourceView {
            who: subject_who(resource),
            name: resource.display_name(),
            has_name: resource.display_name() != resource.resource_id,
            instance_id: &resource.resource_id,
            account: &resource.account,
            account_short: resource.account_short(),
            account_label: resource.account_label(),
            region: &resource.region,
            enriched: resource.enrichment == EnrichmentStatus::Enriched,
            unavailable: (resource.enrichment == EnrichmentStatus::Unavailable).then(|| {
                resource
                    .enrichment_reason
                    .as_deref()
                    .unwrap_or("no reason given")
            }),
            details: instance_details(&resource.instance),
            tags: instance_tags(&resource.instance),
            console_url: console_url(&resource.partition, &resource.region, &resource.resource_id),
            source_event_id: &resource.source_event_id,
        }
    }
}

/// What EC2 said of the instance, as (label key of `words.label`, value), skipping what it did
/// not say.
pub fn instance_details(instance: &InstanceDetails) -> Vec<(&'static str, Cow<'_, str>)> {
    fn borrowed(value: &Option<String>) -> Option<Cow<'_, str>> {
        value.as_deref().map(Cow::Borrowed)
    }
    [
        ("instance_type", borrowed(&instance.instance_type)),
        ("availability_zone", borrowed(&instance.availability_zone)),
        ("private_ip", borrowed(&instance.private_ip)),
        ("public_ip", borrowed(&instance.public_ip)),
        ("vpc_id", borrowed(&instance.vpc_id)),
        ("subnet_id", borrowed(&instance.subnet_id)),
        (
            "launched",
            instance
                .launch_time
                .as_ref()
                .map(|t| Cow::Owned(human_time(t))),
        ),
        ("platform", borrowed(&instance.platform)),
        ("architecture", borrowed(&instance.architecture)),
    ]
    .into_iter()
    .filter_map(|(label, value)| Some((label, value?)))
    .collect()
}

/// The instance's tags, key and value (escaped by the HTML template).
pub fn instance_tags(instance: &InstanceDetails) -> Vec<(&str, &str)> {
    instance
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// `web-01 (i-0abc…)`, or the id alone: control characters removed so a tag cannot break the
/// header, long names cut.
pub fn subject_who(resource: &Resource) -> String {
    let name: String = resource
        .display_name()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = truncate(name.trim(), SUBJECT_NAME_CHARS);
    if name == resource.resource_id {
        name
    } else {
        format!("{name} ({})", resource.resource_id)
    }
}
