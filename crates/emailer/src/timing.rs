//! A message's timing as its mail shows it, formatted once for a state change and a timed notice
//! alike: the state before (an instance's, or a notice kind's words) and how long it lasted,
//! whether the event is late and what is current, the flapping threshold it reached. The
//! sentences made of them are `templates/words.txt`'s.

use ore_model::timing::{human_duration, Flapping, StateName, Timing};
use serde::Serialize;

use crate::format::human_time;

/// The timing facts the templates show.
#[derive(Debug, Default, Serialize)]
pub(crate) struct HistoryView<'a> {
    /// The state before this one, when known, how long it lasted and since when.
    previous_state: Option<&'a str>,
    previous_for: Option<String>,
    previous_since: Option<String>,
    /// The event happened before the newest one recorded: history, not the current state.
    late: bool,
    /// The state now, when this event is late.
    current_state: Option<&'a str>,
    /// The flapping threshold this event reached.
    flapping: Option<FlappingView>,
}

/// A flapping threshold: so many changes within a window.
#[derive(Debug, Serialize)]
struct FlappingView {
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

impl<'a> HistoryView<'a> {
    /// The view of `timing`; all empty when the message has none.
    pub(crate) fn of<S: StateName>(timing: Option<&'a Timing<S>>) -> Self {
        let Some(timing) = timing else {
            return HistoryView::default();
        };
        HistoryView {
            previous_state: timing.previous_state.as_ref().map(StateName::name),
            previous_for: timing.previous_state_seconds.map(human_duration),
            previous_since: timing.previous_state_since.as_ref().map(human_time),
            late: timing.late,
            current_state: timing
                .current_state
                .as_ref()
                .filter(|_| timing.late)
                .map(StateName::name),
            flapping: timing.flapping.map(FlappingView::from),
        }
    }

    /// Whether there is anything to say: the first event of a timeline has nothing before it.
    pub(crate) fn says_something(&self) -> bool {
        self.previous_state.is_some() || self.late || self.flapping.is_some()
    }
}
