//! The notice mails: subjects that say what will happen and when, golden text and HTML bodies,
//! AWS's words escaped, the scheduled change's iCalendar entry (read back with an iCalendar
//! parser), and the raw MIME message SES sends (read back with a MIME parser).

use chrono::{DateTime, Duration, SubsecRound, TimeZone, Utc};
use emailer::mail::ses::raw_mime;
use emailer::mail::RenderedEmail;
use emailer::Renderer;
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime, EventLike};
use mail_parser::MimeHeaders;
use ore_model::notice::{HealthStatus, Notice, NoticeMessage};
use ore_model::Payload;
use test_support::load_json;

fn sample(name: &str) -> NoticeMessage {
    NoticeMessage::from_payload(load_json(&format!("events/notices/{name}.json"))).unwrap()
}

fn golden(name: &str, actual: &str) {
    test_support::assert_golden(&format!("crates/emailer/tests/golden/{name}"), actual);
}

/// The samples' notices read 30 seconds after their events: the Health event's window is
/// about 9 days ahead, the Spot interruption 90 seconds.
fn render(name: &str) -> RenderedEmail {
    let message = sample(name);
    let now = message.time + Duration::seconds(30);
    Renderer::new()
        .unwrap()
        .render_notice(&message, now)
        .unwrap()
}

#[test]
fn subjects_say_what_will_happen_and_when() {
    let at = |name: &str, now: DateTime<Utc>| {
        Renderer::new()
            .unwrap()
            .render_notice(&sample(name), now)
            .unwrap()
            .subject
    };
    let six_days_before = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap();
    assert_eq!(
        at("health-scheduled-change", six_days_before),
        "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) will be retired between 5 and 12 Dec, in 6 days"
    );
    let during = Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).unwrap();
    assert!(at("health-scheduled-change", during).ends_with("between 5 and 12 Dec, under way"));
    assert_eq!(
        render("ec2-spot-interruption-warning").subject,
        "[123456789012 eu-west-1] Spot interruption: web-01 (i-0abc1234def567890) terminates in 2 minutes"
    );
    let at_warning = sample("ec2-spot-interruption-warning").time;
    assert!(at("ec2-spot-interruption-warning", at_warning).ends_with("terminates in 2 minutes"));
    assert_eq!(
        render("ec2-rebalance-recommendation").subject,
        "[123456789012 eu-west-1] Rebalance recommended: web-01 (i-0abc1234def567890) is at elevated risk of Spot interruption"
    );
}

/// The calendar entry of `message`'s mail, rendered at the message's time.
fn calendar_event_of(message: &NoticeMessage) -> icalendar::Event {
    let email = Renderer::new()
        .unwrap()
        .render_notice(message, message.time)
        .unwrap();
    calendar_of(&email)
        .components
        .into_iter()
        .find_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .expect("an event")
}

#[test]
fn a_later_communication_of_the_same_health_event_updates_the_same_calendar_entry() {
    let first = sample("health-scheduled-change");
    let mut update = first.clone();
    update.id = "another-communication".into();
    update.time = first.time + Duration::hours(6);
    let uid_and_sequence = |message: &NoticeMessage| {
        let event = calendar_event_of(message);
        (event.get_uid().map(str::to_owned), event.get_sequence())
    };
    let (first_uid, first_sequence) = uid_and_sequence(&first);
    let (update_uid, update_sequence) = uid_and_sequence(&update);
    assert_eq!(
        first_uid, update_uid,
        "one entry per Health event and instance"
    );
    assert!(
        update_sequence > first_sequence,
        "the later communication wins"
    );
    let mut cancelled = update.clone();
    if let Notice::ScheduledChange(change) = &mut cancelled.data.notice {
        change.status = HealthStatus::Closed;
    }
    let event = calendar_event_of(&cancelled);
    assert_eq!(
        event.get_status(),
        Some(icalendar::EventStatus::Cancelled),
        "closed before its window: the change will not happen"
    );
    assert_eq!(event.get_uid(), first_uid.as_deref());
    let mut other_instance = first.clone();
    other_instance.data.resource.resource_arn =
        Some("arn:aws:ec2:eu-west-1:123456789012:instance/i-0fedcba9876543210".into());
    assert_ne!(uid_and_sequence(&other_instance).0, first_uid);
}

#[test]
fn a_closed_health_event_reads_as_resolved_not_as_a_warning() {
    let mut message = sample("health-scheduled-change");
    let Notice::ScheduledChange(change) = &mut message.data.notice else {
        panic!("the sample is a scheduled change");
    };
    change.status = HealthStatus::Closed;
    let after = Utc.with_ymd_and_hms(2026, 12, 13, 10, 0, 0).unwrap();
    let email = Renderer::new()
        .unwrap()
        .render_notice(&message, after)
        .unwrap();
    assert_eq!(
        email.subject,
        "[123456789012 eu-west-1] Closed: web-01 (i-0abc1234def567890) retirement between 5 and 12 Dec"
    );
    for body in [&email.text, &email.html] {
        assert!(
            body.contains("is no longer scheduled for retirement: AWS Health closed the event"),
            "{body}"
        );
        assert!(body.contains("AWS Health has closed this event"), "{body}");
        assert!(!body.contains("will be retired"), "{body}");
        assert!(!body.contains("Stop and start it yourself"), "{body}");
    }
}

#[test]
fn notice_mails_match_their_golden_files() {
    for name in test_support::notice_sample_names() {
        let name = name.as_str();
        let email = render(name);
        golden(&format!("notice-{name}.txt"), &email.text);
        golden(&format!("notice-{name}.html"), &email.html);
        let attachments = email.attachments.len();
        assert_eq!(
            attachments,
            usize::from(name == "health-scheduled-change"),
            "{name}"
        );
    }
}

#[test]
fn aws_description_is_text_not_markup() {
    let mut message = load_json("events/notices/health-scheduled-change.json");
    message["data"]["scheduled_change"]["description"] =
        "<script>alert(1)</script>\n<a href=\"http://evil\">click</a>".into();
    let message = NoticeMessage::from_payload(message).unwrap();
    let email = Renderer::new()
        .unwrap()
        .render_notice(&message, message.time)
        .unwrap();
    assert!(!email.html.contains("<script>"), "{}", email.html);
    assert!(!email.html.contains("<a href=\"http://evil\""));
    assert!(email
        .html
        .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(
        email.text.contains("<script>alert(1)</script>"),
        "plain text keeps the words"
    );
}

fn calendar_of(email: &RenderedEmail) -> Calendar {
    let [attachment] = email.attachments.as_slice() else {
        panic!("one attachment");
    };
    assert!(attachment.filename.ends_with(".ics"));
    assert!(attachment.content_type.starts_with("text/calendar"));
    attachment.content.parse().expect("an iCalendar document")
}

#[test]
fn the_calendar_entry_is_the_maintenance_window() {
    let email = render("health-scheduled-change");
    let calendar = calendar_of(&email);
    assert_eq!(
        calendar.property_value("PRODID"),
        Some("-//ORE//Org Resource Events//EN")
    );
    assert_eq!(calendar.property_value("METHOD"), Some("PUBLISH"));
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(event) => Some(event),
            _ => None,
        })
        .collect();
    let [event] = events.as_slice() else {
        panic!("one event, got {}", events.len());
    };
    let utc = |t: Option<DatePerhapsTime>| match t {
        Some(DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => t,
        other => panic!("a date-time, got {other:?}"),
    };
    assert_eq!(
        utc(event.get_start()),
        Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap()
    );
    assert_eq!(
        utc(event.get_end()),
        Utc.with_ymd_and_hms(2026, 12, 12, 10, 0, 0).unwrap()
    );
    let message = sample("health-scheduled-change");
    let Notice::ScheduledChange(change) = &message.data.notice else {
        panic!("a scheduled change");
    };
    assert_eq!(
        event.get_uid(),
        Some(emailer::calendar::calendar_uid(&message, change).as_str())
    );
    assert_eq!(
        event.get_sequence(),
        Some(emailer::calendar::sequence(&message)),
        "a later communication's entry replaces this one"
    );
    assert!(emailer::calendar::sequence(&message) < i32::MAX as u32);
    assert_eq!(
        event.get_status(),
        None,
        "an upcoming change is not cancelled"
    );
    assert_eq!(
        event.get_summary(),
        Some("AWS retirement: web-01 (i-0abc1234def567890)")
    );
    let description = event.get_description().expect("a description");
    assert!(description.contains("AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED"));
    assert!(description.contains("EC2 has detected degradation"));
    assert_eq!(event.get_location(), Some("123456789012 eu-west-1"));
    let stamped = message.data.resource.processed_at.trunc_subsecs(0);
    assert_eq!(
        event.get_timestamp(),
        Some(stamped),
        "whole seconds in iCalendar"
    );
}

#[test]
fn the_raw_message_holds_text_html_and_the_calendar() {
    let email = render("health-scheduled-change");
    let recipients = [
        "ops@example.com".to_owned(),
        "oncall@example.com".to_owned(),
    ];
    let raw = raw_mime("ore@example.com", &recipients, &email).unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("a MIME message");
    assert_eq!(parsed.subject(), Some(email.subject.as_str()));
    let from = parsed
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address());
    assert_eq!(from, Some("ore@example.com"));
    let to: Vec<_> = parsed
        .to()
        .map(|a| a.iter().filter_map(|a| a.address()).collect())
        .unwrap_or_default();
    assert_eq!(to, ["ops@example.com", "oncall@example.com"]);
    // MIME text ends its lines with CRLF.
    let crlf = |text: &str| text.replace('\n', "\r\n");
    assert_eq!(
        parsed.body_text(0).map(|t| t.into_owned()),
        Some(crlf(&email.text))
    );
    assert_eq!(
        parsed.body_html(0).map(|t| t.into_owned()),
        Some(crlf(&email.html))
    );
    let attachment = parsed.attachment(0).expect("the calendar attachment");
    assert_eq!(
        attachment.attachment_name(),
        Some(email.attachments[0].filename.as_str())
    );
    let content_type = attachment.content_type().expect("a content type");
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("text", Some("calendar"))
    );
    assert_eq!(
        attachment.contents(),
        email.attachments[0].content.as_bytes()
    );
}

/// The committed Health event notice with `change` made to its message.
fn health_event_with(change: impl FnOnce(&mut serde_json::Value)) -> RenderedEmail {
    let mut message = load_json("events/notices/health-event.json");
    change(&mut message);
    let message = NoticeMessage::from_payload(message).unwrap();
    Renderer::new()
        .unwrap()
        .render_notice(&message, message.time + Duration::seconds(30))
        .unwrap()
}

#[test]
fn a_health_event_mail_says_what_aws_says_of_any_resource_and_when() {
    let email = render("health-event");
    assert_eq!(
        email.subject,
        "[123456789012 eu-west-1] orders (orders-db): RDS hardware maintenance scheduled on 8 Dec, 02:00-04:00 UTC, in 11 days"
    );
    assert!(email.attachments.is_empty());
    assert!(
        email.html.contains("Open in the RDS console"),
        "{}",
        email.html
    );

    let issue = health_event_with(|m| {
        m["data"]["health_event"]["category"] = "issue".into();
        m["data"]["health_event"]["event_type_code"] = "AWS_RDS_OPERATIONAL_ISSUE".into();
        m["data"]["health_event"]["status"] = "open".into();
    });
    assert_eq!(
        issue.subject,
        "[123456789012 eu-west-1] AWS RDS operational issue: orders (orders-db)"
    );
    assert!(issue
        .text
        .contains("is affected by an AWS RDS issue (operational issue)"));

    let closed = health_event_with(|m| m["data"]["health_event"]["status"] = "closed".into());
    assert_eq!(
        closed.subject,
        "[123456789012 eu-west-1] Closed: AWS RDS hardware maintenance scheduled for orders (orders-db)"
    );
    assert!(closed.text.contains("AWS Health has closed this event"));
}

#[test]
fn a_health_event_mail_says_why_a_resource_shows_no_tags() {
    let refused = health_event_with(|m| {
        let data = m["data"].as_object_mut().unwrap();
        data.remove("tags");
        data.remove("resource_name");
        data.insert("enrichment".into(), "unavailable".into());
        data.insert("enrichment_reason".into(), "<b>AccessDenied</b>".into());
    });
    let sentence = "ORE could not read this resource's tags in its account";
    assert!(refused.text.contains(sentence), "{}", refused.text);
    assert!(refused.html.contains(sentence));
    assert!(
        refused.html.contains("&lt;b&gt;AccessDenied"),
        "AWS's words escaped"
    );
    assert!(!refused.html.contains("<b>"));
    assert!(!refused.text.contains("EC2"), "{}", refused.text);

    let entity = health_event_with(|m| {
        let data = m["data"].as_object_mut().unwrap();
        for field in ["tags", "resource_name", "resource_arn"] {
            data.remove(field);
        }
        data.insert("resource_type".into(), "health:entity".into());
        data.insert("resource_id".into(), "<img src=x onerror=alert(1)>".into());
        data.insert("enrichment".into(), "not_applicable".into());
        m["subject"] = "<img src=x onerror=alert(1)>".into();
    });
    assert!(entity
        .text
        .contains("AWS Health names this entity without an ARN"));
    assert!(entity.text.contains("Entity:"), "{}", entity.text);
    assert!(!entity.html.contains("<img"), "{}", entity.html);
    assert!(!entity.text.contains("console:"), "no link for an entity");

    let account = health_event_with(|m| {
        let data = m["data"].as_object_mut().unwrap();
        for field in ["tags", "resource_name", "resource_arn"] {
            data.remove(field);
        }
        data.insert("resource_type".into(), "health:account".into());
        data.insert("resource_id".into(), "123456789012".into());
        data.insert("enrichment".into(), "not_applicable".into());
    });
    assert!(account.text.contains("this event is about the account"));
}

#[test]
fn a_later_communication_of_a_health_event_reads_as_an_update() {
    let mut message = load_json("events/notices/health-scheduled-change.json");
    message["data"]["scheduled_change"]["status"] = "open".into();
    message["data"]["scheduled_change"]["previous_status"] = "upcoming".into();
    let message = NoticeMessage::from_payload(message).unwrap();
    let email = Renderer::new()
        .unwrap()
        .render_notice(&message, message.time)
        .unwrap();
    assert!(
        email.subject.starts_with(
            "[123456789012 eu-west-1] Updated: web-01 (i-0abc1234def567890) will be retired"
        ),
        "{}",
        email.subject
    );
    let note = "AWS Health updated this event: it was upcoming, it is now open.";
    assert!(
        email.text.contains(note) && email.html.contains(note),
        "{}",
        email.text
    );

    let same =
        health_event_with(|m| m["data"]["health_event"]["previous_status"] = "upcoming".into());
    assert!(
        same.subject.contains("] Updated: orders (orders-db): RDS"),
        "{}",
        same.subject
    );
    assert!(same
        .text
        .contains("AWS Health updated this event (still upcoming)"));
}

/// A timed notice as the normalizer publishes it further into its timeline.
fn timed(name: &str, timing: serde_json::Value) -> RenderedEmail {
    let mut payload = load_json(&format!("events/notices/{name}.json"));
    payload["data"]["timing"] = timing;
    let message = NoticeMessage::from_payload(payload).unwrap();
    Renderer::new()
        .unwrap()
        .render_notice(&message, message.time + Duration::seconds(30))
        .unwrap()
}

#[test]
fn a_timed_notice_mail_tells_its_history() {
    // The sixth task of the service to stop within 30 minutes, all with the same stop code.
    let email = timed(
        "ecs-task-state-change",
        serde_json::json!({
            "previous_state": "EssentialContainerExited",
            "previous_state_since": "2026-11-26T10:55:00Z",
            "previous_state_seconds": 1500,
            "late": false,
            "flapping": {"transitions": 6, "window_seconds": 1800}
        }),
    );
    golden("notice-ecs-task-state-change-flapping.txt", &email.text);
    golden("notice-ecs-task-state-change-flapping.html", &email.html);
    assert!(
        email.text.contains(
            "Before this: EssentialContainerExited for 25 min (since 2026-11-26 10:55:00 UTC)."
        ),
        "{}",
        email.text
    );
    assert!(email.text.contains("Flapping: 6 events within 30 min."));
    assert!(
        email
            .subject
            .ends_with("stopped: web exited with code 137 - flapping"),
        "the subject says it, as a state change's does: {}",
        email.subject
    );

    // A stop older than the start ORE recorded: history, and what is current.
    let email = timed(
        "rds-db-instance-event",
        serde_json::json!({
            "previous_state": null, "previous_state_since": null,
            "previous_state_seconds": null, "late": true, "current_state": "started"
        }),
    );
    assert!(
        email.text.contains("Late event: ORE recorded a newer event of this resource first, so this one is history. The latest is started."),
        "{}",
        email.text
    );
    assert!(!email.text.contains("Before this"));
    assert!(
        email.subject.ends_with(" (late event)"),
        "{}",
        email.subject
    );

    // The first event of a timeline says nothing of history.
    let email = render("rds-db-instance-event");
    assert!(!email.text.contains("History"), "{}", email.text);
    assert!(!email.html.contains(">History<"));
}
