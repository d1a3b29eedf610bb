//! A resource's memory: what ORE recorded about it (its current state and one history entry per
//! event) and what a new event means against that record (previous state and how long it
//! lasted, late, flapping). The record types are what the state store keeps; [`Timing`] is what
//! the standard message carries (`data.timing`, schema 1, since ORE 0.2), and a timed notice
//! too (since ORE 0.6).
//!
//! The record is generic over the state's type ([`StateName`]): an EC2 instance's states are
//! [`InstanceState`]; a notice kind names its resource's states in words (`String`, see
//! `Notice::timeline`). One rule, one store, one wire shape for both.

use std::fmt::Debug;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ec2::InstanceState;

/// A state as the record keeps it: written and read back by its name.
pub trait StateName:
    Clone + PartialEq + Eq + Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The name the store writes.
    fn name(&self) -> &str;
    /// The state of that name, if it is one.
    fn from_name(name: &str) -> Option<Self>;
}

impl StateName for InstanceState {
    fn name(&self) -> &str {
        self.as_str()
    }

    fn from_name(name: &str) -> Option<Self> {
        InstanceState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A notice kind's states are words its adapter chose (`Notice::timeline`).
impl StateName for String {
    fn name(&self) -> &str {
        self
    }

    fn from_name(name: &str) -> Option<Self> {
        Some(name.to_owned())
    }
}

/// How this change sits in the resource's recorded history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: Deserialize<'de>"))]
pub struct Timing<S = InstanceState> {
    /// The state the resource was in before this change, when ORE knows it.
    pub previous_state: Option<S>,
    /// When that state began (the event time of the change into it).
    pub previous_state_since: Option<DateTime<Utc>>,
    /// How long it lasted, up to this change's event time; never negative.
    pub previous_state_seconds: Option<u64>,
    /// The event is older than the newest one ORE has for the resource: it is history, not
    /// the current state.
    pub late: bool,
    /// For a late event: the state ORE holds as current (from a newer event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_state: Option<S>,
    /// Set on the change that reached the flapping threshold (once per window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flapping: Option<Flapping>,
}

impl<S> Default for Timing<S> {
    fn default() -> Self {
        Timing {
            previous_state: None,
            previous_state_since: None,
            previous_state_seconds: None,
            late: false,
            current_state: None,
            flapping: None,
        }
    }
}

/// Many transitions in a short time: the threshold that was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flapping {
    /// Transitions recorded within the window, this one included.
    pub transitions: u32,
    /// The window they fell in.
    pub window_seconds: u64,
}

/// The resource's current state as recorded: the newest event ORE has seen for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentState<S = InstanceState> {
    /// The state.
    pub state: S,
    /// When the resource entered it (kept across repeated events of the same state).
    pub since: DateTime<Utc>,
    /// The newest event's time.
    pub event_time: DateTime<Utc>,
    /// The newest event's EventBridge id: writes are conditional on it.
    pub event_id: String,
    /// When flapping was last flagged, so it is flagged once per window.
    pub flapping_flagged_at: Option<DateTime<Utc>>,
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry<S = InstanceState> {
    /// EventBridge's event id: an event is recorded once.
    pub event_id: String,
    /// AWS's event time.
    pub event_time: DateTime<Utc>,
    /// The state the event reported.
    pub state: S,
    /// The standard message built for it.
    pub message_id: String,
    /// What ORE derived when it recorded the event (republished as is on a redelivery).
    pub timing: Timing<S>,
    /// Whether the message went out; a redelivery of an unpublished entry publishes it.
    pub published: bool,
}

/// Everything the store returned for one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot<S = InstanceState> {
    /// The current state, if ORE has seen the resource within the retention.
    pub current: Option<CurrentState<S>>,
    /// History entries from the requested time on, oldest first.
    pub history: Vec<HistoryEntry<S>>,
    /// Items that could not be read (skipped, with a warning each).
    pub unreadable: usize,
}

impl<S> Default for Snapshot<S> {
    fn default() -> Self {
        Snapshot {
            current: None,
            history: Vec::new(),
            unreadable: 0,
        }
    }
}

/// "3 h 12 min", "2 d 4 h", "45 s": the two largest units, for people.
pub fn human_duration(seconds: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")];
    let mut parts = Vec::with_capacity(2);
    let mut rest = seconds;
    for (size, name) in UNITS {
        if rest >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{} {name}", rest / size));
            rest %= size;
        } else if !parts.is_empty() {
            // A zero middle unit ends the phrase: "2 d", not "2 d 0 h 5 min".
            break;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_would_say_them() {
        assert_eq!(human_duration(0), "0 s");
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(60), "1 min");
        assert_eq!(human_duration(61), "1 min 1 s");
        assert_eq!(human_duration(3 * 3600 + 12 * 60 + 7), "3 h 12 min");
        assert_eq!(human_duration(2 * 86_400 + 5 * 60), "2 d");
        assert_eq!(human_duration(2 * 86_400 + 4 * 3600 + 1), "2 d 4 h");
    }

    #[test]
    fn timing_without_late_facts_serializes_compactly() {
        let json = serde_json::to_value(<Timing>::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"previous_state": null, "previous_state_since": null,
                               "previous_state_seconds": null, "late": false})
        );
    }
}
