//! What ORE's two DynamoDB tables share (the normalizer's state table, the emailer's mail
//! ledger): the Time to Live attribute, how times and strings are written, the item type. Each
//! table's adapter lives with the function that owns the table.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// The attribute DynamoDB's Time to Live reads, on both tables.
pub const TTL_ATTRIBUTE: &str = "ttl";

/// An item as the SDK reads and writes it.
pub type Item = HashMap<String, AttributeValue>;

/// A time as the tables store it: RFC 3339 in UTC with milliseconds, so it sorts as text.
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A string attribute.
pub fn string_value(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// The Time to Live value: `retention` after `time`, in epoch seconds.
pub fn expires(time: DateTime<Utc>, retention: Duration) -> AttributeValue {
    let at = time + TimeDelta::from_std(retention).unwrap_or(TimeDelta::MAX);
    AttributeValue::N(at.timestamp().to_string())
}

/// The string attribute `name`; the error says what is wrong with the item.
pub fn read_text<'i>(item: &'i Item, name: &'static str) -> Result<&'i str, String> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(format!("{name} missing or not a string")),
    }
}

/// The time attribute `name` (as [`timestamp`] writes it).
pub fn read_time(item: &Item, name: &'static str) -> Result<DateTime<Utc>, String> {
    let value = read_text(item, name)?;
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{name} {value:?}: {e}"))
}
