//! The resource as every mail shows it: which it is and where, what AWS said of it (EC2 of an
//! instance, the Tagging API of any other resource), its tags, and how it is named in a subject
//! line. The state-change and notice views flatten [`ResourceView`] into theirs; the digest
//! shows each change's state-change view.

use std::borrow::Cow;

use ore_model::resource::{EnrichmentStatus, InstanceDetails, Resource};
use serde::Serialize;

use crate::format::{human_time, resource_console, truncate};

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
    /// The resource's id (named for the instance it always was; any resource's id now).
    instance_id: &'a str,
    /// `ec2:instance`, `rds:db`, `health:entity`, ...
    resource_type: &'a str,
    /// Whether EC2 describes it (its details are shown); any other resource shows its tags.
    is_instance: bool,
    account: &'a str,
    /// The account id alone, for the subject line.
    account_short: &'a str,
    /// `payments-prod (111122223333)`, or the id alone.
    account_label: String,
    region: &'a str,
    enriched: bool,
    /// Why AWS could not be asked about the resource (its account refused ORE), if so.
    unavailable: Option<&'a str>,
    /// Nothing to ask: AWS Health named no resource ORE can look up.
    not_applicable: bool,
    /// What EC2 said, as (label key of `words.label`, value).
    details: Vec<(&'static str, Cow<'a, str>)>,
    tags: Vec<(&'a str, &'a str)>,
    console_url: Option<String>,
    /// The console `console_url` opens: `EC2`, `RDS`, `Lambda`.
    console_name: &'static str,
    source_event_id: &'a str,
}

impl<'a> ResourceView<'a> {
    pub(crate) fn new(resource: &'a Resource) -> Self {
        let console = resource_console(
            &resource.partition,
            &resource.region,
            &resource.resource_type,
            &resource.resource_id,
        );
        ResourceView {
            who: subject_who(resource),
            name: resource.display_name(),
            has_name: resource.display_name() != resource.resource_id,
            instance_id: &resource.resource_id,
            resource_type: &resource.resource_type,
            is_instance: resource.instance.is_some(),
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
            not_applicable: resource.enrichment == EnrichmentStatus::NotApplicable,
            details: resource
                .instance
                .as_ref()
                .map(instance_details)
                .unwrap_or_default(),
            tags: resource
                .tags()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            console_name: console.as_ref().map_or("AWS", |(_, name)| *name),
            console_url: console.map(|(url, _)| url),
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
