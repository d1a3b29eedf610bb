//! A scheduled change's window as an iCalendar (RFC 5545) entry, attached to its mail so a
//! person can put the maintenance in their calendar with one click. Written by the `icalendar`
//! crate (escaping, line folding); the UID is the ORE message id, so a redelivered mail updates
//! the same calendar entry instead of adding another.

use crate::mail::Attachment;
use icalendar::{Calendar, Component, Event, EventLike};
use ore_model::notice::{NoticeMessage, ScheduledChange};

use crate::format::console_url;

/// The attachment's MIME type: a published (not invited) event.
pub const CALENDAR_CONTENT_TYPE: &str = "text/calendar; charset=utf-8; method=PUBLISH";

/// The `.ics` of one instance's scheduled change.
pub fn attachment(message: &NoticeMessage, change: &ScheduledChange) -> Attachment {
    let resource = &message.data.resource;
    let name = resource.display_name();
    let link = console_url(&resource.partition, &resource.region, &resource.resource_id);
    let mut description = format!(
        "AWS {} of EC2 instance {} in account {}, {}.\nAWS event type: {}\nHealth event: {}\n",
        change.summary(),
        resource.resource_id,
        resource.account,
        resource.region,
        change.event_type_code,
        change.event_arn,
    );
    if let Some(link) = &link {
        description.push_str(&format!("Console: {link}\n"));
    }
    if !change.description.is_empty() {
        description.push('\n');
        description.push_str(&change.description);
    }
    let mut event = Event::new();
    event
        .uid(&format!("{}@ore", message.id))
        .timestamp(resource.processed_at)
        .summary(&format!(
            "AWS {}: {name} ({})",
            change.summary(),
            resource.resource_id
        ))
        .description(&description)
        .location(&format!("{} {}", resource.account, resource.region))
        .starts(change.start_time)
        .ends(change.end_time.unwrap_or(change.start_time));
    if let Some(link) = &link {
        event.url(link);
    }
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//ORE//Org Resource Events//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .push(event.done());
    Attachment {
        filename: format!(
            "{}-{}.ics",
            resource.resource_id,
            change.summary().replace(' ', "-")
        ),
        content_type: CALENDAR_CONTENT_TYPE.to_owned(),
        content: calendar.done().to_string(),
    }
}
