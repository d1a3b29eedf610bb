//! Standard message -> the email a person reads: a subject to triage from the inbox list, and a
//! plain-text and an HTML body from the templates in `templates/` (compiled into the binary).
//! Every user-controlled value reaches the HTML through the template engine's auto-escaping.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::Environment;
use ore_lambda::error::Chain;
use ore_lambda::ports::RenderedEmail;
use ore_lambda::RecordError;
use ore_model::ec2::InstanceState;
use ore_model::notice::{Notice, NoticeMessage};
use ore_model::standard::{EnrichmentStatus, InstanceDetails, Resource, StandardMessage};
use ore_model::timing::{human_duration, Timing};
use serde::Serialize;

use crate::calendar;
use crate::digest::DigestView;
use crate::notice::NoticeView;
use crate::routing::Recipients;
use crate::templates::Refused;

const TEXT_TEMPLATE: &str = "email.txt";
const HTML_TEMPLATE: &str = "email.html";
const NOTICE_TEXT_TEMPLATE: &str = "notice.txt";
const NOTICE_HTML_TEMPLATE: &str = "notice.html";
const DIGEST_TEXT_TEMPLATE: &str = "digest.txt";
const DIGEST_HTML_TEMPLATE: &str = "digest.html";
/// The compiled-in templates, by name. `instance.*` (the instance's details, tags and console
/// link) is included by every single mail.
pub const TEMPLATES: [(&str, &str); 8] = [
    ("instance.txt", include_str!("../templates/instance.txt")),
    ("instance.html", include_str!("../templates/instance.html")),
    (TEXT_TEMPLATE, include_str!("../templates/email.txt")),
    (HTML_TEMPLATE, include_str!("../templates/email.html")),
    (
        NOTICE_TEXT_TEMPLATE,
        include_str!("../templates/notice.txt"),
    ),
    (
        NOTICE_HTML_TEMPLATE,
        include_str!("../templates/notice.html"),
    ),
    (
        DIGEST_TEXT_TEMPLATE,
        include_str!("../templates/digest.txt"),
    ),
    (
        DIGEST_HTML_TEMPLATE,
        include_str!("../templates/digest.html"),
    ),
];
/// Longer names are cut in the subject (the body shows them whole).
const SUBJECT_NAME_CHARS: usize = 60;

/// The template environment, built once per cold start.
pub struct Renderer {
    env: Environment<'static>,
    /// The templates replaced (names), for the log line.
    overridden: Vec<String>,
}

impl Renderer {
    /// The compiled-in templates, each parsed once, on first use.
    pub fn new() -> Result<Self, minijinja::Error> {
        Self::from_sources(BTreeMap::new())
    }

    /// The compiled-in templates, with `replacements` (name, source) each used only when it
    /// parses and renders every committed sample message, alone and with the others; what is
    /// refused says why. Fails only if the compiled-in templates themselves cannot be set up.
    pub fn with_overrides(
        replacements: Vec<(String, String)>,
    ) -> Result<(Self, Vec<Refused>), minijinja::Error> {
        let mut accepted = BTreeMap::new();
        let mut refused = Vec::new();
        for (name, source) in replacements {
            if !TEMPLATES.iter().any(|(known, _)| *known == name) {
                refused.push(Refused {
                    template: name,
                    reason: "no compiled-in template has this name".into(),
                });
                continue;
            }
            let alone = BTreeMap::from([(name.clone(), source.clone())]);
            match Self::from_sources(alone)?.check() {
                Ok(()) => {
                    accepted.insert(name, source);
                }
                Err(reason) => refused.push(Refused {
                    template: name,
                    reason,
                }),
            }
        }
        let together = Self::from_sources(accepted.clone())?;
        match together.check() {
            Ok(()) => Ok((together, refused)),
            Err(reason) => {
                refused.extend(accepted.into_keys().map(|template| Refused {
                    template,
                    reason: format!("fails with the other replacements: {reason}"),
                }));
                Ok((Self::new()?, refused))
            }
        }
    }

    /// The names of the templates replaced.
    pub fn overridden(&self) -> Vec<String> {
        self.overridden.clone()
    }

    fn from_sources(replacements: BTreeMap<String, String>) -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()?,
        );
        env.add_filter("format_label", |label: String| format!("{label:<20}"));
        let overridden = replacements.keys().cloned().collect();
        // Auto-escaping follows the template name: HTML for `.html`, none for `.txt`. Each
        // template is parsed when a mail first needs it, not at init: a state change's mail never
        // pays for the notice templates, and init stays at the floor.
        env.set_loader(move |name| {
            Ok(replacements.get(name).cloned().or_else(|| {
                TEMPLATES
                    .iter()
                    .find(|(known, _)| *known == name)
                    .map(|(_, source)| (*source).to_owned())
            }))
        });
        Ok(Renderer { env, overridden })
    }

    /// Every template parses and every committed sample message renders: a state change, a
    /// late and flapping one, each notice kind, and a digest of them.
    pub fn check(&self) -> Result<(), String> {
        for (name, _) in TEMPLATES {
            self.env
                .get_template(name)
                .map_err(|e| format!("{name} does not parse: {e:#}"))?;
        }
        let fail = |what: &str, e: RecordError| format!("rendering {what}: {}", Chain(&e));
        let changes = samples::state_changes();
        for message in &changes {
            self.render(message, message.time)
                .map_err(|e| fail("a state change", e))?;
        }
        for message in samples::notices() {
            self.render_notice(&message, message.time)
                .map_err(|e| fail("a notice", e))?;
        }
        let members: Vec<&StandardMessage> = changes.iter().collect();
        let recipients = Recipients {
            route: Some("sample".into()),
            to: Vec::new(),
        };
        self.render_digest(&members, &recipients, changes[0].time)
            .map_err(|e| fail("a digest", e))?;
        Ok(())
    }

    /// A notice's mail: what will happen and when, AWS's words, and for a scheduled change an
    /// iCalendar entry of the window.
    pub fn render_notice(
        &self,
        message: &NoticeMessage,
        now: DateTime<Utc>,
    ) -> Result<RenderedEmail, RecordError> {
        let view = NoticeView::new(message, now);
        let text = self.render_view(NOTICE_TEXT_TEMPLATE, &view)?;
        let html = self.render_view(NOTICE_HTML_TEMPLATE, &view)?;
        let attachments = match &message.data.notice {
            Notice::ScheduledChange(change) => vec![calendar::attachment(message, change)],
            _ => Vec::new(),
        };
        Ok(RenderedEmail {
            subject: view.subject,
            text,
            html,
            attachments,
        })
    }

    fn render_view<V: Serialize>(&self, name: &str, view: &V) -> Result<String, RecordError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(minijinja::value::Serde(view)))
            .map_err(|e| RecordError::local("render email", e))
    }

    /// One mail for a burst of state changes to the same recipients.
    pub fn render_digest(
        &self,
        messages: &[&StandardMessage],
        recipients: &Recipients,
        now: DateTime<Utc>,
    ) -> Result<RenderedEmail, RecordError> {
        let view = DigestView::new(messages, recipients, now);
        let text = self.render_view(DIGEST_TEXT_TEMPLATE, &view)?;
        let html = self.render_view(DIGEST_HTML_TEMPLATE, &view)?;
        Ok(RenderedEmail {
            subject: view.subject,
            text,
            html,
            attachments: Vec::new(),
        })
    }

    /// `now` is when the mail is built, for "how long ago" the change happened.
    pub fn render(
        &self,
        message: &StandardMessage,
        now: DateTime<Utc>,
    ) -> Result<RenderedEmail, RecordError> {
        let view = EmailView::new(message, now);
        let text = self.render_view(TEXT_TEMPLATE, &view)?;
        let html = self.render_view(HTML_TEMPLATE, &view)?;
        Ok(RenderedEmail {
            subject: view.subject,
            text,
            html,
            attachments: Vec::new(),
        })
    }
}

/// Everything the templates show, already formatted: templates only lay it out.
#[derive(Debug, Serialize)]
pub(crate) struct EmailView<'a> {
    subject: String,
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

impl<'a> EmailView<'a> {
    pub(crate) fn new(message: &'a StandardMessage, now: DateTime<Utc>) -> Self {
        let data = &message.data;
        let instance = &data.resource.instance;
        let style = StateStyle::of(data.state);
        EmailView {
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

/// What EC2 said of the instance, labelled, skipping what it did not say.
pub(crate) fn instance_details(instance: &InstanceDetails) -> Vec<(&'static str, Cow<'_, str>)> {
    fn borrowed(value: &Option<String>) -> Option<Cow<'_, str>> {
        value.as_deref().map(Cow::Borrowed)
    }
    [
        ("Instance type", borrowed(&instance.instance_type)),
        ("Availability zone", borrowed(&instance.availability_zone)),
        ("Private IPv4", borrowed(&instance.private_ip)),
        ("Public IPv4", borrowed(&instance.public_ip)),
        ("VPC", borrowed(&instance.vpc_id)),
        ("Subnet", borrowed(&instance.subnet_id)),
        (
            "Launched",
            instance
                .launch_time
                .as_ref()
                .map(|t| Cow::Owned(human_time(t))),
        ),
        ("Platform", borrowed(&instance.platform)),
        ("Architecture", borrowed(&instance.architecture)),
    ]
    .into_iter()
    .filter_map(|(label, value)| Some((label, value?)))
    .collect()
}

/// The instance's tags, key and value (escaped by the HTML template).
pub(crate) fn instance_tags(instance: &InstanceDetails) -> Vec<(&str, &str)> {
    instance
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
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

/// `web-01 (i-0abc…)`, or the id alone: control characters removed so a tag cannot break the
/// header, long names cut.
pub(crate) fn subject_who(resource: &Resource) -> String {
    let name: String = resource
        .display_name()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = truncate(name.trim(), SUBJECT_NAME_CHARS);
    if name == resource.resource_id {
        name
    } else {
        format!("{name} ({})", resource.resource_id)
    }
}

pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars - 1).collect();
    cut.push('…');
    cut
}

pub(crate) struct StateStyle {
    pub(crate) label: &'static str,
    /// A badge colour readable with white text on light and dark backgrounds.
    pub(crate) color: &'static str,
    pub(crate) meaning: &'static str,
}

impl StateStyle {
    pub(crate) fn of(state: InstanceState) -> Self {
        let (label, color, meaning) = match state {
            InstanceState::Pending => ("Pending", "#b7791f", "The instance is starting up."),
            InstanceState::Running => ("Running", "#2f855a", "The instance is up and billed."),
            InstanceState::Stopping => (
                "Stopping",
                "#c05621",
                "The instance is shutting down to stopped.",
            ),
            InstanceState::Stopped => (
                "Stopped",
                "#4a5568",
                "The instance is stopped; its EBS volumes remain.",
            ),
            InstanceState::ShuttingDown => (
                "Shutting down",
                "#c53030",
                "The instance is being terminated.",
            ),
            InstanceState::Terminated => {
                ("Terminated", "#9b2c2c", "The instance is gone for good.")
            }
        };
        StateStyle {
            label,
            color,
            meaning,
        }
    }
}

pub(crate) fn human_time(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// "just now", "5 minutes ago", "2 hours ago"; a future time (clock skew) says so.
pub fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    if seconds < -60 {
        return format!("{} from now (clock skew?)", span(-seconds));
    }
    if seconds < 60 {
        return "just now".to_owned();
    }
    format!("{} ago", span(seconds))
}

pub(crate) fn span(seconds: i64) -> String {
    let (count, unit) = match seconds {
        s if s < 3_600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3_600, "hour"),
        s => (s / 86_400, "day"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

/// The instance's page in the EC2 console of its partition and region.
pub fn console_url(partition: &str, region: &str, instance_id: &str) -> Option<String> {
    let host = match partition {
        "aws" => format!("{region}.console.aws.amazon.com"),
        "aws-cn" => format!("{region}.console.amazonaws.cn"),
        "aws-us-gov" => "console.amazonaws-us-gov.com".to_owned(),
        _ => return None,
    };
    Some(format!(
        "https://{host}/ec2/home?region={region}#InstanceDetails:instanceId={instance_id}"
    ))
}

/// The committed sample messages a replacement template must render (compiled in; parsed only
/// when a replacement is checked).
mod samples {
    use ore_model::notice::NoticeMessage;
    use ore_model::standard::StandardMessage;
    use ore_model::Payload;

    const STATE_CHANGES: [&str; 3] = [
        include_str!("../../../events/standard/message-stopped.json"),
        include_str!("../../../events/standard/message-running.json"),
        include_str!("../../../events/standard/message-terminated.json"),
    ];
    const NOTICES: [&str; 3] = [
        include_str!("../../../events/notices/health-scheduled-change.json"),
        include_str!("../../../events/notices/ec2-spot-interruption-warning.json"),
        include_str!("../../../events/notices/ec2-rebalance-recommendation.json"),
    ];

    /// The samples, the second made late and flapping so those parts render too.
    pub(super) fn state_changes() -> Vec<StandardMessage> {
        let mut messages: Vec<StandardMessage> = STATE_CHANGES
            .iter()
            .filter_map(|text| StandardMessage::from_payload(serde_json::from_str(text).ok()?).ok())
            .collect();
        if let Some(timing) = messages.get_mut(1).and_then(|m| m.data.timing.as_mut()) {
            timing.late = true;
            timing.current_state = Some(ore_model::ec2::InstanceState::Stopped);
            timing.flapping = Some(ore_model::timing::Flapping {
                transitions: 4,
                window_seconds: 600,
            });
        }
        messages
    }

    pub(super) fn notices() -> Vec<NoticeMessage> {
        NOTICES
            .iter()
            .filter_map(|text| NoticeMessage::from_payload(serde_json::from_str(text).ok()?).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ago_reads_naturally() {
        let then = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
        let at = |s: i64| then + chrono::Duration::seconds(s);
        assert_eq!(ago(at(5), then), "just now");
        assert_eq!(ago(at(60), then), "1 minute ago");
        assert_eq!(ago(at(3 * 60 + 59), then), "3 minutes ago");
        assert_eq!(ago(at(2 * 3600), then), "2 hours ago");
        assert_eq!(ago(at(3 * 86400), then), "3 days ago");
        assert_eq!(ago(at(-600), then), "10 minutes from now (clock skew?)");
    }

    #[test]
    fn console_links_follow_the_partition() {
        assert_eq!(
            console_url("aws", "eu-west-1", "i-0abc1234def567890").unwrap(),
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0abc1234def567890"
        );
        assert!(console_url("aws-cn", "cn-north-1", "i-1")
            .unwrap()
            .contains("console.amazonaws.cn"));
        assert!(console_url("aws-iso", "us-iso-east-1", "i-1").is_none());
    }

    #[test]
    fn the_compiled_in_templates_render_every_sample() {
        let renderer = Renderer::new().unwrap();
        assert_eq!(samples::state_changes().len(), 3);
        assert_eq!(samples::notices().len(), 3);
        renderer.check().unwrap();
    }

    #[test]
    fn every_compiled_in_template_parses() {
        // Parsing is lazy (on first use): this is the check init no longer makes.
        let renderer = Renderer::new().unwrap();
        for (name, _) in TEMPLATES {
            assert!(renderer.env.get_template(name).is_ok(), "{name}");
        }
        assert!(renderer.env.get_template("missing.html").is_err());
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
