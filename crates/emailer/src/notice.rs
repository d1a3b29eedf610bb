//! A notice -> the facts its mail shows: what will happen (or happens) to the resource and when
//! (in UTC and relative to now), and AWS's own words (untrusted text, escaped by the HTML
//! template). What to do about it, and every other sentence, is `templates/words.txt`'s.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Utc};
use ore_model::notice::{
    ConfigurationChange, DatabaseEvent, HealthEvent, Notice, NoticeMessage, ScalingActivity,
    ScheduledChange, TaskStopped, VolumeChange,
};
use serde::Serialize;

use crate::format::{ago, human_time, span};
use crate::instance::ResourceView;
use crate::timing::HistoryView;

/// The facts the notice templates show, already formatted (times, spans, the window); the
/// sentences, labels and subject line are `templates/words.txt`'s.
#[derive(Debug, Serialize)]
pub(crate) struct NoticeView<'a> {
    /// Set by the renderer from the `notice_subject` macro (the HTML shows it as its title).
    pub(crate) subject: String,
    #[serde(flatten)]
    resource: ResourceView<'a>,
    /// What happens, the facts its phrases are made of.
    what: What,
    /// Timed facts, as (label key of `words.label`, value).
    when: Vec<(&'static str, String)>,
    /// AWS's description (scheduled changes).
    description: Option<&'a str>,
    /// The AWS event's own identifiers, as (label key, value).
    aws: Vec<(&'static str, Cow<'a, str>)>,
    has_calendar: bool,
    /// Where the event sits in its timeline, for a timed kind whose timing says something.
    history: Option<HistoryView<'a>>,
    event_time: String,
    ago: String,
    message_id: &'a str,
}

/// What happens to the resource: the facts `words.txt`'s notice phrases are made of.
#[derive(Debug, Default, Serialize)]
struct What {
    /// `scheduled-change`, `spot-interruption`, `rebalance-recommendation`, `health-event`.
    kind: &'static str,
    /// A scheduled change's kind of change (`retirement`, `reboot for maintenance`, ...).
    change: Option<&'static str>,
    /// A scheduled change's AWS Health status: `upcoming`, `open`, `closed` (the event is
    /// resolved: done, or no longer planned).
    status: Option<&'static str>,
    /// The status an earlier communication of the same Health event told, when this one is
    /// its update.
    previous_status: Option<&'static str>,
    /// A scheduled change's window: "between 5 and 12 Dec".
    window: Option<String>,
    /// Now against the window: "in 6 days", "under way", "window passed".
    relative: Option<String>,
    /// A Spot interruption's action: `terminate`, `stop`, `hibernate`.
    action: Option<&'static str>,
    /// When the Spot action happens, from now: "in 2 minutes".
    until: Option<String>,
    /// A Health event's service as AWS names it: `RDS`, `LAMBDA`.
    service: Option<String>,
    /// A Health event's category, in AWS's words: `issue`, `scheduledChange`, ...
    category: Option<&'static str>,
    /// A Health event's type, readable: `hardware maintenance scheduled` for
    /// `AWS_RDS_HARDWARE_MAINTENANCE_SCHEDULED`; an EBS volume change's event, `attachVolume`.
    event: Option<String>,
    /// An EBS volume change's result: `attached`, `failed`, ...
    result: Option<String>,
    /// An RDS event's categories, as RDS names them: `failover`, `low storage`.
    categories: Vec<String>,
    /// An RDS event's message, on one line and cut, for the subject.
    summary: Option<String>,
}

impl<'a> NoticeView<'a> {
    pub(crate) fn new(message: &'a NoticeMessage, now: DateTime<Utc>) -> Self {
        let resource = &message.data.resource;
        let notice = &message.data.notice;
        let mut view = NoticeView {
            subject: String::new(),
            resource: ResourceView::new(resource),
            what: What {
                kind: notice.kind().as_str(),
                ..What::default()
            },
            when: Vec::new(),
            description: None,
            aws: Vec::new(),
            has_calendar: false,
            history: Some(HistoryView::of(message.data.timing.as_ref()))
                .filter(HistoryView::says_something),
            event_time: human_time(&message.time),
            ago: ago(now, message.time),
            message_id: &message.id,
        };
        match notice {
            Notice::ScheduledChange(change) => view.scheduled(change, now),
            Notice::SpotInterruption(warning) => {
                let until = until(now, warning.action_time);
                view.when = vec![(
                    "interruption_at",
                    format!("{} ({until})", human_time(&warning.action_time)),
                )];
                view.aws = vec![("action", Cow::Borrowed(warning.action.as_str()))];
                view.what.action = Some(warning.action.as_str());
                view.what.until = Some(until);
            }
            Notice::RebalanceRecommendation(_) => {
                view.when = at("recommended_at", message.time, now);
            }
            Notice::HealthEvent(event) => view.health_event(event, now),
            Notice::VolumeChange(change) => view.volume_change(change, message, now),
            Notice::DatabaseEvent(event) => view.database_event(event, message, now),
            Notice::TaskStopped(task) => view.task_stopped(task, message, now),
            Notice::ConfigurationChange(change) => view.configuration_change(change, message, now),
            Notice::ScalingActivity(activity) => view.scaling_activity(activity, message, now),
        }
        view
    }

    fn scaling_activity(
        &mut self,
        activity: &'a ScalingActivity,
        message: &'a NoticeMessage,
        now: DateTime<Utc>,
    ) {
        let ended = activity.end_time.unwrap_or(message.time);
        self.when = at("happened_at", ended, now);
        self.description = activity.status_message.as_deref();
        let facts = [
            ("instance", activity.instance_id.as_deref()),
            ("availability_zone", activity.availability_zone.as_deref()),
            ("subnet_id", activity.subnet_id.as_deref()),
            ("status", activity.status_code.as_deref()),
            ("cause", activity.cause.as_deref()),
            ("activity", Some(activity.activity_id.as_str())),
        ];
        self.aws = given(facts);
        self.what.action = Some(activity.action.as_str());
        self.what.result = Some(activity.result.as_str().to_owned());
        self.what.event = activity.instance_id.clone();
    }

    fn configuration_change(
        &mut self,
        change: &'a ConfigurationChange,
        message: &'a NoticeMessage,
        now: DateTime<Utc>,
    ) {
        let captured = change.capture_time.unwrap_or(message.time);
        self.when = at("recorded_at", captured, now);
        self.aws = vec![
            (
                "config_type",
                Cow::Borrowed(change.config_resource_type.as_str()),
            ),
            ("status", Cow::Borrowed(change.status.as_str())),
        ];
        for property in &change.changed_properties {
            let before = property.previous_value.as_deref().unwrap_or("(none)");
            let after = property.updated_value.as_deref().unwrap_or("(none)");
            self.aws.push((
                "property",
                Cow::Owned(format!("{}: {before} -> {after}", property.name)),
            ));
        }
        if let Some(more) = change.omitted_properties {
            self.aws
                .push(("more_properties", Cow::Owned(more.to_string())));
        }
        if let Some(location) = &change.oversized_location {
            self.aws
                .push(("full_item", Cow::Borrowed(location.as_str())));
        }
        self.what.event = Some(change.config_resource_type.clone());
        self.what.result = Some(
            match (change.change_type.as_deref(), change.status.as_str()) {
                (_, "ResourceDeleted" | "ResourceDeletedNotRecorded") | (Some("DELETE"), _) => {
                    "deleted"
                }
                (_, "ResourceDiscovered") => "created or first recorded",
                (Some("CREATE"), _) => "created",
                _ => "changed",
            }
            .to_owned(),
        );
        let changed =
            change.changed_properties.len() + change.omitted_properties.map_or(0, |n| n as usize);
        let deleted = self.what.result.as_deref() == Some("deleted");
        self.what.summary = (changed > 0 && !deleted).then(|| match changed {
            1 => "1 property".to_owned(),
            n => format!("{n} properties"),
        });
    }

    fn task_stopped(
        &mut self,
        task: &'a TaskStopped,
        message: &'a NoticeMessage,
        now: DateTime<Utc>,
    ) {
        let stopped_at = task.stopped_at.unwrap_or(message.time);
        self.when = at("stopped_at", stopped_at, now);
        self.description = task.stopped_reason.as_deref();
        let facts = [
            ("stop_code", task.stop_code.as_deref()),
            ("cluster", Some(task.cluster.as_str())),
            ("task_definition", task.task_definition.as_deref()),
            ("group", task.group.as_deref()),
            ("launch_type", task.launch_type.as_deref()),
        ];
        self.aws = given(facts);
        for container in &task.containers {
            let exit = container.exit_code.map_or_else(
                || "no exit code".to_owned(),
                |code| format!("exit code {code}"),
            );
            let line = match &container.reason {
                Some(reason) => format!("{}: {exit}, {reason}", container.name),
                None => format!("{}: {exit}", container.name),
            };
            self.aws.push(("container", Cow::Owned(line)));
        }
        self.what.event = task.stop_code.clone();
        self.what.summary = task.failed_container().map(|c| match c.exit_code {
            Some(code) => format!("{} exited with code {code}", c.name),
            None => format!("{} did not run", c.name),
        });
    }

    fn database_event(
        &mut self,
        event: &'a DatabaseEvent,
        message: &'a NoticeMessage,
        now: DateTime<Utc>,
    ) {
        self.when = at("happened_at", message.time, now);
        self.description = Some(event.message.as_str()).filter(|m| !m.is_empty());
        self.aws = vec![("rds_event", Cow::Borrowed(event.event_id.as_str()))];
        if !event.categories.is_empty() {
            self.aws
                .push(("categories", Cow::Owned(event.categories.join(", "))));
        }
        self.what.event = Some(event.event_id.clone());
        self.what.categories = event.categories.clone();
        let one_line: String = event
            .message
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.what.summary =
            Some(crate::format::truncate(one_line.trim(), SUMMARY_CHARS)).filter(|s| !s.is_empty());
    }

    fn volume_change(
        &mut self,
        change: &'a VolumeChange,
        message: &'a NoticeMessage,
        now: DateTime<Utc>,
    ) {
        self.when = at("happened_at", message.time, now);
        self.description = change.cause.as_deref();
        self.aws = vec![
            ("ebs_event", Cow::Borrowed(change.event.as_str())),
            ("result", Cow::Borrowed(change.result.as_str())),
        ];
        if let Some(request_id) = &change.request_id {
            self.aws
                .push(("request_id", Cow::Borrowed(request_id.as_str())));
        }
        self.what.event = Some(change.event.clone());
        self.what.result = Some(change.result.clone());
    }

    fn health_event(&mut self, event: &'a HealthEvent, now: DateTime<Utc>) {
        if let Some(start) = event.start_time {
            let relative = relative_to_window(now, start, event.end_time);
            self.when = vec![(
                "window_starts",
                format!("{} ({relative})", human_time(&start)),
            )];
            self.what.window = Some(window_phrase(start, event.end_time));
            self.what.relative = Some(relative);
        }
        if let Some(end) = &event.end_time {
            self.when.push(("window_ends", human_time(end)));
        }
        self.description = Some(event.description.as_str()).filter(|d| !d.is_empty());
        self.aws = vec![
            ("service", Cow::Borrowed(event.service.as_str())),
            ("category", Cow::Borrowed(event.category.as_str())),
            ("event_type", Cow::Borrowed(event.event_type_code.as_str())),
            ("status", Cow::Borrowed(event.status.as_str())),
            ("health_event", Cow::Borrowed(event.event_arn.as_str())),
        ];
        self.what.service = Some(event.service.clone());
        self.what.category = Some(event.category.as_str());
        self.what.status = Some(event.status.as_str());
        self.what.previous_status = event.previous_status.map(|status| status.as_str());
        self.what.event = Some(readable_event_type(&event.event_type_code, &event.service));
    }

    fn scheduled(&mut self, change: &'a ScheduledChange, now: DateTime<Utc>) {
        let relative = relative_to_window(now, change.start_time, change.end_time);
        self.when = vec![(
            "window_starts",
            format!("{} ({relative})", human_time(&change.start_time)),
        )];
        if let Some(end) = &change.end_time {
            self.when.push(("window_ends", human_time(end)));
        }
        self.description = Some(change.description.as_str()).filter(|d| !d.is_empty());
        self.aws = vec![
            ("event_type", Cow::Borrowed(change.event_type_code.as_str())),
            ("status", Cow::Borrowed(change.status.as_str())),
            ("health_event", Cow::Borrowed(change.event_arn.as_str())),
        ];
        self.has_calendar = true;
        self.what.change = Some(change.summary());
        self.what.status = Some(change.status.as_str());
        self.what.previous_status = change.previous_status.map(|status| status.as_str());
        self.what.window = Some(window_phrase(change.start_time, change.end_time));
        self.what.relative = Some(relative);
    }
}

/// A timed fact: `label`, the time, and how long ago it was.
fn at(label: &'static str, time: DateTime<Utc>, now: DateTime<Utc>) -> Vec<(&'static str, String)> {
    vec![(label, format!("{} ({})", human_time(&time), ago(now, time)))]
}

/// The facts AWS gave, as (label key, value), leaving out those it did not.
fn given<'a>(
    facts: impl IntoIterator<Item = (&'static str, Option<&'a str>)>,
) -> Vec<(&'static str, Cow<'a, str>)> {
    facts
        .into_iter()
        .filter_map(|(key, value)| Some((key, Cow::Borrowed(value?))))
        .collect()
}

/// An RDS message longer than this is cut in the subject (the body shows it whole).
const SUMMARY_CHARS: usize = 80;

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

/// `AWS_RDS_HARDWARE_MAINTENANCE_SCHEDULED` of `RDS` -> "hardware maintenance scheduled": the
/// code without its `AWS_` and service prefixes, in lower case and words.
pub fn readable_event_type(code: &str, service: &str) -> String {
    let code = code.strip_prefix("AWS_").unwrap_or(code);
    let code = code
        .strip_prefix(service)
        .and_then(|rest| rest.strip_prefix('_'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(code);
    code.to_lowercase().replace(['_', '-'], " ")
}

/// "in 6 days", "under way", "window passed".
fn relative_to_window(
    now: DateTime<Utc>,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> String {
    if now < start {
        return until(now, start);
    }
    match end {
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
    fn health_event_types_read_as_words() {
        assert_eq!(
            readable_event_type("AWS_RDS_HARDWARE_MAINTENANCE_SCHEDULED", "RDS"),
            "hardware maintenance scheduled"
        );
        assert_eq!(
            readable_event_type("AWS_ELASTICLOADBALANCING_API_ISSUE", "ELASTICLOADBALANCING"),
            "api issue"
        );
        assert_eq!(
            readable_event_type("AWS_LAMBDA_PLANNED_LIFECYCLE_EVENT", "EC2"),
            "lambda planned lifecycle event"
        );
        assert_eq!(readable_event_type("AWS_RDS", "RDS"), "rds");
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
