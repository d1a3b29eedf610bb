//! The instance as every mail shows it: what EC2 said of it, its tags, and how it is named in a
//! subject line. The state-change, notice and digest views share these.

use std::borrow::Cow;

use ore_model::resource::{InstanceDetails, Resource};

use crate::format::{human_time, truncate};

/// Longer names are cut in the subject (the body shows them whole).
const SUBJECT_NAME_CHARS: usize = 60;

/// What EC2 said of the instance, labelled, skipping what it did not say.
pub fn instance_details(instance: &InstanceDetails) -> Vec<(&'static str, Cow<'_, str>)> {
    fn borrowed(value: &Option<String>) -> Option<Cow<'_, str>> {
        value.as_deref().map(Cow::Borrowed)
    }
    [
        ("Instance type", borrowed(&instance.instance_type)),
        ("Availability zone", borrowed(&instance.availability_zone)),
        ("Private IPv4", borrowed(&instance.private_ip)),
        ("Public IPv4", borrowed(&instance.public_ip)),
        ("VPC", borrowed(&instance.vpc_id)),
        ("Subnet", borrowed(&instance.subnet_id)),
        (
            "Launched",
            instance
                .launch_time
                .as_ref()
                .map(|t| Cow::Owned(human_time(t))),
        ),
        ("Platform", borrowed(&instance.platform)),
        ("Architecture", borrowed(&instance.architecture)),
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
