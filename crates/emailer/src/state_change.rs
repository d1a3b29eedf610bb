//! The view of a state change's mail: everything its templates show, already formatted, so the
//! templates only lay it out; and its subject line.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use ore_model::ec2::InstanceState;
use ore_model::standard::{EnrichmentStatus, StandardMessage};
use ore_model::timing::{human_duration, Timing};
use serde::Serialize;

use crate::format::{ago, console_url, human_time};
use crate::instance::{instance_details, instance_tags, subject_who, StateStyle};

/// Everything the templates show, already formatted: templates only lay it out.
#[derive(Debug, Serialize)]
pub(crate) struct StateChangeView<'a> {
    pub(crate) subject: String,
    name: &'a str,
    has_name: bool,
    instance_id: &'a str,
    state: &'static str,
    state_label: &'static str,
    state_color: &'static str,
    state_meaning: &'static str,
    /// "is now", or "was" for a late change (history, not the current state).
    verb: &'static str,
    account: &'a str,
    /// `payments-prod (111122223333)`, or the id alone.
    account_label: String,
    region: &'a str,
    event_time: String,
    ago: String,
    enriched: bool,
    /// Why EC2 could not be asked about the instance (its account refused ORE), if so.
    unavailable: Option<&'a str>,
    /// "Was running for 3 h 12 min (since …)", when the previous state is known.
    before: Option<String>,
    /// Why a late change is not the current state.
    late: Option<String>,
    /// The flapping threshold this change reached.
    flapping: Option<String>,
    details: Vec<(&'static str, Cow<'a, str>)>,
    tags: Vec<(&'a str, &'a str)>,
    console_url: Option<String>,
    message_id: &'a str,
    source_event_id: &'a str,
}

impl<'a> StateChangeView<'a> {
    pub(crate) fn new(message: &'a StandardMessage, now: DateTime<Utc>) -> Self {
        let data = &message.data;
        let instance = &data.resource.instance;
        let style = StateStyle::of(data.state);
        StateChangeView {
            subject: subject(message),
            name: message.display_name(),
            has_name: message.display_name() != data.resource.resource_id,
            instance_id: &data.resource.resource_id,
            state: data.state.as_str(),
            state_label: style.label,
            state_color: style.color,
            state_meaning: style.meaning,
            verb: if data.timing.as_ref().is_some_and(|t| t.late) {
                "was"
            } else {
                "is now"
            },
            account: &data.resource.account,
            account_label: data.resource.account_label(),
            region: &data.resource.region,
            event_time: human_time(&message.time),
            ago: ago(now, message.time),
            enriched: data.resource.enrichment == EnrichmentStatus::Enriched,
            unavailable: (data.resource.enrichment == EnrichmentStatus::Unavailable).then(|| {
                data.resource
                    .enrichment_reason
                    .as_deref()
                    .unwrap_or("no reason given")
            }),
            before: data.timing.as_ref().and_then(before),
            late: data.timing.as_ref().and_then(|t| late(t, data.state)),
            flapping: data.timing.as_ref().and_then(flapping),
            details: instance_details(instance),
            tags: instance_tags(instance),
            console_url: console_url(
                &data.resource.partition,
                &data.resource.region,
                &data.resource.resource_id,
            ),
            message_id: &message.id,
            source_event_id: &data.resource.source_event_id,
        }
    }
}

/// "Was running for 3 h 12 min (since 2026-11-26 09:10:30 UTC)."
fn before(timing: &Timing) -> Option<String> {
    let state = timing.previous_state?;
    let mut line = format!("Was {state}");
    if let Some(seconds) = timing.previous_state_seconds {
        line.push_str(&format!(" for {}", human_duration(seconds)));
    }
    if let Some(since) = &timing.previous_state_since {
        line.push_str(&format!(" (since {})", human_time(since)));
    }
    line.push('.');
    Some(line)
}

fn late(timing: &Timing, state: InstanceState) -> Option<String> {
    timing.late.then(|| {
        let now = timing
            .current_state
            .map(|c| format!(" The instance is now {c}."))
            .unwrap_or_default();
        format!(
            "Late event: this change to {state} happened before the newest change ORE has \
             recorded for the instance, so it is history, not its current state.{now}"
        )
    })
}

fn flapping(timing: &Timing) -> Option<String> {
    timing.flapping.map(|f| {
        format!(
            "Flapping: {} state changes within {}. Something may be restarting this instance.",
            f.transitions,
            human_duration(f.window_seconds)
        )
    })
}

/// `[123456789012 eu-west-1] web-01 (i-0abc...) is now stopped`: sortable and scannable in an
/// inbox list. A late change says "was … (late, now …)"; flapping is called out. Control
/// characters are removed so a tag cannot break the header.
pub fn subject(message: &StandardMessage) -> String {
    let data = &message.data;
    let who = subject_who(&data.resource);
    let timing = data.timing.as_ref();
    let what = match timing {
        Some(t) if t.late => match t.current_state {
            Some(current) => format!("was {} (late event; now {current})", data.state),
            None => format!("was {} (late event)", data.state),
        },
        _ => format!("is now {}", data.state),
    };
    let flapping = if timing.is_some_and(|t| t.flapping.is_some()) {
        " - flapping"
    } else {
        ""
    };
    format!(
        "[{} {}] {who} {what}{flapping}",
        data.resource.account_short(),
        data.resource.region
    )
}
