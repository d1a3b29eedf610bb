//! The view of a state change's mail: the facts its templates show, already formatted (times,
//! durations, links). The sentences made of them, the subject line's included, are the
//! templates' (`templates/words.txt`), so a replacement template can reword as well as lay out.

use chrono::{DateTime, Utc};
use ore_model::standard::StandardMessage;
use serde::Serialize;

use crate::format::{ago, human_time};
use crate::instance::ResourceView;
use crate::timing::HistoryView;

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
    /// The change's place in the instance's history.
    #[serde(flatten)]
    history: HistoryView<'a>,
    message_id: &'a str,
}

impl<'a> StateChangeView<'a> {
    pub(crate) fn new(message: &'a StandardMessage, now: DateTime<Utc>) -> Self {
        let data = &message.data;
        let resource = &data.resource;
        StateChangeView {
            subject: String::new(),
            resource: ResourceView::new(resource),
            state: data.state.as_str(),
            event_time: human_time(&message.time),
            ago: ago(now, message.time),
            history: HistoryView::of(data.timing.as_ref()),
            message_id: &message.id,
        }
    }
}
