//! A notice -> what the mail says: what will happen to the instance and when (in UTC and
//! relative to now), what to do about it, and AWS's own words (untrusted text, escaped by the
//! HTML template).

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Utc};
use ore_model::notice::{Notice, NoticeMessage, ScheduledChange, SpotAction};
use ore_model::standard::EnrichmentStatus;
use serde::Serialize;

use crate::format::{ago, console_url, human_time, span};
use crate::instance::{instance_details, instance_tags, subject_who};

/// Everything the notice templates show, already formatted.
#[derive(Debug, Serialize)]
pub(crate) struct NoticeView<'a> {
    pub(crate) subject: String,
    name: &'a str,
    has_name: bool,
    instance_id: &'a str,
    /// "will be retired", "terminates in 2 minutes", …: follows the name.
    headline: String,
    badge: &'static str,
    color: &'static str,
    /// What to do about it.
    advice: String,
    /// Labelled times: the window, the Spot action.
    when: Vec<(&'static str, String)>,
    /// AWS's description (scheduled changes).
    description: Option<&'a str>,
    /// The AWS event's own identifiers.
    aws: Vec<(&'static str, Cow<'a, str>)>,
    has_calendar: bool,
    account: &'a str,
    /// `payments-prod (111122223333)`, or the id alone.
    account_label: String,
    region: &'a str,
    event_time: String,
    ago: String,
    enriched: bool,
    /// Why EC2 could not be asked about the instance (its account refused ORE), if so.
    unavailable: Option<&'a str>,
    details: Vec<(&'static str, Cow<'a, str>)>,
    tags: Vec<(&'a str, &'a str)>,
    console_url: Option<String>,
    message_id: &'a str,
    source_event_id: &'a str,
}

impl<'a> NoticeView<'a> {
    pub(crate) fn new(message: &'a NoticeMessage, now: DateTime<Utc>) -> Self {
        let resource = &message.data.resource;
        let mut view = NoticeView {
            subject: String::new(),
            name: resource.display_name(),
            has_name: resource.display_name() != resource.resource_id,
            instance_id: &resource.resource_id,
            headline: String::new(),
            badge: "",
            color: "",
            advice: String::new(),
            when: Vec::new(),
            description: None,
            aws: Vec::new(),
            has_calendar: false,
            account: &resource.account,
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
            details: instance_details(&resource.instance),
            tags: instance_tags(&resource.instance),
            console_url: console_url(&resource.partition, &resource.region, &resource.resource_id),
            message_id: &message.id,
            source_event_id: &resource.source_event_id,
        };
        let who = subject_who(resource);
        let prefix = format!("[{} {}]", resource.account_short(), resource.region);
        match &message.data.notice {
            Notice::ScheduledChange(change) => {
                let (what, advice) = scheduled_wording(change);
                let window = window_phrase(change.start_time, change.end_time);
                let relative = relative_to_window(now, change);
                view.subject = format!("{prefix} {who} {what} {window}, {relative}");
                view.headline = format!("{what} {window}");
                view.badge = "Scheduled change";
                view.color = "#6b46c1";
                view.advice = advice.to_owned();
                view.when = vec![(
                    "Window starts",
                    format!("{} ({relative})", human_time(&change.start_time)),
                )];
                if let Some(end) = &change.end_time {
                    view.when.push(("Window ends", human_time(end)));
                }
                view.description = Some(change.description.as_str()).filter(|d| !d.is_empty());
                view.aws = vec![
                    ("Event type", Cow::Borrowed(change.event_type_code.as_str())),
                    ("Status", Cow::Borrowed(change.status.as_str())),
                    ("Health event", Cow::Borrowed(change.event_arn.as_str())),
                ];
                view.has_calendar = true;
            }
            Notice::SpotInterruption(warning) => {
                let verb = match warning.action {
                    SpotAction::Terminate => "terminates",
                    SpotAction::Stop => "stops",
                    SpotAction::Hibernate => "hibernates",
                };
                let when = until(now, warning.action_time);
                view.subject = format!("{prefix} Spot interruption: {who} {verb} {when}");
                view.headline = format!("{verb} {when}");
                view.badge = "Spot interruption";
                view.color = "#c53030";
                view.advice = format!(
                    "EC2 is reclaiming this Spot instance and will {} it two minutes after the \
                     warning. Drain its work now; this is the last notice before it happens.",
                    warning.action.as_str()
                );
                view.when = vec![(
                    "Interruption at",
                    format!("{} ({when})", human_time(&warning.action_time)),
                )];
                view.aws = vec![("Action", Cow::Borrowed(warning.action.as_str()))];
            }
            Notice::RebalanceRecommendation(_) => {
                view.subject = format!(
                    "{prefix} Rebalance recommended: {who} is at elevated risk of Spot interruption"
                );
                view.headline = "is at elevated risk of Spot interruption".to_owned();
                view.badge = "Rebalance recommendation";
                view.color = "#b7791f";
                view.advice = "EC2 recommends moving this Spot instance's work to another \
                               instance now, before an interruption warning gives only two \
                               minutes."
                    .to_owned();
                view.when = vec![(
                    "Recommended at",
                    format!("{} ({})", human_time(&message.time), ago(now, message.time)),
                )];
            }
        }
        view
    }
}

/// What a scheduled change does to the instance, and what the owner can do about it.
fn scheduled_wording(change: &ScheduledChange) -> (&'static str, &'static str) {
    match change.summary() {
        "retirement" => (
            "will be retired",
            "AWS will stop or terminate this instance at the start of the window: its hardware \
             is degraded. Stop and start it yourself before then (EBS-backed) to move it to \
             healthy hardware, or replace it.",
        ),
        "reboot for maintenance" => (
            "will be rebooted for maintenance",
            "AWS will reboot this instance during the window. You can reboot it yourself \
             earlier, or reschedule, from the Events page of the EC2 console.",
        ),
        "scheduled stop" => (
            "will be stopped",
            "AWS will stop this instance during the window. Stop and start it yourself before \
             then to move it to healthy hardware.",
        ),
        "scheduled termination" => (
            "will be terminated",
            "AWS will terminate this instance during the window. Replace it before then.",
        ),
        "maintenance" => (
            "has maintenance scheduled",
            "AWS will perform maintenance during the window; the instance may be unreachable \
             for part of it.",
        ),
        _ => (
            "has a scheduled change",
            "AWS has scheduled a change to this instance; see AWS's description below.",
        ),
    }
}

/// "between 5 and 12 Dec", "between 30 Nov and 2 Dec", "on 5 Dec, 10:00-12:00 UTC",
/// "from 5 Dec 10:00 UTC".
pub fn window_phrase(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> String {
    let Some(end) = end else {
        return format!("from {}", start.format("%-d %b %H:%M UTC"));
    };
    if start.date_naive() == end.date_naive() {
        format!(
            "on {}, {}-{} UTC",
            start.format("%-d %b"),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    } else if start.year() != end.year() {
        format!(
            "between {} and {}",
            start.format("%-d %b %Y"),
            end.format("%-d %b %Y")
        )
    } else if start.month() != end.month() {
        format!(
            "between {} and {}",
            start.format("%-d %b"),
            end.format("%-d %b")
        )
    } else {
        format!(
            "between {} and {}",
            start.format("%-d"),
            end.format("%-d %b")
        )
    }
}

/// "in 6 days", "under way", "window passed".
fn relative_to_window(now: DateTime<Utc>, change: &ScheduledChange) -> String {
    if now < change.start_time {
        return until(now, change.start_time);
    }
    match change.end_time {
        Some(end) if now >= end => "window passed".to_owned(),
        _ => "under way".to_owned(),
    }
}

/// "in 2 minutes" (to the nearest minute: a warning read 110 s before reads "in 2 minutes"),
/// "now", or "3 minutes ago" for a time that has passed.
fn until(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = (then - now).num_seconds();
    if seconds >= 60 {
        format!("in {}", span(seconds + 30))
    } else if seconds > -60 {
        "now".to_owned()
    } else {
        format!("{} ago", span(-seconds))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32, month: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn windows_read_naturally() {
        assert_eq!(
            window_phrase(at(5, 12, 10), Some(at(12, 12, 10))),
            "between 5 and 12 Dec"
        );
        assert_eq!(
            window_phrase(at(30, 11, 10), Some(at(2, 12, 10))),
            "between 30 Nov and 2 Dec"
        );
        assert_eq!(
            window_phrase(at(5, 12, 10), Some(at(5, 12, 12))),
            "on 5 Dec, 10:00-12:00 UTC"
        );
        assert_eq!(window_phrase(at(5, 12, 10), None), "from 5 Dec 10:00 UTC");
        let new_year = Utc.with_ymd_and_hms(2027, 1, 2, 0, 0, 0).unwrap();
        assert_eq!(
            window_phrase(at(30, 12, 10), Some(new_year)),
            "between 30 Dec 2026 and 2 Jan 2027"
        );
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = at(29, 11, 12);
        assert_eq!(
            until(now, now + chrono::Duration::minutes(2)),
            "in 2 minutes"
        );
        assert_eq!(until(now, now + chrono::Duration::seconds(30)), "now");
        assert_eq!(
            until(now, now + chrono::Duration::seconds(110)),
            "in 2 minutes"
        );
        assert_eq!(
            until(now, now - chrono::Duration::minutes(5)),
            "5 minutes ago"
        );
        assert_eq!(until(now, at(5, 12, 12)), "in 6 days");
    }
}
