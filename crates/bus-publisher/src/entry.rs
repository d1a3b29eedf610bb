//! One ORE message as one EventBridge event: what a team's rule on the ORE bus matches.
//!
//! - `source` is [`EVENT_SOURCE`], the namespace every ORE CloudEvent type lives in;
//! - `detail-type` is the CloudEvent `type` (`org.ore.resource.state-changed`, ...), so a rule
//!   names a kind exactly, or all of them with a prefix;
//! - `detail` is the message itself, as the normalizer published it (fields this version of ORE
//!   does not know included), so `detail.data.state` or `detail.data.tags.team` filter it;
//! - `resources` is the resource's ARN when it has one, `time` the message's `time`.
//!
//! docs/contract.md ("The ORE event bus") documents it for subscribers.

use chrono::{DateTime, Utc};
use ore_model::message::OreMessage;
use ore_model::InputError;
use serde_json::Value;

/// The EventBridge `source` of every event on the ORE bus: the reverse-DNS namespace of ORE's
/// CloudEvent types (each type is `org.ore.` followed by its name).
pub const EVENT_SOURCE: &str = "org.ore";

/// The largest event entry PutEvents accepts, in bytes, counted as [`BusEntry::size`] does
/// (docs/aws-names.yaml, "PutEvents": 256 KB).
pub const MAX_ENTRY_BYTES: usize = 256 * 1024;

/// What `Time` counts for in an entry's size, when it is set (it always is here).
const TIME_BYTES: usize = 14;

/// One event for the ORE bus, ready to put.
#[derive(Debug, Clone, PartialEq)]
pub struct BusEntry {
    /// The message's id, to name the record in log lines.
    pub message_id: String,
    /// [`EVENT_SOURCE`].
    pub source: &'static str,
    /// The CloudEvent type.
    pub detail_type: String,
    /// The message, compact JSON.
    pub detail: String,
    /// The resource's ARN, when it has one.
    pub resources: Vec<String>,
    /// The message's time.
    pub time: DateTime<Utc>,
}

impl BusEntry {
    /// The entry's size as PutEvents counts it: the UTF-8 bytes of `Source`, `DetailType`,
    /// `Detail` and each of `Resources`, and 14 bytes for `Time`.
    pub fn size(&self) -> usize {
        TIME_BYTES
            + self.source.len()
            + self.detail_type.len()
            + self.detail.len()
            + self.resources.iter().map(String::len).sum::<usize>()
    }
}

/// The bus event for `message`, whose JSON as received is `body`. A message too large for one
/// event is bad input: it can never be put, so it goes to the dead-letter queue.
pub fn bus_entry(message: &OreMessage, body: &Value) -> Result<BusEntry, InputError> {
    let (message_id, detail_type, time, resource_arn) = match message {
        OreMessage::StateChanged(m) => (
            &m.id,
            &m.event_type,
            m.time,
            m.data.resource.resource_arn.as_ref(),
        ),
        OreMessage::Notice(m) => (
            &m.id,
            &m.event_type,
            m.time,
            m.data.resource.resource_arn.as_ref(),
        ),
        OreMessage::Heartbeat(m) => (&m.id, &m.event_type, m.time, None),
    };
    let entry = BusEntry {
        message_id: message_id.clone(),
        source: EVENT_SOURCE,
        detail_type: detail_type.clone(),
        detail: body.to_string(),
        resources: resource_arn.into_iter().cloned().collect(),
        time,
    };
    let size = entry.size();
    if size > MAX_ENTRY_BYTES {
        return Err(InputError::Oversized {
            size,
            limit: MAX_ENTRY_BYTES,
        });
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ore_model::Payload;
    use serde_json::json;

    fn load(relative: &str) -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
        let text = std::fs::read_to_string(format!("{path}{relative}")).expect("sample");
        serde_json::from_str(&text).expect("JSON")
    }

    fn entry_of(body: &Value) -> BusEntry {
        let message = OreMessage::from_payload(body.clone()).expect("an ORE message");
        bus_entry(&message, body).expect("an entry")
    }

    #[test]
    fn a_state_change_is_named_by_its_type_and_carries_itself_whole() {
        let body = load("events/standard/message-stopped.json");
        let entry = entry_of(&body);
        assert_eq!(entry.source, "org.ore");
        assert_eq!(entry.detail_type, "org.ore.resource.state-changed");
        assert_eq!(
            serde_json::from_str::<Value>(&entry.detail).unwrap(),
            body,
            "the detail is the message"
        );
        assert_eq!(
            entry.resources,
            [body["data"]["resource_arn"].as_str().unwrap()]
        );
        assert_eq!(entry.time.to_rfc3339(), "2026-11-26T09:13:21+00:00");
        assert_eq!(entry.message_id, body["id"].as_str().unwrap());
    }

    #[test]
    fn every_ore_type_lives_under_the_bus_source() {
        let mut bodies = vec![
            load("events/standard/message-stopped.json"),
            load("events/canary/heartbeat-message.json"),
        ];
        for name in test_support::notice_sample_names() {
            bodies.push(load(&format!("events/notices/{name}.json")));
        }
        for body in bodies {
            let entry = entry_of(&body);
            assert!(
                entry.detail_type.starts_with(&format!("{EVENT_SOURCE}.")),
                "{}",
                entry.detail_type
            );
            assert_eq!(entry.detail_type, body["type"].as_str().unwrap());
        }
    }

    #[test]
    fn a_heartbeat_names_no_resource() {
        let heartbeat = entry_of(&load("events/canary/heartbeat-message.json"));
        assert_eq!(heartbeat.detail_type, "org.ore.heartbeat");
        assert!(heartbeat.resources.is_empty());
    }

    #[test]
    fn fields_this_version_does_not_know_still_reach_the_bus() {
        let mut body = load("events/standard/message-stopped.json");
        body["data"]["added_in_a_later_minor_version"] = json!("kept");
        let entry = entry_of(&body);
        assert!(entry.detail.contains("added_in_a_later_minor_version"));
    }

    #[test]
    fn the_size_is_counted_as_put_events_counts_it_and_an_oversized_message_is_bad_input() {
        let body = load("events/standard/message-stopped.json");
        let entry = entry_of(&body);
        assert_eq!(
            entry.size(),
            14 + "org.ore".len()
                + "org.ore.resource.state-changed".len()
                + entry.detail.len()
                + entry.resources[0].len()
        );
        let message = OreMessage::from_payload(body.clone()).unwrap();
        let mut padded = body;
        padded["padding"] = json!("x".repeat(MAX_ENTRY_BYTES));
        match bus_entry(&message, &padded) {
            Err(InputError::Oversized { size, limit }) => {
                assert!(size > limit);
                assert_eq!(limit, MAX_ENTRY_BYTES);
            }
            other => panic!("{other:?}"),
        }
    }
}
