//! A scheduled change's window as an iCalendar (RFC 5545) entry, attached to its mail so a
//! person can put the maintenance in their calendar with one click. Written by the `icalendar`
//! crate (escaping, line folding). The entry is one per AWS Health event and instance: its UID
//! comes from the event's ARN and the instance's, so a redelivered mail and a later communication
//! of the same event (a status change, a new window) update the entry instead of adding another;
//! its SEQUENCE is the communication's time, so the latest wins (RFC 5545, 3.8.7.4). An event
//! AWS Health closes before its window opens is marked cancelled: the change will not happen.

use crate::mail::Attachment;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use ore_model::notice::{HealthStatus, NoticeMessage, ScheduledChange};
use ore_model::standard::message_id;

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
        .uid(&calendar_uid(message, change))
        .sequence(sequence(message))
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
    if change.status == HealthStatus::Closed && message.time < change.start_time {
        // Closed before its window opened: the change will not happen, the entry goes.
        event.status(EventStatus::Cancelled);
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

/// The entry's UID: the same for every communication of one Health event about one instance.
pub fn calendar_uid(message: &NoticeMessage, change: &ScheduledChange) -> String {
    let id = message_id(&change.event_arn, &message.data.resource.key());
    format!("{id}@ore")
}

/// When ORE's SEQUENCE numbers start: they count seconds from here, within the signed 32-bit
/// integers RFC 5545 allows (until 2088).
const SEQUENCE_EPOCH: i64 = 1_577_836_800; // 2020-01-01T00:00:00Z

/// The entry's revision: the communication's time, so the latest communication wins.
pub fn sequence(message: &NoticeMessage) -> u32 {
    u32::try_from(message.time.timestamp() - SEQUENCE_EPOCH).unwrap_or_default()
}
