//! Standard message -> the email a person reads: a subject to triage from the inbox list, and a
//! plain-text and an HTML body from the templates in `templates/` (compiled into the binary).
//! Every user-controlled value reaches the HTML through the template engine's auto-escaping.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::Environment;
use ore_lambda::error::Chain;
use ore_lambda::RecordError;
use ore_model::notice::{Notice, NoticeMessage};
use ore_model::standard::StandardMessage;
use serde::Serialize;

use crate::calendar;
use crate::digest::{DigestView, NoticeLine};
use crate::mail::RenderedEmail;
use crate::notice::NoticeView;
use crate::routing::Recipients;
use crate::state_change::StateChangeView;

const WORDS_TEMPLATE: &str = "words.txt";
const TEXT_TEMPLATE: &str = "email.txt";
const HTML_TEMPLATE: &str = "email.html";
const NOTICE_TEXT_TEMPLATE: &str = "notice.txt";
const NOTICE_HTML_TEMPLATE: &str = "notice.html";
const DIGEST_TEXT_TEMPLATE: &str = "digest.txt";
const DIGEST_HTML_TEMPLATE: &str = "digest.html";
/// The compiled-in templates, by name. `words.txt` holds the phrases every mail builds from facts
/// (subject lines included); `instance.*` (the instance's details, tags and console link) is
/// included by every single mail.
pub const TEMPLATES: [(&str, &str); 9] = [
    (WORDS_TEMPLATE, include_str!("../templates/words.txt")),
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
/// A template from the source that is not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The template's name (`email.html`).
    pub template: String,
    /// Why it is not used.
    pub reason: String,
}

/// Whether a notice's mail carries a calendar entry (a scheduled change's window): such a mail
/// keeps to itself, as a digest carries no attachment.
pub(crate) fn has_calendar(message: &NoticeMessage) -> bool {
    matches!(message.data.notice, Notice::ScheduledChange(_))
}

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
        // A name no view has is an error, not an empty string: a replacement written for another
        // version of the views is refused by the sample check instead of mailing blanks.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
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
        let notices = samples::notices();
        for message in &notices {
            self.render_notice(message, message.time)
                .map_err(|e| fail("a notice", e))?;
        }
        let members: Vec<&StandardMessage> = changes.iter().collect();
        let notice_members: Vec<&NoticeMessage> =
            notices.iter().filter(|n| !has_calendar(n)).collect();
        let recipients = Recipients {
            route: Some("sample".into()),
            to: Vec::new(),
        };
        self.render_digest(&members, &[], &recipients, changes[0].time)
            .map_err(|e| fail("a digest", e))?;
        self.render_digest(&members, &notice_members, &recipients, changes[0].time)
            .map_err(|e| fail("a digest with notices", e))?;
        Ok(())
    }

    /// A notice's mail: what will happen and when, AWS's words, and for a scheduled change an
    /// iCalendar entry of the window.
    pub fn render_notice(
        &self,
        message: &NoticeMessage,
        now: DateTime<Utc>,
    ) -> Result<RenderedEmail, RecordError> {
        let mut view = NoticeView::new(message, now);
        view.subject = self.subject("notice_subject", &view)?;
        let text = self.render_view(NOTICE_TEXT_TEMPLATE, &view)?;
        let html = self.render_view(NOTICE_HTML_TEMPLATE, &view)?;
        let attachments = match &message.data.notice {
            Notice::ScheduledChange(change) if has_calendar(message) => {
                vec![calendar::attachment(message, change)]
            }
            _ => Vec::new(),
        };
        Ok(RenderedEmail {
            subject: view.subject,
            text,
            html,
            attachments,
        })
    }

    /// The subject line `macro` of `words.txt` writes for `view`, on one line whatever a
    /// replacement template writes: control characters become spaces, the ends are trimmed.
    fn subject<V: Serialize>(&self, r#macro: &str, view: &V) -> Result<String, RecordError> {
        let words = self
            .env
            .get_template(WORDS_TEMPLATE)
            .and_then(|t| t.render_captured(()))
            .map_err(|e| RecordError::local("render the subject", e))?;
        let mut words = words;
        let line = words
            .with_state_mut(|state| {
                state.call_macro(
                    r#macro,
                    &[minijinja::Value::from(minijinja::value::Serde(view))],
                )
            })
            .map_err(|e| RecordError::local("render the subject", e))?;
        let line: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        Ok(line.trim().to_owned())
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
        notices: &[&NoticeMessage],
        recipients: &Recipients,
        now: DateTime<Utc>,
    ) -> Result<RenderedEmail, RecordError> {
        let lines = notices
            .iter()
            .map(|notice| {
                let resource = &notice.data.resource;
                let line = NoticeLine {
                    kind: notice.kind().as_str(),
                    subject: self.subject("notice_subject", &NoticeView::new(notice, now))?,
                    message_id: notice.id.clone(),
                    time: notice.time,
                    console_url: crate::format::resource_console(
                        &resource.partition,
                        &resource.region,
                        &resource.resource_type,
                        &resource.resource_id,
                    )
                    .map(|(url, _)| url),
                };
                Ok((line, (resource.account_label(), resource.region.clone())))
            })
            .collect::<Result<Vec<_>, RecordError>>()?;
        let mut view = DigestView::new(messages, lines, recipients, now);
        view.subject = self.subject("digest_subject", &view)?;
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
        let mut view = StateChangeView::new(message, now);
        view.subject = self.subject("state_change_subject", &view)?;
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
    include!(concat!(env!("OUT_DIR"), "/notice_samples.rs"));

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
    use super::*;

    #[test]
    fn the_compiled_in_templates_render_every_sample() {
        let renderer = Renderer::new().unwrap();
        assert_eq!(samples::state_changes().len(), 3);
        let committed =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/notices"))
                .unwrap()
                .filter(|entry| {
                    entry
                        .as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
                })
                .count();
        assert!(committed >= 3);
        assert_eq!(
            samples::notices().len(),
            committed,
            "every committed notice parses"
        );
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
}
