//! A rendered mail and the port that sends it ([`SendMail`]), with its SES v2 adapter (`ses`)
//! and its recording fake (`memory`, feature `test-util`).

use std::future::Future;

use ore_lambda::RecordError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod ses;

/// A mail ready to send: what the emailer renders and the mail port sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// One line, no newline.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// Files sent with the mail (a scheduled change's calendar entry); none for most mails.
    pub attachments: Vec<Attachment>,
}

impl RenderedEmail {
    /// The IAM action SES authorises this mail's `SendEmail` as: a mail with attachments goes as
    /// raw MIME content, which SES checks as `ses:SendRawEmail` (docs/aws-names.yaml cites the
    /// pages); a simple one as `ses:SendEmail`. The emailer's role grants both.
    pub fn send_action(&self) -> &'static str {
        if self.attachments.is_empty() {
            "ses:SendEmail"
        } else {
            "ses:SendRawEmail"
        }
    }
}

/// A file attached to a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the mail client shows, e.g. `maintenance.ics`.
    pub filename: String,
    /// Its MIME type, e.g. `text/calendar; method=PUBLISH`.
    pub content_type: String,
    /// Its content.
    pub content: String,
}

/// Sending a mail to recipients from configuration (never from an event).
pub trait SendMail {
    /// Send `email` to `to`; the error says whether a retry can help.
    fn send(
        &self,
        to: &[String],
        email: &RenderedEmail,
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}
