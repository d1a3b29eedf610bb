//! The custom notification Amazon Q Developer in chat applications shows in a Slack or Microsoft
//! Teams channel (its admin guide, "Custom notifications": the event format, `version` "1.0",
//! `source` "custom", `textType` "client-markdown"), and how ORE writes one from a mail.
//!
//! The guide's page gives no length limits for the fields. ORE keeps each well inside what the
//! chat platforms show ([`MAX_TITLE_CHARS`], [`MAX_DESCRIPTION_CHARS`]) and cuts a longer text at a
//! line, saying where the whole of it is: the mail, and the resource's console page.

use std::collections::BTreeMap;

use serde::Serialize;

/// `version`: "Must be 1.0."
pub const VERSION: &str = "1.0";
/// `source`: "Must be custom."
pub const SOURCE: &str = "custom";
/// "Only client-markdown textType is currently supported."
pub const TEXT_TYPE: &str = "client-markdown";
/// ORE's bound on a title (one line).
pub const MAX_TITLE_CHARS: usize = 250;
/// ORE's bound on a description: Slack shows at most 3,000 characters in one text section.
pub const MAX_DESCRIPTION_CHARS: usize = 3_000;

/// One custom notification, serialized as the SNS message a channel's topic carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomNotification {
    /// [`VERSION`].
    pub version: &'static str,
    /// [`SOURCE`].
    pub source: &'static str,
    /// The ORE message's id (a digest's own id for a digest).
    pub id: String,
    /// What the channel shows.
    pub content: Content,
    /// How the channel files it.
    pub metadata: Metadata,
}

/// The notification's visible part.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    /// [`TEXT_TYPE`].
    pub text_type: &'static str,
    /// The mail's subject.
    pub title: String,
    /// The mail's text, in the chat platform's markdown, cut at [`MAX_DESCRIPTION_CHARS`].
    pub description: String,
    /// Links to act on: the resource's console page.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
    /// The state or kind, the account, the region.
    pub keywords: Vec<String>,
}

/// The notification's filing: posts about one resource share a thread.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// The resource's ARN (or id): its later posts thread under the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// One line: the title.
    pub summary: String,
    /// The ORE message's type (`org.ore.digest` for a digest).
    pub event_type: String,
    /// The resources the post is about.
    pub related_resources: Vec<String>,
    /// ORE's own references (message id, account, region).
    pub additional_context: BTreeMap<String, String>,
}

/// The hosts of the AWS consoles ORE links to (`emailer::format::resource_console`): a URL to
/// one of them stays a link.
const CONSOLE_HOSTS: [&str; 3] = [
    "console.aws.amazon.com",
    "console.amazonaws.cn",
    "console.amazonaws-us-gov.com",
];
/// Breaks a link's syntax without showing: U+2060 WORD JOINER.
const INERT: char = '\u{2060}';

/// Text for the chat platform's markdown, which is the account's users' words (tag values, names)
/// as much as ORE's:
/// - `&`, `<` and `>` are its control characters (`<!channel>` would mention everyone,
///   `<https://…|text>` make a link of ORE's message), so they are written as entities, as Slack's
///   message formatting asks;
/// - a markdown link (`[text](url)`, which Teams renders) is broken with an invisible joiner;
/// - a URL is made inert the same way (chat clients link bare URLs) unless it is an AWS console
///   page, which is what ORE's own text links to.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    let out = out.replace("](", &format!("]{INERT}("));
    inert_urls(&out)
}

/// Every `scheme://` in `text` whose host is not an AWS console, broken after its colon.
fn inert_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let host: String = rest[at + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        let console = CONSOLE_HOSTS
            .iter()
            .any(|h| host == *h || host.ends_with(&format!(".{h}")));
        out.push_str(&rest[..at + 1]);
        if !console {
            out.push(INERT);
        }
        out.push_str("//");
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// `text` cut to at most `max` characters, never inside an entity `escape` wrote (`&amp;`).
fn cut_chars(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max).collect();
    if let Some(amp) = cut.rfind('&') {
        if !cut[amp..].contains(';') {
            cut.truncate(amp);
        }
    }
    cut
}

/// A link in the chat platform's markdown (`<url|label>`), for a URL ORE built itself.
pub fn link(url: &str, label: &str) -> String {
    format!("<{}|{}>", url, escape(label))
}

/// The mail's subject as a title: one line, escaped, at most [`MAX_TITLE_CHARS`].
pub fn title(subject: &str) -> String {
    let line: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let escaped = escape(line.trim());
    if escaped.chars().count() <= MAX_TITLE_CHARS {
        return escaped;
    }
    let mut cut = cut_chars(&escaped, MAX_TITLE_CHARS - 1);
    cut.push('…');
    cut
}

/// The plain-text mail as a description: its first line is the title and its signature is ORE's
/// mail footer, so both are left out; the rest is escaped and, past [`MAX_DESCRIPTION_CHARS`], cut
/// at a line with `more` (where the whole text is) after it.
pub fn description(mail_text: &str, more: &str) -> String {
    let body = mail_text.split("\n--\n").next().unwrap_or(mail_text);
    let body = body.split_once('\n').map_or("", |(_, rest)| rest).trim();
    let escaped = escape(body);
    if escaped.chars().count() <= MAX_DESCRIPTION_CHARS {
        return escaped;
    }
    let room = MAX_DESCRIPTION_CHARS.saturating_sub(more.chars().count() + 3);
    let mut kept = String::new();
    for line in escaped.lines() {
        if kept.chars().count() + line.chars().count() + 1 > room {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    if kept.is_empty() {
        // One line longer than the room: cut inside it.
        kept = cut_chars(&escaped, room);
        kept.push('\n');
    }
    format!("{kept}…\n{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_of_the_chat_markdown_are_entities() {
        assert_eq!(
            escape("<!channel> & <https://evil.example|click>"),
            "&lt;!channel&gt; &amp; &lt;https:\u{2060}//evil.example|click&gt;"
        );
        assert_eq!(escape("a\tb\u{7}c\nd"), "a b c\nd");
    }

    #[test]
    fn a_title_is_one_line_and_cut_with_an_ellipsis() {
        assert_eq!(
            title(" web-01\nis <now> stopped "),
            "web-01 is &lt;now&gt; stopped"
        );
        let long = "x".repeat(400);
        let cut = title(&long);
        assert_eq!(cut.chars().count(), MAX_TITLE_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_description_is_the_mail_without_its_headline_and_footer() {
        let text =
            "web-01 is now STOPPED\nThe instance is stopped.\n\nAccount: 1\n\n--\nSent by ORE";
        assert_eq!(
            description(text, "more"),
            "The instance is stopped.\n\nAccount: 1"
        );
    }

    #[test]
    fn a_long_description_is_cut_at_a_line_and_says_where_the_rest_is() {
        let lines: Vec<String> = (0..400)
            .map(|i| format!("line {i:03} of the mail"))
            .collect();
        let text = format!("headline\n{}\n--\nfooter", lines.join("\n"));
        let cut = description(&text, "The whole message: <https://console|EC2 console>");
        assert!(
            cut.chars().count() <= MAX_DESCRIPTION_CHARS,
            "{}",
            cut.len()
        );
        assert!(cut.starts_with("line 000 of the mail\n"));
        assert!(cut.ends_with("…\nThe whole message: <https://console|EC2 console>"));
        let last_kept = cut.lines().rev().nth(2).unwrap();
        assert!(last_kept.starts_with("line ") && last_kept.ends_with("of the mail"));

        let one_line = format!("headline\n{}", "y".repeat(10_000));
        let cut = description(&one_line, "more");
        assert!(cut.chars().count() <= MAX_DESCRIPTION_CHARS);
        assert!(cut.ends_with("…\nmore"));
    }
}
