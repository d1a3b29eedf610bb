//! The view of a state change's mail: the facts its templates show, already formatted (times,
//! durations, links). The sentences made of them, the subject line's included, are the
//! templates' (`templates/words.txt`), so a replacement template can reword as well as lay out.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use ore_model::resource::EnrichmentStatus;
use ore_model::standard::StandardMessage;
use ore_model::timing::human_duration;
use serde::Serialize;

use crate::format::{ago, console_url, human_time};
use crate::instance::{instance_details, instance_tags, subject_who};

/// What the state-change templates show.
#[derive(Debug, Serialize)]
pub(crate) struct StateChangeView<'a> {
    /// Set by the renderer from the `state_change_subject` macro (the HTML shows it as its title).
    pub(crate) subject: String,
    /// The name or id as a subject line shows it: control characters removed, long names cut.
    who: String,
    name: &'a str,
    has_name: bool,
    instance_id: &'a str,
    state: &'static str,
    account: &'a str,
    /// The account id alone, for the subject line.
    account_short: &'a str,
    /// `payments-prod (111122223333)`, or the id alone.
    account_label: String,
    region: &'a str,
    event_time: String,
    ago: String,
    enriched: bool,
    /// Why EC2 could not be asked about the instance (its account refused ORE), if so.
    unavailable: Option<&'a str>,
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
    details: Vec<(&'static str, Cow<'a, str>)>,
    tags: Vec<(&'a str, &'a str)>,
    console_url: Option<String>,
    message_id: &'a str,
    source_event_id: &'a str,
}

/// A flapping threshold: so many changes within a window.
#[derive(Debug, Serialize)]
struct FlappingView {
    transitions: u32,
    /// `30 min`.
    window: String,
}

impl<'a> StateChangeView<'a> {
    pub(crate) fn new(message: &'a StandardMessage, now: DateTime<Utc>) -> Self {
        let data = &message.data;
        let resource = &data.resource;
        let timing = data.timing.as_ref();
        StateChangeView {
            subject: String::new(),
            who: subject_who(resource),
            name: message.display_name(),
            has_name: message.display_name() != resource.resource_id,
            instance_id: &resource.resource_id,
            state: data.state.as_str(),
            account: &resource.account,
            account_short: resource.account_short(),
            account_label: resource.account_label(),
            region: &resource.region,
            event_time: human_time(&message.time),
            ago: ago(now, message.time),
            enriched: resource.enrichment == EnrichmentStatus::Enriched,
            unavailable: (resource.enrichment == EnrichmentStatus::Unavailable).then(|| {
                resource
                    .enrichment_reason
                    .as_deref()
                    .unwrap_or("no reason given")
            }),
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
            flapping: timing.and_then(|t| t.flapping).map(|f| FlappingView {
                transitions: f.transitions,
                window: human_duration(f.window_seconds),
            }),
            details: instance_details(&resource.instance),
            tags: instance_tags(&resource.instance),
            console_url: console_url(&resource.partition, &resource.region, &resource.resource_id),
            message_id: &message.id,
            source_event_id: &resource.source_event_id,
        }
    }
}
