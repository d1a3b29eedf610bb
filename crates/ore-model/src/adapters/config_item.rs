//! "Config Configuration Item Change": AWS Config recorded a resource created, changed or deleted,
//! the generic path for every resource type Config records, so a team can watch kinds ORE has no
//! adapter for. The resource is the item's `ARN`; its tags are the item's own (Config records
//! them), so nothing is asked. An item too large for a notification comes as its summary
//! (`OversizedConfigurationItemChangeNotification`): the same resource, no properties and no
//! tags (the Tagging API is asked), and where Config put the whole item in S3.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::resource_event::ResourceEvent;
use super::Adapter;
use crate::arn::ResourceArn;
use crate::ec2::is_instance_id;
use crate::notice::{AdaptedNotice, ChangedProperty, ConfigurationChange, Notice};
use crate::resource::{MAX_TAGS, MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS};
use crate::text::clean_text;
use crate::InputError;

/// The EventBridge `source` of AWS Config's events.
pub const CONFIG_SOURCE: &str = "aws.config";
/// At most this many changed properties are carried; the rest are counted.
pub const MAX_CHANGED_PROPERTIES: usize = 32;
/// A property's previous or updated value is cut at this many characters (as compact JSON).
pub const MAX_PROPERTY_VALUE_CHARS: usize = 256;

const ITEM_CHANGE: &str = "ConfigurationItemChangeNotification";
const OVERSIZED_ITEM_CHANGE: &str = "OversizedConfigurationItemChangeNotification";

/// Reads AWS Config's configuration item changes.
pub struct ConfigurationItemChangeAdapter;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail {
    message_type: String,
    #[serde(default)]
    configuration_item: Option<Item>,
    #[serde(default)]
    configuration_item_summary: Option<Item>,
    #[serde(default)]
    configuration_item_diff: Option<Diff>,
    #[serde(default)]
    s3_delivery_summary: Option<S3Delivery>,
}

/// A configuration item, or its summary: the fields both carry, and the item's tags.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default, rename = "ARN")]
    arn: Option<String>,
    resource_type: String,
    configuration_item_status: String,
    #[serde(default)]
    configuration_item_capture_time: Option<DateTime<Utc>>,
    #[serde(default)]
    tags: Option<BTreeMap<String, Value>>,
    /// The summary's own change type (the full item's is in the diff).
    #[serde(default)]
    change_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Diff {
    #[serde(default)]
    change_type: Option<String>,
    #[serde(default)]
    changed_properties: BTreeMap<String, PropertyChange>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PropertyChange {
    #[serde(default)]
    previous_value: Value,
    #[serde(default)]
    updated_value: Value,
    #[serde(default)]
    change_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct S3Delivery {
    #[serde(default)]
    s3_bucket_location: Option<String>,
}

/// A value as people read it: a string as itself, anything else as compact JSON; none for null.
fn value_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(text) => clean_text(text, MAX_PROPERTY_VALUE_CHARS),
        other => clean_text(&other.to_string(), MAX_PROPERTY_VALUE_CHARS),
    };
    Some(text).filter(|t| !t.is_empty())
}

/// A word Config writes (a change type, a status, a resource type): letters, digits and `:`.
fn is_config_word(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_')
}

/// `text` cleaned, whole when it is within `max` characters, else cut to `max` with the ellipsis.
fn fit(text: &str, max: usize) -> String {
    let whole = clean_text(text, max);
    if whole.chars().count() > max {
        clean_text(text, max - 1)
    } else {
        whole
    }
}

/// The item's tags, as ORE bounds any resource's: strings only, at most 64, each key and value
/// within AWS's limits (what is beyond them is cut, never refused: the item is Config's record).
fn item_tags(tags: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|(key, value)| {
            let value = match value {
                Value::String(text) => text.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            let key = fit(key, MAX_TAG_KEY_CHARS);
            (!key.is_empty()).then(|| (key, fit(&value, MAX_TAG_VALUE_CHARS)))
        })
        .take(MAX_TAGS)
        .collect()
}

impl Adapter for ConfigurationItemChangeAdapter {
    const SOURCE: &'static str = CONFIG_SOURCE;
    const DETAIL_TYPE: &'static str = "Config Configuration Item Change";
    type Output = Vec<AdaptedNotice>;

    fn adapt(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
        let event = ResourceEvent::<Detail>::parse(payload)?;
        let detail = &event.detail;
        let (item, item_field, oversized) = match detail.message_type.as_str() {
            ITEM_CHANGE => (
                detail.configuration_item.as_ref(),
                "detail.configurationItem",
                false,
            ),
            OVERSIZED_ITEM_CHANGE => (
                detail.configuration_item_summary.as_ref(),
                "detail.configurationItemSummary",
                true,
            ),
            other => {
                return Err(InputError::InvalidField {
                    field: "detail.messageType",
                    reason: format!(
                        "must be {ITEM_CHANGE} or {OVERSIZED_ITEM_CHANGE} (got {:?})",
                        clean_text(other, 64)
                    ),
                })
            }
        };
        let item = item.ok_or_else(|| InputError::InvalidField {
            field: item_field,
            reason: "missing".into(),
        })?;
        let [type_field, status_field, arn_field] = if oversized {
            [
                "detail.configurationItemSummary.resourceType",
                "detail.configurationItemSummary.configurationItemStatus",
                "detail.configurationItemSummary.ARN",
            ]
        } else {
            [
                "detail.configurationItem.resourceType",
                "detail.configurationItem.configurationItemStatus",
                "detail.configurationItem.ARN",
            ]
        };
        for (field, value) in [
            (type_field, &item.resource_type),
            (status_field, &item.configuration_item_status),
        ] {
            if !is_config_word(value) {
                return Err(InputError::InvalidField {
                    field,
                    reason: format!("not a word AWS Config writes: {:?}", clean_text(value, 64)),
                });
            }
        }
        let arn = item
            .arn
            .as_deref()
            .and_then(ResourceArn::parse)
            .filter(|arn| arn.id.len() <= 255)
            // An instance is described by EC2, which needs its id in EC2's form.
            .filter(|arn| arn.resource_type() != "ec2:instance" || is_instance_id(arn.id))
            .ok_or_else(|| InputError::InvalidField {
                field: arn_field,
                reason: format!(
                    "must be the resource's ARN (got {:?})",
                    clean_text(item.arn.as_deref().unwrap_or_default(), 64)
                ),
            })?;
        let mut target = event.target(&arn);
        // Config records `tags: {}` for a deleted resource (and for types whose tags it does not
        // record): no tags said is not "no tags", so the Tagging API is asked then.
        target.event_tags = item
            .tags
            .as_ref()
            .filter(|tags| !oversized && !tags.is_empty())
            .map(item_tags);
        let diff = detail.configuration_item_diff.as_ref();
        let change_type = diff
            .and_then(|diff| diff.change_type.as_deref())
            .or(item.change_type.as_deref())
            .filter(|t| is_config_word(t))
            .map(str::to_owned);
        let changes = diff.map(|d| &d.changed_properties);
        let changed_properties = changes
            .into_iter()
            .flatten()
            .take(MAX_CHANGED_PROPERTIES)
            .map(|(name, change)| ChangedProperty {
                name: clean_text(name, 255),
                change_type: change
                    .change_type
                    .as_deref()
                    .filter(|t| is_config_word(t))
                    .map(str::to_owned),
                previous_value: value_text(&change.previous_value),
                updated_value: value_text(&change.updated_value),
            })
            .collect();
        let omitted = changes.map_or(0, |c| c.len().saturating_sub(MAX_CHANGED_PROPERTIES));
        let change = ConfigurationChange {
            config_resource_type: item.resource_type.clone(),
            change_type,
            status: item.configuration_item_status.clone(),
            capture_time: item.configuration_item_capture_time,
            changed_properties,
            omitted_properties: u32::try_from(omitted).ok().filter(|n| *n > 0),
            oversized_location: detail
                .s3_delivery_summary
                .as_ref()
                .and_then(|s3| s3.s3_bucket_location.as_deref())
                .map(|location| clean_text(location, 1024))
                .filter(|location| !location.is_empty()),
        };
        Ok(vec![AdaptedNotice {
            target,
            notice: Notice::ConfigurationChange(change),
            communication: None,
        }])
    }
}
