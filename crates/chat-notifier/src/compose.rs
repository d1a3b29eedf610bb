//! What a post says: the mail's own words (its subject is the title, its text the description:
//! `emailer`'s renderer, one home per sentence), in a custom notification with the resource's
//! console page as the next step, its ARN as the thread, and its state or kind, account and region
//! as keywords.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use emailer::format::resource_console;
use emailer::{Recipients, RenderedEmail, Renderer};
use ore_lambda::RecordError;
use ore_model::notice::NoticeMessage;
use ore_model::resource::Resource;
use ore_model::standard::StandardMessage;

use crate::notification::{
    description, escape, link, title, Content, CustomNotification, Metadata, SOURCE, TEXT_TYPE,
    VERSION,
};
use crate::routes::ChatRoute;

/// The `metadata.eventType` of a digest (ORE's messages carry their own type).
pub const DIGEST_EVENT_TYPE: &str = "org.ore.digest";
/// Resources a digest's `relatedResources` names at most.
const MAX_RELATED: usize = 20;

/// Writes posts with the mail's renderer (compiled-in templates).
pub struct Composer {
    renderer: Renderer,
}

/// The resource's console page, as a link, and the console's name.
fn console(resource: &Resource) -> Option<(String, &'static str)> {
    resource_console(
        &resource.partition,
        &resource.region,
        &resource.resource_type,
        &resource.resource_id,
    )
    .map(|(url, name)| (link(&url, &format!("{name} console")), name))
}

fn post(
    id: &str,
    event_type: &str,
    email: &RenderedEmail,
    resources: &[&Resource],
    keywords: Vec<String>,
    thread: bool,
) -> CustomNotification {
    let first = resources.first();
    let console = first.and_then(|r| console(r));
    let more = match &console {
        Some((link, _)) if resources.len() == 1 => {
            format!("The whole message is in the mail, and at {link}.")
        }
        _ => "The whole message is in the mail.".to_owned(),
    };
    let mut additional_context = BTreeMap::from([("ore_message_id".to_owned(), id.to_owned())]);
    if let Some(resource) = first.filter(|_| resources.len() == 1) {
        additional_context.insert("account".to_owned(), resource.account.clone());
        additional_context.insert("region".to_owned(), resource.region.clone());
    }
    let named = |r: &&Resource| {
        r.resource_arn
            .clone()
            .unwrap_or_else(|| r.resource_id.clone())
    };
    CustomNotification {
        version: VERSION,
        source: SOURCE,
        id: id.to_owned(),
        content: Content {
            text_type: TEXT_TYPE,
            title: title(&email.subject),
            description: description(&email.text, &more),
            next_steps: console
                .filter(|_| resources.len() == 1)
                .map(|(link, _)| format!("Open it in the {link}"))
                .into_iter()
                .collect(),
            keywords: keywords.iter().map(|k| escape(k)).collect(),
        },
        metadata: Metadata {
            thread_id: thread.then(|| first.map(named)).flatten(),
            summary: title(&email.subject),
            event_type: event_type.to_owned(),
            related_resources: resources.iter().take(MAX_RELATED).map(named).collect(),
            additional_context,
        },
    }
}

/// One message's post: keywords its state or kind, its account and its region.
fn single(
    id: &str,
    event_type: &str,
    email: &RenderedEmail,
    resource: &Resource,
    label: &str,
) -> CustomNotification {
    let keywords = vec![
        label.to_owned(),
        resource.account_label(),
        resource.region.clone(),
    ];
    post(id, event_type, email, &[resource], keywords, true)
}

impl Composer {
    /// A composer with the mail's compiled-in templates.
    pub fn new() -> Result<Self, String> {
        Renderer::new()
            .map(|renderer| Composer { renderer })
            .map_err(|e| e.to_string())
    }

    /// A state change's post, in its resource's thread.
    pub fn state_change(
        &self,
        message: &StandardMessage,
        now: DateTime<Utc>,
    ) -> Result<CustomNotification, RecordError> {
        let email = self.renderer.render(message, now)?;
        Ok(single(
            &message.id,
            &message.event_type,
            &email,
            &message.data.resource,
            message.data.state.as_str(),
        ))
    }

    /// A notice's post, in its resource's thread.
    pub fn notice(
        &self,
        message: &NoticeMessage,
        now: DateTime<Utc>,
    ) -> Result<CustomNotification, RecordError> {
        let email = self.renderer.render_notice(message, now)?;
        Ok(single(
            &message.id,
            &message.event_type,
            &email,
            &message.data.resource,
            message.kind().as_str(),
        ))
    }

    /// One post for a burst to one channel: the digest mail's words.
    pub fn digest(
        &self,
        changes: &[&StandardMessage],
        notices: &[&NoticeMessage],
        route: &ChatRoute,
        now: DateTime<Utc>,
    ) -> Result<CustomNotification, RecordError> {
        let recipients = Recipients {
            route: route.name.clone(),
            to: Vec::new(),
        };
        let mut email = self
            .renderer
            .render_digest(changes, notices, &recipients, now)?;
        // The chat shows the digest's table; each change's details (the mail's "Details" part)
        // stay in the mail. Without that heading (a changed template) the text is cut at the limit.
        if let Some((table, _)) = email.text.split_once("\n\nDetails\n") {
            email.text = format!("{table}\n\nEach change's details are in the mail.");
        }
        let ids: Vec<&str> = changes
            .iter()
            .map(|m| m.id.as_str())
            .chain(notices.iter().map(|m| m.id.as_str()))
            .collect();
        let resources: Vec<&Resource> = changes
            .iter()
            .map(|m| &m.data.resource)
            .chain(notices.iter().map(|m| &m.data.resource))
            .collect();
        let keywords = vec![
            "digest".to_owned(),
            route.route_name().to_owned(),
            format!("{} messages", ids.len()),
        ];
        let id = emailer::digest::digest_id(&ids);
        let mut digest = post(&id, DIGEST_EVENT_TYPE, &email, &resources, keywords, false);
        // How many messages it holds (relatedResources names at most 20 of their resources).
        digest
            .metadata
            .additional_context
            .insert("messages".to_owned(), ids.len().to_string());
        Ok(digest)
    }
}
