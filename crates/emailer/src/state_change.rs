//! The view of a state change's mail: the facts its templates show, already formatted (times,
//! durations, links). The sentences made of them, the subject line's included, are the
//! templates' (`templates/words.txt`), so a replacement template can reword as well as lay out.

use chrono::{DateTime, Utc};
use ore_model::standard::StandardMessage;
use ore_model::timing::{human_duration, Flapping};
use serde::Serialize;

use crate::format::{ago, human_time};
use crate::instance::ResourceView;

/// What the state-change templates show.
#[derive(Debug, Serialize)]
pub(crate) struct StateChangeView<'a> {
    /// Set by the renderer from the `state_change_subject` macro (the HTML shows it as its title).
    pub(crate) subject: String,
    #[serde(flatten)]
    resource: ResourceView<'a>,
    state: &'static str,
    event_time: String,
    ago: String,
    /// The state before this one, when known, how long it lasted and since when.
    previous_state: Option<&'static str>,
    previous_for: Option<String>,
    previous_since: Option<String>,
    /// The change happened before the newest one recorded: history, not the current state.
    late: bool,
    /// The instance's state now, when this change is late.
    current_state: Option<&'static str>,
    /// The flapping threshold this change reached.
    flapping: Option<FlappingView>,
    message_id: &'a str,
}

/// A flapping threshold: so many changes within a window.
#[derive(Debug, Serialize)]
pub(crate) struct FlappingView {
    transitions: u32,
    /// `30 min`.
    window: String,
}

impl From<Flapping> for FlappingView {
    fn from(flapping: Flapping) -> Self {
        FlappingView {
            transitions: flapping.transitions,
            window: human_duration(flapping.window_seconds),
        }
    }
}

impl<'a> StateChangeView<'a> {
    pub(crate) fn new(message: &'a StandardMessage, now: DateTime<Utc>) -> Self {
        let data = &message.data;
        let resource = &data.resource;
        let timing = data.timing.as_ref();
        StateChangeView {
            subject: String::new(),
            resource: ResourceView::new(resource),
            state: data.state.as_str(),
            event_time: human_time(&message.time),
            ago: ago(now, message.time),
            previous_state: timing.and_then(|t| t.previous_state).map(|s| s.as_str()),
            previous_for: timing
                .and_then(|t| t.previous_state_seconds)
                .map(human_duration),
            previous_since: timing
                .and_then(|t| t.previous_state_since.as_ref())
                .map(human_time),
            late: timing.is_some_and(|t| t.late),
            current_state: timing
                .filter(|t| t.late)
                .and_then(|t| t.current_state)
                .map(|s| s.as_str()),
            flapping: timing.and_then(|t| t.flapping).map(FlappingView::from),
            message_id: &message.id,
        }
    }
}
